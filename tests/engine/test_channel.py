r"""The channel between the grading process and the worker (issue 16, item 6).

Student code runs in the worker process, so it can write a well-formed frame on the worker's
protocol descriptor. Requests are numbered and replies echo their number, callback frames name
the pending request and their own number: a forged frame is recognised, the worker is killed,
and the cell or question that wrote it (never another one) is blamed in the notes. A forged reply
that carries a right answer for a wrong function does not raise the score.
"""
from __future__ import annotations

import textwrap

from tests.engine.test_robustness import DOUBLE, FULL, IMPORTS, RELU, SQUARE, assert_only, scores

# Defines forge(frame): writes ``frame`` on the worker's protocol output, as the worker would.
FORGER = textwrap.dedent('''
    import gc, json, struct
    _worker = next(o for o in gc.get_objects() if type(o).__name__ == "Worker")

    def forge(frame):
        data = json.dumps(frame).encode()
        _worker.proto_out.write(struct.pack(">I", len(data)) + data)
        _worker.proto_out.flush()

    def pending():
        return getattr(_worker, "pending", None)
    ''')


def _note_blames(report, cell: int) -> None:
    assert len(report.notes) == 1, report.notes
    assert f"Cell {cell + 1} (In [" in report.notes[0] and "private channel" in report.notes[0], report.notes


def test_a_cell_writing_a_stray_frame_is_blamed_and_skipped(grade_cells):
    """A cell that writes a frame answering no request (a made-up number) is skipped and named; the
    notebook is replayed without it and every question gets full marks."""
    report = grade_cells([IMPORTS, FORGER, RELU, "forge({'ok': True, 're': 123456})", DOUBLE, SQUARE])
    assert scores(report) == FULL, report
    _note_blames(report, 4)


def test_a_cell_forging_its_own_reply_is_blamed_not_the_next_cell(grade_cells):
    """A cell that forges a reply with the very number of its request (taken for its reply) leaves
    its real reply stale in the channel; that is noticed at the next request and blamed on the cell
    whose number it echoes, not on the cell that happened to run next."""
    report = grade_cells([IMPORTS, FORGER, RELU, "forge({'ok': True, 're': pending()})\nimport time\ntime.sleep(0.2)",
                          DOUBLE, SQUARE])
    assert scores(report) == FULL, report
    _note_blames(report, 4)


def test_a_forged_right_answer_for_a_wrong_function_does_not_raise_the_score(grade_cells):
    """A wrong ``double`` (3x) that forges the reply to its own call with the right answer (2x):
    the forgery shows when its real reply arrives, the question scores 0 with a message saying
    so, and the other questions are not disturbed."""
    forging_double = textwrap.dedent('''
        from autograder.checking.wire import encode

        def double(x):
            forge({"ok": True, "re": pending(), "value": encode(2 * x, lambda handle: handle.ref)})
            import time
            time.sleep(0.2)
            return 3 * x
        ''')
    report = grade_cells([IMPORTS, FORGER, RELU, forging_double, SQUARE])
    message = assert_only(report, "q2_double")
    assert "private channel" in message


def test_a_forged_callback_frame_is_blamed_on_its_cell(grade_cells):
    """A cell that forges a callback frame (as if student code called a grader function during a
    cell) gets an answer nobody waits for; the worker reports the stray answer and the cell is
    blamed and skipped."""
    forged = "forge({'cb': 1, 're': pending(), 'callback': 1, 'args': [], 'kwargs': {'~': 'dict', 'items': []}})"
    report = grade_cells([IMPORTS, FORGER, RELU, forged, DOUBLE, SQUARE])
    assert scores(report) == FULL, report
    _note_blames(report, 4)
