r"""The code cells of a master notebook, by role, and what the packager derives from them.

Roles (otter-assign format: raw ``# BEGIN SOLUTION``/``# END SOLUTION`` and ``# BEGIN TESTS``/
``# END TESTS`` cells delimit blocks):

* ``setup``        the first code cell (imports, course helpers);
* ``solution``     a code cell inside a solution block, or one with inline solution markers;
* ``test``         a code cell inside a tests block;
* ``definitions``  given code made only of ``def``/``class``/imports (helpers the student uses);
* ``experiment``   any other given code (plots, sweeps, timing demos): skipped while grading
  unless graded code depends on it (:mod:`autograder.grading.experiments`).

Derived for ``assignment.json``: the hashes of the experiment cells, and for each question in
``SUBSTITUTES`` the source of our reference definitions (:mod:`autograder.sandbox.reference`).
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

_BEGIN_SOLUTION = re.compile(r"\s*#\s*BEGIN\s+SOLUTION", re.I)
_END_SOLUTION = re.compile(r"\s*#\s*END\s+SOLUTION", re.I)
_BEGIN_TESTS = re.compile(r"\s*#\s*BEGIN\s+TESTS", re.I)
_END_TESTS = re.compile(r"\s*#\s*END\s+TESTS", re.I)
_INLINE_SOLUTION = re.compile(r"^\s*#\s*(BEGIN\s+SOLUTION|SOLUTION)\b", re.I | re.M)
_BEGIN_QUESTION = re.compile(r"\s*#\s*BEGIN\s+QUESTION", re.I)
_END_QUESTION = re.compile(r"\s*#\s*END\s+QUESTION", re.I)
_QUESTION_NAME = re.compile(r"^name:\s*(\S+)", re.M)
_DEFINITION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


@dataclass(frozen=True)
class MasterCell:
    index: int      # position among all cells of the notebook
    role: str       # setup | solution | test | definitions | experiment
    source: str
    question: str = ""  # the question block the cell is in ("" outside every question)


def _only_definitions(source: str) -> bool:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    docstring = lambda node: isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant)
    return bool(body) and all(isinstance(node, _DEFINITION_NODES) or docstring(node) for node in body)


def master_assignments(repo: Path) -> list:
    """Every assignment of the course, sorted: the folders ``solutions/<a>/`` that hold a master
    notebook ``<a>.ipynb``."""
    return sorted(p.parent.name for p in (Path(repo) / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def master_code_cells(master: Path) -> list:
    """The code cells of ``master`` with their roles, in notebook order."""
    cells = json.loads(Path(master).read_text())["cells"]
    out, in_solution, in_tests, seen_setup, question = [], False, False, False, ""
    for index, cell in enumerate(cells):
        text = "".join(cell["source"])
        if cell["cell_type"] == "raw":
            if _BEGIN_QUESTION.match(text):
                match = _QUESTION_NAME.search(text)
                question = match.group(1) if match else ""
            elif _END_QUESTION.match(text):
                question = ""
            in_solution = bool(_BEGIN_SOLUTION.match(text)) or (in_solution and not _END_SOLUTION.match(text))
            in_tests = bool(_BEGIN_TESTS.match(text)) or (in_tests and not _END_TESTS.match(text))
            continue
        if cell["cell_type"] != "code":
            continue
        if in_tests:
            role = "test"
        elif in_solution or _INLINE_SOLUTION.search(text):
            role = "solution"
        elif not seen_setup:
            role = "setup"
        elif _only_definitions(text):
            role = "definitions"
        else:
            role = "experiment"
        seen_setup = True
        out.append(MasterCell(index, role, text, question))
    return out


def _top_level_definitions(cells: list) -> dict:
    """name -> (order, source, tree) for every top-level def/class/assignment of the solution and
    given-definition cells."""
    found: dict = {}
    order = 0
    for cell in cells:
        if cell.role not in ("solution", "definitions"):
            continue
        lines = cell.source.splitlines()
        for node in ast.parse(cell.source).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            else:
                continue
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            source = "\n".join(lines[start - 1:node.end_lineno])
            for name in names:
                found[name] = (order, source, node)
            order += 1
    return found


def reference_source(cells: list, names: tuple) -> str:
    """The setup cell followed by our definitions of ``names`` and of every reference definition
    they use (transitively), in notebook order: what the worker runs to substitute them."""
    definitions = _top_level_definitions(cells)
    missing = [n for n in names if n not in definitions]
    if missing:
        raise ValueError(f"SUBSTITUTES names {missing} are not defined in the master's solution cells")
    chosen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in chosen:
            continue
        chosen.add(name)
        used = {n.id for n in ast.walk(definitions[name][2]) if isinstance(n, ast.Name)}
        todo += sorted(used & set(definitions) - chosen)
    setup = next(c.source for c in cells if c.role == "setup")
    bodies = sorted({definitions[n][:2] for n in chosen})
    return "\n\n".join([setup] + [source for _, source in bodies]) + "\n"


def reference_sources(cells: list) -> list:
    """What a finished notebook defines, in order: the setup cell, the given definitions and the
    solution cells (experiments left out)."""
    return [cell.source for cell in cells if cell.role in ("setup", "definitions", "solution")]


def solution_lines(source: str) -> set:
    """1-based line numbers of the student-written part of a solution cell: between inline
    ``# BEGIN SOLUTION``/``# END SOLUTION`` markers, or the whole cell when it has none."""
    lines = source.splitlines()
    inside, chosen, marked = False, set(), False
    for number, line in enumerate(lines, start=1):
        if _BEGIN_SOLUTION.match(line):
            inside, marked = True, True
        elif _END_SOLUTION.match(line):
            inside = False
        elif inside:
            chosen.add(number)
    return chosen if marked else set(range(1, len(lines) + 1))


def experiment_sources(cells: list) -> list:
    return [cell.source for cell in cells if cell.role == "experiment"]
