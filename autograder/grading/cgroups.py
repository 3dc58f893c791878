r"""Control groups (cgroup v1 and v2) for the grading engine, its tests and the bench.

A :class:`Cgroup` is a set of directories we create, one per cgroup hierarchy that serves a
*role*, each a child of the directory this process itself is in (so limits set above us, such
as a container's memory limit or a CPU quota on the grader, still apply to what we put inside):

* ``memory``: a memory cap on everything inside (v1 ``memory.limit_in_bytes`` and
  ``memory.memsw.limit_in_bytes``; v2 ``memory.max`` and ``memory.swap.max = 0``); the kernel's
  OOM killer stops a process inside when the cap is reached, and ``oom_kills`` counts it;
* ``cpu_usage``: CPU seconds used by everything inside, children and escaped grandchildren
  included (v1 ``cpuacct.usage``; v2 ``cpu.stat`` ``usage_usec``, present in every v2 group);
* ``cpu_quota``: at most ``cores`` CPUs for everything inside (v1 ``cpu.cfs_quota_us`` /
  ``cpu.cfs_period_us``; v2 ``cpu.max``).

Membership is inherited across ``fork`` and cannot be left without write access to another
group's ``cgroup.procs`` (root-owned): :meth:`Cgroup.kill` reaches every process inside.

v1 hierarchies and the v2 hierarchy are found in ``/proc/self/mountinfo``; our own place in each
in ``/proc/self/cgroup``. On v2 a controller can only be used in a child when the parent's
``cgroup.subtree_control`` enables it, which the kernel refuses while the parent holds processes
(the "no internal processes" rule); then that role is unavailable and callers fall back (an
rlimit for memory, ``/proc`` for CPU time). Inside most containers the cgroup filesystem is
read-only: every role is unavailable there, and :meth:`Cgroup.create` raises
:class:`CgroupUnavailable` with the reason.
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

ROLES = ("memory", "cpu_usage", "cpu_quota")
_V1_CONTROLLER = {"memory": "memory", "cpu_usage": "cpuacct", "cpu_quota": "cpu"}
_V2_CONTROLLER = {"memory": "memory", "cpu_usage": None, "cpu_quota": "cpu"}  # None: always there


class CgroupUnavailable(Exception):
    """No cgroup with the requested roles can be created here (the message says why)."""


@dataclass(frozen=True)
class Hierarchy:
    version: int                 # 1 or 2
    controllers: frozenset       # v1: controllers of this mount; v2: those available to our children
    own: Path                    # the directory of this process's cgroup in it

    def serves(self, role: str) -> bool:
        if self.version == 1:
            return _V1_CONTROLLER[role] in self.controllers
        needed = _V2_CONTROLLER[role]
        return needed is None or needed in self.controllers


def _mounts() -> list:
    """(version, mount point, mount root, super options) of every cgroup mount."""
    mounts = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return mounts
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        mounts.append((1 if tail[0] == "cgroup" else 2, Path(fields[4]), fields[3], set(tail[2].split(","))))
    return mounts


def _own_paths() -> dict:
    """Our cgroup path per hierarchy: {frozenset(controllers) or 'v2': path} from /proc/self/cgroup."""
    paths: dict = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        ident, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if ident == "0" and controllers == "":
            paths["v2"] = path
        else:
            paths[frozenset(c for c in controllers.split(",") if c)] = path
    return paths


def _inside(mount_point: Path, mount_root: str, path: str) -> Optional[Path]:
    """The directory of cgroup ``path`` under a mount of ``mount_root`` (None: not visible)."""
    root = mount_root.rstrip("/")
    if path == root or path.startswith(root + "/"):
        relative = path[len(root):].lstrip("/")
    elif mount_root == "/":
        relative = path.lstrip("/")
    else:
        return None
    directory = mount_point / relative
    return directory if directory.is_dir() else None


def hierarchies() -> list:
    """The cgroup hierarchies this process can see, with its own directory in each."""
    found, own, seen = [], _own_paths(), set()
    for version, point, root, options in _mounts():
        if version == 1:
            controllers = frozenset(o for o in options if o in set(_V1_CONTROLLER.values()) | {"cpuset", "pids"})
            path = next((p for k, p in own.items() if k != "v2" and controllers and controllers <= k), None)
            if not controllers or controllers in seen or path is None:
                continue
            seen.add(controllers)
            directory = _inside(point, root, path)
            if directory is not None and "ro" not in options:
                found.append(Hierarchy(1, controllers, directory))
        elif "v2" in own and "v2" not in seen:
            directory = _inside(point, root, own["v2"])
            if directory is None:
                continue
            seen.add("v2")
            try:
                available = frozenset((directory / "cgroup.controllers").read_text().split())
            except OSError:
                available = frozenset()
            found.append(Hierarchy(2, available, directory))
    return found


def _enable_v2(parent: Path, controller: str) -> bool:
    """Enable ``controller`` for the children of ``parent`` (v2); False when the kernel refuses."""
    try:
        if controller in (parent / "cgroup.subtree_control").read_text().split():
            return True
        (parent / "cgroup.subtree_control").write_text(f"+{controller}")
        return True
    except OSError:
        return False


class Cgroup:
    """Directories named ``name`` (one per hierarchy used), children of our own cgroups."""

    def __init__(self, name: str, dirs: dict):
        self.name = name
        self.dirs = dirs                     # role -> Path (several roles may share a directory)

    # -- creation --------------------------------------------------------------------------------
    @classmethod
    def create(cls, name: str, roles: Iterable[str], required: Iterable[str] = ()) -> "Cgroup":
        """A new group serving as many of ``roles`` as this machine allows; raises
        :class:`CgroupUnavailable` when one of ``required`` (or every role) cannot be served."""
        roles, required = list(roles), set(required)
        if os.geteuid() != 0:
            raise CgroupUnavailable("creating cgroups needs root")
        made: dict = {}                      # hierarchy own dir -> created dir
        dirs: dict = {}
        reasons = []
        found = hierarchies()
        for role in roles:
            candidates = [h for h in found if h.version == 1 and h.serves(role)]
            candidates += [h for h in found if h.version == 2 and h.serves(role)]
            for hierarchy in candidates:
                controller = _V2_CONTROLLER[role] if hierarchy.version == 2 else None
                if controller and not _enable_v2(hierarchy.own, controller):
                    reasons.append(f"{role}: v2 controller {controller} cannot be enabled below {hierarchy.own}")
                    continue
                target = made.get(hierarchy.own)
                if target is None:
                    target = hierarchy.own / name
                    try:
                        target.mkdir()
                    except OSError as exc:
                        reasons.append(f"{role}: cannot create {target} ({exc.strerror})")
                        continue
                    made[hierarchy.own] = target
                dirs[role] = target
                break
            else:
                if not candidates:
                    reasons.append(f"{role}: no cgroup hierarchy offers it")
        group = cls(name, dirs)
        missing = [r for r in roles if r not in dirs]
        if not dirs or required & set(missing):
            group.remove()
            raise CgroupUnavailable("; ".join(reasons) or "no cgroup hierarchy is mounted")
        return group

    @property
    def paths(self) -> list:
        """The distinct directories of this group."""
        return list(dict.fromkeys(self.dirs.values()))

    def has(self, role: str) -> bool:
        return role in self.dirs

    # -- membership ------------------------------------------------------------------------------
    def add(self, pid: int) -> None:
        """Move process ``pid`` (not its existing children) into every directory of the group."""
        for path in self.paths:
            (path / "cgroup.procs").write_text(str(pid))

    def join(self) -> None:
        """Move the calling process in (for ``preexec_fn`` of a child that must start inside)."""
        self.add(os.getpid())

    def pids(self) -> set:
        found = set()
        for path in self.paths:
            try:
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return found

    def threads(self) -> list:
        """Thread ids inside the ``cpu_usage`` directory (v1 ``tasks``, v2 ``cgroup.threads``)."""
        path = self.dirs.get("cpu_usage")
        for name in ("tasks", "cgroup.threads"):
            try:
                return [int(t) for t in (path / name).read_text().split()] if path else []
            except (OSError, ValueError):
                continue
        return []

    def kill(self, passes: int = 200) -> bool:
        """SIGKILL every process inside until none is left (forks racing with us included);
        True when the group is empty."""
        for path in self.paths:
            if (path / "cgroup.kill").exists():
                try:
                    (path / "cgroup.kill").write_text("1")
                except OSError:
                    pass
        for _ in range(passes):
            pids = self.pids()
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.005)
        return not self.pids()

    def remove(self) -> None:
        """Kill what is inside and remove the directories (best effort: never raises)."""
        self.kill()
        for path in self.paths:
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:     # EBUSY while the last killed processes are being reaped
                    time.sleep(0.01)

    # -- limits and counters ---------------------------------------------------------------------
    def _version(self, role: str) -> int:
        return 1 if (self.dirs[role] / "cgroup.clone_children").exists() else 2

    def set_memory_limit(self, megabytes: float) -> None:
        path, limit = self.dirs["memory"], int(megabytes * 1024 * 1024)
        if self._version("memory") == 1:
            (path / "memory.limit_in_bytes").write_text(str(limit))
            if (path / "memory.memsw.limit_in_bytes").exists():  # no swapping around the cap
                (path / "memory.memsw.limit_in_bytes").write_text(str(limit))
        else:
            (path / "memory.max").write_text(str(limit))
            if (path / "memory.swap.max").exists():
                (path / "memory.swap.max").write_text("0")

    def oom_kills(self) -> int:
        """How many processes inside the kernel killed for reaching the memory cap."""
        if "memory" not in self.dirs:
            return 0
        path = self.dirs["memory"]
        name = "memory.oom_control" if self._version("memory") == 1 else "memory.events"
        try:
            for line in (path / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def memory_peak_mb(self) -> float:
        if "memory" not in self.dirs:
            return 0.0
        path = self.dirs["memory"]
        name = "memory.max_usage_in_bytes" if self._version("memory") == 1 else "memory.peak"
        try:
            return int((path / name).read_text()) / (1024 * 1024)
        except (OSError, ValueError):
            return 0.0

    def set_cpu_quota(self, cores: float, period_us: int = 100_000) -> None:
        path, quota = self.dirs["cpu_quota"], max(1000, int(cores * period_us))
        if self._version("cpu_quota") == 1:
            (path / "cpu.cfs_period_us").write_text(str(period_us))
            (path / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            (path / "cpu.max").write_text(f"{quota} {period_us}")

    def cpu_seconds(self) -> float:
        """CPU seconds (user + system) used by every process that has been inside."""
        path = self.dirs["cpu_usage"]
        if (path / "cpuacct.usage").exists():
            return int((path / "cpuacct.usage").read_text()) / 1e9
        for line in (path / "cpu.stat").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                return int(value) / 1e6
        raise OSError(f"no usage_usec in {path / 'cpu.stat'}")
