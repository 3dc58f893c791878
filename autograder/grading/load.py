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

    with under_load("half core") as preexec:
        subprocess.run([...], preexec_fn=preexec)
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
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


__all__ = ["LOADS", "CgroupUnavailable", "cpu_hogs", "cpu_quota", "under_load"]
