r"""What a request to the worker may use, and what it used: CPU seconds, and waiting seconds.

Budgets of cells, questions and timed calls count the **CPU seconds of the worker's process tree**
(the student's code and every process it starts, DataLoader workers included), so a budget
means the same on an idle machine, beside busy neighbours, and at half a core.

Code that sleeps or blocks uses no CPU, so it has a second bound: the seconds it spends
**waiting**, i.e. neither running nor waiting for a CPU,

.. math:: \text{waited} = \text{wall} - \text{CPU} - \text{run delay},

where the run delay (``/proc/<tid>/schedstat``, the time a runnable thread spent waiting for a
CPU, throttling by a CPU quota included) is summed over the tree's threads. On a busy machine a
CPU-bound cell has CPU + run delay = wall, so it never "waits", however slow the machine; a
sleeping cell waits all the time. The cap on waiting is ``wait_factor * budget + wait_slack_s``
(``Limits.wait_cap``). Last, a ``deadline`` (the whole grading's wall-clock bound) ends anything.

:class:`CpuMeter` reads the tree:

* from the worker's cgroup when there is one (``cpuacct.usage`` or ``cpu.stat``: exact, every
  process that was ever inside, escaped or not; its thread list for run delays);
* else from ``/proc``: the worker's own ``utime + stime`` plus what its children used once it
  waited for them (``cutime + cstime``), and, in long requests (polled), the processes below it
  that started during the request. Processes that existed before the request are not charged to
  it while they live (the fallback never over-counts).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Optional

from . import procs
from .cgroups import Cgroup

INFINITY = float("inf")


@dataclass(frozen=True)
class Budget:
    """At most ``cpu_s`` CPU seconds of the worker's tree, ``wait_s`` seconds of waiting, and
    nothing after ``deadline`` (``time.monotonic()`` seconds)."""

    cpu_s: float
    wait_s: float
    deadline: float = INFINITY

    def __and__(self, other: "Budget") -> "Budget":
        return Budget(min(self.cpu_s, other.cpu_s), min(self.wait_s, other.wait_s), min(self.deadline, other.deadline))

    @property
    def spent(self) -> bool:
        return self.cpu_s <= 0 or self.wait_s <= 0 or time.monotonic() >= self.deadline


@dataclass
class Usage:
    """What one request used; ``stopped_by`` is "cpu", "wait" or "deadline" when its budget stopped it."""

    cpu_s: float = 0.0
    wall_s: float = 0.0
    waited_s: float = 0.0
    budget: Optional[Budget] = None
    stopped_by: Optional[str] = None
    killed: bool = False               # the worker did not stop when interrupted

    def describe(self) -> str:
        """``"4.1 s of CPU time (4.3 s wall-clock)"``."""
        return f"{self.cpu_s:.1f} s of CPU time ({self.wall_s:.1f} s wall-clock)"


class Account:
    """A budget shared by several requests (all cells of a notebook run, all checks of a question)."""

    def __init__(self, budget: Budget, what: str):
        self.budget, self.what = budget, what
        self.cpu_used = self.waited = 0.0

    def left(self) -> Budget:
        return Budget(self.budget.cpu_s - self.cpu_used, self.budget.wait_s - self.waited, self.budget.deadline)

    def charge(self, usage: Usage) -> None:
        self.cpu_used += usage.cpu_s
        self.waited += usage.waited_s

    def describe(self) -> str:
        return f"{self.what} may use {self.budget.cpu_s:g} s of CPU time in all"


class CpuMeter:
    """CPU seconds and run delays of the process tree of ``pid`` (see module doc)."""

    def __init__(self, pid: int, group: Optional[Cgroup]):
        self.pid = pid
        self.group = group if group is not None and group.has("cpu_usage") else None

    def start(self) -> "Reading":
        return Reading(self)

    def total(self) -> float:
        if self.group is not None:
            try:
                return self.group.cpu_seconds()
            except OSError:
                self.group = None
        return procs.cpu_seconds(self.pid)

    def threads(self) -> list:
        """Thread ids of the tree (cgroup's list, or the worker and its descendants)."""
        if self.group is not None:
            threads = self.group.threads()
            if threads:
                return threads
        found = []
        for pid in [self.pid, *procs.descendants(self.pid)]:
            try:
                found += [int(t) for t in os.listdir(f"/proc/{pid}/task")]
            except OSError:
                pass
        return found


class Reading:
    """What the tree used since a request started."""

    def __init__(self, meter: CpuMeter):
        self.meter = meter
        self.base = meter.total()
        self.since_ticks = procs.now_ticks() if meter.group is None else 0
        self.best = 0.0
        self.delay_base: Optional[dict] = None   # tid -> run delay when first seen
        self.delay_last: dict = {}

    def cpu(self, deep: bool = False) -> float:
        """CPU seconds used so far; ``deep`` also counts live descendants (``/proc`` fallback)."""
        used = self.meter.total() - self.base
        if deep and self.meter.group is None:
            for pid in procs.descendants(self.meter.pid):
                if procs.start_ticks(pid) >= self.since_ticks:
                    used += procs.cpu_seconds(pid)
        self.best = max(self.best, used)
        return self.best

    def _delays(self) -> dict:
        delays = {}
        for tid in self.meter.threads():
            value = procs.run_delay(tid)
            if value is not None:
                delays[tid] = value
        return delays

    def mark(self) -> None:
        """Take the run-delay baseline (called once, early in a request that is not instantaneous)."""
        if self.delay_base is None:
            self.delay_base = self._delays()

    def waited(self, wall: float, cpu: float) -> float:
        """Seconds of ``wall`` in which the tree neither ran nor waited for a CPU."""
        delay = 0.0
        if self.delay_base is not None:
            self.delay_last.update(self._delays())
            delay = sum(max(0.0, value - self.delay_base.get(tid, 0.0)) for tid, value in self.delay_last.items())
        return max(0.0, wall - cpu - delay)
