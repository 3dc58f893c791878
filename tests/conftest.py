r"""Fixtures shared by every test suite: one build of each assignment per session."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.grading.suite import load_suite
from autograder.packaging.build import build

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def dist_root():
    """A fresh `make dist` output for the whole session, readable by the sandbox user."""
    root = Path(tempfile.mkdtemp(prefix="gd-dist-"))
    root.chmod(0o755)
    built: dict = {}

    def get(assignment: str) -> Path:
        if assignment not in built:
            built[assignment] = build(assignment, root)
        return built[assignment]

    yield get
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def suite_of(dist_root):
    return lambda assignment: load_suite(dist_root(assignment) / "autograder" / "private")
