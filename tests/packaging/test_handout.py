r"""What students get besides the notebook's questions (issue 12): the tooling cells of the masters
come from one template each and are fresh; the handout's requirements are ranges that the grading
pins satisfy and that cover every package the handout imports; the handout zip and README; the
Submission section."""
from __future__ import annotations

import ast
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from autograder.packaging import handout
from autograder.packaging.build import build, master_path
from tests.support import ASSIGNMENTS, REPO

PYTHON_FLOOR = (3, 10)       # README.md and handout-requirements.txt say "Python >= 3.10"

# Modules the handout imports that come with a listed distribution rather than being listed.
BROUGHT_BY = {"PIL": "torchvision", "threadpoolctl": "scikit-learn", "IPython": "otter-grader",
              "nbformat": "otter-grader", "nbconvert": "otter-grader"}
DISTRIBUTION = {"sklearn": "scikit-learn", "otter": "otter-grader"}


def _requirements() -> dict:
    return {Requirement(line).name: Requirement(line) for line in handout.handout_requirements()}


def _pins(*files: str) -> dict:
    pins = {}
    for name in files:
        for line in (REPO / "requirements" / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if "==" in line and not line.startswith("-"):
                requirement = Requirement(line)
                pins[requirement.name.lower()] = Version(str(requirement.specifier).lstrip("="))
    return pins


def _handout_sources(assignment: str) -> dict:
    """Python sources a student's kernel runs: the notebook's code cells, shared/, the public checks."""
    sources = {}
    for path in (REPO / "shared").glob("*.py"):
        sources[str(path.relative_to(REPO))] = path.read_text()
    for path in (REPO / "autograder" / "checking").glob("*.py"):
        sources[str(path.relative_to(REPO))] = path.read_text()
    public = REPO / "autograder" / "assignments" / assignment / "public.py"
    sources[str(public.relative_to(REPO))] = public.read_text()
    for i, cell in enumerate(json.loads(master_path(assignment).read_text())["cells"]):
        if cell["cell_type"] == "code":
            lines = "".join(cell["source"]).splitlines()
            sources[f"{assignment}.ipynb#{i}"] = "\n".join(l for l in lines if not l.lstrip().startswith(("!", "%")))
    return sources


# -- the masters' tooling cells ------------------------------------------------------------------
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_master_tooling_cells_are_fresh(assignment):
    """Check that each master's config cell and setup bootstrap are what the templates render
    (`make assignments` rewrites them): one source, no copy edited by hand."""
    text = master_path(assignment).read_text()
    fresh = handout.master_text(handout.refreshed_master(json.loads(text), assignment))
    assert fresh == text, f"solutions/{assignment}: tooling cells are stale: run `make assignments`"


def test_setup_bootstrap_is_identical_in_every_master():
    """Check that the setup cells' lines up to `grader = otter.Notebook(...)` are the same in all
    masters, up to the assignment's name."""
    heads = set()
    for assignment in ASSIGNMENTS:
        cells = json.loads(master_path(assignment).read_text())["cells"]
        source = "".join(cells[handout.setup_cell_index(cells)]["source"])
        head = source.split("grader = otter.Notebook(")[0] + source.split("grader = otter.Notebook(")[1].split("\n")[0]
        heads.add(head.replace(f'"{assignment}"', '"<a>"'))
    assert len(heads) == 1


def test_refresh_keeps_the_assignments_own_setup_lines():
    """Check that refreshing replaces only the bootstrap: the lines below it stay, and a setup cell
    without the `grader = otter.Notebook(` line is refused."""
    source = "# old\nimport sys\ngrader = otter.Notebook('x.ipynb')\n\nimport numpy as np\nseed_everything(0)"
    new = handout.with_setup_lines(source, "demo")
    assert new.startswith(handout.setup_lines("demo").rstrip("\n"))
    assert new.endswith("\n\nimport numpy as np\nseed_everything(0)") and "# old" not in new
    with pytest.raises(ValueError, match="grader = otter.Notebook"):
        handout.with_setup_lines("import numpy as np\n", "demo")


# -- requirements --------------------------------------------------------------------------------
def test_requirement_ranges_have_both_bounds_and_a_reason():
    """Check that every handout requirement is a range with a lower and an upper bound, preceded
    by a comment giving the reason of its bounds."""
    lines = handout.REQUIREMENTS_TEMPLATE.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            operators = sorted(spec.operator for spec in requirement.specifier)
            assert operators == ["<", ">="], line
            assert lines[i - 1].startswith("# "), f"no reason above {line}"


def test_grading_pins_satisfy_the_ranges():
    """Check that the exact versions we grade with (Gradescope, the course venv) lie inside the
    handout's ranges: the upper end of every range is what the tests of this package run."""
    pins = _pins("grading.txt", "torch.txt", "dev.txt")
    for name, requirement in _requirements().items():
        if name in pins:
            assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])
    assert {"torch", "torchvision", "numpy", "scipy", "matplotlib", "scikit-learn", "otter-grader"} <= set(pins) | {"otter-grader"}
    assert _requirements()["otter-grader"].specifier.contains(Version(handout.otter_requirement().split(">=")[1].split(",")[0]))


