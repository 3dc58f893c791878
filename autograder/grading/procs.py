r"""What the grading process reads about other processes in ``/proc`` (Linux).

* ``start_ticks(pid)``: when a process started (clock ticks since boot, ``stat`` field 22);
* ``real_uid(pid)`` / ``uids(pid)``: the real uid and all four (real, effective, saved, fs) from the
  ``Uid:`` line of ``status``. The owner of ``/proc/PID`` is *not* used: it is root for a set-uid
  program and for a process that made itself non-dumpable;
* ``cpu_seconds(pid)``: user + system time of the process and of its children it has waited
  for (``utime + stime + cutime + cstime``);
* ``descendants(pid)``: the live processes below ``pid`` (by parent links);
* ``run_delay(tid)``: how long a thread waited for a CPU while runnable (``schedstat``);
* ``sweep(uid, since)``: SIGKILL every process whose *real* uid is ``uid`` and that started at or
  after ``since``, repeated until a pass finds none (a process that forks while we sweep is
  caught by the next pass).
"""
from __future__ import annotations

import os
import signal
import time
from typing import Iterator, Optional

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _pids() -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def _stat_fields(pid: int) -> Optional[list]:
    """Fields of /proc/PID/stat after the command name (index 0 is field 3, the state)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def start_ticks(pid: int) -> int:
    """A process's start time in clock ticks since boot (0 when it is gone)."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else 0


def now_ticks() -> int:
    """The current time in the unit of :func:`start_ticks`."""
    with open("/proc/uptime") as handle:
        return int(float(handle.read().split()[0]) * CLOCK_TICKS)


def uids(pid: int) -> Optional[tuple]:
    """(real, effective, saved, filesystem) uid of ``pid``; None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("Uid:"):
                    return tuple(int(v) for v in line.split()[1:5])
    except (OSError, ValueError):
        pass
    return None


def real_uid(pid: int) -> Optional[int]:
    found = uids(pid)
    return None if found is None else found[0]


def cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of ``pid`` in seconds (0 when it is gone)."""
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLOCK_TICKS


def run_delay(tid: int) -> Optional[float]:
    """Seconds thread ``tid`` spent runnable but waiting for a CPU (``schedstat`` field 2; CPU
    quota throttling included); None when unknown."""
    try:
        with open(f"/proc/{tid}/schedstat") as handle:
            return int(handle.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def descendants(pid: int) -> list:
    """Live processes below ``pid`` (children, grandchildren, ...), by their parent links."""
    children: dict = {}
    for other in _pids():
        fields = _stat_fields(other)
        if fields and fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(other)
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


def _alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] not in (b"Z", b"X")


def uid_in_use(uid: int) -> bool:
    """Whether any live process has ``uid`` as its real, effective, saved or filesystem uid."""
    return any(uid in (uids(pid) or ()) for pid in _pids())


def sweep(uid: int, since_ticks: int, passes: int = 200) -> int:
    """Kill every process whose real uid is ``uid`` and that started at or after ``since_ticks``,
    until a pass finds none; returns how many were signalled."""
    killed = 0
    for _ in range(passes):
        found = [pid for pid in _pids()
                 if real_uid(pid) == uid and start_ticks(pid) >= since_ticks and _alive(pid)]
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.005)
    return killed
