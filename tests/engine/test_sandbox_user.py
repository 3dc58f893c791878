r"""The sandbox user: student code runs as `nobody` when grading as root, and grading still works
(with a note) when that user cannot run the worker."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.grading.engine import grade
from autograder.grading.sandbox import SandboxOptions
from tests.support import REPO

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")


@pytest.fixture
def private_lib():
    """A copy of the worker's library in a folder only root can read."""
    folder = Path(tempfile.mkdtemp(prefix="gd-private-lib-"))
    shutil.copytree(REPO / "autograder", folder / "autograder")
    shutil.copytree(REPO / "shared", folder / "shared")
    folder.chmod(0o700)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_worker_falls_back_with_a_note_when_sandbox_user_cannot_start(dist_root, suite_of, private_lib):
    """Check that if `nobody` cannot read the worker's library, grading still completes (as the
    grading user) with full marks for the reference and a note saying so."""
    suite = suite_of("sawtooth")
    report = grade(suite, REPO / "solutions" / "sawtooth" / "sawtooth.ipynb",
                   SandboxOptions(lib_path=str(private_lib), user="nobody"))
    assert report.score == suite.max_score > 0
    assert any("could not run Python" in note for note in report.notes)
