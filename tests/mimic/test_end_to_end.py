r"""Whole mimic notebooks through the sandbox (one torch thread, as on Gradescope): the master scores
12/12 with no notebook notes, the unfilled student notebook scores 0 with a message per question.
(The graders' logic is tested in process in test_graders.py.)"""
from __future__ import annotations

import time

import pytest

from autograder.grading.engine import grade
from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
from tests.support import REPO

pytestmark = [pytest.mark.slow, pytest.mark.mimic]


def _grade(dist_root, suite_of, notebook):
    source = dist_root("mimic") / "autograder"
    options = SandboxOptions(lib_path=str(source / "public"), user=default_sandbox_user())
    return grade(suite_of("mimic"), notebook, options)


def test_reference_notebook_full_marks(dist_root, suite_of):
    """Check that the master notebook, run as a submission, scores 12/12 within the time bounds."""
    started = time.monotonic()
    report = _grade(dist_root, suite_of, REPO / "solutions" / "mimic" / "mimic.ipynb")
    assert report.score == report.max_score == 12, [q.first_failure() for q in report.questions]
    assert report.notes == []
    assert time.monotonic() - started < suite_of("mimic").limits.notebook_s


def test_student_stub_scores_zero(dist_root, suite_of):
    """Check that the unfilled student notebook grades to 0 with a message per question."""
    report = _grade(dist_root, suite_of, dist_root("mimic") / "student" / "mimic.ipynb")
    assert report.score == 0 and len(report.questions) == 6
    assert all(q.first_failure() for q in report.questions)
