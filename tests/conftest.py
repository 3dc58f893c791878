r"""Fixtures shared by every test suite: one build of each assignment per session.

Also the suite's own clock: ``--durations`` (``make test`` prints the 15 slowest) measures wall
time, which other jobs on the machine inflate; the terminal summary adds the slowest tests by CPU
seconds (this process + the processes it waited for: sandbox workers, subprocesses) and the
suite's total, which do not move with the load.
"""
from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from autograder.grading.suite import load_suite
from autograder.packaging.build import build
from tests.support import reference_namespace

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session", autouse=True)
def sandbox_reaches_the_interpreter():
    """As root the engine runs student code as a sandbox uid, which must execute this checkout's
    venv python and read its packages. A checkout in a private folder (``mktemp -d`` makes mode
    700, a home folder often is) blocks it, and every sandboxed grading would fall back to the
    grading user. The folders above the interpreter get others' search permission for the
    session (:func:`autograder.grading.access.open_for_traversal`, as ``make grade`` does), and
    their modes are restored after. The checkout's secrets are not closed here: ``make grade``
    does that (tests/cli/test_access.py checks it on stand-in checkouts), a test session has no business changing them."""
    from autograder.grading import access
    from autograder.grading.identity import default_sandbox_user

    opened = []
    if os.geteuid() == 0 and default_sandbox_user() is not None:
        opened = access.open_for_traversal(access.interpreter_folders())
    yield
    for folder, mode in reversed(opened):
        folder.chmod(mode)


@pytest.fixture(scope="session", autouse=True)
def checkout_modes_unchanged():
    """The session leaves the modes of the checkout and its top-level entries as it found them
    (a test that sealed the real checkout would close ``autograder/`` to the sandbox of every
    later test, and a developer's checkout for good)."""
    from tests.support import REPO

    def modes() -> dict:
        return {path.name: path.lstat().st_mode for path in (REPO, *REPO.iterdir())}

    before = modes()
    yield
    after = modes()
    changed = sorted(name for name in before if name in after and before[name] != after[name])
    assert not changed, f"the test session changed the modes of {changed} in the checkout"


@pytest.fixture(autouse=True)
def course_checkout(tmp_path_factory, monkeypatch):
    """`make grade` as root closes the course checkout's secrets to other users
    (:func:`autograder.grading.access.seal_checkout`), ``autograder/`` and ``shared/`` included.
    No test may change the modes of the checkout it runs
    from: the grading CLI sees a stand-in with a solutions folder instead."""
    from autograder.grading import __main__ as cli

    checkout = tmp_path_factory.mktemp("checkout")
    (checkout / "solutions").mkdir()
    monkeypatch.setattr(cli, "CHECKOUT", checkout)
    return checkout


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """torch on one thread, as in the grading sandbox: on a busy 2-core machine two threads make
    small training runs several times slower, and one thread keeps them deterministic."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


@pytest.fixture(scope="session")
def dist_root():
    """A fresh `make dist` output for the whole session, readable by the sandbox user."""
    root = Path(tempfile.mkdtemp(prefix="gd-dist-"))
    root.chmod(0o755)
    built: dict = {}

    def get(assignment: str) -> Path:
        if assignment not in built:
            built[assignment] = build(assignment, root)
        return built[assignment]

    yield get
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def suite_of(dist_root):
    return lambda assignment: load_suite(dist_root(assignment) / "autograder" / "private")


@pytest.fixture(scope="session")
def graded_in_sandbox(dist_root, suite_of):
    """``graded_in_sandbox(assignment, "reference" | "stub")``: the Report of the master notebook or
    of the built student stub graded through the sandbox, as ``make grade`` grades it; graded once
    per session and shared (tests/test_notebooks.py checks the scores; the regrade test and the
    load tests compare their own gradings with it). Whoever needs a fresh grading calls
    ``grade`` itself."""
    from autograder.grading.engine import grade
    from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
    from tests.support import REPO

    reports: dict = {}

    def get(assignment: str, which: str):
        if (assignment, which) not in reports:
            source = dist_root(assignment) / "autograder"
            notebook = (REPO / "solutions" / assignment / f"{assignment}.ipynb" if which == "reference"
                        else dist_root(assignment) / "student" / f"{assignment}.ipynb")
            options = SandboxOptions(str(source / "public"), default_sandbox_user())
            reports[(assignment, which)] = grade(suite_of(assignment), notebook, options)
        return reports[(assignment, which)]

    return get


def _assignment_of(request) -> str:
    """The assignment a test module belongs to: its package, tests/<assignment>/."""
    return request.module.__name__.split(".")[1]


@pytest.fixture(scope="module")
def suite(request, suite_of):
    """The built suite of the test module's assignment."""
    return suite_of(_assignment_of(request))


@pytest.fixture(scope="module")
def reference(request):
    """The reference solution of the test module's assignment, in a fresh namespace."""
    return reference_namespace(_assignment_of(request))


# -- CPU seconds per test (see the module doc) -------------------------------------------------------

_CPU_BY_TEST: dict = {}


def _cpu_now() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = _cpu_now()
    yield
    _CPU_BY_TEST[item.nodeid] = _cpu_now() - started


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    durations = config.getoption("durations", None)
    if not durations or not _CPU_BY_TEST:
        return
    slowest = sorted(_CPU_BY_TEST.items(), key=lambda item: -item[1])[:durations]
    terminalreporter.write_sep("=", f"slowest {len(slowest)} by CPU seconds (setup + call + teardown, "
                                    "with the processes each test waited for)")
    for nodeid, seconds in slowest:
        terminalreporter.write_line(f"{seconds:7.2f}s cpu  {nodeid}")
    terminalreporter.write_line(f"total: {sum(_CPU_BY_TEST.values()):.0f} CPU s in {len(_CPU_BY_TEST)} tests; "
                                f"load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
