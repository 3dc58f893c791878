r"""Attacks on the grading engine by a hostile submission, each of which once raised a score or
leaked the hidden tests (issue 16), and why each fails now:

* a process that survives the worker kills the restarted worker before it says hello, to make
  grading fall back to the grading user, which then rewrites the checks: no fallback once student
  code ran, checks imported before the first cell, survivors swept by their real uid;
* a check module planted where the grading process would import it lazily: imports are vetted;
* a set-uid program run from a cell: ``PR_SET_NO_NEW_PRIVS``;
* reading the hidden tests when a TA grades locally as root: a sealed private copy;
* signalling the neighbour's worker in a batch: a sandbox uid per job.

Most attacks need root: the worker then runs as a sandbox uid and root-only files, folders and
processes are out of its reach.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.grading.engine import grade
from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
from tests.engine.conftest import _HEADER, LIMITS, NOTEBOOK, RELU_TEST, build_suite, make_notebook, probe_question
from tests.engine.test_robustness import (DOUBLE, IMPORTS, RELU, SQUARE, _live_processes_with, _survivors,
                                          scores)

as_root = pytest.mark.skipif(os.geteuid() != 0 or default_sandbox_user() is None,
                             reason="the worker runs as another uid only when grading runs as root")

WRONG_RELU = "def relu(x):\n    return x"          # wrong for x < 0
ALWAYS_PASSES = "def check_relu(relu):\n    pass\n"


def _lazy_check_question(package: str) -> str:
    """relu (2 points), checked by ``<package>.hidden.check_relu``, imported inside the test (as
    otter's test files do)."""
    return _HEADER + textwrap.dedent(f"""
        name = "q1_relu"
        points = 2

        @test_case(points=None, hidden=True)
        def test_value(relu):
            from {package}.hidden import check_relu
            check_relu(relu)
        """)


CHECK_MODULE = textwrap.dedent("""
    import numpy as np
    from autograder.checking import as_array, expect, student

    def check_relu(relu):
        x = np.linspace(-2, 2, 9)
        got = as_array(student(relu, "relu")(x), "relu(x)")
        expect(np.allclose(got, np.maximum(x, 0)), "relu(x) is wrong")
    """)


@pytest.fixture
def checks_in_private(engine_tmp, monkeypatch):
    """A suite whose check module lives in ``private/<package>/hidden.py`` (as on Gradescope, where
    the grading process runs with private/ on its path); returns (suite fixture, check file)."""
    package = f"democheck_{uuid.uuid4().hex[:10]}"
    suite = build_suite(engine_tmp / package, {"q1_relu": _lazy_check_question(package)})
    (suite.private / package).mkdir()
    (suite.private / package / "__init__.py").write_text("")
    check_file = suite.private / package / "hidden.py"
    check_file.write_text(CHECK_MODULE)
    monkeypatch.syspath_prepend(str(suite.private))
    yield suite, check_file
    for name in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[name]


# Cell 1 of the attack: as the sandbox user it leaves a survivor (its own session, another
# GD_SANDBOX_ID) that kills every worker it sees; as the grading user (after a fallback) it rewrites
# the check so that anything passes.
ATTACK_CELL = textwrap.dedent('''
    import os, subprocess, sys
    CHECK = {check!r}
    try:
        with open(CHECK, "w") as handle:
            handle.write({always!r})
    except OSError:
        pass
    KILLER = """
    import os, signal, time
    end = time.time() + 120
    while time.time() < end:
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and int(pid) != os.getpid() and b"autograder.sandbox.worker" in open(f"/proc/{{pid}}/cmdline", "rb").read():
                    os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
    # marker 313.125
    """
    if os.getuid() != 0:
        subprocess.Popen([sys.executable, "-c", KILLER], start_new_session=True,
                         env={{"GD_SANDBOX_ID": "somebody-else", "PATH": "/usr/bin:/bin"}})
    ''')


@as_root
def test_a_survivor_cannot_force_a_fallback_that_rewrites_the_checks(checks_in_private, notebook):
    """The attack of issue 16: a wrong relu, a cell that leaves a worker-killing survivor behind, a
    cell that kills the worker. The survivor is swept with the worker (real uid, whatever its
    environment), the notebook is replayed as the sandbox user (never as root once a cell ran),
    and the check, loaded before the first cell, is never re-read: relu still scores 0."""
    suite, check_file = checks_in_private
    original = check_file.read_text()
    try:
        attack = ATTACK_CELL.format(check=str(check_file), always=ALWAYS_PASSES)
        report = suite.grade(notebook([IMPORTS, WRONG_RELU, attack, "import os\nos._exit(1)"]))
        assert scores(report) == {"q1_relu": 0.0}, report
        assert not any("grading user" in note for note in report.notes), report.notes
        assert check_file.read_text() == original
        assert _survivors("313.125") == []
    finally:
        for pid in _live_processes_with("313.125"):
            os.kill(pid, 9)


def test_checks_are_not_reread_after_student_code_ran(checks_in_private, notebook):
    """Even when the worker runs with the grading user's rights (not root; or a fallback) and
    rewrites the check file from a cell, the grading process uses the checks it imported before
    the first cell: a wrong relu scores 0."""
    suite, check_file = checks_in_private
    rewrite = f"with open({str(check_file)!r}, 'w') as handle:\n    handle.write({ALWAYS_PASSES!r})"
    options = SandboxOptions(suite.options.lib_path, None)
    report = grade(suite.suite, notebook([IMPORTS, WRONG_RELU, rewrite]), options)
    assert check_file.read_text() == ALWAYS_PASSES      # the cell did rewrite it
    assert scores(report) == {"q1_relu": 0.0}, report


@as_root
def test_a_module_planted_by_the_worker_is_never_imported(engine_tmp, notebook, monkeypatch):
    """A check that imports a module lazily, from a folder on the grader's path that others may
    write (a world-writable /tmp folder): the worker plants a module there that makes the check
    pass. The grading process refuses to import it (written by another user), so the wrong relu
    still scores 0."""
    planted = Path(tempfile.mkdtemp(prefix="gd-planted-"))
    planted.chmod(0o777)
    name = f"plantedhelper_{uuid.uuid4().hex[:10]}"
    question = _HEADER + textwrap.dedent(f"""
        name = "q1_relu"
        points = 2

        @test_case(points=None, hidden=True)
        def test_value(relu):
            import numpy as np
            from autograder.checking import as_array, expect, student
            from {name} import verdict
            x = np.linspace(-2, 2, 9)
            got = as_array(student(relu, "relu")(x), "relu(x)")
            expect(verdict(np.allclose(got, np.maximum(x, 0))), "relu(x) is wrong")
        """)
    suite = build_suite(engine_tmp / name, {"q1_relu": question})
    monkeypatch.syspath_prepend(str(planted))
    plant = f"with open({str(planted / (name + '.py'))!r}, 'w') as handle:\n    handle.write('def verdict(ok):\\n    return True\\n')"
    try:
        report = suite.grade(notebook([IMPORTS, WRONG_RELU, plant]))
        assert (planted / f"{name}.py").exists()           # the cell did plant it
        assert scores(report) == {"q1_relu": 0.0}, report
        assert name not in sys.modules
    finally:
        sys.modules.pop(name, None)
        shutil.rmtree(planted, ignore_errors=True)


PROBE_TEST = probe_question("refused")


@pytest.fixture
def setuid_id(tmp_path):
    """A set-uid-root copy of /usr/bin/id in a folder everyone can traverse."""
    folder = Path(tempfile.mkdtemp(prefix="gd-setuid-"))
    try:
        folder.chmod(0o755)
        binary = folder / "id"
        shutil.copy("/usr/bin/id", binary)
        os.chown(binary, 0, 0)
        binary.chmod(0o4755)
        if not binary.stat().st_mode & stat.S_ISUID:
            pytest.skip("cannot make a set-uid binary here")
        yield binary
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@as_root
def test_a_setuid_program_cannot_raise_privileges(engine_tmp, notebook, setuid_id):
    """A cell runs a set-uid-root program: the worker has PR_SET_NO_NEW_PRIVS, so the program runs
    with the sandbox uid (``id -u`` is not 0)."""
    suite = build_suite(engine_tmp / f"setuid-{uuid.uuid4().hex[:8]}", {"q1_relu": RELU_TEST, "q9_probe": PROBE_TEST})
    probe = (f"import subprocess\nEUID = subprocess.run([{str(setuid_id)!r}, '-u'], capture_output=True, text=True).stdout.strip()\n"
             "def probe():\n    return 'refused' if EUID not in ('', '0') else 'euid ' + EUID")
    report = suite.grade(notebook([IMPORTS, RELU, probe]))
    assert scores(report) == {"q1_relu": 2.0, "q9_probe": 1.0}, report


@as_root
def test_a_process_hiding_from_the_sweep_does_not_outlive_grading(grade_cells):
    """A process started in its own session, with another GD_SANDBOX_ID in its environment, that
    makes itself non-dumpable (its /proc entry is then owned by root) is still killed when grading
    ends: the sweep goes by the real uid in /proc/PID/status."""
    marker = "313.625"
    hide = ("import subprocess, sys\n"
            f"CODE = 'import ctypes, time; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); time.sleep({marker})'\n"
            "CHILD = subprocess.Popen([sys.executable, '-c', CODE], start_new_session=True,\n"
            "                         env={'GD_SANDBOX_ID': 'somebody-else'})\n"
            "import time\ntime.sleep(0.5)")
    try:
        grade_cells([IMPORTS, hide, RELU, DOUBLE, SQUARE])
        assert _survivors(marker) == []
    finally:
        for pid in _live_processes_with(marker):
            os.kill(pid, 9)


def _world_readable_dist(root: Path) -> Path:
    """dist/demo/autograder laid out as `make dist` leaves it: everything world-readable."""
    source = root / "demo" / "autograder"
    suite = build_suite(source, {"q1_relu": RELU_TEST, "q9_probe": PROBE_TEST})
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    (root / "demo" / "autograder.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (root / "demo" / "autograder.zip").chmod(0o644)
    return suite.private


@as_root
def test_local_grading_as_root_keeps_the_hidden_tests_private(tmp_path):
    """`make grade` as root on a dist/ folder that `make dist` left world-readable: a cell cannot
    read the hidden tests (neither in dist/ nor in the copy it is graded from) nor the zip."""
    from autograder.grading.__main__ import main

    dist = Path(tempfile.mkdtemp(prefix="gd-dist-readable-"))
    try:
        private = _world_readable_dist(dist)
        targets = [str(private / "tests" / "q1_relu.py"), str(dist / "demo" / "autograder.zip")]
        probe = ("import glob\nTARGETS = " + repr(targets) + " + glob.glob('/tmp/gd-grade-*/autograder/private/tests/*.py')\n"
                 "def probe():\n    for path in TARGETS:\n        try:\n            open(path, 'rb').read()\n"
                 "            return 'read ' + path\n        except OSError:\n            pass\n    return 'refused'")
        submission = make_notebook(tmp_path, [IMPORTS, RELU, probe])
        out = tmp_path / "results.json"
        assert main(["grade", "--dist", str(dist), "--assignment", "demo", "--submission", str(submission),
                     "--out", str(out)]) == 0
        import json
        results = json.loads(out.read_text())
        assert results["score"] == 3.0, results
    finally:
        shutil.rmtree(dist, ignore_errors=True)


NEIGHBOUR_PROBE = textwrap.dedent('''
    import os, signal, time

    def probe():
        """Signal 0 to every other grading worker alive (waiting up to 60 s for one to appear)."""
        mine = os.getpid()
        end = time.time() + 60
        while time.time() < end:
            found = []
            for pid in os.listdir("/proc"):
                try:
                    if pid.isdigit() and int(pid) != mine and b"autograder.sandbox.worker" in open(f"/proc/{pid}/cmdline", "rb").read():
                        found.append(int(pid))
                except OSError:
                    pass
            for pid in found:
                try:
                    os.kill(pid, 0)
                    return "signalled"
                except PermissionError:
                    pass
                except ProcessLookupError:
                    pass
            if found:
                return "refused"
            time.sleep(0.05)
        return "no neighbour seen"
    ''')


@as_root
def test_a_batch_job_cannot_signal_its_neighbours_worker(engine_tmp, tmp_path):
    """Two submissions graded at once (``--jobs 2``): each worker runs as a sandbox uid of its own,
    so one submission's code cannot even send signal 0 to the other's worker, which grades
    normally beside it."""
    suite = build_suite(engine_tmp / f"batch-{uuid.uuid4().hex[:8]}", {"q1_relu": RELU_TEST, "q9_probe": PROBE_TEST},
                        {"question_s": 120})
    attacker = make_notebook(tmp_path / "a", [IMPORTS, RELU, NEIGHBOUR_PROBE])
    slow_relu = "import time\ndef relu(x):\n    time.sleep(3)\n    return np.maximum(x, 0)"
    victim = make_notebook(tmp_path / "b", [IMPORTS, slow_relu, "time.sleep(2)\ndef probe():\n    return 'refused'"])
    with ThreadPoolExecutor(max_workers=2) as pool:   # what `make grade S=folder JOBS=2` does
        reports = list(pool.map(lambda p: grade(suite.suite, p, suite.options), [attacker, victim]))
    assert [scores(r) for r in reports] == [{"q1_relu": 2.0, "q9_probe": 1.0}] * 2, \
        [(scores(r), [q.first_failure() for q in r.questions], r.notes) for r in reports]
    assert all(r.notes == [] for r in reports)


@as_root
def test_sandbox_uids_are_never_shared_between_live_workers():
    """Leases give distinct uids without accounts from the documented range, skip a uid that a
    live process still uses (a survivor of a crashed grader), and a released uid is free again."""
    from autograder.grading import identity

    first = identity.lease()
    squatter = subprocess.Popen(["sleep", "30"], user=first.uid, group=first.gid)
    first.release()
    try:
        second, third = identity.lease(), identity.lease()
        try:
            assert len({first.uid, second.uid, third.uid}) == 3
            for lease in (second, third):
                assert lease.uid in identity.UID_RANGE and lease.dedicated
                with pytest.raises(KeyError):
                    __import__("pwd").getpwuid(lease.uid)
        finally:
            second.release()
            third.release()
    finally:
        squatter.kill()
        squatter.wait()
    again = identity.lease()
    again.release()
    assert again.uid <= first.uid        # the lowest free uid: the released one, unless a lower one freed up
