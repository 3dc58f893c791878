r"""What students get besides the notebook: one source (a template) for each of them.

* The master notebook's ``# ASSIGNMENT CONFIG`` cell and the first lines of its setup cell (up to and
  including ``grader = otter.Notebook(...)``: the Colab/laptop/JupyterHub bootstrap) are rendered from
  ``templates/assignment_config.yaml`` and ``templates/setup_cell.py``; ``make assignments`` writes them
  into every master (:func:`refresh_master`), and a test fails when a master is stale.
* The student notebook ends with a *Submission* section (``templates/submission_cell.{md,py}``),
  appended after ``otter assign`` (:func:`add_submission_cells`): ``shared.export.export_submission``
  writes the zip for the autograder and the written answers in a form a TA can read.
* ``requirements.txt`` of the handout: tested version *ranges* with the reason of each bound
  (``templates/handout-requirements.txt``); exact pins stay for grading (``requirements/``).
* ``README.md`` of the handout (``templates/handout-README.md``): install (laptop with the CPU build
  of torch, Colab, JupyterHub), open, check, submit.
* ``dist/<A>/<A>-handout.zip``: ``dist/<A>/student/`` under a top folder ``<A>/``, deterministic.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parent / "templates"
REQUIREMENTS_TEMPLATE = TEMPLATES / "handout-requirements.txt"
SETUP_END = re.compile(r"^grader\s*=\s*otter\.Notebook\(")
SUBMISSION_MARKER = "# Submission (do not edit)"


# -- requirements -------------------------------------------------------------------------------
def handout_requirements() -> list:
    """The requirement lines (``name>=low,<high``) of the handout, comments dropped."""
    lines = REQUIREMENTS_TEMPLATE.read_text().splitlines()
    return [line.split(" #")[0].strip() for line in lines if line.strip() and not line.startswith("#")]


def otter_requirement() -> str:
    """The otter-grader range the setup cell installs when otter is missing."""
    return next(line for line in handout_requirements() if line.startswith("otter-grader"))


# -- the master notebook's tooling cells ---------------------------------------------------------
def _lines(text: str) -> list:
    return text.splitlines(keepends=True)


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def config_cell_source(assignment: str) -> str:
    return Template((TEMPLATES / "assignment_config.yaml").read_text()).substitute(assignment=assignment)


def setup_lines(assignment: str) -> str:
    """The bootstrap: the setup cell's lines up to and including ``grader = otter.Notebook(...)``."""
    text = (TEMPLATES / "setup_cell.py").read_text()
    return text.replace("__ASSIGNMENT__", assignment).replace("__OTTER_REQUIREMENT__", otter_requirement())


def setup_cell_index(cells: list) -> int:
    """Index of the setup cell: the first code cell."""
    return next(i for i, cell in enumerate(cells) if cell["cell_type"] == "code")


def with_setup_lines(source: str, assignment: str) -> str:
    """``source`` (a setup cell) with its lines up to ``grader = otter.Notebook(...)`` replaced by
    the bootstrap; the assignment's own lines below it are kept as they are."""
    lines = _lines(source)
    end = next((i for i, line in enumerate(lines) if SETUP_END.match(line)), None)
    if end is None:
        raise ValueError(f"{assignment}: the setup cell has no line `grader = otter.Notebook(...)`")
    rest = "".join(lines[end + 1:])
    return setup_lines(assignment).rstrip("\n") + "\n" + (rest if rest.startswith("\n") else "\n" + rest)


def _set_source(cell: dict, text: str) -> None:
    cell["source"] = _lines(text.rstrip("\n")) if text.strip() else []


def refreshed_master(notebook: dict, assignment: str) -> dict:
    """``notebook`` (a master, parsed) with its config cell and bootstrap lines from the templates."""
    cells = notebook["cells"]
    config = cells[0]
    if config["cell_type"] != "raw" or not _source(config).lstrip().startswith("# ASSIGNMENT CONFIG"):
        raise ValueError(f"{assignment}: the first cell of the master must be the # ASSIGNMENT CONFIG raw cell")
    _set_source(config, config_cell_source(assignment))
    setup = cells[setup_cell_index(cells)]
    _set_source(setup, with_setup_lines(_source(setup), assignment))
    return notebook


def master_text(notebook: dict) -> str:
    """The masters' on-disk format (what Jupyter writes): one-space indent, UTF-8, a final newline."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def refresh_master(master: Path, assignment: str) -> bool:
    """Rewrite ``master``'s tooling cells from the templates; True when the file changed."""
    old = master.read_text()
    new = master_text(refreshed_master(json.loads(old), assignment))
    if new != old:
        master.write_text(new)
    return new != old


