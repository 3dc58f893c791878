r"""Robustness of the grading engine against what a student notebook can do.

Every test grades a small notebook against a tiny generic suite (see conftest.py: ``relu``,
``double``, ``square``; each question is a public "exists" rung and a hidden "value" rung) and
states in its docstring what it proves. The contract under test (engine.py, sandbox.py):

* a problem in one cell or one question costs that cell or that question, nothing else;
* nothing the submission does makes ``grade`` raise or exceed its budgets, which count CPU seconds
  (so no assertion here is on wall-clock time: the machine may be busy; the CPU time a message
  reports is checked instead);
* the checks run in the trusted process, and (as root) the student's code runs as ``nobody``.
"""
from __future__ import annotations

import io
import json
import re
import os
import signal
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from autograder.grading.sandbox import GRACE_CPU_S, default_sandbox_user

NOTEBOOK = "demo.ipynb"  # the suite's expected notebook name (conftest)
IMPORTS = "import numpy as np"
RELU = "def relu(x):\n    return np.maximum(x, 0)"
DOUBLE = "def double(x):\n    return 2 * x"
SQUARE = "def square(x):\n    return x * x"
CORRECT_CELLS = [IMPORTS, RELU, DOUBLE, SQUARE]

FULL = {"q1_relu": 2.0, "q2_double": 1.0, "q3_square": 1.0}

needs_privilege_drop = pytest.mark.skipif(
    os.geteuid() != 0 or default_sandbox_user() is None,
    reason="only meaningful when grading runs as root: the worker then runs as an unprivileged user "
           "(nobody), and root-only files, folders and processes are out of its reach")


def scores(report) -> dict:
    return {q.name: q.score for q in report.questions}


def question(report, name: str):
    return next(q for q in report.questions if q.name == name)


def statuses(report, name: str) -> list:
    return [r.status for r in question(report, name).rungs]


def cpu_seconds_in(message: str) -> float:
    """The CPU seconds a time-limit message reports ("... 3.0 s of CPU time ...")."""
    return float(re.search(r"([0-9.]+) s of CPU time", message).group(1))


def assert_only(report, failed: str) -> str:
    """``failed`` scores 0, every other question full marks; returns the failure message."""
    assert scores(report) == {**FULL, failed: 0.0}, report
    return question(report, failed).first_failure()


# -- the notebook run ----------------------------------------------------------------------------


def test_correct_submission_gets_full_marks(grade_cells):
    """A correct notebook scores every question's points, every rung passes, and no note is made."""
    report = grade_cells(CORRECT_CELLS)
    assert scores(report) == FULL
    assert report.score == report.max_score == 4.0
    assert all(r.status == "passed" for q in report.questions for r in q.rungs)
    assert report.notes == []


def test_syntax_error_cell_costs_nothing_else(grade_cells):
    """A cell that does not compile is reported by number and costs no points: the cells after it
    still run and every question is graded as if it were absent."""
    report = grade_cells([IMPORTS, RELU, "def broken(:\n    pass", DOUBLE, SQUARE])
    assert scores(report) == FULL
    assert len(report.notes) == 1
    assert "Cell 4 (In [" in report.notes[0] and "SyntaxError" in report.notes[0]


@pytest.mark.parametrize("cell, error", [
    ("1 / 0", "ZeroDivisionError"),
    ("raise KeyboardInterrupt", "KeyboardInterrupt"),
    ("import sys\nsys.exit(3)", "SystemExit"),
], ids=["ZeroDivisionError", "KeyboardInterrupt", "sys.exit"])
def test_raising_cell_costs_nothing_else(grade_cells, cell, error):
    """A cell that raises (even KeyboardInterrupt or SystemExit) is reported with the exception and
    the cells after it still run: full marks, the worker is not restarted."""
    report = grade_cells([IMPORTS, RELU, cell, DOUBLE, SQUARE])
    assert scores(report) == FULL
    assert len(report.notes) == 1
    assert "Cell 4 (In [" in report.notes[0] and error in report.notes[0]


