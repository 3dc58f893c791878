r"""The graders of every assignment, in process (no sandbox): the reference solution passes every
rung of every question, and the student stub (all holes unfilled) scores 0 on every question with
the hint to fill in the `...`. The plausible mistakes of each assignment are in tests/<A>/."""
from __future__ import annotations

import json

import pytest

from tests.support import ASSIGNMENTS, REPO, failures, namespace_from, reference_namespace, scores, solution_sources



@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_passes_every_rung(suite_of, assignment):
    """Check that the reference solution gets every point, in process."""
    suite = suite_of(assignment)
    reference = reference_namespace(assignment)
    assert failures(suite, reference) == {}
    assert sum(scores(suite, reference).values()) == suite.max_score > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stub_scores_zero_without_crashing(suite_of, assignment):
    """Check that the committed stub's functions (holes unfilled) score 0 everywhere, each question
    with the hint to replace the `...`."""
    suite = suite_of(assignment)
    nb = json.loads((REPO / "assignments" / assignment / f"{assignment}.ipynb").read_text())
    defs = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
            and "".join(c["source"]).lstrip().startswith(("def ", "class "))]
    stub = namespace_from(solution_sources(assignment)[:1] + defs, REPO / "assignments" / assignment)
    assert set(scores(suite, stub).values()) == {0.0}
    assert all("Did you replace the `...`" in m for m in failures(suite, stub).values()), failures(suite, stub)
