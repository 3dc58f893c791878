r"""Helpers shared by the test suites of every assignment."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Callable

from autograder.grading.engine import grade_namespace
from autograder.grading.suite import Suite
from autograder.packaging.cells import master_assignments, master_code_cells, reference_sources

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = master_assignments(REPO)   # every assignment with a master notebook
_BEGIN = re.compile(r"\s*#\s*BEGIN\s+SOLUTION", re.I)
_END = re.compile(r"\s*#\s*END\s+SOLUTION", re.I)


def master_cells(assignment: str) -> list:
    return json.loads((REPO / "solutions" / assignment / f"{assignment}.ipynb").read_text())["cells"]


def solution_sources(assignment: str) -> list:
    """The code a student's finished notebook defines, in notebook order: the setup cell, given
    definition cells and the solution cells; experiments (plots, sweeps) are left out. The roles
    are the packager's (:mod:`autograder.packaging.cells`), so tests and grading agree."""
    return reference_sources(master_code_cells(REPO / "solutions" / assignment / f"{assignment}.ipynb"))


def solution_lines(assignment: str) -> list:
    """Lines of solution code (between # BEGIN SOLUTION / # END SOLUTION inside code cells) long
    enough to be specific: the student distribution must contain none of them."""
    lines, inside = [], False
    for cell in master_cells(assignment):
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).splitlines():
            if _BEGIN.match(line):
                inside = True
            elif _END.match(line):
                inside = False
            elif inside and len(line.strip()) >= 12:
                lines.append(line.strip())
    return lines


def namespace_from(sources: list, folder: Path) -> dict:
    """Execute notebook sources in a fresh namespace, in ``folder`` as a kernel would (otter's
    ``Notebook`` reads the notebook file there), matplotlib without a display."""
    from autograder.mutation.run import namespace_of

    os.environ.setdefault("MPLBACKEND", "Agg")
    return namespace_of(sources, folder)


def reference_namespace(assignment: str) -> dict:
    """The reference solution of ``assignment`` executed in a fresh namespace, as a kernel would."""
    return namespace_from(solution_sources(assignment), REPO / "solutions" / assignment)


def scores(suite: Suite, namespace: dict) -> dict:
    """Question name -> score, graded in process."""
    return {q.name: q.score for q in grade_namespace(suite, namespace)}


def failures(suite: Suite, namespace: dict) -> dict:
    """Question name -> first failure message, for the questions that lost points."""
    return {q.name: q.first_failure() for q in grade_namespace(suite, namespace) if not q.passed}


def with_replacement(namespace: dict, **replacements: Callable) -> dict:
    clone = dict(namespace)
    clone.update(replacements)
    return clone