def test_infinite_loop_cell_is_interrupted(grade_cells, basic_suite):
    """A cell that loops forever is interrupted after ``cell_s`` CPU seconds (soft bound, no
    restart; the note says how long it ran and the budget, and guesses no cause) and the rest of
    the notebook still runs and grades."""
    report = grade_cells([IMPORTS, RELU, "while True:\n    pass", DOUBLE, SQUARE])
    assert scores(report) == FULL
    assert len(report.notes) == 1
    note, cell_s = report.notes[0], basic_suite.suite.limits.cell_s
    assert "Cell 4 (In [" in note and "interrupted" in note and f"{cell_s:g} s of CPU time" in note
    assert "infinite" not in note
    assert cell_s <= cpu_seconds_in(note) < cell_s + 1.0


# Note: the shorter ``while True: pass`` as the inner loop is not a good probe on CPython 3.11: the
# interruption raised in that one-instruction loop escapes the enclosing ``try`` (compiler quirk),
# so the cell ends at the soft bound. An inner loop with a statement in its body really hangs.
UNINTERRUPTIBLE = "while True:\n    try:\n        while True:\n            x = 1\n    except BaseException:\n        pass"


def test_uninterruptible_cell_is_killed_skipped_and_replayed(grade_cells, basic_suite):
    """A cell that swallows the interruption (catches BaseException in a loop) is killed at the hard
    bound, skipped, and the notebook replayed without it: all questions still grade, including
    those whose functions the cells before and after it define, and a note names the cell."""
    report = grade_cells([IMPORTS, RELU, UNINTERRUPTIBLE, DOUBLE, SQUARE])
    assert scores(report) == FULL
    assert len(report.notes) == 1
    note, cell_s = report.notes[0], basic_suite.suite.limits.cell_s
    assert "Cell 4 (In [" in note and "skipped" in note and "did not stop when interrupted" in note
    assert cell_s + GRACE_CPU_S <= cpu_seconds_in(note) < cell_s + GRACE_CPU_S + 1.0


@pytest.mark.parametrize("cell", [
    "import os\nos._exit(1)",
    "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
], ids=["os._exit", "SIGKILL"])
def test_cell_killing_the_worker_is_skipped(grade_cells, cell):
    """A cell that ends the worker process is skipped and the notebook replayed without it; the
    functions defined before and after it are graded and a note names the cell."""
    report = grade_cells([IMPORTS, RELU, cell, DOUBLE, SQUARE])
    assert scores(report) == FULL
    assert len(report.notes) == 1
    assert "Cell 4 (In [" in report.notes[0] and "killed" in report.notes[0]


def test_each_cell_note_is_made_once_across_replays(grade_cells):
    """Notes about cells are made once each, however often the notebook is replayed (after a fatal
    cell, and again after a function kills the worker during grading), and a cell error after a
    fatal cell is still reported."""
    exiting_double = "import os\ndef double(x):\n    os._exit(1)"
    report = grade_cells([IMPORTS, "1 / 0", RELU, "import os\nos._exit(1)", "def broken(:\n    pass",
                          exiting_double, SQUARE])
    assert scores(report) == {**FULL, "q2_double": 0.0}
    assert len(report.notes) == 3, report.notes
    assert "Cell 3 (In [" in report.notes[0] and "ZeroDivisionError" in report.notes[0]
    assert "Cell 5 (In [" in report.notes[1] and "killed" in report.notes[1]
    assert "Cell 6 (In [" in report.notes[2] and "SyntaxError" in report.notes[2]


def test_too_many_restarts_give_zero_without_raising(fragile_suite, notebook):
    """A notebook that kills the worker more often than ``max_restarts`` stops grading: every
    question gets 0 with a message saying why, and ``grade`` returns normally."""
    exiting = "import os\nos._exit(1)"
    report = fragile_suite.grade(notebook([IMPORTS, RELU, exiting, DOUBLE, exiting, SQUARE]))
    assert report.score == 0.0 and report.max_score == 4.0
    for q in report.questions:
        assert "too many times" in q.first_failure()


