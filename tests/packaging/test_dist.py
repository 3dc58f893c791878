r"""`make dist` output for every assignment: the student handout reveals no solution and no hidden
test, the committed stub is not stale, and builds are byte-for-byte reproducible."""
from __future__ import annotations

import filecmp
import zipfile
from pathlib import Path

import pytest

from autograder.packaging.build import build
from tests.support import ASSIGNMENTS, REPO, solution_lines



def _texts(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()}


def _solution_blocks(lines: list, size: int = 3) -> list:
    return ["\n".join(lines[i:i + size]) for i in range(len(lines) - size + 1)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_dist_contains_no_solution_code(dist_root, assignment):
    """Check that no line of solution code appears in the handout's notebook, tests or the
    assignment's own checks, and no run of 3 consecutive solution lines in the course library or
    check framework it ships (a single common line such as `with torch.no_grad():` may be there)."""
    student = dist_root(assignment) / "student"
    lines = solution_lines(assignment)
    assert lines, "the master notebook should have solution code"
    own = {n: t for n, t in _texts(student).items()
           if n.endswith(".ipynb") or n.startswith(("tests/", f"autograder/assignments/{assignment}/"))}
    leaks = [(line, name) for line in lines for name, text in own.items() if line in text]
    assert not leaks, leaks[:5]
    library = {n: "\n".join(l.strip() for l in t.splitlines()) for n, t in _texts(student).items() if n not in own}
    blocks = _solution_blocks(lines)
    leaks = [(block, name) for block in blocks for name, text in library.items() if block in text]
    assert not leaks, leaks[:3]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_dist_contains_no_hidden_test(dist_root, assignment):
    """Check that hidden check modules and hidden test cases are absent from the student handout,
    and present in the autograder."""
    student = dist_root(assignment) / "student"
    private = dist_root(assignment) / "autograder" / "private"
    assert not list(student.rglob("hidden.py"))
    assert (private / "autograder" / "assignments" / assignment / "hidden.py").exists()
    hidden_names = set()
    for test_file in (private / "tests").glob("*.py"):
        text = test_file.read_text()
        for block in text.split("@test_case(")[1:]:
            if block.startswith("points=None, hidden=True") or "hidden=True" in block.split(")")[0]:
                hidden_names.add(block.split("def ")[1].split("(")[0])
    assert hidden_names
    student_text = "\n".join(_texts(student).values())
    assert not [name for name in hidden_names if name in student_text]
    assert "assignments." + assignment + ".hidden" not in student_text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_stub_is_up_to_date(dist_root, assignment):
    """Check that assignments/<A>/ equals what `make assignments` generates from the master."""
    fresh = dist_root(assignment) / "student"
    stub = REPO / "assignments" / assignment
    assert (stub / f"{assignment}.ipynb").read_text() == (fresh / f"{assignment}.ipynb").read_text(), \
        f"assignments/{assignment} is stale: run `make assignments`"
    comparison = filecmp.dircmp(stub / "tests", fresh / "tests", ignore=["__pycache__"])
    assert not (comparison.diff_files or comparison.left_only or comparison.right_only), \
        f"assignments/{assignment}/tests is stale: run `make assignments`"


def test_build_is_reproducible(dist_root, tmp_path):
    """Check that building twice gives the same autograder.zip and handout zip bytes and the same
    notebook."""
    first = dist_root("sawtooth")
    second = build("sawtooth", tmp_path)
    assert (first / "autograder.zip").read_bytes() == (second / "autograder.zip").read_bytes()
    assert (first / "sawtooth-handout.zip").read_bytes() == (second / "sawtooth-handout.zip").read_bytes()
    assert (first / "student" / "sawtooth.ipynb").read_bytes() == (second / "student" / "sawtooth.ipynb").read_bytes()


def test_zip_layout(dist_root):
    """Check the zip's root: setup.sh and run_autograder executable, private/ and public/ parts,
    and the sandbox's public part without grading code or hidden checks."""
    with zipfile.ZipFile(dist_root("sawtooth") / "autograder.zip") as archive:
        infos = {i.filename: i for i in archive.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert (infos[script].external_attr >> 16) & 0o111
    assert "requirements.txt" in infos and "private/assignment.json" in infos
    public = [n for n in infos if n.startswith("public/")]
    assert any(n.endswith("sandbox/worker.py") for n in public)
    assert not any("grading/" in n or "hidden" in n or n.startswith("public/tests") for n in public)
    assert list(infos) == sorted(infos)
