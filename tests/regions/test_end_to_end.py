r"""Whole regions notebooks through the sandbox (the graders' logic is tested in process in
test_graders.py): the master scores 8/8 in seconds, the student stub scores 0."""
from __future__ import annotations

import pytest

from autograder.grading.engine import grade
from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
from tests.support import REPO

pytestmark = [pytest.mark.slow, pytest.mark.regions]


def _grade(dist_root, suite_of, notebook):
    source = dist_root("regions") / "autograder"
    options = SandboxOptions(lib_path=str(source / "public"), user=default_sandbox_user())
    return grade(suite_of("regions"), notebook, options)


def test_reference_notebook_full_marks_in_seconds(dist_root, suite_of):
    """Check that the master notebook, run as a submission, scores 8/8 with no notes, well within
    the time bounds (notebook and all questions)."""
    report = _grade(dist_root, suite_of, REPO / "solutions" / "regions" / "regions.ipynb")
    assert report.score == report.max_score == 8, [q.first_failure() for q in report.questions]
    assert report.notes == []
    assert report.seconds < 60


def test_student_stub_scores_zero(dist_root, suite_of):
    """Check that the unfilled student notebook grades to 0 with a message per question."""
    report = _grade(dist_root, suite_of, dist_root("regions") / "student" / "regions.ipynb")
    assert report.score == 0 and len(report.questions) == 4
    assert all(q.first_failure() for q in report.questions)
