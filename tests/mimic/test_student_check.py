r"""The student's side of mimic: in the handout folder alone (repo not on the path), otter's
`grader.check` runs the public checks (tiny training runs included), which pass for the reference
and teach on a mistake."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import solution_sources

pytestmark = pytest.mark.mimic

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
passed = {q: grader.check(q, global_env=ns).passed_all for q in json.load(open(sys.argv[2]))}
wrong = grader.check("mimic_q5", global_env={**ns, "mimic_loss": lambda s, t: ((s - t) ** 2).mean().item()})
print(json.dumps({"passed": passed, "wrong": repr(wrong)}))
"""


def test_grader_check_in_student_handout(dist_root, tmp_path):
    """Check that every public check passes for the reference inside dist/mimic/student, importing
    only the handout's own autograder/ and shared/, and that a wrong answer shows our message."""
    student = dist_root("mimic") / "student"
    sources, questions = tmp_path / "sources.json", tmp_path / "questions.json"
    sources.write_text(json.dumps(solution_sources("mimic")))
    questions.write_text(json.dumps(sorted(p.stem for p in (student / "tests").glob("*.py"))))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(sources), str(questions)], cwd=student,
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["passed"] and all(result["passed"].values()), result["passed"]
    assert "mimic_loss should return a torch tensor" in result["wrong"]
