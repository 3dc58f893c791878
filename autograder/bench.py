r"""``make bench``: what a TA, Gradescope and a student wait for, measured in one run.

    make bench                    # everything below
    make bench PART=grading A="sawtooth mimic"   # one part, some assignments
    make bench COLD=1             # drop the page cache before every grading (a TA's first grade;
                                  # root only; slows the other users of the machine for a moment)

Parts (``--part``):

* ``setup``: ``make venv`` when up to date, pip's no-op resolve, ``make dist``;
* ``grading`` (:mod:`autograder.benchmarks.grading`, :mod:`~autograder.benchmarks.table`): per
  assignment, the blank stub (the floor) and the reference graded through the CLI in a fresh
  process (as ``make grade``): idle, at half a core (a cgroup CPU quota made here), beside
  2 x nproc busy loops, and with the worker on the CPU build of torch
  (:mod:`autograder.benchmarks.cpu_build`); one table, each row held to issue 15's targets;
* ``notebooks`` (:mod:`autograder.benchmarks.notebooks`): every master notebook run in full as a
  student runs it (one thread), each cell timed, each "about N s" claim checked;
* ``extras``: per-assignment benchmarks, a module ``tests/<A>/bench.py`` with a ``main()``.

Exit status 1 when a target is missed (the table says FAIL and why).
"""
from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
from pathlib import Path

from autograder.benchmarks import cpu_build, machine
from autograder.benchmarks import grading as measured
from autograder.benchmarks.table import HALF_CORE_MAX_S, MEMORY_MAX_MB, RATIO_MAX, Row, render
from autograder.packaging.cells import master_assignments

REPO = Path(__file__).resolve().parents[1]
PARTS = ("setup", "grading", "notebooks", "extras")


def assignments() -> list:
    return master_assignments(REPO)


