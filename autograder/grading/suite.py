r"""An assignment's graded questions, read from the otter test files that ``otter assign`` wrote.

Each file ``tests/<question>.py`` defines ``name``, ``points`` and exception-based test cases
decorated with ``otter.test_files.test_case``. We read them with a stand-in for that decorator
(so grading needs neither otter nor its dependencies) and keep the cases in file order: they form
the question's *ladder* (public structural rungs first, hidden theory rungs after).

``assignment.json`` (written by the packager) gives the question order of the master notebook and
the limits (``LIMITS`` in ``autograder/assignments/<a>/__init__.py``).

Every module a test file imports (at the top or inside a test function) is listed in
``Question.imports``: the grading engine imports them all before the first student cell runs.
"""
from __future__ import annotations

import ast
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
    imports: list = field(default_factory=list)   # modules the test file imports, anywhere in it


@dataclass
class Limits:
    r"""What student code may use (see README: what a hanging cell or question costs).

    Time budgets count CPU seconds of the worker's whole process tree (the student's code and
    every process it starts), so they mean the same on an idle and on a loaded machine. Code that
    sleeps or blocks uses no CPU: the time it spends waiting (neither running nor waiting for a
    CPU, see :mod:`autograder.grading.budget`) is capped at ``wait_factor * budget +
    wait_slack_s``. The whole grading ends after ``total_wall_s`` of wall-clock time, so a result
    is written before Gradescope's own limit (600 s by default).
    """

    cell_s: float = 60.0          # CPU s of one notebook cell, then it is interrupted
    notebook_s: float = 300.0     # CPU s of all cells together; later cells are skipped
    question_s: float = 30.0      # CPU s of all checks of one question (student side)
    max_restarts: int = 3         # worker restarts after crashes/hangs before grading gives up
    wait_factor: float = 2.0      # waiting cap = wait_factor * CPU budget + wait_slack_s
    wait_slack_s: float = 10.0
    total_wall_s: float = 480.0   # wall-clock bound of the whole grading
    worker_mb: float = 640.0      # memory of the worker's process tree (the grader needs ~100 MB
                                  # more inside Gradescope's 768 MB)

    def wait_cap(self, cpu_s: float) -> float:
        """Seconds of waiting (sleeping, blocking) allowed to code with a budget of ``cpu_s``."""
        return self.wait_factor * cpu_s + self.wait_slack_s


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
    source: Optional[Path] = None     # the folder the suite was read from (private/ of the zip)
    preload: tuple = ()               # modules the worker imports after the notebook ran (engine.boot)

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


def imported_modules(tree: ast.AST, package: Optional[str] = None) -> list:
    """Dotted names a module's code imports, anywhere in it (functions included). For
    ``from a.b import c`` both ``a.b`` and the candidate submodule ``a.b.c`` are listed;
    relative imports are resolved against ``package``."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                if not package:
                    continue
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]
    return [n for n in dict.fromkeys(names) if n and n != "otter.test_files" and not n.startswith("otter.test_files.")]


def load_question(path: Path) -> Question:
    """Read one otter exception-based test file."""
    namespace: dict = {"__builtins__": {**vars(builtins), "__import__": _shim_import},
                       "__name__": f"tests.{path.stem}", "__file__": str(path)}
    source = path.read_text()
    tree = ast.parse(source, str(path))
    exec(compile(tree, str(path), "exec"), namespace)
    if namespace.get("OK_FORMAT", False):
        raise ValueError(f"{path}: OK-format tests are not supported; use exception-based tests")
    cases = [Case(obj.func.__name__, bool(obj.hidden), obj.func)
             for obj in namespace.values() if isinstance(obj, _TestCaseShim)]
    points = namespace.get("points")
    if points is None:
        points = sum(float(obj.points or 0) for obj in namespace.values() if isinstance(obj, _TestCaseShim))
    return Question(str(namespace.get("name", path.stem)), float(points), cases, imported_modules(tree))


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
                 substitutes, bool(meta.get("show_hidden_status", True)), source.resolve(),
                 tuple(meta.get("preload", ())))
