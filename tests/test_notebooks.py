r"""Every assignment's notebooks along the real paths (the graders' logic is tested in process in
tests/<A>/test_graders.py):

* the master notebook, run as a submission through the sandbox, scores full marks with no notes;
* the unfilled student notebook scores 0, with a message on every question, without crashing;
* in the student handout alone (repo not on the path), otter's ``grader.check`` runs our public
  checks, which pass for the reference and say "is not defined" when a function is missing.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import ASSIGNMENTS, REPO, solution_sources

pytestmark = pytest.mark.slow



@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_notebook_scores_full_marks(graded_in_sandbox, assignment):
    """Check that the master notebook, graded as a submission, gets every point and no note."""
    report = graded_in_sandbox(assignment, "reference")
    assert report.score == report.max_score > 0, {q.name: q.first_failure() for q in report.questions}
    assert report.notes == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_stub_scores_zero(graded_in_sandbox, assignment):
    """Check that the unfilled student notebook grades to 0 with a message on every question."""
    report = graded_in_sandbox(assignment, "stub")
    assert report.score == 0 and report.questions
    assert all(q.first_failure() for q in report.questions)


SCRIPT = r"""
import json, os, sys
sys.path = [os.getcwd()] + [p for p in sys.path if "site-packages" in p or "/lib/python" in p]
import torch
torch.set_num_threads(1)
ns = {}
for source in json.load(open(sys.argv[1])):
    exec(source, ns)
import autograder, shared
assert autograder.__file__.startswith(os.getcwd()) and shared.__file__.startswith(os.getcwd())
grader = ns["grader"]
questions = json.load(open(sys.argv[2]))
passed = {q: grader.check(q, global_env=ns).passed_all for q in questions}
empty = {q: repr(grader.check(q, global_env={})) for q in questions}
print(json.dumps({"passed": passed, "empty": empty}))
"""


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grader_check_in_student_handout(dist_root, tmp_path, assignment):
    """Check the student's side: public checks pass for the reference inside dist/A/student using
    only the handout's own autograder/ and shared/, and explain a missing function."""
    student = dist_root(assignment) / "student"
    sources, questions = tmp_path / "sources.json", tmp_path / "questions.json"
    sources.write_text(json.dumps(solution_sources(assignment)))
    questions.write_text(json.dumps(sorted(p.stem for p in (student / "tests").glob("*.py"))))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(sources), str(questions)], cwd=student,
                          capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["passed"] and all(result["passed"].values()), result["passed"]
    assert all("is not defined" in text for text in result["empty"].values()), result["empty"]
