r"""Fixtures shared by every test suite: one build of each assignment per session."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.grading.suite import load_suite
from autograder.packaging.build import build
from tests.support import reference_namespace

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """torch on one thread, as in the grading sandbox: on a busy 2-core machine two threads make
    small training runs several times slower, and one thread keeps them deterministic."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


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


def _assignment_of(request) -> str:
    """The assignment a test module belongs to: its package, tests/<assignment>/."""
    return request.module.__name__.split(".")[1]


@pytest.fixture(scope="module")
def suite(request, suite_of):
    """The built suite of the test module's assignment."""
    return suite_of(_assignment_of(request))


@pytest.fixture(scope="module")
def reference(request):
    """The reference solution of the test module's assignment, in a fresh namespace."""
    return reference_namespace(_assignment_of(request))
