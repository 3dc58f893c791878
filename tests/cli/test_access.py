r"""As root, `make grade` lays out the course checkout for the sandbox uid: its Python reachable,
its secrets closed (:mod:`autograder.grading.access`). Checked on stand-in checkouts, by the modes
and, as root, by what another user can actually open."""
from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading import access

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="changing what another user can open needs root")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def stand_in(tmp_path: Path, private: bool) -> Path:
    """checkout/{solutions/key.txt, tests/, .git/, Makefile, .venv/bin/python, link -> solutions},
    inside a folder that others cannot enter when ``private`` (what ``mktemp -d`` makes)."""
    outer = tmp_path / "outer"
    checkout = outer / "checkout"
    for folder in ("solutions", "tests", ".git", ".venv/bin"):
        (checkout / folder).mkdir(parents=True)
    (checkout / "solutions" / "key.txt").write_text("the answer")
    (checkout / "Makefile").write_text("all:\n")
    (checkout / ".venv" / "bin" / "python").write_text("an interpreter")
    (checkout / "link").symlink_to("solutions")
    for path in (tmp_path, checkout, *checkout.rglob("*")):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    outer.chmod(0o700 if private else 0o755)
    checkout.chmod(0o700 if private else 0o755)
    return checkout


@pytest.mark.parametrize("private", [True, False], ids=["private", "default clone"])
def test_seal_checkout_closes_secrets_and_opens_the_way_to_python(tmp_path, monkeypatch, private):
    """Check that every top-level entry but the venv loses others' access, the checkout can be
    entered but not listed, each folder above the venv gains search permission only, the venv
    and symlinks keep their modes, and a second call changes nothing."""
    checkout = stand_in(tmp_path, private)
    venv_bin = checkout / ".venv" / "bin"
    monkeypatch.setattr(access, "interpreter_folders", lambda: [checkout / ".venv", venv_bin])
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    link = mode(checkout / "link")

    lines = access.seal_checkout(checkout)

    for name in ("solutions", "tests", ".git", "Makefile"):
        assert mode(checkout / name) & 0o007 == 0, name
    assert mode(checkout / "solutions") & 0o770 == 0o750      # the owner's and group's rights stay
    assert mode(checkout) & 0o007 == 0o001                    # enter, not list
    assert mode(checkout.parent) & 0o007 == (0o001 if private else 0o005)
    assert mode(checkout / ".venv") == mode(venv_bin) == 0o755
    assert mode(checkout / "link") == link
    assert "closed to other users" in lines[0] and "solutions" in lines[0]
    assert any("made enterable" in line for line in lines) == private
    assert access.seal_checkout(checkout) == []


def test_open_for_traversal_reports_what_it_changed(tmp_path):
    """Check that search permission is added only where missing, never read permission, and that
    the returned previous modes restore the folders."""
    checkout = stand_in(tmp_path, private=True)
    bin_ = checkout / ".venv" / "bin"
    opened = access.open_for_traversal([bin_])
    assert [path for path, _ in opened] == [checkout, checkout.parent]
    assert mode(checkout) == mode(checkout.parent) == 0o701
    assert access.open_for_traversal([bin_]) == []
    for path, previous in reversed(opened):
        path.chmod(previous)
    assert mode(checkout) == mode(checkout.parent) == 0o700


def test_close_to_others_keeps_what_the_interpreter_needs(tmp_path):
    """Check that a kept path outside the checkout keeps nothing inside it open, and that the
    checkout's own search bit is not taken (the venv may lie in it)."""
    checkout = stand_in(tmp_path, private=False)
    closed = access.close_to_others(checkout, [tmp_path / "elsewhere" / "venv"])
    assert checkout / ".venv" in closed and mode(checkout / ".venv") == 0o750
    assert mode(checkout) == 0o751


@as_root
def test_another_user_runs_python_but_cannot_read_the_solutions(tmp_path, monkeypatch):
    """Check the effect, not the bits: after seal_checkout, ``nobody`` reads a file of the venv in
    a checkout inside a private folder, and cannot read the solutions, list the checkout, or
    follow the link into the solutions; before it, it could not reach the venv at all."""
    checkout = stand_in(tmp_path, private=True)
    monkeypatch.setattr(access, "interpreter_folders", lambda: [checkout / ".venv", checkout / ".venv" / "bin"])
    python = checkout / ".venv" / "bin" / "python"
    key = checkout / "solutions" / "key.txt"

    def can_read(path: Path) -> bool:
        probe = f"import os\ntry:\n    os.listdir({str(path)!r}) if os.path.isdir({str(path)!r}) else open({str(path)!r}).read()\n" \
                "except OSError:\n    raise SystemExit(1)"
        return subprocess.run([sys.executable, "-I", "-c", probe], user="nobody", group=pwd.getpwnam("nobody").pw_gid,
                              extra_groups=[], cwd="/",
                              capture_output=True).returncode == 0

    opened = access.open_for_traversal([tmp_path])  # the test's own tmp folders: as a default machine has them
    try:
        assert not can_read(python)
        access.seal_checkout(checkout)
        assert can_read(python)
        assert not can_read(key)
        assert not can_read(checkout)
        assert not can_read(checkout / "link" / "key.txt")
    finally:
        for path, previous in reversed(opened):
            path.chmod(previous)


def test_interpreter_folders_follow_the_workers_python(tmp_path, monkeypatch):
    """Check that the folders opened are those of the interpreter the worker runs
    (``GD_WORKER_PYTHON``: `make bench` runs it from another venv), its venv included, and the
    folder of the file a symlinked python resolves to; by default the grader's own venv."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "bin" / "python").symlink_to(sys.executable)
    monkeypatch.setenv("GD_WORKER_PYTHON", str(venv / "bin" / "python"))
    folders = access.interpreter_folders()
    assert folders[:2] == [venv / "bin", venv]
    assert Path(os.path.realpath(sys.executable)).parent in folders
    assert Path(sys.prefix) not in folders
    monkeypatch.delenv("GD_WORKER_PYTHON")
    assert Path(sys.prefix) in access.interpreter_folders()


def test_a_venv_others_cannot_read_is_named(tmp_path, monkeypatch):
    """Check that a venv whose packages other users cannot read (made under umask 077) is named
    with the command that fixes it, and that a readable one gives no warning."""
    checkout = stand_in(tmp_path, private=False)
    venv = checkout / ".venv"
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "lib").mkdir(mode=0o700)
    (venv / "lib").chmod(0o700)
    monkeypatch.setattr(access, "interpreter_folders", lambda: [venv / "bin", venv])
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    warnings = [line for line in access.seal_checkout(checkout) if line.startswith("warning")]
    assert warnings == [f"warning: other users cannot read {venv / 'lib'}, so the sandbox user cannot run Python "
                        f"from it; run `chmod -R o+rX {venv / 'lib'}`"]
    (venv / "lib").chmod(0o755)
    assert access.seal_checkout(checkout) == []
