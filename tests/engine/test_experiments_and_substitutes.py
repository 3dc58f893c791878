r"""Two engine features that keep grading fast and fair:

* given experiment cells are skipped while grading, unless graded code depends on them
  (:mod:`autograder.grading.experiments`);
* while a question listed in ``SUBSTITUTES`` is graded, the named helpers are our reference
  definitions, so a wrong helper costs only its own question (:mod:`autograder.sandbox.reference`).
"""
from __future__ import annotations

import json
import textwrap

import pytest

from autograder.grading.engine import grade_namespace
from autograder.grading.experiments import cell_names, cells_to_skip, source_hash
from autograder.grading.suite import load_suite
from autograder.packaging.cells import master_code_cells, reference_source
from tests.engine.conftest import BASIC_QUESTIONS, DOUBLE_TEST, build_suite, make_notebook

EXPERIMENT = "for n in range(3):\n    print(n, double(n))\nresult = 1 / 0\n"
SCALE_EXPERIMENT = "scale = 2.0\nprint('scale set')\n"


# -- the static rule -------------------------------------------------------------------------------
def test_a_function_parameter_is_not_a_dependency_on_an_experiment_variable():
    """Check that `def f(x): return x` does not depend on an experiment's global `x`, while a
    function reading the global `scale` depends on the experiment that assigns it."""
    cells = ["import numpy as np", "def f(x):\n    return x * scale", "x = 3\nscale = 2", "x = 4\nprint(f(x))"]
    hashes = [source_hash(cells[2]), source_hash(cells[3])]
    assert cells_to_skip(cells, hashes, needed=[]) == {3}


def test_mutating_an_object_that_graded_code_reads_keeps_the_experiment():
    """Check that an experiment training a model that a student function reads must run, and
    that calling library methods (np.*, plt.*) is not taken for mutating them."""
    cells = ["import numpy as np\nimport matplotlib.pyplot as plt", "model = []\ndef predict():\n    return len(model)",
             "train(model)\nplt.plot(np.zeros(3))", "fig = plt.figure()\nnp.random.rand(3)"]
    hashes = [source_hash(c) for c in cells[2:]]
    assert cells_to_skip(cells, hashes, needed=[]) == {3}


def test_a_name_the_checks_read_keeps_the_experiment_that_assigns_it():
    """Check that a notebook name resolved by a check (a test-function parameter) counts as read."""
    cells = ["results = None", "results = [1, 2]"]
    assert cells_to_skip(cells, [source_hash(cells[1])], needed=["results"]) == set()
    assert cells_to_skip(cells, [source_hash(cells[1])], needed=[]) == {1}


def test_dependencies_are_followed_transitively():
    """Check that an experiment needed by a needed experiment runs too, and that one which only
    reads them is still skipped (while passing `table` itself to a call would keep it)."""
    cells = ["def f():\n    return table", "base = 2", "table = [base] * 3", "print(base * 2)"]
    hashes = [source_hash(c) for c in cells[1:]]
    assert cells_to_skip(cells, hashes, needed=[]) == {3}


def test_only_unchanged_given_cells_are_candidates():
    """Check that a changed experiment (the student edited it) runs, and whitespace does not count."""
    given = "plot(data)\n"
    assert cells_to_skip(["plot(data)   \n\n"], [source_hash(given)], []) == {0}
    assert cells_to_skip(["plot(data, 'r')"], [source_hash(given)], []) == set()


def test_globals_assigned_inside_functions_count_as_bindings():
    """Check that `global x; x = ...` inside a function is a binding of x."""
    assert "x" in cell_names("def f():\n    global x\n    x = 1\nf()").binds


# -- through the sandbox -----------------------------------------------------------------------
HELPER_QUESTION = DOUBLE_TEST  # double(x) == 2 x; the student's double calls their helper `times`


@pytest.fixture(scope="module")
def experiment_suite(engine_tmp):
    suite = build_suite(engine_tmp / "experiments", BASIC_QUESTIONS)
    meta = json.loads((suite.private / "assignment.json").read_text())
    meta["experiments"] = [source_hash(EXPERIMENT), source_hash(SCALE_EXPERIMENT)]
    meta["substitutes"] = {"q2_double": {"names": ["times"], "source": "import numpy as np\ndef times(x, k):\n    return k * x\n"}}
    (suite.private / "assignment.json").write_text(json.dumps(meta))
    suite.suite = load_suite(suite.private)
    return suite


STUDENT = "import numpy as np\ndef relu(x):\n    return np.maximum(x, 0)\ndef square(x):\n    return x * x\n"


def test_an_unchanged_experiment_is_skipped_when_grading(experiment_suite, notebook):
    """Check that a given experiment that would raise is not run (no note), and full marks."""
    cells = [STUDENT + "def times(x, k):\n    return k * x\ndef double(x):\n    return times(x, 2)\n", EXPERIMENT]
    report = experiment_suite.grade(notebook(cells))
    assert report.score == report.max_score and report.notes == []


def test_a_student_function_reading_an_experiment_variable_keeps_full_marks(experiment_suite, notebook):
    """Check the issue-15 guarantee: a graded function that (legitimately) uses a variable computed
    in an experiment cell still gets full marks, because that experiment runs."""
    cells = [STUDENT + "def times(x, k):\n    return k * x\ndef double(x):\n    return times(x, scale)\n",
             SCALE_EXPERIMENT]
    report = experiment_suite.grade(notebook(cells))
    assert report.score == report.max_score, {q.name: q.first_failure() for q in report.questions}


