r"""`make grade`: one notebook -> table + results.json; a folder -> one CSV row per submission, and
one bad submission never stops the batch."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from autograder.grading.__main__ import main
from tests.support import REPO

pytestmark = pytest.mark.slow


def test_grade_one_notebook_writes_results(dist_root, tmp_path, capsys):
    """Check that grading one notebook prints a per-question table and writes results.json."""
    dist = dist_root("sawtooth").parent
    out = tmp_path / "results.json"
    assert main(["grade", "--dist", str(dist), "--assignment", "sawtooth", "--submission",
                 str(REPO / "solutions" / "sawtooth" / "sawtooth.ipynb"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "sawtooth_q7" in printed and "total" in printed
    assert json.loads(out.read_text())["score"] == 12


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
    assert float(rows["alice.ipynb"]["total"]) == 12 and float(rows["bob.ipynb"]["total"]) == 0
    assert float(rows["carol.ipynb"]["total"]) == 0 and "Could not read" in rows["carol.ipynb"]["notes"]
    assert "sawtooth_q8" in rows["alice.ipynb"]
