r"""What a request to the worker may use, and how much it used: CPU seconds first, wall-clock second.

Budgets of cells, questions and timed calls count the CPU seconds of the worker's *process tree*
(the student's code and every process it starts, DataLoader workers included), so a budget means
the same on an idle machine, beside busy neighbours, and at half a core. Code that sleeps or
waits uses no CPU; it is stopped by a wall-clock cap that is a generous multiple of the CPU
budget (``Limits.wall_cap``).

:class:`CpuMeter` reads the tree's CPU time:

* from the worker's cgroup when there is one (``cpuacct.usage`` or ``cpu.stat``: exact, every
  process that was ever inside, escaped or not);
* else from ``/proc``: the worker's own ``utime + stime`` plus what its children used once it
  waited for them (``cutime + cstime``), and, in long requests (polled), the processes below it
  that started during the request. Processes that existed before the request are not charged to
  it while they live (they are charged to no one: the fallback never over-counts).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

from . import procs
from .cgroups import Cgroup


@dataclass(frozen=True)
class Budget:
    """At most ``cpu_s`` CPU seconds of the worker's process tree and ``wall_s`` wall seconds."""

    cpu_s: float
    wall_s: float

    def __and__(self, other: "Budget") -> "Budget":
        return Budget(min(self.cpu_s, other.cpu_s), min(self.wall_s, other.wall_s))

    @property
    def spent(self) -> bool:
        return self.cpu_s <= 0 or self.wall_s <= 0


@dataclass
class Usage:
    """What one request used; ``stopped_by`` is "cpu" or "wall" when the budget stopped it."""

    cpu_s: float = 0.0
    wall_s: float = 0.0
    budget: Optional[Budget] = None
    stopped_by: Optional[str] = None
    killed: bool = False               # the worker did not stop when interrupted

    def describe(self) -> str:
        """``"4.1 s of CPU time (4.3 s wall-clock)"``."""
        return f"{self.cpu_s:.1f} s of CPU time ({self.wall_s:.1f} s wall-clock)"


class Account:
    """A budget shared by several requests (all checks of one question)."""

    def __init__(self, budget: Budget, what: str):
        self.budget, self.what = budget, what
        self.cpu_used = 0.0
        self.started = time.monotonic()

    def left(self) -> Budget:
        return Budget(self.budget.cpu_s - self.cpu_used, self.budget.wall_s - (time.monotonic() - self.started))

    def charge(self, usage: Usage) -> None:
        self.cpu_used += usage.cpu_s

    def describe(self) -> str:
        return (f"{self.what} may use {self.budget.cpu_s:g} s of CPU time in all (and "
                f"{self.budget.wall_s:g} s wall-clock for code that sleeps or waits)")


class CpuMeter:
    """CPU seconds of the process tree of ``pid`` (see module doc)."""

    def __init__(self, pid: int, group: Optional[Cgroup]):
        self.pid = pid
        self.group = group if group is not None and group.has("cpu_usage") else None

    def start(self) -> "Reading":
        return Reading(self)

    def _total(self) -> float:
        if self.group is not None:
            try:
                return self.group.cpu_seconds()
            except OSError:
                self.group = None
        return procs.cpu_seconds(self.pid)


class Reading:
    """CPU used since a request started; ``used(deep=True)`` also counts live descendants."""

    def __init__(self, meter: CpuMeter):
        self.meter = meter
        self.base = meter._total()
        self.since_ticks = procs.now_ticks() if meter.group is None else 0
        self.best = 0.0

    def used(self, deep: bool = False) -> float:
        used = self.meter._total() - self.base
        if deep and self.meter.group is None:
            for pid in procs.descendants(self.meter.pid):
                if procs.start_ticks(pid) >= self.since_ticks:
                    used += procs.cpu_seconds(pid)
        self.best = max(self.best, used)
        return self.best