def _live_processes_with(marker: str) -> list:
    """pids of non-zombie processes whose command line contains ``marker``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next(line for line in (entry / "status").read_text().splitlines()
                         if line.startswith("State:"))
        except (OSError, StopIteration):
            continue
        if marker in cmdline and "Z" not in state.split()[1]:
            pids.append(int(entry.name))
    return pids


def _survivors(marker: str, wait_s: float = 3.0) -> list:
    """``_live_processes_with(marker)`` once they are gone, or after ``wait_s`` (a SIGKILL is not
    instantaneous)."""
    until = time.monotonic() + wait_s
    while (pids := _live_processes_with(marker)) and time.monotonic() < until:
        time.sleep(0.05)
    return pids


def test_processes_started_by_the_notebook_do_not_outlive_grading(grade_cells):
    """A background process the notebook starts (in the worker's session) is killed with the worker
    when grading ends."""
    marker = "313.25"
    report = grade_cells([IMPORTS, f"import subprocess\nCHILD = subprocess.Popen(['sleep', '{marker}'])",
                          RELU, DOUBLE, SQUARE])
    assert scores(report) == FULL
    assert _survivors(marker) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only the sandbox user's processes can be swept (root grading)")
def test_processes_in_their_own_session_do_not_outlive_grading(grade_cells):
    """A child started with ``start_new_session=True`` escapes the process-group kill; grading as
    root kills every process of the sandbox user started since the worker, so it dies too."""
    marker = "313.75"
    try:
        grade_cells([IMPORTS, f"import subprocess\nCHILD = subprocess.Popen(['sleep', '{marker}'], "
                              "start_new_session=True)", RELU, DOUBLE, SQUARE])
        assert _survivors(marker, wait_s=1.0) == []
    finally:
        for pid in _live_processes_with(marker):  # the sleep this test started
            os.kill(pid, signal.SIGKILL)


# -- the questions -------------------------------------------------------------------------------


def test_missing_function_costs_only_its_question(grade_cells):
    """A function the notebook never defines gives 0 for its question only, on the first (public)
    rung, with a message saying it is not defined; the later rungs are not run."""
    report = grade_cells([IMPORTS, RELU, SQUARE])
    message = assert_only(report, "q2_double")
    assert "is not defined" in message and "`double`" in message
    assert statuses(report, "q2_double") == ["failed", "not run"]


def test_nan_result_fails_with_nan_message(grade_cells):
    """A function returning NaN fails its value rung with a message that says NaN."""
    nan_relu = "def relu(x):\n    return np.full_like(x, np.nan)"
    report = grade_cells([IMPORTS, nan_relu, DOUBLE, SQUARE])
    message = assert_only(report, "q1_relu")
    assert "NaN" in message
    assert statuses(report, "q1_relu") == ["passed", "failed"]


def test_wrong_answer_fails_with_where_and_by_how_much(grade_cells):
    """A wrong (finite) result fails its value rung with the worst input, expected and actual values."""
    leaky = "def relu(x):\n    return np.where(x > 0, x, 0.1 * x)"
    message = assert_only(grade_cells([IMPORTS, leaky, DOUBLE, SQUARE]), "q1_relu")
    assert "at input -2" in message and "expected 0" in message and "got -0.2" in message


def test_exception_in_student_function_fails_only_its_question(grade_cells):
    """An exception raised by a student function fails its question with the exception and the
    student's line; other questions are unaffected."""
    raising = "def double(x):\n    return x.doubled()"
    message = assert_only(grade_cells([IMPORTS, RELU, raising, SQUARE]), "q2_double")
    assert "AttributeError" in message and "x.doubled()" in message


def test_hanging_function_fails_only_its_question(grade_cells, basic_suite):
    """A student function that never returns is interrupted when its question's CPU budget is
    spent: its question fails with a message naming the call, how long it ran and the budget
    (no guess at the cause), and the later questions still grade."""
    hanging = "def double(x):\n    while True:\n        pass"
    report = grade_cells([IMPORTS, RELU, hanging, SQUARE])
    message = assert_only(report, "q2_double")
    question_s = basic_suite.suite.limits.question_s
    assert message.startswith("double(a numpy array") and "was stopped" in message and "infinite" not in message
    assert f"may use {question_s:g} s of CPU time" in message
    assert question_s <= cpu_seconds_in(message) < question_s + 1.0


def test_function_ignoring_interrupts_is_killed(quick_suite, notebook):
    """A student function that swallows the interruption is killed at the question's hard bound;
    the worker is restarted (notebook replayed) for the next question, which still grades."""
    stubborn = ("def relu(x):\n    while True:\n        try:\n            while True:\n                y = 1\n"
                "        except BaseException:\n            pass")
    report = quick_suite.grade(notebook([IMPORTS, stubborn, DOUBLE]))
    assert scores(report) == {"q1_relu": 0.0, "q2_double": 1.0}
    message = question(report, "q1_relu").first_failure()
    assert "did not stop when interrupted" in message and "killed" in message


def test_exit_in_function_fails_only_its_question(grade_cells):
    """A student function that ends the worker (os._exit) when called fails its question only; the
    worker is restarted and the later questions still grade."""
    exiting = "import os\ndef double(x):\n    os._exit(1)"
    message = assert_only(grade_cells([IMPORTS, RELU, exiting, SQUARE]), "q2_double")
    assert "died" in message


class _Result:
    """Student results the checks cannot use or the worker cannot even marshal."""
    REPR_RAISES = ("class Weird:\n    def __repr__(self):\n        raise RuntimeError('no repr')\n"
                   "def relu(x):\n    return Weird()")
    ITER_RAISES = ("class Sneaky(list):\n    def __iter__(self):\n        raise RuntimeError('no iter')\n"
                   "def relu(x):\n    return Sneaky([1.0])")
    FLOAT_RAISES = ("class Sneaky(float):\n    def __float__(self):\n        raise RuntimeError('no float')\n"
                    "def relu(x):\n    return Sneaky(1.0)")
    HUGE_INT = "def relu(x):\n    return 10 ** 5000"
    OBJECT_ARRAY = "def relu(x):\n    return np.array([object()] * 9)"


@pytest.mark.parametrize("cell", [_Result.REPR_RAISES, _Result.ITER_RAISES, _Result.FLOAT_RAISES,
                                  _Result.HUGE_INT, _Result.OBJECT_ARRAY],
                         ids=["repr-raises", "iter-raises", "float-raises", "huge-int", "object-array"])
def test_unusable_result_fails_its_rung_without_crashing(grade_cells, cell):
    """A result that cannot be marshalled, sent or read (a raising __repr__/__iter__/__float__, an
    int too large for JSON, an object array) fails the value rung with a message; the other
    questions are graded normally."""
    report = grade_cells([IMPORTS, cell, DOUBLE, SQUARE])
    message = assert_only(report, "q1_relu")
    assert statuses(report, "q1_relu") == ["passed", "failed"]
    assert message


def test_hanging_repr_is_bounded_by_the_question_time(quick_suite, notebook):
    """A student object whose __repr__ never returns (the worker calls repr when it hands the object
    to a check) costs its question, within the question's time bound plus the grace period, not
    the 60 s start-up bound; the next question still grades."""
    hanging_relu = ("class Relu:\n    def __call__(self, x):\n        return np.maximum(x, 0)\n"
                    "    def __repr__(self):\n        while True:\n            pass\nrelu = Relu()")
    report = quick_suite.grade(notebook([IMPORTS, hanging_relu, DOUBLE]))
    assert scores(report) == {"q1_relu": 0.0, "q2_double": 1.0}
    message = question(report, "q1_relu").first_failure()
    assert "stopped" in message or "ran out" in message, message


def test_sabotaged_seeding_is_bounded_by_the_question_time(quick_suite, notebook):
    """A notebook that makes numpy's seeding hang (the engine seeds before every rung) fails each
    question within its time bound plus the grace period, not the 60 s start-up bound."""
    sabotage = "import time\nnp.random.seed = lambda *args: time.sleep(1000)"
    report = quick_suite.grade(notebook([IMPORTS, RELU, DOUBLE, sabotage]))
    assert report.score == 0.0
    assert all("ran out" in q.first_failure() or "stopped" in q.first_failure() for q in report.questions)


# -- submissions ---------------------------------------------------------------------------------


def _crafted_zip(patches: list) -> bytes:
    """A zip of the correct notebook with header bytes patched: (signature, offset, value|None=set bit 0)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NOTEBOOK, json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    data = bytearray(buf.getvalue())
    for signature, offset, value in patches:
        at = data.find(signature) + offset
        data[at] = data[at] | 1 if value is None else value
    return bytes(data)


def _zip_of(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buf.getvalue()


UNREADABLE = {
    "garbage bytes": (NOTEBOOK, bytes(range(256)) * 8),
    "empty file": (NOTEBOOK, b""),
    "not JSON": (NOTEBOOK, b"print('this is a .py file renamed')\n"),
    "JSON list": (NOTEBOOK, b"[1, 2, 3]"),
    "cells not a list": (NOTEBOOK, b'{"cells": 5}'),
    "worksheets not a list": (NOTEBOOK, b'{"worksheets": 5}'),
    "worksheet not an object": (NOTEBOOK, b'{"worksheets": [5]}'),
    "source of numbers": (NOTEBOOK, b'{"cells": [{"cell_type": "code", "source": [1, 2]}]}'),
    "deeply nested JSON": (NOTEBOOK, b"[" * 100_000 + b"]" * 100_000),
    "corrupt zip": ("submission.zip", b"PK\x03\x04 not really a zip"),
    "zip without notebook": ("submission.zip", _zip_of({"answers.py": "x = 1\n"})),
    "encrypted zip": ("submission.zip", _crafted_zip([(b"PK\x03\x04", 6, None), (b"PK\x01\x02", 8, None)])),
    "zip with unknown compression": ("submission.zip", _crafted_zip([(b"PK\x03\x04", 8, 99),
                                                                    (b"PK\x01\x02", 10, 99)])),
}


@pytest.mark.parametrize("kind", list(UNREADABLE))
def test_unreadable_submission_gives_zero_with_a_note(basic_suite, tmp_path, kind):
    """A submission that is not a readable notebook grades to zero for every question, with a note
    and a message on each question, and ``grade`` does not raise."""
    name, data = UNREADABLE[kind]
    path = tmp_path / name
    path.write_bytes(data)
    report = basic_suite.grade(path)
    assert [q.name for q in report.questions] == list(FULL)
    assert report.score == 0.0 and report.max_score == 4.0
    assert len(report.notes) == 1
    for q in report.questions:
        assert q.rungs[0].status == "failed" and q.rungs[0].message == report.notes[0]
        assert all(r.status == "not run" for r in q.rungs[1:])


def test_folder_without_notebook_gives_zero_with_a_note(basic_suite, tmp_path):
    """A submission folder with no notebook (nor zip) grades to zero with a note saying so."""
    (tmp_path / "answers.py").write_text("x = 1\n")
    report = basic_suite.grade(tmp_path)
    assert report.score == 0.0 and "No .ipynb notebook" in report.notes[0]


def test_export_zip_is_graded_like_the_notebook(basic_suite, notebook, tmp_path):
    """An otter export zip (the notebook plus other files and a stale checkpoint) grades exactly like
    the notebook it contains, directly and inside a submission folder; the checkpoint is ignored."""
    wrong = notebook([IMPORTS], name="wrong/demo.ipynb").read_text()
    plain = notebook(CORRECT_CELLS[:-1], name="plain/demo.ipynb")  # no square: 3 of 4 points
    direct = basic_suite.grade(plain)
    text = plain.read_text()
    archive = tmp_path / "folder" / "demo_2024_01_01T00_00_00.zip"
    archive.parent.mkdir()
    archive.write_bytes(_zip_of({".ipynb_checkpoints/demo-checkpoint.ipynb": wrong, NOTEBOOK: text,
                                 ".OTTER_LOG": "log", "demo.pdf": "%PDF"}))
    for submission in (archive, archive.parent):
        report = basic_suite.grade(submission)
        assert report.submission.endswith(f".zip:{NOTEBOOK}")
        assert scores(report) == scores(direct) == {**FULL, "q3_square": 0.0}
        assert [q.rungs for q in report.questions] == [q.rungs for q in direct.questions]


def test_regrading_gives_identical_results(basic_suite, notebook):
    """Grading the same submission twice gives the same scores and messages, even when the student's
    functions use numpy's global random generator (the engine seeds it before every rung)."""
    coin = "np.random.rand() < 0.5"
    path = notebook([IMPORTS, f"def relu(x):\n    return np.maximum(x, 0) + ({coin})",
                     f"def double(x):\n    return 2 * x + ({coin})",
                     f"def square(x):\n    return x * x + ({coin})"])
    first, second = basic_suite.grade(path), basic_suite.grade(path)
    assert scores(first) == scores(second)
    assert [q.rungs for q in first.questions] == [q.rungs for q in second.questions]
    assert first.notes == second.notes


# -- tampering -----------------------------------------------------------------------------------


def test_patching_numpy_or_checks_in_the_notebook_does_not_help(grade_cells):
    """The checks run in the grading process: a notebook that replaces numpy.maximum and
    numpy.allclose (and the check helpers) in its own process, so that a worker-side check would
    expect exactly its wrong all-zero relu, still fails."""
    tamper = ("import numpy, autograder.checking, autograder.checking.arrays\n"
              "numpy.maximum = lambda a, b: a * 0\n"
              "numpy.allclose = lambda *a, **k: True\n"
              "autograder.checking.expect_close = autograder.checking.arrays.expect_close = lambda *a, **k: None\n"
              "def relu(x):\n    return x * 0")
    message = assert_only(grade_cells([IMPORTS, tamper, DOUBLE, SQUARE]), "q1_relu")
    assert "relu(x) is wrong" in message


PROBE_READ = ("def probe():\n    try:\n        with open({path!r}) as handle:\n            return handle.read()\n"
              "    except Exception as exc:\n        return type(exc).__name__\n"
              "LEAKED = probe()")


@needs_privilege_drop
@pytest.mark.parametrize("target", ["secret file", "hidden test"])
def test_student_code_cannot_read_root_only_files(probe_suite, notebook, target):
    """Student code cannot read a file inside a root-only (0o700) folder, such as the hidden tests in
    ``private/``: opening it raises PermissionError, in a cell and in a called function."""
    secret_dir = Path(tempfile.mkdtemp(prefix="gd-secret-"))  # 0o700, owned by root
    try:
        secret = secret_dir / "secret.txt"
        secret.write_text("TOP SECRET")
        secret.chmod(0o644)  # only the folder protects it
        path = secret if target == "secret file" else probe_suite.private / "tests" / "q1_relu.py"
        report = probe_suite.grade(notebook([IMPORTS, RELU, PROBE_READ.format(path=str(path)),
                                             "assert LEAKED == 'PermissionError', LEAKED"]))
        assert scores(report) == {"q1_relu": 2.0, "q9_probe": 1.0}, report
        assert report.notes == []  # the cell's own assertion held too
    finally:
        for child in secret_dir.iterdir():
            child.unlink()
        secret_dir.rmdir()


PROBE_WRITE = ("def probe():\n    try:\n        with open({path!r}, 'w') as handle:\n"
               "            handle.write('points = 100\\n')\n        return 'written'\n"
               "    except Exception as exc:\n        return type(exc).__name__\n"
               "AT_CELL_TIME = probe()")


@needs_privilege_drop
@pytest.mark.parametrize("target", ["results file", "hidden test"])
def test_student_code_cannot_write_results_or_tests(probe_suite, notebook, target):
    """Student code cannot write a fake results file into a root-only (0o700) results folder, nor
    overwrite a hidden test file: the writes raise PermissionError and nothing changes on disk."""
    results_dir = Path(tempfile.mkdtemp(prefix="gd-results-"))  # 0o700, owned by root
    try:
        if target == "results file":
            path = results_dir / "results.json"
            before = None
        else:
            path = probe_suite.private / "tests" / "q1_relu.py"
            before = path.read_text()
        report = probe_suite.grade(notebook([IMPORTS, RELU, PROBE_WRITE.format(path=str(path)),
                                             "assert AT_CELL_TIME == 'PermissionError', AT_CELL_TIME"]))
        assert scores(report) == {"q1_relu": 2.0, "q9_probe": 1.0}, report
        assert report.notes == []
        if before is None:
            assert not path.exists() and list(results_dir.iterdir()) == []
        else:
            assert path.read_text() == before
    finally:
        for child in results_dir.iterdir():
            child.unlink()
        results_dir.rmdir()


@needs_privilege_drop
def test_student_code_cannot_signal_the_grader(probe_suite, notebook):
    """Student code cannot send signals to the grading process (its parent): even the harmless
    signal 0 raises PermissionError, so it cannot kill or interrupt grading."""
    probe = ("import os\ndef probe():\n    try:\n        os.kill(os.getppid(), 0)\n        return 'signalled'\n"
             "    except Exception as exc:\n        return type(exc).__name__")
    report = probe_suite.grade(notebook([IMPORTS, RELU, probe]))
    assert scores(report) == {"q1_relu": 2.0, "q9_probe": 1.0}, report
    assert report.notes == []  # in particular, no fallback to running the notebook as root


def test_unsendable_result_keeps_the_worker_alive(grade_cells):
    """An int too large for JSON is reported as unsendable without killing the worker (no restart,
    no "died" message)."""
    report = grade_cells([IMPORTS, _Result.HUGE_INT, DOUBLE, SQUARE])
    message = assert_only(report, "q1_relu")
    assert "cannot be sent" in message and "died" not in message
