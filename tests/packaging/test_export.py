r"""The Submission cell (``shared.export.export_submission``), offline, on the real init handout
(two written questions): the zip for the autograder carries the notebook and the written answers
as HTML a TA can read; a PDF is added where LaTeX tools exist; the instructions say what goes where;
Colab and grading are handled."""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.grading.submission import load_submission
from shared import export

ANSWERS = {0: "ANSWER-ONE: E[relu(z)^2] is half of E[z^2] because z is symmetric.",
           1: "ANSWER-TWO: the best scale is next to the theory value 2/(1+a^2)."}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def finished(dist_root, tmp_path, monkeypatch):
    """The init handout with both written answers filled in, as the working directory."""
    folder = tmp_path / "init"
    shutil.copytree(dist_root("init") / "student", folder)
    nb = json.loads((folder / "init.ipynb").read_text())
    answers = [c for c in nb["cells"] if c["cell_type"] == "markdown"
               and "otter_answer_cell" in c.get("metadata", {}).get("tags", [])]
    assert len(answers) == 2
    for i, cell in enumerate(answers):
        cell["source"] = [ANSWERS[i]]
    (folder / "init.ipynb").write_text(json.dumps(nb))
    monkeypatch.chdir(folder)
    monkeypatch.delenv("GD_GRADING", raising=False)
    return folder


def _grader(folder: Path):
    import otter

    return otter.Notebook("init.ipynb", tests_dir=str(folder / "tests"))


def test_export_without_latex_puts_readable_written_answers_in_the_zip(finished, monkeypatch, capsys):
    """Check the common laptop case (no pandoc/xelatex): the zip holds init.ipynb and
    init_written.html; the HTML shows both written prompts and both answers and nothing of the
    code questions; the instructions name the zip, the written assignment and the print-to-PDF
    fallback; the autograder reads the zip's notebook."""
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    archive = export.export_submission(_grader(finished), "init")
    printed = capsys.readouterr().out
    assert archive is not None and archive.parent == finished
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        page = zf.read("init_written.html").decode()
    assert "init.ipynb" in names and "init_written.html" in names and "init_written.pdf" not in names
    text = _visible_text(page)
    assert "init: written answers" in text and text.count("Answer:") == 2
    assert "Second moment, variance, and the backward pass" in text and "Reading the experiments" in text
    assert ANSWERS[0] in text and ANSWERS[1] in text
    assert "def leaky_relu_gain" not in text and "grader.check" not in text
    assert "BEGIN QUESTION" not in page
    assert archive.name in printed and '"init (written)"' in printed and "print it to a PDF" in printed
    submission = load_submission(archive, "init.ipynb")
    assert submission.problem is None and submission.path.endswith(":init.ipynb") and submission.cells


def test_export_with_latex_adds_otters_pdf(finished, monkeypatch, capsys):
    """Check the wiring where pandoc and xelatex exist: otter's PDF export of the filtered written
    questions is called, its PDF goes into the zip, and the instructions say to upload it."""
    import otter.export

    calls = []

    def fake_pdf(nb_path, dest=None, **kwargs):
        calls.append((nb_path, kwargs))
        Path(dest).write_bytes(b"%PDF-1.4 fake\n")
        return dest

    monkeypatch.setattr(export.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(otter.export, "export_notebook", fake_pdf)
    archive = export.export_submission(_grader(finished), "init")
    assert calls and calls[0][1] == {"filtering": True, "pagebreaks": True}
    with zipfile.ZipFile(archive) as zf:
        assert {"init.ipynb", "init_written.html", "init_written.pdf"} <= set(zf.namelist())
    assert "Upload init_written.pdf" in capsys.readouterr().out


def test_export_on_colab_and_while_grading(finished, monkeypatch, capsys):
    """Check that on Colab the cell prints the menu commands and writes nothing, and that while
    grading (GD_GRADING) it does nothing at all."""
    monkeypatch.setitem(__import__("sys").modules, "google.colab", object())
    assert export.export_submission(_grader(finished), "init") is None
    assert "File > Download > Download .ipynb" in capsys.readouterr().out
    monkeypatch.delitem(__import__("sys").modules, "google.colab")
    monkeypatch.setenv("GD_GRADING", "1")
    assert export.export_submission(None, "init") is None
    assert not list(finished.glob("init_*.zip")) and not (finished / "init_written.html").exists()


def test_written_cells_cut_at_the_markers():
    """Check the cut: from the BEGIN marker on, to the END marker, with the text after END QUESTION
    in the same cell (the next section's heading) left out."""
    nb = {"cells": [{"cell_type": "markdown", "source": "intro"},
                    {"cell_type": "markdown", "source": "<!-- BEGIN QUESTION -->\n\n## 2. (Written) Why"},
                    {"cell_type": "markdown", "source": "my answer"},
                    {"cell_type": "markdown", "source": "<!-- END QUESTION -->\n\n## 3. Next"},
                    {"cell_type": "code", "source": "x = 1"}]}
    assert [c["source"] for c in export.written_cells(nb)] == ["## 2. (Written) Why", "my answer"]
    assert not re.search("Next|intro|x = 1", json.dumps(export.written_cells(nb)))
