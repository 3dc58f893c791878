r"""Sawtooth notebooks through the sandbox: regrading is identical, and a hanging scratch cell costs
nothing (reference/stub scores for every assignment: tests/test_notebooks.py)."""
from __future__ import annotations

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


def test_regrade_is_identical(dist_root, suite_of):
    """Check that grading the same notebook twice gives the same score, question by question."""
    notebook = REPO / "solutions" / "sawtooth" / "sawtooth.ipynb"
    first, second = (_grade(dist_root, suite_of, notebook) for _ in range(2))
    assert [q.score for q in first.questions] == [q.score for q in second.questions]


def test_hanging_scratch_cell_costs_nothing(dist_root, suite_of, tmp_path):
    """Check that a reference notebook with an extra never-ending cell still scores full marks."""
    nb = json.loads((REPO / "solutions" / "sawtooth" / "sawtooth.ipynb").read_text())
    nb["cells"].insert(3, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "import time\nwhile True:\n    time.sleep(0.01)"})
    path = tmp_path / "sawtooth.ipynb"
    path.write_text(json.dumps(nb))
    suite = suite_of("sawtooth")
    # long enough for the setup cell (import torch) on a busy machine, short for a test
    suite.limits.cell_s, saved = 15.0, suite.limits.cell_s
    try:
        report = _grade(dist_root, lambda _: suite, path)
    finally:
        suite.limits.cell_s = saved
    assert report.score == suite.max_score
    assert any("interrupted" in note for note in report.notes)
