r"""The grading process's imports: all checks before student code runs, nothing risky afterwards.

Checks are imported lazily inside otter's test functions (``from autograder.assignments.A.hidden
import ...``). If that first import happened after student code ran, a worker that managed to
rewrite the files (see README: security) would choose the checks. So grading does this:

1. :func:`preload` imports every module the suite's test files name (anywhere in them), and,
   for modules of our own packages (the suite's folder and the packages the checks live in),
   every module *they* name, transitively, before the first student cell runs;
2. :class:`ImportGuard` (installed for the duration of a grading) then refuses to import any
   *new* module from those places (:meth:`ImportGuard.lock`), and at any time (as root) refuses
   a module file that student code could have written or planted: owned by a sandbox uid, in a
   folder of a sandbox uid, writable by everyone, or in a folder everyone may write without the
   sticky bit.

Third-party modules (numpy, scipy, ...) may still be imported lazily from the installation,
which the sandbox cannot write.
"""
from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.util
import os
import pwd
import stat
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .suite import Suite, imported_modules


def _under(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _origin(spec: importlib.machinery.ModuleSpec) -> Optional[Path]:
    if spec.origin and spec.origin not in ("built-in", "frozen"):
        return Path(spec.origin).resolve()
    locations = list(spec.submodule_search_locations or [])
    return Path(locations[0]).resolve() if locations else None


def _sandbox_uids() -> set:
    """The uids student code may run as: the leased range and a configured account."""
    from . import identity

    uids = set(identity.uid_range())
    name = os.environ.get("GD_SANDBOX_USER")
    if name:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    return uids


def writable_by_others(path: Path) -> bool:
    """Whether student code could have written ``path`` or put it there: the file or its folder
    belongs to a sandbox uid, or is writable by everyone (a folder without the sticky bit)."""
    try:
        info, folder = os.stat(path), os.stat(path.parent)
    except OSError:
        return False
    sandbox = _sandbox_uids()
    if info.st_uid in sandbox or info.st_mode & 0o002 or folder.st_uid in sandbox:
        return True
    return bool(folder.st_mode & 0o002 and not folder.st_mode & stat.S_ISVTX)


class ImportGuard:
    """A ``sys.meta_path`` finder that vets every import the normal machinery would perform."""

    def __init__(self) -> None:
        self.locked_roots: list = []      # (owner token, Path): no new imports from there
        self.active = 0

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if not self.active or name in sys.modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        origin = None if spec is None else _origin(spec)
        if origin is None:
            return None
        roots = [root for _, root in self.locked_roots]
        if _under(origin, roots):
            raise ImportError(f"the grader may not import {name} ({origin}) after student code ran; "
                              "import it in the check module at load time")
        if os.geteuid() == 0 and writable_by_others(origin):
            raise ImportError(f"the grader refuses to import {name} from {origin}: another user could have written it")
        return None  # vetted: the regular finders import it


_GUARD = ImportGuard()
_LOCK = threading.Lock()
# CPython 3.11 corrupts its AST recursion counter when two threads parse at once ("AST constructor
# recursion depth mismatch", fixed in 3.12): every parse in the grading process (batch grading runs
# gradings in threads) takes this lock.
PARSE_LOCK = threading.RLock()


@contextmanager
def guarded() -> Iterator[ImportGuard]:
    """The process-wide guard, active until the block ends (nested and threaded use allowed)."""
    with _LOCK:
        if _GUARD not in sys.meta_path:
            sys.meta_path.insert(0, _GUARD)
        _GUARD.active += 1
    token = object()
    try:
        yield _Session(token)
    finally:
        with _LOCK:
            _GUARD.active -= 1
            _GUARD.locked_roots = [(t, r) for t, r in _GUARD.locked_roots if t is not token]
            if not _GUARD.active and _GUARD in sys.meta_path:
                sys.meta_path.remove(_GUARD)


class _Session:
    def __init__(self, token: object):
        self.token = token

    def lock(self, roots: Iterable[Path]) -> None:
        """From now on, no new module may be imported from under ``roots`` (in this process)."""
        with _LOCK:
            _GUARD.locked_roots += [(self.token, Path(r).resolve()) for r in roots]


OWN_PACKAGES = ("autograder", "shared")   # this project's top-level packages
ENGINE_PACKAGES = ("autograder.checking", "autograder.grading")


def own_roots(suite: Suite) -> list:
    """Where our own modules live: the suite's folder and the folders of our packages."""
    roots = [suite.source] if suite.source else []
    for package in OWN_PACKAGES:
        module = sys.modules.get(package) or _try_import(package)
        roots += [Path(p).resolve() for p in getattr(module, "__path__", [])]
    return list(dict.fromkeys(roots))


def _is_own(name: str, roots: list) -> bool:
    top = name.split(".")[0]
    if top in OWN_PACKAGES:
        return True
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    origin = None if spec is None else _origin(spec)
    return origin is not None and _under(origin, roots)


def _try_import(name: str) -> Optional[object]:
    if name in sys.modules:
        return sys.modules[name]
    parent = name.rpartition(".")[0]
    if parent:
        module = _try_import(parent)
        if module is None or not hasattr(module, "__path__"):
            return None                     # ``from module import function``: not a module
    try:
        return importlib.import_module(name)
    except Exception:  # an optional import the check guards itself; it fails again later, visibly
        return None


def preload(suite: Suite) -> list:
    r"""Import the engine's modules, every module of ours the suite's test files name and,
    transitively, every module of ours that those name (third-party modules are left to be
    imported when used). Returns the roots to lock once student code is about to run."""
    with PARSE_LOCK:
        return _preload(suite)


def _preload(suite: Suite) -> list:
    roots = own_roots(suite)
    todo = [name for question in suite.questions for name in question.imports]
    for package in ENGINE_PACKAGES:
        folder = Path(importlib.import_module(package).__file__).parent
        todo += [f"{package}.{p.stem}" for p in sorted(folder.glob("*.py")) if p.stem != "__init__"]
    seen: set = set()
    while todo:
        name = todo.pop(0)
        if name in seen or not _is_own(name, roots):
            continue
        seen.add(name)
        module = _try_import(name)
        origin = getattr(module, "__file__", None) if module is not None else None
        if origin and origin.endswith(".py"):
            package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
            try:
                tree = ast.parse(Path(origin).read_text(), origin)
            except (OSError, SyntaxError, ValueError):
                continue
            todo += [n for n in imported_modules(tree, package) if n not in seen]
    return roots
