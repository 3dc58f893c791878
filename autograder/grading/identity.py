r"""Who runs the student's code.

Grading as root (Gradescope, ``make grade`` as root), every worker runs as a *sandbox uid of its
own*: a numeric uid with no account, leased from :data:`UID_RANGE` for as long as the worker
lives and never shared between live workers. So a submission cannot signal, trace or read the
memory of another submission's worker (batch grading with ``--jobs > 1``), and everything that
uid runs can be killed without touching anything else.

* The range 61000-61099 lies in Debian's "global allocation" block (60000-64999), outside
  systemd's dynamic users (61184-65519), below ``nobody`` (65534) and inside the 0-65535 that a
  container's user namespace maps; ``GD_SANDBOX_UIDS=first-last`` chooses another range.
* A uid is leased only when it has no passwd entry, no live process uses it (as real,
  effective, saved or filesystem uid), and no other grading process holds its lock: an
  ``flock`` on ``<lock dir>/<uid>.lock``, in a directory owned by root and closed to everyone
  else (so a sandboxed process cannot hold or fake a lease).
* ``GD_SANDBOX_USER=<name>`` runs every worker as that existing account instead (shared by
  concurrent workers, so not recommended for batches); ``GD_SANDBOX_USER=`` (empty) runs workers
  as the grading user. Not as root, workers always run as the grading user (see README: limits).
"""
from __future__ import annotations

import fcntl
import os
import pwd
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import procs

POOL = ":pool"                       # SandboxOptions.user: lease a dedicated uid per worker
UID_RANGE = range(61000, 61100)
_LOCK_DIRS = ("/run/gd-sandbox-uids", os.path.join(tempfile.gettempdir(), f"gd-sandbox-uids-{os.geteuid()}"))


def default_sandbox_user() -> Optional[str]:
    """:data:`POOL` when running as root, unless ``GD_SANDBOX_USER`` names an account ('' = none);
    None (the grading user) otherwise."""
    configured = os.environ.get("GD_SANDBOX_USER")
    if configured is None:
        return POOL if os.geteuid() == 0 else None
    if not configured or os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(configured)
    except KeyError:
        return None
    return configured


def uid_range() -> range:
    configured = os.environ.get("GD_SANDBOX_UIDS", "")
    if configured:
        first, _, last = configured.partition("-")
        return range(int(first), int(last or first) + 1)
    return UID_RANGE


@dataclass
class Identity:
    """The uid/gid a worker runs as; ``dedicated`` when no other live process may use it."""
    uid: int
    gid: int
    name: str
    dedicated: bool
    _lock: Optional[int] = None

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)      # closing the descriptor drops the flock
            self._lock = None


def _lock_dir() -> Path:
    """A directory for lease locks that only root (we) can write or even list."""
    for candidate in _LOCK_DIRS:
        try:
            os.mkdir(candidate, 0o700)
        except FileExistsError:
            pass
        except OSError:
            continue
        info = os.lstat(candidate)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077:
            return Path(candidate)
    raise RuntimeError("no private directory for sandbox uid leases (tried " + ", ".join(_LOCK_DIRS) + ")")


def _has_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


def lease() -> Identity:
    """A free sandbox uid from :func:`uid_range`, held until :meth:`Identity.release`."""
    folder = _lock_dir()
    for uid in uid_range():
        if _has_account(uid):
            continue
        fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if procs.uid_in_use(uid):  # a process left from a crashed grader: not safe to share
            os.close(fd)
            continue
        return Identity(uid, uid, f"sandbox-{uid}", True, fd)
    raise RuntimeError(f"every sandbox uid in {uid_range()} is in use")


def resolve(user: Optional[str]) -> Optional[Identity]:
    """The identity for ``SandboxOptions.user``: a leased uid (:data:`POOL`), a named account, or
    None (run as the grading user)."""
    if not user:
        return None
    if user == POOL:
        return lease()
    record = pwd.getpwnam(user)
    return Identity(record.pw_uid, record.pw_gid, user, False)