def test_a_wrong_helper_costs_only_its_own_question(experiment_suite, notebook):
    """Check that with `times` substituted during q2_double, a student whose `times` is wrong
    (but whose `double` is right) keeps q2_double; the wrong helper is still theirs afterwards
    (q1_relu, graded after, calls nothing of it: its score is unaffected either way)."""
    cells = [STUDENT + "def times(x, k):\n    return k + x\ndef double(x):\n    return times(x, 2)\n"]
    report = experiment_suite.grade(notebook(cells))
    assert report.score == report.max_score, {q.name: q.first_failure() for q in report.questions}


def test_a_worker_lost_in_one_question_costs_nothing_in_the_next_substituted_one(experiment_suite, notebook):
    """Check that when a question's function kills the worker (q1_relu calls os._exit), the next
    question, which substitutes a helper, restarts the worker, substitutes and keeps its points."""
    exiting_relu = "import os\ndef relu(x):\n    os._exit(1)\n"
    cells = [STUDENT + "def times(x, k):\n    return k + x\ndef double(x):\n    return times(x, 2)\n", exiting_relu]
    report = experiment_suite.grade(notebook(cells))
    scores = {q.name: q.score for q in report.questions}
    assert scores == {"q1_relu": 0.0, "q2_double": 1.0, "q3_square": 1.0}, {q.name: q.first_failure() for q in report.questions}


def test_substitution_applies_in_process_too(experiment_suite):
    """Check that grade_namespace (the tests of the graders) substitutes the same way, and puts
    the student's own helper back afterwards."""
    namespace: dict = {}
    exec(STUDENT + "def times(x, k):\n    return k + x\ndef double(x):\n    return times(x, 2)\n", namespace)
    own = namespace["times"]
    results = {q.name: q.score for q in grade_namespace(experiment_suite.suite, namespace)}
    assert results["q2_double"] == 1 and namespace["times"] is own


def test_without_substitution_the_wrong_helper_fails_the_caller(engine_tmp, notebook):
    """Check the control: the same notebook without SUBSTITUTES loses q2_double."""
    suite = build_suite(engine_tmp / "no-substitutes", BASIC_QUESTIONS)
    cells = [STUDENT + "def times(x, k):\n    return k + x\ndef double(x):\n    return times(x, 2)\n"]
    report = suite.grade(notebook(cells))
    assert {q.name: q.score for q in report.questions}["q2_double"] == 0


# -- the packager's side -------------------------------------------------------------------------
def _master(tmp_path, cells):
    nb = {"cells": [{"cell_type": kind, "metadata": {}, "source": text, **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                    for kind, text in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "m.ipynb"
    path.write_text(json.dumps(nb))
    return path


def test_master_roles_and_reference_closure(tmp_path):
    """Check the roles the packager gives master cells, and that a substituted helper brings the
    reference functions it calls (not the student's), after the setup cell."""
    master = _master(tmp_path, [
        ("code", "import numpy as np\n"),
        ("raw", "# BEGIN SOLUTION"), ("code", "def gain(a):\n    # BEGIN SOLUTION\n    return np.sqrt(2 / (1 + a * a))\n    # END SOLUTION\n"), ("raw", "# END SOLUTION"),
        ("raw", "# BEGIN TESTS"), ("code", "def test_gain(gain):\n    pass\n"), ("raw", "# END TESTS"),
        ("code", "plt.plot(gain(np.linspace(0, 1)))\n"),
        ("code", "def helper(x):\n    return x\n"),
        ("raw", "# BEGIN SOLUTION"), ("code", "def init_(w, a):\n    return w * gain(a)\n\ndef unrelated():\n    return 0\n"), ("raw", "# END SOLUTION"),
    ])
    cells = master_code_cells(master)
    assert [c.role for c in cells] == ["setup", "solution", "test", "experiment", "definitions", "solution"]
    source = reference_source(cells, ("init_",))
    assert source.startswith("import numpy as np") and "def gain" in source and "def init_" in source
    assert "unrelated" not in source and "helper" not in source
    namespace: dict = {}
    exec(source, namespace)
    assert abs(namespace["init_"](1.0, 1.0) - 1.0) < 1e-12


def test_built_assignments_record_their_experiments(dist_root):
    """Check that `make dist` records the hashes of sawtooth's given experiment cells, and that
    each recorded hash is a code cell of the student notebook as handed out."""
    meta = json.loads((dist_root("sawtooth") / "autograder" / "private" / "assignment.json").read_text())
    student = json.loads((dist_root("sawtooth") / "student" / "sawtooth.ipynb").read_text())
    handed_out = {source_hash("".join(c["source"])) for c in student["cells"] if c["cell_type"] == "code"}
    assert meta["experiments"] and set(meta["experiments"]) <= handed_out


def test_constants_passed_to_calls_are_not_taken_for_mutated():
    """Check that `train(model, EPOCHS)` keeps the experiment only because of `model`: a name bound
    to constants (EPOCHS, LR = 2000, 1e-2) cannot be mutated, while a list can."""
    setup = "EPOCHS, LR = 2000, 1e-2\nhistory = []\ndef fit():\n    return EPOCHS * LR, len(history)"
    uses_constants = "run(EPOCHS, LR)"
    uses_list = "run(history)"
    hashes = [source_hash(uses_constants), source_hash(uses_list)]
    assert cells_to_skip([setup, uses_constants, uses_list], hashes, needed=[]) == {1}
