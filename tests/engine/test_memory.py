r"""Memory: the worker's process tree is capped at ``Limits.worker_mb`` (issue 16, item 9).

The cap is real, set up by the engine for these tests with a small ``worker_mb``: a cgroup memory
limit where this machine allows one (the kernel's OOM killer stops the worker), and, forced with
``SandboxOptions(cgroups=False)``, ``RLIMIT_DATA`` (the allocation fails inside the student's
code). Either way a memory bomb costs exactly its own cell or question, the message says
"used more than N MB", and grading goes on (a results file is always written).
"""
from __future__ import annotations

import uuid

import pytest

from autograder.grading.cgroups import Cgroup, CgroupUnavailable
from autograder.grading.sandbox import SandboxOptions
from tests.engine.conftest import BASIC_QUESTIONS, build_suite
from tests.engine.test_robustness import DOUBLE, FULL, IMPORTS, RELU, SQUARE, assert_only, scores

WORKER_MB = 300                                   # python + IPython + numpy need about 100
BOMB = "hog = b'x' * (2 * 1024 ** 3)"             # 2 GB, every page written


def _cgroups_work() -> bool:
    try:
        Cgroup.create(f"gd-probe-{uuid.uuid4().hex[:8]}", ["memory"], required=["memory"]).remove()
        return True
    except (CgroupUnavailable, OSError):
        return False


@pytest.fixture(scope="module", params=["cgroup", "rlimit"])
def capped_suite(request, engine_tmp):
    if request.param == "cgroup" and not _cgroups_work():
        pytest.skip("no memory cgroup can be created here (not root, or the cgroup filesystem is read-only)")
    suite = build_suite(engine_tmp / f"memory-{request.param}", BASIC_QUESTIONS, {"worker_mb": WORKER_MB})
    suite.options = SandboxOptions(suite.options.lib_path, suite.options.user, cgroups=request.param == "cgroup")
    return suite


def test_a_memory_bomb_in_a_cell_costs_only_that_cell(capped_suite, notebook):
    """A cell that allocates 2 GB is stopped at the cap; the note names the cell and the cap, and
    every question still gets full marks."""
    report = capped_suite.grade(notebook([IMPORTS, RELU, BOMB, DOUBLE, SQUARE]))
    assert scores(report) == FULL, report
    assert len(report.notes) == 1, report.notes
    assert "Cell 4 (In [" in report.notes[0] and f"more than {WORKER_MB} MB" in report.notes[0]


def test_a_memory_bomb_in_a_graded_function_costs_only_its_question(capped_suite, notebook):
    """A student function that allocates 2 GB when called fails its own question with "used more
    than N MB"; the questions after it still grade (the worker is restarted if it was killed)."""
    bombing_double = f"def double(x):\n    {BOMB}\n    return 2 * x"
    report = capped_suite.grade(notebook([IMPORTS, RELU, bombing_double, SQUARE]))
    message = assert_only(report, "q2_double")
    assert f"used more than {WORKER_MB} MB" in message and message.startswith("double(")


def test_a_correct_notebook_under_the_cap_has_no_note(capped_suite, notebook):
    """The cap leaves ordinary code alone: full marks, no note."""
    report = capped_suite.grade(notebook([IMPORTS, RELU, DOUBLE, SQUARE]))
    assert scores(report) == FULL and report.notes == []
