r"""The Gradescope entry point: ``run_autograder`` calls ``python3 -m autograder.grading gradescope``.

Layout under ``root`` (``/autograder`` on Gradescope; any folder in tests):

    root/source/          the unzipped autograder.zip (setup.sh, run_autograder, private/, public/)
    root/submission/      the student's upload (a notebook, or otter's export zip)
    root/results/results.json   written here, always: a crash of the grader itself still writes a
                          results.json that says so (with score 0) rather than nothing.
"""
from __future__ import annotations

import os
import shutil
import traceback
import zipfile
from pathlib import Path

from .engine import grade
from .results import gradescope_results, write_json
from .sandbox import SandboxOptions, default_sandbox_user
from .suite import load_suite


def stage_root(zip_path: Path, submission: Path, root: Path) -> Path:
    """Lay out ``root`` as Gradescope does: the zip unpacked in root/source (scripts executable,
    folders traversable) and ``submission`` copied into root/submission. Returns run_autograder."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for path in [root / "source", *(root / "source").rglob("*")]:
        executable = path.is_dir() or path.name in ("run_autograder", "setup.sh")
        path.chmod(0o755 if executable else 0o644)
    (root / "submission").mkdir(exist_ok=True)
    shutil.copy(submission, root / "submission" / Path(submission).name)
    return root / "source" / "run_autograder"


def _protect(path: Path) -> None:
    """As root, make ``path`` unreadable for the sandbox user (hidden tests, results)."""
    if os.geteuid() == 0 and path.exists():
        os.chmod(path, 0o700)


def seal(source: Path, *parents: Path) -> None:
    """As root, lay out an autograder folder for the sandbox: ``private/`` (engine, checks, hidden
    tests) mode 700, ``public/`` readable, and ``source`` and ``parents`` traversable (711: the
    sandbox can reach public/ but not list what lies beside it)."""
    if os.geteuid() != 0:
        return
    for folder in (*parents, source):
        os.chmod(folder, 0o711)
    for path in [source / "public", *(source / "public").rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    _protect(source / "private")


def run(root: Path) -> int:
    root = Path(root)
    results_path = root / "results" / "results.json"
    (root / "results").mkdir(parents=True, exist_ok=True)
    try:
        private, public = root / "source" / "private", root / "source" / "public"
        seal(root / "source", root)
        _protect(root / "results")
        suite = load_suite(private)
        options = SandboxOptions(lib_path=str(public.resolve()), user=default_sandbox_user())
        report = grade(suite, root / "submission", options)
        write_json(gradescope_results(report, suite.hidden_visibility, suite.show_hidden_status), results_path)
        return 0
    except Exception:  # the grader's own failure: still leave a valid results.json
        write_json({"score": 0.0, "output": "The autograder itself failed; please tell the course staff.\n"
                    + traceback.format_exc(limit=5), "visibility": "visible", "tests": []}, results_path)
        return 1