def test_ranges_fail_for_a_pin_outside():
    """Check that the range check above can fail: a version below a lower bound is refused."""
    assert not _requirements()["torchvision"].specifier.contains(Version("0.15.2"))
    assert not _requirements()["torch"].specifier.contains(Version("3.0.0"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_requirements_cover_every_import_of_the_handout(assignment):
    """Check that every third-party module the student's kernel imports (notebook, shared/, public
    checks) is listed in the handout's requirements or comes with a listed package."""
    listed = set(_requirements())
    stdlib = set(sys.stdlib_module_names) | {"shared", "autograder", "tests"}
    missing = set()
    for name, source in _handout_sources(assignment).items():
        for node in ast.walk(ast.parse(source)):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            for module in modules:
                top = module.split(".")[0]
                if top in stdlib or top == "__future__":
                    continue
                distribution = BROUGHT_BY.get(top) or DISTRIBUTION.get(top, top)
                if distribution not in listed:
                    missing.add((top, name))
    assert not missing, f"add these to autograder/packaging/templates/handout-requirements.txt: {sorted(missing)}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_handout_code_parses_on_the_oldest_python(assignment):
    """Check that the code a student's kernel runs has no syntax newer than the Python floor."""
    for name, source in _handout_sources(assignment).items():
        ast.parse(source, filename=name, feature_version=PYTHON_FLOOR)


def test_python_floor_is_stated():
    """Check that the floor used above is the one the requirements and README tell students."""
    floor = ".".join(map(str, PYTHON_FLOOR))
    assert f"Python >= {floor}" in handout.REQUIREMENTS_TEMPLATE.read_text()
    assert f"Python {floor} or newer" in (handout.TEMPLATES / "handout-README.md").read_text()


# -- the handout folder, zip, README and Submission section ---------------------------------------
def test_handout_zip_is_the_student_folder(tmp_path):
    """Check that dist/A/A-handout.zip holds exactly dist/A/student/ under a top folder A/, with
    sorted entries and fixed timestamps (a build of its own: other tests run notebooks in the
    session's student folders, which leaves .OTTER_LOG and caches there)."""
    target = build("sawtooth", tmp_path)
    student = target / "student"
    with zipfile.ZipFile(target / "sawtooth-handout.zip") as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        files = sorted("sawtooth/" + str(p.relative_to(student)) for p in student.rglob("*") if p.is_file())
        assert names == files
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert archive.read("sawtooth/sawtooth.ipynb") == (student / "sawtooth.ipynb").read_bytes()


def test_handout_readme_and_requirements(dist_root):
    """Check the handout's README (install on a laptop with the CPU build, Colab, JupyterHub; open;
    check; submit, with the written questions named) and its ranged requirements.txt."""
    student = dist_root("init") / "student"
    readme = (student / "README.md").read_text()
    for needle in ("https://download.pytorch.org/whl/cpu", "**Colab.**", "**JupyterHub.**", "jupyter lab init.ipynb",
                   'grader.check("init_qN")', "init-handout.zip", "**init (written)**", "init_q2, init_q11",
                   "init_written.html"):
        assert needle in readme, needle
    assert (student / "requirements.txt").read_text() == handout.REQUIREMENTS_TEMPLATE.read_text()
    assert "$" not in readme.replace("$ ", "")


@pytest.mark.parametrize("assignment", ["init", "augmentation"])
def test_student_notebook_ends_with_the_submission_section(dist_root, assignment):
    """Check that the student notebook ends with the Submission section: the export cell and the
    instructions, which name the written assignment only where there are written questions."""
    cells = json.loads((dist_root(assignment) / "student" / f"{assignment}.ipynb").read_text())["cells"]
    markdown, code = "".join(cells[-2]["source"]), "".join(cells[-1]["source"])
    assert markdown.startswith("## Submission") and f"**{assignment}**" in markdown
    assert code.startswith(handout.SUBMISSION_MARKER) and f'export_submission(grader, "{assignment}")' in code
    written = handout.written_questions(master_path(assignment))
    assert written and f"**{assignment} (written)**" in markdown and all(q in markdown for q in written)
    assert not any("grader.export(" in "".join(c["source"]) for c in cells)   # otter's own export cell is off


def test_submission_instructions_name_the_written_assignment_only_where_there_are_written_questions():
    """Check both sides of the rule on the texts themselves (every assignment has written
    questions today, so a built notebook cannot show the other side)."""
    with_written, _ = handout.submission_texts("demo", ["demo_q2"])
    without, _ = handout.submission_texts("demo", [])
    assert "**demo (written)**" in with_written and "demo_written.html" in with_written
    assert "(written)" not in without and "_written" not in without
