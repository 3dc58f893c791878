r"""Budgets count CPU seconds of the worker's process tree, not wall-clock time (issue 16, item 8).

* A cell or call is charged the CPU time of every process it starts (here a child process that
  spins while the worker itself only waits), and is interrupted when its budget is spent.
* Code that sleeps uses no CPU: a cap on its waiting time (``wait_factor`` x budget +
  ``wait_slack_s``; waiting = wall - CPU - time spent waiting for a CPU) stops it, and the
  message says it waited, for how long, and the cap. A CPU-bound cell on a starved machine does
  not "wait": it is stopped by its CPU budget, however slow the machine.
* ``timed_call``'s ``limit_s`` is a CPU budget too.
* Under load (slow tests): the sawtooth reference notebook gets full marks with no note beside
  ``2 x nproc`` busy loops and held to half a core by a CPU quota, with the same result as idle;
  a hanging cell and a sleeping cell cost only their own cell under both loads.
"""
from __future__ import annotations

import re
import textwrap

import pytest

from autograder.checking import StudentTimeout, student
from autograder.grading.load import CgroupUnavailable, cpu_hogs, cpu_quota, grade_in_subprocess
from autograder.grading.sandbox import Sandbox, SandboxOptions, default_sandbox_user
from tests.engine.conftest import _HEADER, BASIC_QUESTIONS, build_suite
from tests.engine.test_robustness import DOUBLE, FULL, IMPORTS, RELU, SQUARE, cpu_seconds_in, scores
from tests.support import REPO

# cell_s 2 CPU s; code may wait 2 x 2 + 2 = 6 s. Honest cells here use under 0.5 CPU s.
SLEEPY_LIMITS = {"cell_s": 2, "wait_factor": 2, "wait_slack_s": 2}
SPINNING_CHILD = ("import subprocess, sys\n"
                  "subprocess.run([sys.executable, '-c', 'while True: pass'])")
SLEEPING = "import time\ntime.sleep(1000)"
HANGING = "while True:\n    pass"


@pytest.fixture(scope="module")
def sleepy_suite(engine_tmp):
    return build_suite(engine_tmp / "sleepy", BASIC_QUESTIONS, SLEEPY_LIMITS)


def test_a_cell_is_charged_the_cpu_time_of_the_processes_it_starts(sleepy_suite, notebook):
    """A cell whose child process spins while the worker only waits for it is interrupted when the
    tree has used the cell's CPU budget (it does not "wait"); the child dies with it."""
    report = sleepy_suite.grade(notebook([IMPORTS, RELU, SPINNING_CHILD, DOUBLE, SQUARE]))
    assert scores(report) == FULL and len(report.notes) == 1, report.notes
    note = report.notes[0]
    assert "Cell 4 (In [" in note and "interrupted after" in note and "of CPU time" in note, note
    assert 2.0 <= cpu_seconds_in(note) < 3.5


def test_a_sleeping_cell_is_stopped_by_the_waiting_cap_and_costs_only_itself(sleepy_suite, notebook):
    """A cell that sleeps uses no CPU; the cap on waiting stops it, and the note says that it
    waited, how long, how little CPU it used, and the cap."""
    report = sleepy_suite.grade(notebook([IMPORTS, RELU, SLEEPING, DOUBLE, SQUARE]))
    assert scores(report) == FULL and len(report.notes) == 1, report.notes
    note = report.notes[0]
    assert "Cell 4 (In [" in note and "waited (slept or blocked)" in note and "at most 6 s" in note, note
    assert cpu_seconds_in(note) < 1.0


@pytest.fixture(scope="module")
def box(engine_tmp):
    suite = build_suite(engine_tmp / "timed", BASIC_QUESTIONS)
    sandbox = Sandbox(SandboxOptions(suite.options.lib_path, default_sandbox_user()), suite.suite.limits).start()
    source = ("import subprocess, sys, time\n"
              "def spawn_spinner():\n    subprocess.run([sys.executable, '-c', 'while True: pass'])\n"
              "def nap():\n    time.sleep(1000)\n")
    assert sandbox.exec_cell(source, 30)["ok"]
    values = sandbox.resolve(["spawn_spinner", "nap"])
    yield {name: student(value, name) for name, value in values.items()}
    sandbox.close()


def test_timed_call_limit_is_cpu_time_of_the_process_tree(box):
    """``limit_s`` counts the CPU time of processes the call starts: a call that waits for a
    spinning child is stopped after about ``limit_s`` CPU seconds, and the message says so."""
    with pytest.raises(StudentTimeout) as caught:
        box["spawn_spinner"].timed_call(limit_s=1.0)
    message = str(caught.value)
    assert message.startswith("spawn_spinner() was stopped") and "this call may use 1 s of CPU time" in message
    assert 1.0 <= cpu_seconds_in(message) < 2.5


def test_timed_call_that_sleeps_is_stopped_by_the_waiting_cap(box):
    """A call that sleeps is stopped by the waiting cap of its limit (2 x 0.2 + 2 = 2.4 s); the
    message says that it waited rather than computed."""
    with pytest.raises(StudentTimeout, match=r"waited \(slept or blocked\)"):
        box["nap"].timed_call(limit_s=0.2)


