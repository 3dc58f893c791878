r"""Whole init notebooks through the sandbox (the graders' logic is tested in process in
test_graders.py), and the public checks inside the student handout alone."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from autograder.grading.engine import grade
from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
from tests.support import REPO, solution_sources

pytestmark = pytest.mark.slow

ASSIGNMENT = "init"


def _grade(dist_root, suite_of, notebook):
    source = dist_root(ASSIGNMENT) / "autograder"
    options = SandboxOptions(lib_path=str(source / "public"), user=default_sandbox_user())
    return grade(suite_of(ASSIGNMENT), notebook, options)


def test_reference_notebook_full_marks_in_seconds(dist_root, suite_of):
    """Check that the master notebook, run as a submission on one thread, scores 12/12 with no
    notebook notes, well inside the time bounds (a minute even on a loaded 2-core machine)."""
    started = time.monotonic()
    report = _grade(dist_root, suite_of, REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    assert report.score == report.max_score == 12, [q.first_failure() for q in report.questions]
    assert report.notes == []
    assert time.monotonic() - started < 60


def test_student_stub_scores_zero(dist_root, suite_of):
    """Check that the unfilled student notebook grades to 0 with a message per question."""
    report = _grade(dist_root, suite_of, dist_root(ASSIGNMENT) / "student" / f"{ASSIGNMENT}.ipynb")
    assert report.score == 0 and len(report.questions) == 7
    assert all(q.first_failure() for q in report.questions)


SCRIPT = r"""
import json, os, sys
sys.path = [os.getcwd()] + [p for p in sys.path if "site-packages" in p or "/lib/python" in p]
import torch; torch.set_num_threads(1)
ns = {}
for source in json.load(open(sys.argv[1])):
    exec(source, ns)
import autograder, shared
assert autograder.__file__.startswith(os.getcwd()) and shared.__file__.startswith(os.getcwd())
grader = ns["grader"]
passed = {q: grader.check(q, global_env=ns).passed_all for q in json.load(open(sys.argv[2]))}
wrong = grader.check("init_q5", global_env={**ns, "layer_second_moments": lambda net, x: [1.0]})
print(json.dumps({"passed": passed, "wrong": repr(wrong)}))
"""


def test_grader_check_in_student_handout(dist_root, tmp_path):
    """Check that every public check passes for the reference inside dist/init/student, importing
    only the handout's own autograder/ and shared/, and that a wrong answer shows our message."""
    student = dist_root(ASSIGNMENT) / "student"
    sources, questions = tmp_path / "sources.json", tmp_path / "questions.json"
    sources.write_text(json.dumps(solution_sources(ASSIGNMENT)))
    questions.write_text(json.dumps(sorted(p.stem for p in (student / "tests").glob("*.py"))))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(sources), str(questions)], cwd=student,
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(result["passed"]) == 7 and all(result["passed"].values()), result["passed"]
    assert "should have 2 entries" in result["wrong"]
