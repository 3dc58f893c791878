r"""``SandboxOptions.python``: the worker runs with the interpreter the options name (``make bench``
runs it on the CPU build of torch that way), and with the grader's own by default."""
from __future__ import annotations

import os
import sys
from dataclasses import replace

MARK = "GD_TEST_WORKER_VIA_WRAPPER"

# double(x) is right only when the worker was started through the wrapper below.
CELLS = ["def relu(x):\n    import numpy as np\n    return np.maximum(x, 0)\n",
         f"def double(x):\n    import os\n    return 2 * x if os.environ.get({MARK!r}) else x\n",
         "def square(x):\n    return x * x\n"]


def _wrapper(folder) -> str:
    """An executable the sandbox user can run that marks its environment and execs our python."""
    path = folder / "python-wrapper"
    path.write_text(f"#!/bin/sh\n{MARK}=1 exec {sys.executable} \"$@\"\n")
    os.chmod(path, 0o755)
    return str(path)


def test_the_worker_runs_with_the_interpreter_the_options_name(basic_suite, notebook, engine_tmp):
    options = replace(basic_suite.options, python=_wrapper(engine_tmp))
    from autograder.grading.engine import grade

    report = grade(basic_suite.suite, notebook(CELLS), options)
    assert report.score == report.max_score, {q.name: q.first_failure() for q in report.questions}


def test_the_worker_runs_with_the_graders_interpreter_by_default(basic_suite, notebook):
    report = basic_suite.grade(notebook(CELLS))
    assert {q.name: q.score for q in report.questions}["q2_double"] == 0