# -- under load (slow) ------------------------------------------------------------------------------

def _same_result(a: dict, b: dict) -> bool:
    return (a["score"], a["notes"], a["questions"]) == (b["score"], b["notes"], b["questions"])


@pytest.fixture(scope="module")
def sawtooth_reference(dist_root):
    return dist_root("sawtooth") / "autograder", REPO / "solutions" / "sawtooth" / "sawtooth.ipynb"


@pytest.fixture(scope="module")
def idle_result(graded_in_sandbox):
    """The reference graded idle: the session's shared grading (tests/conftest.py), in the form
    ``grade_in_subprocess`` returns."""
    report = graded_in_sandbox("sawtooth", "reference")
    result = {"score": report.score, "max_score": report.max_score, "notes": report.notes,
              "questions": {q.name: [q.score, q.first_failure()] for q in report.questions}}
    assert result["score"] == result["max_score"] > 0 and result["notes"] == [], result
    return result


def _hang_and_sleep(engine_tmp, tmp_path, preexec) -> dict:
    """The demo notebook with a hanging and a sleeping cell, graded in a subprocess."""
    from tests.engine.conftest import make_notebook

    suite = engine_tmp / "sleepy"
    path = make_notebook(tmp_path, [IMPORTS, RELU, HANGING, SLEEPING, DOUBLE, SQUARE])
    return grade_in_subprocess(suite, path, preexec)


def _assert_hang_and_sleep_cost_only_their_cells(result: dict) -> None:
    assert result["score"] == 4.0 and len(result["notes"]) == 2, result
    hang, sleep = result["notes"]
    assert "Cell 4 (In [" in hang and "interrupted after" in hang and "of CPU time" in hang, hang
    assert "Cell 5 (In [" in sleep and "waited (slept or blocked)" in sleep, sleep


@pytest.mark.slow
def test_reference_and_bad_cells_beside_busy_loops(sawtooth_reference, idle_result, sleepy_suite, engine_tmp, tmp_path):
    """With 2 x nproc busy loops beside the grader: the sawtooth reference gets full marks with no
    note and exactly the idle result; a hanging and a sleeping cell cost only their own cells."""
    with cpu_hogs():
        loaded = grade_in_subprocess(*sawtooth_reference)
        bad_cells = _hang_and_sleep(engine_tmp, tmp_path, None)
    assert _same_result(loaded, idle_result), (loaded, idle_result)
    _assert_hang_and_sleep_cost_only_their_cells(bad_cells)


@pytest.mark.slow
def test_reference_and_bad_cells_at_half_a_core(sawtooth_reference, idle_result, sleepy_suite, engine_tmp, tmp_path):
    """With the whole grading process tree held to half a core by a CPU quota (Gradescope's 0.5
    vCPU): the sawtooth reference gets full marks with no note and exactly the idle result; a
    hanging and a sleeping cell cost only their own cells."""
    try:
        quota = cpu_quota(0.5)
        group = quota.__enter__()
    except CgroupUnavailable as exc:
        pytest.skip(f"no CPU quota cgroup can be created here: {exc}")
    try:
        loaded = grade_in_subprocess(*sawtooth_reference, preexec=group.join)
        bad_cells = _hang_and_sleep(engine_tmp, tmp_path, group.join)
    finally:
        quota.__exit__(None, None, None)
    assert _same_result(loaded, idle_result), (loaded, idle_result)
    assert loaded["grader_cpu_s"] + loaded["worker_cpu_s"] < 0.55 * loaded["wall_s"] + 1.0, loaded  # the quota held
    _assert_hang_and_sleep_cost_only_their_cells(bad_cells)


DRAW_TEST = _HEADER + textwrap.dedent("""
    name = "q1_draws"
    points = 1

    @test_case(points=None, hidden=False)
    def test_draws_shown(draws):
        from autograder.checking import as_array, expect, student
        got = as_array(student(draws, "draws")(), "draws()")
        expect(False, "draws() = " + ", ".join(repr(float(v)) for v in got))
    """)

DRAWS = ("def draws():\n    import random\n    import numpy as np\n"
         "    return np.array([random.random(), *np.random.rand(3)])\n")


@pytest.mark.slow
def test_ten_gradings_idle_and_loaded_see_the_same_random_draws(engine_tmp, tmp_path):
    """Grade one notebook 10 times, 5 idle and 5 beside 2 x nproc busy loops, in fresh processes: the
    student's random draws (Python's and numpy's global generators, seeded per rung by the engine)
    are the same every time, so the check's message (which prints them) and the score are equal.
    Without per-rung seeding the draws would differ between gradings with probability 1."""
    from tests.engine.conftest import make_notebook

    build_suite(engine_tmp / "draws", {"q1_draws": DRAW_TEST})
    path = make_notebook(tmp_path, [DRAWS])
    results = [grade_in_subprocess(engine_tmp / "draws", path) for _ in range(5)]
    with cpu_hogs():
        results += [grade_in_subprocess(engine_tmp / "draws", path) for _ in range(5)]
    first = results[0]
    assert first["notes"] == [] and "draws() = " in first["questions"]["q1_draws"][1], first
    assert all(_same_result(r, first) for r in results), [r["questions"] for r in results]
