r"""Reading what the student uploaded, as root, without being led astray (issue 16, items 3 and 7):

* links, FIFOs and devices are refused instead of followed or read forever;
* every read is bounded (a huge file, a zip member that inflates without end);
* outputs never count: a correct notebook with 100 MB of outputs grades normally, while a notebook
  whose code itself is absurdly large is refused with a clear note.

Each bad submission grades to zero with one note, and ``grade`` returns promptly.
"""
from __future__ import annotations

import json
import os
import threading
import zipfile
from pathlib import Path

import pytest

from tests.engine.conftest import notebook_json
from tests.engine.test_robustness import CORRECT_CELLS, FULL, NOTEBOOK, scores


def _grade_within(suite, path: Path, seconds: float = 120.0):
    """Grade ``path`` in a thread; fail (instead of hanging the suite) if it takes longer."""
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(report=suite.grade(path)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"grading {path.name} did not return within {seconds} s"
    return result["report"]


def _assert_refused(report, *words: str) -> None:
    assert report.score == 0.0 and len(report.notes) == 1, report.notes
    assert all(word in report.notes[0] for word in words), report.notes[0]


def test_a_symlink_to_dev_zero_is_refused(basic_suite, tmp_path):
    """A notebook that is a symbolic link (to /dev/zero: read forever) is refused at once."""
    path = tmp_path / NOTEBOOK
    path.symlink_to("/dev/zero")
    _assert_refused(_grade_within(basic_suite, path), "symbolic link")


def test_a_symlink_inside_a_submission_folder_is_not_followed(basic_suite, tmp_path):
    """In a submission folder, a notebook that is a link (to a correct notebook elsewhere) is not
    followed: the folder holds no notebook."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / NOTEBOOK).write_text(json.dumps(notebook_json(CORRECT_CELLS)))
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / NOTEBOOK).symlink_to(elsewhere / NOTEBOOK)
    (folder / "sub").symlink_to(elsewhere, target_is_directory=True)
    _assert_refused(_grade_within(basic_suite, folder), "No .ipynb notebook")


def test_a_fifo_is_refused_without_blocking(basic_suite, tmp_path):
    """A notebook that is a FIFO nobody writes to (opening it for reading blocks) is refused."""
    path = tmp_path / NOTEBOOK
    os.mkfifo(path)
    _assert_refused(_grade_within(basic_suite, path), "not a regular file")


def test_a_huge_notebook_file_is_refused_without_reading_it(basic_suite, tmp_path, monkeypatch):
    """A file over the size bound is refused with a note saying so (bound lowered to keep the
    test small: a sparse 2 MB file against a 1 MB bound)."""
    import autograder.grading.submission as submission

    monkeypatch.setattr(submission, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / NOTEBOOK
    with open(path, "wb") as handle:
        handle.truncate(2 * 1024 * 1024)
    _assert_refused(_grade_within(basic_suite, path), "larger than 1 MB")


@pytest.mark.parametrize("header", ["honest", "lying"])
def test_a_zip_bomb_member_is_refused_without_inflating_it(basic_suite, tmp_path, monkeypatch, header):
    """A zip whose notebook inflates to 64 MB against a bound lowered to 1 MB: refused from its
    header when the header says so ("larger than"), and, when the header claims 100 bytes, the
    member is read only to what it claims and refused as corrupt (its CRC does not match)."""
    import autograder.grading.submission as submission

    monkeypatch.setattr(submission, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / "submission.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NOTEBOOK, b" " * (64 * 1024 * 1024))
    if header == "lying":
        data = bytearray(path.read_bytes())   # the local and central headers claim 100 bytes
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = data.find(signature) + offset
            data[at:at + 4] = (100).to_bytes(4, "little")
        path.write_bytes(bytes(data))
    _assert_refused(_grade_within(basic_suite, path), "larger than 1 MB" if header == "honest" else "CRC")


def test_a_zip_with_too_many_entries_is_refused(basic_suite, tmp_path, monkeypatch):
    """A zip with more entries than the bound is refused before any is read."""
    import autograder.grading.submission as submission

    monkeypatch.setattr(submission, "MAX_ZIP_MEMBERS", 50)
    path = tmp_path / "submission.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(51):
            archive.writestr(f"f{i}.txt", "x")
        archive.writestr(NOTEBOOK, json.dumps(notebook_json(CORRECT_CELLS)))
    _assert_refused(_grade_within(basic_suite, path), "more than 50 entries")


def test_zip_members_that_climb_out_are_ignored(basic_suite, tmp_path):
    """Member names that are absolute or contain '..' are never chosen (nothing is extracted, and
    such a name cannot stand for the notebook)."""
    path = tmp_path / "submission.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../" + NOTEBOOK, json.dumps(notebook_json(CORRECT_CELLS)))
        archive.writestr("/abs/" + NOTEBOOK, json.dumps(notebook_json(CORRECT_CELLS)))
    _assert_refused(_grade_within(basic_suite, path), "no .ipynb notebook")


def test_outputs_do_not_count_a_correct_notebook_with_100_mb_of_outputs_grades_normally(basic_suite, tmp_path):
    """A correct notebook whose cells carry 100 MB of outputs (plots, prints) gets full marks with
    no note: outputs are dropped while reading and never count against a bound."""
    nb = notebook_json(CORRECT_CELLS)
    blob = "A" * (10 * 1024 * 1024)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": blob}},
                               {"output_type": "stream", "name": "stdout", "text": [blob]}]
            cell["attachments"] = {}
    path = tmp_path / NOTEBOOK
    path.write_text(json.dumps(nb))
    assert path.stat().st_size > 80 * 1024 * 1024
    del nb, blob
    report = _grade_within(basic_suite, path)
    assert scores(report) == FULL and report.notes == []


def test_absurdly_large_code_is_refused_with_a_clear_note(basic_suite, tmp_path):
    """A notebook whose code cells hold more than the code bound (data pasted into a cell) is
    refused with a note that says so and that outputs do not count."""
    huge = "DATA = [" + "0, " * (2 * 1024 * 1024) + "]"      # about 6 MB of code
    path = tmp_path / NOTEBOOK
    path.write_text(json.dumps(notebook_json(CORRECT_CELLS + [huge])))
    _assert_refused(_grade_within(basic_suite, path), "MB of code", "outputs do not count")
