r"""The Gradescope path: the autograder.zip that `make dist` writes, unpacked into a temporary
/autograder-like root, run by its own run_autograder with the course venv's python3 first on PATH
(as setup.sh arranges on Gradescope). Also: setup.sh's commands (with stubbed installers, since
this machine is offline) and results.json against Gradescope's documented fields."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder.grading.gradescope import stage_root
from autograder.grading.suite import load_suite
from tests.support import REPO

VENV_BIN = Path(sys.executable).parent
TEST_FIELDS = {"name", "score", "max_score", "status", "output", "output_format", "visibility"}
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}


def validate_results(results: dict) -> None:
    """Check the fields and types of Gradescope's results.json specification."""
    assert isinstance(results["tests"], list) and results["tests"]
    assert isinstance(results["score"], (int, float))
    assert results["visibility"] in VISIBILITIES and results["stdout_visibility"] in VISIBILITIES
    assert isinstance(results["execution_time"], (int, float)) and isinstance(results["output"], str)
    for test in results["tests"]:
        assert set(test) <= TEST_FIELDS | {"tags", "number", "name_format", "extra_data"}, set(test)
        assert isinstance(test["name"], str) and test["status"] in {"passed", "failed"}
        assert 0 <= test["score"] <= test["max_score"] or test["max_score"] == 0 == test["score"]
        assert test["visibility"] in VISIBILITIES and isinstance(test["output"], str)
    assert abs(results["score"] - sum(t["score"] for t in results["tests"])) < 1e-9


@pytest.fixture(scope="module")
def autograder_zip(dist_root):
    return dist_root("sawtooth") / "autograder.zip"


def run_in_root(zip_path: Path, submission: Path) -> dict:
    """Unpack the zip into root/source, put the submission into root/submission, run run_autograder."""
    root = Path(tempfile.mkdtemp(prefix="gd-gs-root-"))
    try:
        script = stage_root(zip_path, submission, root)
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
        env.pop("PYTHONPATH", None)
        proc = subprocess.run([str(script)], env=env, capture_output=True,
                              text=True, timeout=300, cwd="/")
        assert proc.returncode == 0, proc.stderr
        results = json.loads((root / "results" / "results.json").read_text())
        if os.geteuid() == 0:
            mode = stat.S_IMODE((root / "source" / "private").stat().st_mode)
            assert mode == 0o700, "hidden tests must be unreadable for the sandbox user"
        return results
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_run_autograder_grades_reference_full_marks(autograder_zip):
    """Check that run_autograder from the zip gives the reference full marks in a valid results.json."""
    results = run_in_root(autograder_zip, REPO / "solutions" / "sawtooth" / "sawtooth.ipynb")
    validate_results(results)
    suite = load_suite(autograder_zip.parent / "autograder" / "private")
    assert results["score"] == suite.max_score > 0
    assert {t["name"] for t in results["tests"]} >= {"sawtooth_q1", "sawtooth_q1 (public checks)",
                                                     "sawtooth_q1 (hidden checks)"}
    status = [t for t in results["tests"] if t["name"].endswith("(hidden checks)")]
    with_hidden = [q for q in suite.questions if any(case.hidden for case in q.cases)]
    assert len(status) == len(with_hidden) and all(t["visibility"] == "visible" and t["status"] == "passed"
                                                   for t in status)


@pytest.mark.slow
def test_run_autograder_survives_a_broken_submission(autograder_zip, tmp_path):
    """Check that a file that is not a notebook still yields a complete results.json with 0 points."""
    bad = tmp_path / "sawtooth.ipynb"
    bad.write_text("{ this is not json")
    results = run_in_root(autograder_zip, bad)
    validate_results(results)
    assert results["score"] == 0
    assert "Could not read the submission" in results["output"]
    questions = load_suite(autograder_zip.parent / "autograder" / "private").questions
    assert len(results["tests"]) == 3 * len(questions)   # public checks, hidden pass/fail, the graded question


def test_results_validator_rejects_missing_fields():
    """Check that the validator used above can fail (a results.json without tests)."""
    with pytest.raises((AssertionError, KeyError)):
        validate_results({"score": 1.0, "visibility": "visible", "stdout_visibility": "hidden",
                          "execution_time": 1.0, "output": ""})


def test_setup_sh_installs_pinned_cpu_torch_with_pip_only(autograder_zip, tmp_path):
    """Check setup.sh (installers stubbed, offline): pip/uv only, no conda; torch and torchvision
    pinned to the +cpu builds from PyTorch's CPU index; requirements.txt pinned exactly; the venv's
    python3 is linked first on PATH for run_autograder."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    setup = (root / "source" / "setup.sh").read_text()
    assert "conda" not in setup.replace("no conda", "") and "Miniforge" not in setup.split("set -euo")[1]
    log = tmp_path / "calls.log"
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    stub = f'#!/bin/sh\necho "$(basename $0) $*" >> {log}\n'
    for name in ("python3",):
        (stubs / name).write_text(stub)
        (stubs / name).chmod(0o755)
    venv_python = root / "venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(stub)
    venv_python.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = {"PATH": f"{stubs}:/usr/bin:/bin", "AUTOGRADER_ROOT": str(root), "GD_BIN_DIR": str(bin_dir),
           "UV_PYTHON_INSTALL_DIR": str(tmp_path / "py")}
    (tmp_path / "py").mkdir()
    proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    torch_pins = [l.strip() for l in (REPO / "requirements" / "torch.txt").read_text().splitlines()
                  if l.strip() and not l.startswith("#")]
    install = [c for c in calls if "download.pytorch.org/whl/cpu" in c]
    assert len(install) == 1 and all(f"{pin}+cpu" in install[0] for pin in torch_pins), calls
    assert any("-r" in c and "requirements.txt" in c for c in calls), calls
    assert (bin_dir / "python3").is_symlink()
    reqs = (root / "source" / "requirements.txt").read_text().split()
    assert reqs and all("==" in r for r in reqs), reqs


def test_hidden_status_setting_is_read_from_the_assignment(monkeypatch, tmp_path):
    """Check that SHOW_HIDDEN_STATUS in autograder/assignments/<A>/__init__.py reaches
    assignment.json and the suite (default on; off when the assignment sets it False)."""
    import importlib

    from autograder.grading.suite import load_suite
    from autograder.packaging.build import assignment_config

    module = importlib.import_module("autograder.assignments.sawtooth")
    monkeypatch.delattr(module, "SHOW_HIDDEN_STATUS", raising=False)
    assert assignment_config("sawtooth")["show_hidden_status"] is True
    monkeypatch.setattr(module, "SHOW_HIDDEN_STATUS", False, raising=False)
    config = assignment_config("sawtooth")
    assert config["show_hidden_status"] is False
    (tmp_path / "tests").mkdir()
    (tmp_path / "assignment.json").write_text(json.dumps({"assignment": "sawtooth", "notebook": "sawtooth.ipynb",
                                                          "questions": [], **config}))
    assert load_suite(tmp_path).show_hidden_status is False
