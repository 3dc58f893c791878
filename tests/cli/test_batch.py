r"""The TA's outputs without running notebooks (hand-made reports): the CSV's notes, the terminal
table, regrading one question in the CSV/JSON in place, and the visible hidden pass/fail."""
from __future__ import annotations

import csv
import io
import json

import pytest

from autograder.grading import batch
from autograder.grading.report_html import message_group
from autograder.grading.results import NOTE_LIMIT, csv_text, gradescope_results, table
from tests.cli import reports


def _rows(text: str) -> dict:
    return {row["submission"]: row for row in csv.DictReader(io.StringIO(text))}


def test_csv_notes_say_why_each_question_was_lost():
    """Check that the notes column names each lost question with its first failing message (first
    non-blank line, never a leading line break) before the notebook's notes."""
    rows = _rows(csv_text(reports.batch(), [name for name, _ in reports.QUESTIONS]))
    assert rows["subs/alice.ipynb"]["notes"] == ""
    assert rows["subs/bob.ipynb"]["notes"] == "demo_q2: expected 8 pieces on [0, 1], got 4: is the composition off by one?"
    erin = rows["subs/erin.zip:erin/demo.ipynb"]["notes"].split(" | ")
    assert erin == ["demo_q1: relu(-1.5) should be 0, got -1.5",
                    "Cell 7 (In [3]) ran longer than 60 s and was interrupted."]


def test_csv_notes_say_an_unreadable_file_once():
    """Check that a submission that could not be read gets its reason once, not once per question."""
    problem = "Could not read the submission as a Jupyter notebook: Expecting value"
    broken = reports.report("x.ipynb", {name: problem for name, _ in reports.QUESTIONS}, notes=[problem])
    assert _rows(csv_text([broken], ["demo_q1", "demo_q2", "demo_q3"]))["x.ipynb"]["notes"] == problem


def test_csv_notes_are_shortened():
    """Check that a long first failing message is cut to NOTE_LIMIT characters with an ellipsis."""
    long = reports.report("x.ipynb", {"demo_q1": "word " * 200})
    note = _rows(csv_text([long], ["demo_q1", "demo_q2", "demo_q3"]))["x.ipynb"]["notes"]
    assert note.startswith("demo_q1: word word") and note.endswith("...")
    assert len(note) <= len("demo_q1: ") + NOTE_LIMIT


def test_table_lines_never_start_with_a_line_break():
    """Check that the terminal table's per-question summary is the message's first non-blank line."""
    text = table(reports.batch()[1])
    line = next(l for l in text.splitlines() if "demo_q2" in l)
    assert line.rstrip().endswith("is the composition off by one?")
    assert all(l.strip() for l in text.splitlines())


def test_hidden_status_is_visible_without_messages():
    """Check that results.json has a visible 0-point '(hidden checks)' test per question saying
    whether the hidden checks passed, without their message, and that the setting turns it off."""
    bob = reports.batch()[1]
    results = gradescope_results(bob, "after_published", show_hidden_status=True)
    status = {t["name"]: t for t in results["tests"] if t["name"].endswith("(hidden checks)")}
    assert set(status) == {f"{name} (hidden checks)" for name, _ in reports.QUESTIONS}
    lost = status["demo_q2 (hidden checks)"]
    assert lost["visibility"] == "visible" and lost["status"] == "failed" and lost["max_score"] == 0
    assert "pieces" not in lost["output"] and "published" in lost["output"]
    assert status["demo_q1 (hidden checks)"]["status"] == "passed"
    full = next(t for t in results["tests"] if t["name"] == "demo_q2")
    assert full["visibility"] == "after_published" and "pieces" in full["output"]
    off = gradescope_results(bob, "after_published", show_hidden_status=False)
    assert not [t for t in off["tests"] if t["name"].endswith("(hidden checks)")]
    assert results["score"] == off["score"] == 5.0


def test_hidden_status_when_a_public_check_fails():
    """Check that a question whose public check failed says its hidden checks did not run."""
    failed = reports.report("x.ipynb")
    failed.questions[0] = reports.question("demo_q1", 2.0, "relu is not defined", public_fails=True)
    test = next(t for t in gradescope_results(failed)["tests"] if t["name"] == "demo_q1 (hidden checks)")
    assert test["status"] == "failed" and "did not run" in test["output"]


def test_message_groups_ignore_numbers_but_keep_names():
    """Check the grouping of first failures: numbers become #, digits in names stay."""
    a = message_group("\nsawtooth_q3: expected 8 pieces, got 4 (x2 = -1.5e-3)")
    b = message_group("sawtooth_q3: expected 16 pieces, got 8 (x2 = 2.5)")
    assert a == b == "sawtooth_q3: expected # pieces, got # (x2 = #)"


def test_reports_round_trip_through_json():
    """Check that grades.json keeps everything a report holds."""
    original = reports.batch()
    restored = [batch.report_from_dict(json.loads(json.dumps(batch.report_to_dict(r)))) for r in original]
    assert restored == original
    assert [r.score for r in restored] == [r.score for r in original]


