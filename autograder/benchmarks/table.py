r"""The grading table of ``make bench`` and the targets of issue 15 each row is held to.

Targets (per assignment, all measured in the same run):

* ``RATIO_MAX``: grading the reference takes at most twice the floor (grading the blank stub of
  the same assignment). The ratio is taken in **CPU seconds** of the whole process tree (grader +
  worker): that is what the engine's budgets count, and it does not depend on how busy the machine
  is (on this shared 2-core machine wall-clock ratios move with the neighbours' load); the wall
  ratio is printed beside it.
* ``HALF_CORE_MAX_S``: at most 60 s of wall-clock time with the grading process tree held to half
  a core by a cgroup CPU quota (Gradescope's 0.5 vCPU).
* ``MEMORY_MAX_MB``: grader peak + worker peak on the CPU build of torch at most 500 MB (a third
  below Gradescope's 768 MB).
* every score full (no notes) and equal idle, at half a core, beside a CPU hog of 2 x nproc busy
  loops, and with the worker on the CPU build.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .grading import Grading

RATIO_MAX = 2.0
HALF_CORE_MAX_S = 60.0
MEMORY_MAX_MB = 500.0


@dataclass
class Row:
    assignment: str
    floor: Grading
    idle: Grading
    half: Grading
    hog: Grading
    cpu_build: Optional[Grading]          # the worker on the CPU build (None: estimated)
    cpu_worker_mb: float = 0.0            # measured (cpu_build) or estimated
    cpu_worker_how: str = "estimated"
    estimate_error_mb: Optional[float] = None   # estimate - measurement, where both exist
    failures: list = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.idle.cpu_s / self.floor.cpu_s if self.floor.cpu_s else float("inf")

    @property
    def wall_ratio(self) -> float:
        return self.idle.wall_s / self.floor.wall_s if self.floor.wall_s else float("inf")

    @property
    def total_cpu_build_mb(self) -> float:
        return self.idle.grader_peak_mb + self.cpu_worker_mb

    def judge(self) -> list:
        """The targets this row misses (empty: every target met)."""
        out = []
        runs = [self.idle, self.half, self.hog] + ([self.cpu_build] if self.cpu_build else [])
        for run in runs:
            if run.error:
                out.append(f"{run.load}: no result ({run.error.splitlines()[0][:120]})")
            elif not run.full:
                lost = {q: s for q, s in run.questions.items() if s == 0}
                out.append(f"{run.load}: {run.score:g}/{run.max_score:g} (lost {sorted(lost)}; notes {run.notes})")
        scores = {(r.score, tuple(sorted(r.questions.items()))) for r in runs if r.ok}
        if len(scores) > 1:
            out.append("scores differ between loads: " + ", ".join(f"{r.load} {r.score:g}" for r in runs if r.ok))
        if self.floor.error:
            out.append(f"floor: no result ({self.floor.error.splitlines()[0][:120]})")
        elif self.ratio > RATIO_MAX:
            out.append(f"ratio {self.ratio:.2f} > {RATIO_MAX:g}")
        if not self.half.error and self.half.wall_s > HALF_CORE_MAX_S:
            out.append(f"half a core {self.half.wall_s:.0f} s > {HALF_CORE_MAX_S:g} s")
        if self.total_cpu_build_mb > MEMORY_MAX_MB:
            out.append(f"grader + worker on the CPU build {self.total_cpu_build_mb:.0f} MB > {MEMORY_MAX_MB:g} MB")
        if self.idle.torch_in_grader:
            out.append("the grading process imported torch")
        self.failures = out
        return out


def _cw(run: Grading) -> str:
    """``cpu / wall`` seconds, or the reason there is none."""
    return "n/a" if run.error else f"{run.cpu_s:5.1f} /{run.wall_s:5.1f}"


def _score(run: Optional[Grading]) -> str:
    if run is None:
        return "-"
    return "err" if run.error else f"{run.score:g}"


def render(rows: list) -> str:
    head = (f"{'assignment':<13}{'floor s':>14}{'reference s':>15}{'ratio':>12}{'half core s':>15}{'hog s':>15}"
            f"{'grader':>8}{'worker':>13}{'worker, CPU build':>20}{'total':>7}  {'score':<22}targets")
    unit = (f"{'':<13}{'cpu / wall':>14}{'cpu / wall':>15}{'cpu (wall)':>12}{'cpu / wall':>15}{'cpu / wall':>15}"
            f"{'MB':>8}{'MB idle/hog':>13}{'MB':>20}{'MB':>7}  {'idle/half/hog/cpu-build':<22}")
    lines = [head, unit]
    for row in rows:
        failures = row.judge()
        worker = "n/a" if row.idle.error else f"{row.idle.worker_peak_mb:.0f}/{row.hog.worker_peak_mb:.0f}"
        cpu = f"{row.cpu_worker_mb:.0f} {row.cpu_worker_how}"
        scores = "/".join(_score(r) for r in (row.idle, row.half, row.hog, row.cpu_build))
        top = row.idle.max_score if row.idle.ok else None
        scores += f" of {top:g}" if top is not None else ""
        lines.append(f"{row.assignment:<13}{_cw(row.floor):>14}{_cw(row.idle):>15}"
                     f"{row.ratio:>6.2f} ({row.wall_ratio:.1f}){_cw(row.half):>15}{_cw(row.hog):>15}"
                     f"{row.idle.grader_peak_mb:>8.0f}{worker:>13}{cpu:>20}{row.total_cpu_build_mb:>7.0f}  "
                     f"{scores:<22}{'ok' if not failures else 'FAIL'}")
    for row in rows:
        for failure in row.failures:
            lines.append(f"FAIL {row.assignment}: {failure}")
    return "\n".join(lines)
