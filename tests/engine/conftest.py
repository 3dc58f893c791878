r"""Fixtures for the grading-engine tests: tiny generic suites, notebooks, and a grading helper.

A suite here is what ``make dist`` puts in an autograder zip, reduced to the minimum:

    <root>/private/assignment.json          question order and (small) time bounds
    <root>/private/tests/<question>.py      otter exception-based test files
    <root>/public/{autograder,shared}       the worker's PYTHONPATH (symlinks to this checkout)

When the tests run as root the engine runs the student's code as ``nobody``, so everything the
worker needs (``public/`` and the path leading to it) must be traversable by nobody. pytest's
``tmp_path`` lives under ``/tmp/pytest-of-root`` (mode 700), so suites are built in their own
``mkdtemp`` folder under /tmp, opened to 755; ``private/`` stays 700, as in the real zip (the
worker must not read the hidden tests). Notebooks are read by the grading process only, so they
may live in ``tmp_path``.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pytest

from autograder.grading.engine import Report, grade
from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
from autograder.grading.suite import Suite, load_suite

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "demo.ipynb"

# Small budgets keep the suite fast: a hanging cell costs cell_s CPU seconds (+2 s grace when it
# must be killed), a hanging student function costs question_s; code that sleeps may wait
# 2 x budget + 2 s. Honest cells and checks here use well under 0.5 CPU s.
LIMITS = {"cell_s": 3, "question_s": 4, "notebook_s": 60, "max_restarts": 3, "wait_slack_s": 2}

# -- test files (otter exception-based format) -----------------------------------------------------

_HEADER = "from otter.test_files import test_case\nOK_FORMAT = False\n"


def _elementwise_question(name: str, points: int, func: str, want: str) -> str:
    """A two-rung ladder: ``func`` exists (public), then ``func(x) == want`` on a grid (hidden)."""
    return _HEADER + textwrap.dedent(f"""
        name = "{name}"
        points = {points}

        @test_case(points=None, hidden=False)
        def test_exists({func}):
            from autograder.checking import student
            student({func}, "{func}")

        @test_case(points=None, hidden=True)
        def test_value({func}):
            import numpy as np
            from autograder.checking import as_array, expect, expect_close, student
            f = student({func}, "{func}")
            x = np.linspace(-2, 2, 9)
            got = as_array(f(x), "{func}(x)")
            want = {want}
            expect_close(got, want, 1e-12, "{func}(x)", x)
            expect(np.allclose(got, want), "{func}(x) is not close to the expected values.")
        """)


RELU_TEST = _elementwise_question("q1_relu", 2, "relu", "np.maximum(x, 0)")
DOUBLE_TEST = _elementwise_question("q2_double", 1, "double", "2 * x")
SQUARE_TEST = _elementwise_question("q3_square", 1, "square", "x * x")


def returns_question(name: str, func: str, expected) -> str:
    """A one-rung question ``name``: ``func()`` must return ``expected`` (a literal)."""
    return _HEADER + textwrap.dedent(f"""
        name = "{name}"
        points = 1

        @test_case(points=None, hidden=False)
        def test_returns({func}):
            from autograder.checking import expect, student
            got = student({func}, "{func}")()
            expect(got == {expected!r}, f"{func}() returned {{got!r}}, expected {expected!r}")
        """)


# ``probe()`` is a student function the tamper tests define: it tries something the sandbox must
# refuse and returns the name of the exception it got (or what it obtained, when it succeeded).
def probe_question(expected: str) -> str:
    """A one-rung question ``q9_probe``: ``probe()`` must return ``expected``."""
    return returns_question("q9_probe", "probe", expected)


PROBE_TEST = probe_question("PermissionError")

BASIC_QUESTIONS = {"q1_relu": RELU_TEST, "q2_double": DOUBLE_TEST, "q3_square": SQUARE_TEST}

# -- notebooks -----------------------------------------------------------------------------------


def notebook_json(cells: list) -> dict:
    """A minimal nbformat-4 notebook with one code cell per source (plus a markdown cell)."""
    nb_cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Demo assignment\n"]}]
    for source in cells:
        nb_cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                         "source": source.splitlines(keepends=True)})
    return {"cells": nb_cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def make_notebook(directory: Path, cells: list, name: str = NOTEBOOK) -> Path:
    """Write a notebook with the given code cells to ``directory/name`` and return its path."""
    path = Path(directory) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook_json(cells), indent=1))
    return path


# -- suites --------------------------------------------------------------------------------------


@dataclass
class SuiteFixture:
    root: Path
    suite: Suite
    options: SandboxOptions

    @property
    def private(self) -> Path:
        return self.root / "private"

    def grade(self, submission: Path) -> Report:
        return grade(self.suite, Path(submission), self.options)


def build_suite(root: Path, questions: dict, limits: Optional[dict] = None,
                assignment: str = "demo") -> SuiteFixture:
    """Write a suite (private/ + public/) under ``root`` and load it."""
    root.mkdir(parents=True)
    os.chmod(root, 0o755)
    private, public = root / "private", root / "public"
    (private / "tests").mkdir(parents=True)
    meta = {"assignment": assignment, "notebook": NOTEBOOK, "questions": list(questions),
            "limits": {**LIMITS, **(limits or {})}}
    (private / "assignment.json").write_text(json.dumps(meta, indent=1))
    for name, source in questions.items():
        (private / "tests" / f"{name}.py").write_text(source)
    os.chmod(private, 0o700)
    public.mkdir()
    os.chmod(public, 0o755)
    for package in ("autograder", "shared"):   # copies, open to the sandbox user: `make grade` as
        shutil.copytree(REPO / package, public / package,  # root closes the checkout's own
                        ignore=shutil.ignore_patterns("__pycache__"))
        for folder in (public / package, *(public / package).rglob("*")):
            os.chmod(folder, 0o755 if folder.is_dir() else 0o644)
    options = SandboxOptions(lib_path=str(public), user=default_sandbox_user())
    return SuiteFixture(root, load_suite(private), options)


@pytest.fixture(scope="session")
def engine_tmp() -> Path:
    """A scratch folder under /tmp that the sandbox user can traverse (removed at the end)."""
    path = Path(tempfile.mkdtemp(prefix="gd-engine-tests-", dir="/tmp"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def basic_suite(engine_tmp: Path) -> SuiteFixture:
    """Three questions: relu (2 points), double (1), square (1); each a public + a hidden rung."""
    return build_suite(engine_tmp / "basic", BASIC_QUESTIONS)


@pytest.fixture(scope="session")
def probe_suite(engine_tmp: Path) -> SuiteFixture:
    """relu (2 points) and probe (1 point, passes when ``probe()`` returns 'PermissionError')."""
    return build_suite(engine_tmp / "probe", {"q1_relu": RELU_TEST, "q9_probe": PROBE_TEST})


@pytest.fixture(scope="session")
def quick_suite(engine_tmp: Path) -> SuiteFixture:
    """relu (2 points) and double (1) with a 1 s question bound, for student code that must be killed."""
    return build_suite(engine_tmp / "quick", {"q1_relu": RELU_TEST, "q2_double": DOUBLE_TEST},
                       {"question_s": 1})


@pytest.fixture(scope="session")
def fragile_suite(engine_tmp: Path) -> SuiteFixture:
    """The basic questions with ``max_restarts = 1``."""
    return build_suite(engine_tmp / "fragile", BASIC_QUESTIONS, {"max_restarts": 1})


@pytest.fixture
def notebook(tmp_path: Path) -> Callable[..., Path]:
    """``notebook(cells, name="demo.ipynb")`` writes a notebook into this test's tmp_path."""
    return lambda cells, name=NOTEBOOK: make_notebook(tmp_path, cells, name)


@pytest.fixture
def grade_cells(basic_suite: SuiteFixture, notebook: Callable[..., Path]) -> Callable[..., Report]:
    """``grade_cells(cells, suite=basic_suite)`` grades a notebook made of ``cells``."""
    def run(cells: list, suite: Optional[SuiteFixture] = None) -> Report:
        return (suite or basic_suite).grade(notebook(cells))
    return run

