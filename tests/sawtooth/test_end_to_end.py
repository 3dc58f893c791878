r"""Sawtooth notebooks through the sandbox: regrading is identical, and a hanging scratch cell costs
nothing (reference/stub scores for every assignment: tests/test_notebooks.py)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from autograder.grading.engine import grade
from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
from tests.support import REPO

pytestmark = [pytest.mark.slow, pytest.mark.sawtooth]


def _grade(dist_root, suite_of, notebook: Path):
    source = dist_root("sawtooth") / "autograder"
    options = SandboxOptions(lib_path=str(source / "public"), user=default_sandbox_user())
    return grade(suite_of("sawtooth"), notebook, options)


def test_regrade_is_identical(dist_root, suite_of, graded_in_sandbox):
    """Check that grading the same notebook twice gives the same score, question by question (the
    first grading is the session's shared one, see tests/conftest.py)."""
    notebook = REPO / "solutions" / "sawtooth" / "sawtooth.ipynb"
    first, second = graded_in_sandbox("sawtooth", "reference"), _grade(dist_root, suite_of, notebook)
    assert [q.score for q in first.questions] == [q.score for q in second.questions]


def test_hanging_scratch_cell_costs_nothing(dist_root, suite_of, tmp_path):
    """Check that a reference notebook with an extra never-ending cell still scores full marks."""
    nb = json.loads((REPO / "solutions" / "sawtooth" / "sawtooth.ipynb").read_text())
    nb["cells"].insert(3, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "import time\nwhile True:\n    time.sleep(0.01)"})
    path = tmp_path / "sawtooth.ipynb"
    path.write_text(json.dumps(nb))
    suite = suite_of("sawtooth")
    # Budgets count CPU seconds: 8 s is 3x what the setup cell (import torch) uses, however busy the
    # machine. The hanging cell only sleeps, so the cap on waiting stops it: 1 x 8 + 2 = 10 s (the
    # default cap, 2 x 60 + 10 s, would make this test wait two minutes).
    saved = dataclasses.replace(suite.limits)
    suite.limits.cell_s, suite.limits.wait_factor, suite.limits.wait_slack_s = 8.0, 1.0, 2.0
    try:
        report = _grade(dist_root, lambda _: suite, path)
    finally:
        suite.limits = saved
    assert report.score == suite.max_score
    assert any("interrupted" in note for note in report.notes)