@pytest.fixture
def graded(tmp_path):
    """A batch written as a TA would have it, with a column the TA added by hand."""
    out = tmp_path / "grades.csv"
    batch.write_batch(reports.batch(), reports.suite(), out)
    rows = list(csv.reader(out.open()))
    rows[0].append("late_days")
    for i, row in enumerate(rows[1:]):
        row.append(str(i))
    out.write_text("".join(",".join(f'"{c}"' for c in row) + "\n" for row in rows))
    return out


def test_regrade_updates_one_column_in_place(graded):
    """Check a regrade of demo_q2 after its check was fixed: bob and carol now pass demo_q2, alice
    now fails it; their demo_q2, total and demo_q2 note change, every other cell (other questions,
    seconds, the notebook notes, a column the TA added) stays as it was, and so does every row the
    regrade did not touch."""
    before = _rows(graded.read_text())
    regraded = [reports.report("subs/alice.ipynb", {"demo_q2": "now wrong: 3 pieces"}),
                reports.report("subs/bob.ipynb"), reports.report("subs/carol.ipynb"),
                reports.report("subs/nobody.ipynb")]
    regraded = [reports.only(r, "demo_q2") for r in regraded]
    missing = batch.regrade_batch(regraded, reports.suite(), graded, "demo_q2")
    after = _rows(graded.read_text())
    assert missing == ["subs/nobody.ipynb"]
    assert list(after) == list(before) and list(after["subs/bob.ipynb"]) == list(before["subs/bob.ipynb"])
    changed = {"demo_q2", "total", "notes"}
    for name in before:
        for column in before[name]:
            if name not in ("subs/alice.ipynb", "subs/bob.ipynb", "subs/carol.ipynb") or column not in changed:
                assert after[name][column] == before[name][column], (name, column)
    assert float(after["subs/alice.ipynb"]["demo_q2"]) == 0 and float(after["subs/alice.ipynb"]["total"]) == 5
    assert after["subs/alice.ipynb"]["notes"] == "demo_q2: now wrong: 3 pieces"
    assert float(after["subs/bob.ipynb"]["demo_q2"]) == 1 and float(after["subs/bob.ipynb"]["total"]) == 6
    assert after["subs/bob.ipynb"]["notes"] == ""
    assert after["subs/dave.ipynb"]["late_days"] == "3"
    details = {r.submission: r for r in batch.read_details(graded)}
    assert details["subs/bob.ipynb"].score == 6 and details["subs/alice.ipynb"].score == 5
    assert "now wrong" in (graded.parent / "report.html").read_text()


def test_regrade_keeps_question_order_in_notes(graded):
    """Check that a regraded question's note goes back between the other questions' notes, in the
    assignment's order, before the notebook's notes."""
    regraded = reports.only(reports.report("subs/erin.zip:erin/demo.ipynb",
                                                         {"demo_q2": "new failure"}), "demo_q2")
    batch.regrade_batch([regraded], reports.suite(), graded, "demo_q2")
    notes = _rows(graded.read_text())["subs/erin.zip:erin/demo.ipynb"]["notes"].split(" | ")
    assert [n.split(":")[0] for n in notes[:2]] == ["demo_q1", "demo_q2"]
    assert notes[2].startswith("Cell 7 (In [3])")


def test_regrade_of_an_unreadable_submission(tmp_path):
    """Check that regrading a file that cannot be read keeps its row: zero for the question and its
    reason said once in the notes (not as a question note)."""
    problem = "Could not read the submission as a Jupyter notebook: Expecting value"
    broken = reports.report("subs/x.ipynb", {name: problem for name, _ in reports.QUESTIONS}, notes=[problem])
    out = tmp_path / "grades.csv"
    batch.write_batch([broken], reports.suite(), out)
    before = out.read_text()
    assert batch.regrade_batch([reports.only(broken, "demo_q2")], reports.suite(), out, "demo_q2") == []
    assert out.read_text() == before


def test_regrade_results_json(tmp_path):
    """Check that a one-notebook regrade replaces that question's tests in results.json and
    recomputes the score and the summary line."""
    path = tmp_path / "results.json"
    path.write_text(json.dumps(gradescope_results(reports.batch()[1])))
    fixed = gradescope_results(reports.only(reports.report("subs/bob.ipynb"), "demo_q2"))
    merged = batch.regrade_results_json(path, fixed, "demo_q2")
    names = [t["name"] for t in merged["tests"]]
    assert names == [t["name"] for t in json.loads(path.read_text())["tests"]]
    assert merged["score"] == 6.0 and merged["output"].startswith("Graded demo: 6.0 / 6.0")


def test_unknown_question_is_refused():
    """Check that regrading a question the assignment lacks names the ones it has."""
    with pytest.raises(ValueError, match="demo_q1, demo_q2, demo_q3"):
        batch.only_question(reports.suite(), "demo_q9")
