r"""An assignment's graded questions, read from the otter test files that ``otter assign`` wrote.

Each file ``tests/<question>.py`` defines ``name``, ``points`` and exception-based test cases
decorated with ``otter.test_files.test_case``. We read them with a stand-in for that decorator
(so grading needs neither otter nor its dependencies) and keep the cases in file order: they form
the question's *ladder* (public structural rungs first, hidden theory rungs after).

``assignment.json`` (written by the packager) gives the question order of the master notebook and
the time bounds.
"""
from __future__ import annotations

import builtins
import inspect
import json
import re
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional


@dataclass
class Case:
    name: str
    hidden: bool
    func: Callable[..., None]

    @property
    def params(self) -> list:
        return list(inspect.signature(self.func).parameters)


@dataclass
class Question:
    name: str
    points: float
    cases: list


@dataclass
class Limits:
    """Time bounds in seconds (see README: what a hanging cell or question costs)."""

    cell_s: float = 60.0          # one notebook cell, then it is interrupted
    notebook_s: float = 300.0     # all cells together; later cells are skipped
    question_s: float = 30.0      # all checks of one question
    max_restarts: int = 3         # worker restarts after crashes/hangs before grading gives up


@dataclass(frozen=True)
class Substitution:
    """Our reference definitions of ``names``, swapped in while one question is graded
    (:mod:`autograder.sandbox.reference`); ``source`` is the code that defines them."""

    names: tuple
    source: str


@dataclass
class Suite:
    assignment: str
    notebook: str
    questions: list
    limits: Limits = field(default_factory=Limits)
    hidden_visibility: str = "after_published"
    experiments: frozenset = frozenset()      # source hashes of the given experiment cells
    substitutes: dict = field(default_factory=dict)   # question name -> Substitution
    show_hidden_status: bool = True   # each question's hidden pass/fail visible at submission time

    @property
    def needed_names(self) -> set:
        """Every notebook name a check reads (the parameters of the test functions)."""
        return {name for q in self.questions for case in q.cases for name in case.params}

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)


class _TestCaseShim:
    """Stand-in for ``otter.test_files.test_case`` (same arguments)."""

    def __init__(self, name: Optional[str] = None, points: Any = None, hidden: bool = False,
                 success_message: Optional[str] = None, failure_message: Optional[str] = None):
        self.name, self.points, self.hidden = name, points, hidden

    def __call__(self, func: Callable[..., None]) -> "_TestCaseShim":
        self.func = func
        return self


def _shim_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
    if name == "otter.test_files":
        module = types.ModuleType("otter.test_files")
        module.test_case = _TestCaseShim
        return module
    return builtins.__import__(name, globals, locals, fromlist, level)


def load_question(path: Path) -> Question:
    """Read one otter exception-based test file."""
    namespace: dict = {"__builtins__": {**vars(builtins), "__import__": _shim_import},
                       "__name__": f"tests.{path.stem}", "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    if namespace.get("OK_FORMAT", False):
        raise ValueError(f"{path}: OK-format tests are not supported; use exception-based tests")
    cases = [Case(obj.func.__name__, bool(obj.hidden), obj.func)
             for obj in namespace.values() if isinstance(obj, _TestCaseShim)]
    points = namespace.get("points")
    if points is None:
        points = sum(float(obj.points or 0) for obj in namespace.values() if isinstance(obj, _TestCaseShim))
    return Question(str(namespace.get("name", path.stem)), float(points), cases)


def _natural_key(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def load_suite(source: Path) -> Suite:
    """The suite of an autograder folder (``private/`` of the zip): assignment.json + tests/."""
    source = Path(source)
    meta = json.loads((source / "assignment.json").read_text())
    questions = {path.stem: load_question(path) for path in sorted((source / "tests").glob("*.py"))}
    order = [q for q in meta.get("questions", []) if q in questions]
    order += sorted((q for q in questions if q not in order), key=_natural_key)
    limits = Limits(**meta.get("limits", {}))
    substitutes = {q: Substitution(tuple(s["names"]), s["source"]) for q, s in meta.get("substitutes", {}).items()}
    return Suite(meta["assignment"], meta["notebook"], [questions[q] for q in order], limits,
                 meta.get("hidden_visibility", "after_published"), frozenset(meta.get("experiments", ())),
                 substitutes, bool(meta.get("show_hidden_status", True)))