# -- questions ------------------------------------------------------------------------------------
def _question_configs(notebook: dict) -> list:
    configs = []
    for cell in notebook["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "raw" and re.match(r"\s*#\s*BEGIN\s+QUESTION", text, re.I):
            fields = dict(re.findall(r"^(\w+):\s*(.+?)\s*$", text, re.M))
            configs.append(fields)
    return configs


def written_questions(master: Path) -> list:
    """Names of the manually graded (``manual: true``) questions of a master notebook."""
    return [c["name"] for c in _question_configs(json.loads(master.read_text()))
            if c.get("manual", "").lower() == "true"]


def all_questions(master: Path) -> list:
    """(name, points, written?) for every question of a master notebook, in order."""
    return [(c["name"], c.get("points", "?"), c.get("manual", "").lower() == "true")
            for c in _question_configs(json.loads(master.read_text()))]


def title(master: Path) -> str:
    """The master's subtitle: what follows ``:`` in its first ``# `` heading."""
    for cell in json.loads(master.read_text())["cells"]:
        if cell["cell_type"] == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return line.split(":", 1)[-1].strip().rstrip(".").capitalize() + "."
    return ""


# -- the student notebook's submission section ---------------------------------------------------
def submission_texts(assignment: str, written: list, show_hidden_status: bool = True) -> tuple:
    """The Submission section's markdown and code, rendered for ``assignment``."""
    at_once = ("the public checks' results and, per question, whether the hidden checks passed"
               if show_hidden_status else "the public checks' results")
    values = {"assignment": assignment, "written_files": "", "written_bullet": "", "colab_written": "",
              "at_once": at_once}
    if written:
        values.update(
            written_files=(f", and `{assignment}_written.html` with your written answers "
                           f"(`{assignment}_written.pdf` too where this computer can make PDFs)"),
            written_bullet=(f"* your written answers ({', '.join(written)}), as a PDF, go to the Gradescope "
                            f"assignment **{assignment} (written)**: upload `{assignment}_written.pdf`, or, where no "
                            f"PDF could be made, open `{assignment}_written.html` in your browser and print it "
                            "to a PDF (Ctrl+P, *Save as PDF*).\n"),
            colab_written=(f"; for the written answers use *File > Print > Save as PDF* and upload that PDF "
                           f"to **{assignment} (written)**"))
    markdown = Template((TEMPLATES / "submission_cell.md").read_text()).substitute(values)
    code = Template((TEMPLATES / "submission_cell.py").read_text()).substitute(values)
    return markdown.replace("\n\n\n", "\n\n"), code


def add_submission_cells(notebook_path: Path, assignment: str, written: list,
                         show_hidden_status: bool = True) -> None:
    """Append the Submission section to the student notebook written by ``otter assign``."""
    nb = json.loads(notebook_path.read_text())
    markdown, code = submission_texts(assignment, written, show_hidden_status)
    nb["cells"] = [c for c in nb["cells"] if not _source(c).startswith(("## Submission", SUBMISSION_MARKER))]
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": _lines(markdown.rstrip("\n"))})
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": _lines(code.rstrip("\n"))})
    notebook_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


# -- the handout folder and zip ------------------------------------------------------------------
def write_requirements(dest: Path) -> None:
    (dest / "requirements.txt").write_text(REQUIREMENTS_TEMPLATE.read_text())


def write_readme(assignment: str, master: Path, dest: Path) -> None:
    questions = all_questions(master)
    written = [name for name, _, manual in questions if manual]
    listed = ", ".join(f"`{name}` ({points} {'point' if points == '1' else 'points'}{', written' if manual else ''})"
                       for name, points, manual in questions)
    submit_written = "."
    if written:
        submit_written = (f"; your written answers ({', '.join(written)}) go as a PDF to **{assignment} (written)**: "
                          f"`{assignment}_written.pdf` where your computer can make one, else open "
                          f"`{assignment}_written.html` in your browser and print it to a PDF. On Colab: *File > "
                          "Download > Download .ipynb* for the code, *File > Print > Save as PDF* for the written "
                          "answers.")
    else:
        submit_written = ". On Colab: *File > Download > Download .ipynb*, and upload that file."
    text = Template((TEMPLATES / "handout-README.md").read_text()).substitute(
        assignment=assignment, title=title(master), questions=listed, submit_written=submit_written)
    (dest / "README.md").write_text(text)


def handout_zip_path(target: Path, assignment: str) -> Path:
    return Path(target) / f"{assignment}-handout.zip"
