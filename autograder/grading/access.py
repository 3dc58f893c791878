"""What the sandbox uid may reach when a course checkout grades as root.

As root, every notebook runs as a sandbox uid, which is "others" to every file of the course. Two
things must then hold at once:

- the sandbox uid executes the grader's Python and reads its packages, i.e. it may search (o+x)
  every folder above the interpreter and the venv; otherwise no worker starts, and the engine's
  only way out is to run the notebook as the grading user (root);
- it cannot read the checkout's secrets (solutions, hidden checks, tests, history). The worker's
  own path (``sys.executable``) names the checkout, so a checkout merely opened for traversal
  would give them away by path.

A private checkout (``chmod 700``, or a clone inside ``mktemp -d``) breaks the first; a default
clone (755) breaks the second. :func:`seal_checkout` makes both hold: every top-level entry of the
checkout except the venv is closed to others, the checkout itself loses others' read and write
(they may enter it, not list it, when the venv lies inside), and each folder above the
interpreter gets search permission only (nothing becomes listable, a closed folder stays closed;
the owner's and the group's rights are never touched). :func:`autograder.grading.gradescope.seal` does the
same for the grading copy on Gradescope.
"""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Iterable

from .sandbox import worker_python


def interpreter_folders() -> list:
    """The folders the worker's Python needs (:func:`.sandbox.worker_python`), as written and
    resolved: the folder of the executable (a venv's python is often a symlink) and its venv (its
    packages; ``sys.prefix`` when the worker runs the grader's own interpreter)."""
    python = Path(worker_python())
    folders = [python.parent]
    if (python.parent.parent / "pyvenv.cfg").exists():
        folders.append(python.parent.parent)
    if python == Path(sys.executable):
        folders.append(Path(sys.prefix))
    folders += [Path(os.path.realpath(folder)) for folder in folders]
    folders.append(Path(os.path.realpath(python)).parent)
    return list(dict.fromkeys(folders))


def open_for_traversal(folders: Iterable[Path]) -> list:
    """Give others search permission (o+x: enter by name, not list) on each folder and every folder
    above it that lacks it. Returns ``(folder, previous mode)`` of each change, in order."""
    changed, seen = [], set()
    for folder in folders:
        for path in (Path(folder), *Path(folder).parents):
            if path in seen:
                continue
            seen.add(path)
            mode = stat.S_IMODE(path.stat().st_mode)
            if not mode & stat.S_IXOTH:
                path.chmod(mode | stat.S_IXOTH)
                changed.append((path, mode))
    return changed


def close_to_others(checkout: Path, keep: Iterable[Path]) -> list:
    """Take every permission of others from each top-level entry of ``checkout`` that no path in
    ``keep`` lies in, and others' read and write from ``checkout`` itself (entering it stays as it
    is). Symbolic links are left alone (their own mode means nothing). Returns the entries
    changed."""
    checkout = Path(checkout)
    kept = {checkout / path.relative_to(checkout).parts[0] for path in map(Path, keep)
            if path.is_relative_to(checkout) and path != checkout}
    changed = []
    for path in (checkout, *sorted(checkout.iterdir())):
        if path.is_symlink() or path in kept:
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        closed = mode & ~(stat.S_IROTH | stat.S_IWOTH) if path == checkout else mode & ~stat.S_IRWXO
        if closed != mode:
            path.chmod(closed)
            changed.append(path)
    return changed


def seal_checkout(checkout: Path) -> list:
    """Close ``checkout``'s secrets to others and open the way to the interpreter (see the module's
    docstring). Returns one line per kind of change, for the person grading; nothing to do unless
    this process is root."""
    if os.geteuid() != 0:
        return []
    checkout = Path(checkout).resolve()
    folders = interpreter_folders()
    closed = close_to_others(checkout, folders)
    opened = open_for_traversal(folders)
    lines = []
    if closed:
        lines.append("closed to other users, since the sandboxed notebook must not read them: "
                     + ", ".join(path.name if path != checkout else f"{path} (listing)" for path in closed))
    if opened:
        lines.append("made enterable by other users (o+x, not listable), so that the sandbox user can run "
                     "Python: " + ", ".join(str(path) for path, _ in opened))
    python = Path(os.path.realpath(worker_python()))
    needed = [python, *(folder / "lib" for folder in folders if (folder / "pyvenv.cfg").exists())]
    for path in needed:
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o005 != 0o005:
            lines.append(f"warning: other users cannot read {path}, so the sandbox user cannot run Python from "
                         f"it; run `chmod -R o+rX {path}`")
    return lines
