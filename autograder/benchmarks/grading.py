r"""One measured grading, exactly as a TA runs it: ``python -m autograder.grading grade`` in a
fresh process (what ``make grade A=... S=...`` runs), under a chosen load.

The process is started as ``python -c SHIM grade --assignment A --submission S --out ...``: the
shim imports the CLI module (:mod:`autograder.grading.__main__`) and calls its ``main`` with the
same arguments, so every step a TA waits for is inside the measurement (interpreter start, the
grader's imports, ``protect_dist``, the sealed private copy of the autograder folder, the worker's
start and imports, the notebook, the checks, writing results.json). The shim only *records*: it
keeps the :class:`~autograder.grading.engine.Report` that ``grade_one`` returns (the worker's
peak memory is in it) and writes the figures to a file when ``main`` returns. With
``worker_python`` the worker runs with that interpreter (``GD_WORKER_PYTHON``, see
:func:`autograder.grading.sandbox.worker_python`, which ``make grade`` also lays out the checkout
for): the bench runs the worker on the CPU build of torch that way (:mod:`.cpu_build`).

Figures, per run:

* ``wall_s``: wall-clock seconds of the whole process (what a TA sees);
* ``cpu_s``: CPU seconds (user + system) of the whole process tree, from ``wait4`` (the grader and
  every process it waited for: the worker); ``grader_cpu_s`` / ``worker_cpu_s`` split it;
* ``grader_peak_mb``: peak RSS of the grading process; ``worker_peak_mb``: the worker's (VmHWM,
  read by the engine when it kills the worker, the largest over restarts);
* ``engine_s``: the engine's own wall time (``Report.seconds``, from loading the notebook to the
  last question: no interpreter start, no grader imports, no private copy);
* ``score``, ``max_score``, ``questions`` (name -> score), ``notes``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from autograder.grading.load import under_load

REPO = Path(__file__).resolve().parents[2]

SHIM = r"""
import json, os, resource, sys
figures_path = os.environ.pop("GD_BENCH_FIGURES")
import autograder.grading.__main__ as cli
reports = []
_grade_one = cli.grade_one
def grade_one(*args, **kwargs):
    report = _grade_one(*args, **kwargs)
    reports.append(report)
    return report
cli.grade_one = grade_one
code = 1
try:
    code = cli.main(sys.argv[1:])
finally:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    report = reports[0] if reports else None
    with open(figures_path, "w") as out:
        json.dump({
            "exit": code,
            "score": report.score if report else None, "max_score": report.max_score if report else None,
            "questions": {q.name: q.score for q in report.questions} if report else {},
            "notes": report.notes if report else [],
            "engine_s": report.seconds if report else None,
            "worker_peak_mb": report.worker_peak_mb if report else None,
            "grader_cpu_s": me.ru_utime + me.ru_stime,
            "worker_cpu_s": children.ru_utime + children.ru_stime,
            "grader_peak_mb": me.ru_maxrss / 1024,
            "torch_in_grader": "torch" in sys.modules,
        }, out)
sys.exit(code)
"""


@dataclass
class Grading:
    """The figures of one measured grading (see the module doc)."""
    assignment: str
    notebook: str
    load: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    grader_cpu_s: float = 0.0
    worker_cpu_s: float = 0.0
    grader_peak_mb: float = 0.0
    worker_peak_mb: float = 0.0
    engine_s: float = 0.0            # the engine's own wall time (Report.seconds: what the old bench printed)
    score: Optional[float] = None
    max_score: Optional[float] = None
    questions: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    torch_in_grader: bool = False
    error: str = ""                  # why no figures came back (the CLI failed, the load could not be made)

    @property
    def ok(self) -> bool:
        return not self.error and self.score is not None

    @property
    def full(self) -> bool:
        return self.ok and self.max_score and self.score == self.max_score and not self.notes


def drop_caches() -> None:
    """Write back and drop the page cache (root only): the next grading reads torch and everything
    else from disk, as a TA's first grade on a fresh machine does."""
    subprocess.run(["sync"], check=False)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def _run(argv: list, env: dict, preexec: Optional[Callable[[], None]], timeout: float, log: Path) -> tuple:
    """Run ``argv``; returns (exit status, wall seconds, CPU seconds of the tree from wait4)."""
    started = time.monotonic()
    with open(log, "wb") as output:
        proc = subprocess.Popen(argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                stderr=subprocess.STDOUT, preexec_fn=preexec)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)   # reaped here, not by Popen
    return proc.returncode, time.monotonic() - started, usage.ru_utime + usage.ru_stime


def grade(assignment: str, notebook: Path, load: str = "idle", dist: Path = REPO / "dist",
          worker_python: Optional[str] = None, cold: bool = False, timeout: float = 900.0,
          extra_env: Optional[dict] = None) -> Grading:
    """Grade ``notebook`` as ``make grade A=assignment S=notebook`` does, in a fresh process under
    ``load`` (:data:`autograder.grading.load.LOADS`), the caches dropped first when ``cold``;
    ``extra_env`` is added to the grading process's environment (experiments: thread settings)."""
    result = Grading(assignment, str(notebook), load)
    with tempfile.TemporaryDirectory(prefix="gd-bench-") as scratch:
        scratch = Path(scratch)
        figures, log = scratch / "figures.json", scratch / "grade.log"
        env = {**os.environ, **(extra_env or {}), "GD_BENCH_FIGURES": str(figures)}
        if worker_python:
            env["GD_WORKER_PYTHON"] = worker_python
        argv = [sys.executable, "-c", SHIM, "grade", "--assignment", assignment, "--submission", str(notebook),
                "--out", str(scratch / "results.json"), "--dist", str(dist)]
        try:
            with under_load(load) as preexec:
                if cold:
                    drop_caches()
                code, result.wall_s, result.cpu_s = _run(argv, env, preexec, timeout, log)
        except Exception as exc:  # no cgroup here, not root for drop_caches, ...
            result.error = f"{type(exc).__name__}: {exc}"
            return result
        if not figures.exists() or code != 0:
            result.error = f"exit {code}: " + log.read_text(errors="replace")[-1500:]
            return result
        data = json.loads(figures.read_text())
    for key in ("engine_s", "grader_cpu_s", "worker_cpu_s", "grader_peak_mb", "worker_peak_mb", "score", "max_score",
                "questions", "notes", "torch_in_grader"):
        setattr(result, key, data[key])
    return result
