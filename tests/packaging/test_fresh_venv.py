r"""The handout's ranged requirements in a fresh virtual environment: every reference notebook runs
in a real kernel inside the handout, and its public checks pass (tests/packaging/fresh_venv.py).

Creating the venv downloads about 6 GB and takes minutes, so this runs only where a venv made from
the handout's requirements.txt is named: GD_FRESH_VENV=/path/to/venv (see the one-off verification
in the TA notes). The venv's own Python runs the notebooks."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support import ASSIGNMENTS

pytestmark = pytest.mark.slow

VENV = os.environ.get("GD_FRESH_VENV")


@pytest.mark.skipif(not VENV, reason="set GD_FRESH_VENV to a venv made with "
                    "`pip install -r dist/<a>/student/requirements.txt` (6 GB, minutes)")
def test_reference_notebooks_run_in_a_fresh_venv(dist_root):
    """Check that every reference notebook runs and passes its public checks in the fresh venv."""
    assignments = ASSIGNMENTS
    dist = dist_root(assignments[0]).parent
    for assignment in assignments:
        dist_root(assignment)
    script = Path(__file__).with_name("fresh_venv.py")
    proc = subprocess.run([str(Path(VENV) / "bin" / "python"), str(script), str(dist), *assignments],
                          capture_output=True, text=True, timeout=3600)
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0, results
    assert {r["assignment"] for r in results[1:]} == set(assignments)
