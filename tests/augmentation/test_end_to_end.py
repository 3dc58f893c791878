r"""Whole augmentation notebooks through the sandbox, and otter's grader.check inside the student
handout (the graders' logic is tested in process in test_graders.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading.engine import grade
from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
from tests.support import REPO, solution_sources

pytestmark = pytest.mark.slow

ASSIGNMENT = "augmentation"


def _grade(dist_root, suite_of, notebook: Path):
    source = dist_root(ASSIGNMENT) / "autograder"
    options = SandboxOptions(lib_path=str(source / "public"), user=default_sandbox_user())
    return grade(suite_of(ASSIGNMENT), notebook, options)


def test_reference_notebook_full_marks_and_regrade_identical(dist_root, suite_of):
    """Check that the master notebook, run as a submission (its cells build the toy data in the
    sandbox's fresh cache, train, plot), scores 10/10 within a minute, twice identically."""
    first = _grade(dist_root, suite_of, REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    second = _grade(dist_root, suite_of, REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    assert first.score == first.max_score == 10, [q.first_failure() for q in first.questions]
    assert [q.score for q in first.questions] == [q.score for q in second.questions]
    assert first.notes == []
    assert first.seconds < 60


def test_student_stub_scores_zero(dist_root, suite_of):
    """Check that the unfilled student notebook grades to 0 with a message per question."""
    report = _grade(dist_root, suite_of, dist_root(ASSIGNMENT) / "student" / f"{ASSIGNMENT}.ipynb")
    assert report.score == 0 and len(report.questions) == 6
    assert all(q.first_failure() for q in report.questions)


SCRIPT = r"""
import json, os, sys
sys.path = [os.getcwd()] + [p for p in sys.path if "site-packages" in p or "/lib/python" in p]
ns = {}
for source in json.load(open(sys.argv[1])):
    exec(source, ns)
import autograder, shared
assert autograder.__file__.startswith(os.getcwd()) and shared.__file__.startswith(os.getcwd())
grader = ns["grader"]
passed = {q: grader.check(q, global_env=ns).passed_all for q in json.load(open(sys.argv[2]))}
from torchvision.transforms import v2
wrong = grader.check("augmentation_q3", global_env={**ns, "eval_transform": lambda mean, std, size=32: v2.Compose(
    [v2.ToImage(), v2.Normalize([0.5] * 3, [0.2] * 3), v2.ToDtype(ns["torch"].float32, scale=True)])})
print(json.dumps({"passed": passed, "wrong": repr(wrong)}))
"""


def test_grader_check_in_student_handout(dist_root, tmp_path):
    """Check that every public check passes for the reference inside dist/augmentation/student,
    importing only the handout's own autograder/ and shared/ (the toy data are built on first use),
    and that Normalize before ToDtype shows our hint."""
    student = dist_root(ASSIGNMENT) / "student"
    sources, questions = tmp_path / "sources.json", tmp_path / "questions.json"
    sources.write_text(json.dumps(solution_sources(ASSIGNMENT)))
    questions.write_text(json.dumps(sorted(p.stem for p in (student / "tests").glob("*.py"))))
    env = {"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "HOME": str(tmp_path), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(sources), str(questions)], cwd=student,
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["passed"] and all(result["passed"].values()), result["passed"]
    assert "ToDtype(torch.float32, scale=True) before v2.Normalize" in result["wrong"]
    assert (tmp_path / ".cache" / "going-deeper").is_dir()