def _timed(cmd: list) -> float:
    started = time.monotonic()
    subprocess.run(cmd, check=True, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def setup_part(names: list) -> None:
    print(f"make venv (up to date):         {_timed(['make', '-s', 'venv']):6.1f} s")
    print(f"pip install into existing venv: {_timed([sys.executable, '-m', 'pip', 'install', '-q', '-r', 'requirements/dev.txt', '-c', 'requirements/constraints.txt']):6.1f} s")
    print(f"make dist ({len(names)} assignments):       {_timed(['make', '-s', 'dist']):6.1f} s")


def _progress(run: measured.Grading, what: str) -> None:
    figures = "no result: " + run.error.splitlines()[0][:100] if run.error else \
        f"{run.score:g}/{run.max_score:g}, {run.cpu_s:.1f} CPU s, {run.wall_s:.1f} s wall, worker {run.worker_peak_mb:.0f} MB"
    print(f"  {run.assignment:<13} {what:<10} {run.load:<10} {figures}", flush=True)


def grading_part(names: list, cold: bool) -> bool:
    """The grading table; True when every row meets the targets."""
    missing = [a for a in names if not (REPO / "dist" / a / "autograder" / "private").exists()]
    if missing:
        print(f"no dist/ for {missing}: run `make dist` (or `make bench` with the setup part)")
        return False
    cpu_python = cpu_build.cpu_venv()
    baselines = cpu_build.Baselines(cpu_python)
    if cpu_python is not None:
        print(f"CPU build for the worker: {machine.libraries(str(cpu_python))}")
    print("import baselines (peak RSS of a fresh interpreter):")
    for line in baselines.describe():
        print("  " + line)
    print(f"\ngrading runs ({'page cache dropped before each' if cold else 'warm page cache'}):", flush=True)
    rows = []
    for a in names:
        reference = REPO / "solutions" / a / f"{a}.ipynb"
        stub = REPO / "dist" / a / "student" / f"{a}.ipynb"
        runs = {}
        for key, notebook, load in (("floor", stub, "idle"), ("idle", reference, "idle"),
                                    ("half", reference, "half core"), ("hog", reference, "hog")):
            runs[key] = measured.grade(a, notebook, load, cold=cold)
            _progress(runs[key], "stub" if key == "floor" else "reference")
        cpu_run, how = None, "estimated"
        if cpu_python is not None and not cpu_build.uses_torchvision(reference):
            cpu_run = measured.grade(a, reference, "idle", worker_python=str(cpu_python), cold=cold)
            cpu_run.load = "cpu build"
            _progress(cpu_run, "reference")
            how = "measured"
        row = Row(a, runs["floor"], runs["idle"], runs["half"], runs["hog"], cpu_run)
        if cpu_run is not None and cpu_run.ok:
            row.cpu_worker_mb, row.cpu_worker_how = cpu_run.worker_peak_mb, how
        else:
            row.cpu_worker_mb = baselines.estimate(row.idle.worker_peak_mb, reference)
        if cpu_run is not None and cpu_run.ok:   # how far off the estimate method is, where both exist
            row.estimate_error_mb = baselines.estimate(row.idle.worker_peak_mb, reference) - cpu_run.worker_peak_mb
        rows.append(row)
    print()
    print(render(rows))
    print(f"\ncolumns: floor = the blank stub (dist/<a>/student), reference = the master notebook, both graded by "
          f"`python -m autograder.grading grade` in a fresh process\n(what `make grade` runs), idle unless said; the floor includes the assignment's PRELOAD imports (torch._dynamo "
          f"for init, mimic, backprop: 1-1.5 CPU s that any submission that trains pays);\n"
          f"cpu = CPU seconds of the whole process tree (grader + worker), wall = what a TA waits.\n"
          f"ratio = reference / floor in CPU seconds (what the engine's budgets count; it does not move with the "
          f"machine's load), wall ratio in brackets.\nhalf core = the process tree in a cgroup with a CPU quota of 0.5 "
          f"(Gradescope's 0.5 vCPU); hog = beside 2 x nproc busy loops.\ngrader = peak RSS of the grading process "
          f"(no torch); worker = the process that ran the notebook, with this machine's torch build.\nworker, CPU build "
          f"= measured with the worker on the CPU build of torch (a cached venv), or estimated by replacing the import "
          f"baseline (torchvision).\ntotal = grader + worker on the CPU build. Targets: ratio <= {RATIO_MAX:g}, half "
          f"core <= {HALF_CORE_MAX_S:g} s, total <= {MEMORY_MAX_MB:g} MB, every score full and equal.")
    errors = [f"{r.assignment} {r.estimate_error_mb:+.0f} MB" for r in rows if r.estimate_error_mb is not None]
    if errors:
        print("estimate minus measurement on the CPU build, where both exist: " + ", ".join(errors))
    return all(not row.failures for row in rows)


def notebooks_part(names: list) -> bool:
    from autograder.benchmarks import notebooks

    return notebooks.main(names)


def extras_part(names: list) -> None:
    for a in names:
        try:
            extra = importlib.import_module(f"tests.{a}.bench")
        except ModuleNotFoundError:
            continue
        print(f"\n{a}: tests/{a}/bench.py")
        extra.main()


def main(argv: list = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", action="append", choices=PARTS, help="run only these parts (repeatable)")
    parser.add_argument("--assignments", nargs="*", help="only these assignments")
    parser.add_argument("--cold", action="store_true", help="drop the page cache before every grading (root)")
    args = parser.parse_args(argv)
    parts = args.part or list(PARTS)
    names = args.assignments or assignments()
    for line in machine.header():
        print(line)
    ok = True
    started = time.monotonic()
    if "setup" in parts:
        print("\n== setup")
        setup_part(names)
    if "grading" in parts:
        print("\n== grading (issue 15 targets)")
        ok &= grading_part(names, args.cold)
    if "notebooks" in parts:
        print("\n== notebooks as a student runs them (one thread)")
        ok &= notebooks_part(names)
    if "extras" in parts:
        extras_part(names)
    print(f"\nbench took {time.monotonic() - started:.0f} s; load average now {machine.load_average()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
