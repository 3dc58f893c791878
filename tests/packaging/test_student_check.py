r"""The student's side: in the handout folder alone (repo not on the path), otter's
`grader.check` runs our public checks, which pass for the reference and teach on a mistake."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.support import solution_sources

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
wrong = grader.check("sawtooth_q4", global_env={**ns, "deep_sawtooth_net": lambda n: None})
print(json.dumps({"passed": passed, "wrong": repr(wrong)}))
"""


def test_grader_check_in_student_handout(dist_root, tmp_path):
    """Check that every public check passes for the reference inside dist/A/student, importing
    only the handout's own autograder/ and shared/, and that a wrong answer shows our message."""
    student = dist_root("sawtooth") / "student"
    sources, questions = tmp_path / "sources.json", tmp_path / "questions.json"
    sources.write_text(json.dumps(solution_sources("sawtooth")))
    questions.write_text(json.dumps(sorted(p.stem for p in (student / "tests").glob("*.py"))))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(sources), str(questions)], cwd=student,
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["passed"] and all(result["passed"].values()), result["passed"]
    assert "should return a torch.nn.Sequential, but returned None" in result["wrong"]
