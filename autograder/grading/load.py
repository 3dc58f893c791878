r"""Machine load for tests and ``make bench``: busy-loop CPU hogs and a half-core CPU quota.

Grading budgets count CPU seconds, so a score must not depend on how busy the machine is. These
helpers reproduce the two conditions the engine is tested under:

* ``cpu_hogs(n)``: ``n`` processes spinning in a busy loop beside the grader (default
  ``2 x nproc``, a heavily shared machine);
* ``cpu_quota(0.5)``: a cgroup that holds every process inside to half a CPU (Gradescope's
  0.5 vCPU); start the grading process inside with ``preexec_fn=group.join`` and everything it
  starts (the worker, its children) stays inside.

``under_load(kind)`` gives either as a ``preexec_fn`` for the process to measure (None when the
process needs nothing). Everything started here is killed on exit, also when the body raises.
:func:`grade_in_subprocess` grades one notebook in a fresh process (so the whole grading process
tree is what is measured or held to the quota) and returns its figures:

    with under_load("half core") as preexec:
        figures = grade_in_subprocess(autograder_dir, notebook, preexec)
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

from .cgroups import Cgroup, CgroupUnavailable

LOADS = ("idle", "hog", "half core")
BUSY_LOOP = "while True:\n    pass"


@contextmanager
def cpu_hogs(n: Optional[int] = None) -> Iterator[list]:
    """``n`` busy-loop processes (default ``2 * os.cpu_count()``) until the block ends; yields their pids."""
    count = 2 * (os.cpu_count() or 1) if n is None else n
    procs = []
    try:
        for _ in range(count):
            procs.append(subprocess.Popen([sys.executable, "-S", "-c", BUSY_LOOP], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
        yield [p.pid for p in procs]
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()


@contextmanager
def cpu_quota(cores: float = 0.5) -> Iterator[Cgroup]:
    """A fresh cgroup limited to ``cores`` CPUs (raises :class:`CgroupUnavailable` where none can be
    made); every process inside is killed and the group removed at the end."""
    group = Cgroup.create(f"gd-quota-{uuid.uuid4().hex[:12]}", ["cpu_quota"], required=["cpu_quota"])
    try:
        group.set_cpu_quota(cores)
        yield group
    finally:
        group.remove()


@contextmanager
def under_load(kind: str) -> Iterator[Optional[Callable[[], None]]]:
    """``kind`` in :data:`LOADS`; yields the ``preexec_fn`` the measured process must start with."""
    if kind == "idle":
        yield None
    elif kind == "hog":
        with cpu_hogs():
            yield None
    elif kind == "half core":
        with cpu_quota(0.5) as group:
            yield group.join
    else:
        raise ValueError(f"unknown load {kind!r}; one of {LOADS}")


_GRADE = r"""
import json, resource, sys, time
from autograder.grading.engine import grade
from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
from autograder.grading.suite import load_suite
source, notebook, limits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
suite = load_suite(source + "/private")
for key, value in limits.items():
    setattr(suite.limits, key, value)
started, cpu = time.monotonic(), time.process_time()
report = grade(suite, notebook, SandboxOptions(source + "/public", default_sandbox_user()))
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "score": report.score, "max_score": report.max_score, "notes": report.notes,
    "questions": {q.name: [q.score, q.first_failure()] for q in report.questions},
    "wall_s": time.monotonic() - started, "grader_cpu_s": time.process_time() - cpu,
    "worker_cpu_s": children.ru_utime + children.ru_stime, "worker_peak_mb": report.worker_peak_mb,
    "grader_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "torch_in_grader": "torch" in sys.modules}))
"""


def grade_in_subprocess(autograder: Path, notebook: Path, preexec: Optional[Callable[[], None]] = None,
                        limits: Optional[dict] = None, timeout: float = 900.0) -> dict:
    """Grade ``notebook`` with the autograder folder ``autograder`` (``private/`` + ``public/``) in a
    fresh Python process started with ``preexec`` (e.g. joining a quota cgroup); ``limits``
    overrides fields of the suite's :class:`~autograder.grading.suite.Limits`. Returns score,
    notes, per-question ``[score, first failure]``, wall and CPU seconds, peak memory."""
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", _GRADE, str(autograder), str(notebook), json.dumps(limits or {})],
                          cwd=repo, capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)
    if proc.returncode != 0:
        raise RuntimeError(f"grading {notebook} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


__all__ = ["LOADS", "CgroupUnavailable", "cpu_hogs", "cpu_quota", "grade_in_subprocess", "under_load"]
