r"""`make grade`: one notebook -> table + results.json; a folder -> one CSV row per submission, and
one bad submission never stops the batch."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from autograder.grading.__main__ import main
from autograder.grading.suite import load_suite
from tests.support import REPO

pytestmark = pytest.mark.slow


def full_marks(dist) -> float:
    """The sawtooth reference's score: every autograded point of the built suite."""
    return load_suite(dist / "sawtooth" / "autograder" / "private").max_score


def test_grade_one_notebook_writes_results(dist_root, tmp_path, capsys):
    """Check that grading one notebook prints a per-question table and writes results.json."""
    dist = dist_root("sawtooth").parent
    out = tmp_path / "results.json"
    assert main(["grade", "--dist", str(dist), "--assignment", "sawtooth", "--submission",
                 str(REPO / "solutions" / "sawtooth" / "sawtooth.ipynb"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "sawtooth_q7" in printed and "total" in printed
    assert json.loads(out.read_text())["score"] == full_marks(dist) > 0


def test_grade_folder_writes_csv_and_survives_bad_submissions(dist_root, tmp_path):
    """Check that a folder with a good, an empty and a corrupt submission gives three CSV rows."""
    dist = dist_root("sawtooth").parent
    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copy(REPO / "solutions" / "sawtooth" / "sawtooth.ipynb", folder / "alice.ipynb")
    shutil.copy(dist / "sawtooth" / "student" / "sawtooth.ipynb", folder / "bob.ipynb")
    (folder / "carol.ipynb").write_bytes(b"\x00\x01 not a notebook")
    out = tmp_path / "grades.csv"
    assert main(["grade", "--dist", str(dist), "--assignment", "sawtooth", "--submission", str(folder),
                 "--out", str(out), "--jobs", "2"]) == 0
    rows = {r["submission"].split("/")[-1]: r for r in csv.DictReader(out.open())}
    assert set(rows) == {"alice.ipynb", "bob.ipynb", "carol.ipynb"}
    assert float(rows["alice.ipynb"]["total"]) == full_marks(dist) and float(rows["bob.ipynb"]["total"]) == 0
    assert float(rows["carol.ipynb"]["total"]) == 0 and "Could not read" in rows["carol.ipynb"]["notes"]
    assert "sawtooth_q8" in rows["alice.ipynb"]


def test_folder_batch_writes_report_progress_and_regrades_one_question(dist_root, tmp_path, capsys):
    """Check the TA's folder path on real notebooks: a progress bar with the running mean on stderr
    (stdout keeps the tables), grades.json and report.html beside the CSV, the notes naming the
    lost question; then `Q=sawtooth_q1` regrades one question only (only its row in the tables) and
    updates the CSV in place (a hand-added column and the other questions untouched)."""
    dist = dist_root("sawtooth").parent
    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copy(REPO / "solutions" / "sawtooth" / "sawtooth.ipynb", folder / "alice.ipynb")
    nb = json.loads((REPO / "solutions" / "sawtooth" / "sawtooth.ipynb").read_text())
    for cell in nb["cells"]:   # a relu that is the identity: loses sawtooth_q1 (and what uses relu)
        if cell["cell_type"] == "code" and "".join(cell["source"]).lstrip().startswith("def relu("):
            cell["source"] = "def relu(x):\n    return x\n"
    (folder / "dave.ipynb").write_text(json.dumps(nb))
    out = tmp_path / "grades.csv"
    args = ["grade", "--dist", str(dist), "--assignment", "sawtooth", "--submission", str(folder),
            "--out", str(out), "--jobs", "2"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "mean" in captured.err and "2/2" in captured.err and "mean" not in captured.out
    assert (tmp_path / "grades.json").exists() and "<img" in (tmp_path / "report.html").read_text()
    rows = {r["submission"].split("/")[-1]: r for r in csv.DictReader(out.open())}
    assert rows["dave.ipynb"]["notes"].startswith("sawtooth_q1: ")
    before = {name: dict(row) for name, row in rows.items()}

    # the TA adds a column, and the stored q1 scores are made wrong (as a buggy check would have)
    text = out.read_text().splitlines()
    header = text[0].split(",")
    q1 = header.index("sawtooth_q1")
    lines = [text[0] + ",late_days"]
    for i, line in enumerate(text[1:]):
        cells = next(csv.reader([line]))
        cells[q1] = "0.0" if cells[0].endswith("alice.ipynb") else cells[q1]
        if cells[0].endswith("alice.ipynb"):
            cells[header.index("total")] = str(float(cells[header.index("total")]) - 1)
        lines.append(",".join(f'"{c}"' for c in cells) + f",{i + 3}")
    out.write_text("\n".join(lines) + "\n")
    assert main(args + ["--question", "sawtooth_q1"]) == 0
    printed = capsys.readouterr().out
    assert "sawtooth_q1" in printed and "sawtooth_q2" not in printed   # only q1's checks ran
    after = {r["submission"].split("/")[-1]: r for r in csv.DictReader(out.open())}
    assert after["alice.ipynb"]["sawtooth_q1"] == before["alice.ipynb"]["sawtooth_q1"]
    assert after["alice.ipynb"]["total"] == before["alice.ipynb"]["total"]
    assert [after[n]["late_days"] for n in ("alice.ipynb", "dave.ipynb")] == ["3", "4"]
    for name in before:
        assert {k: v for k, v in after[name].items() if k != "late_days"} == before[name], name
