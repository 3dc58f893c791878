r"""The notebook's setup cell where students really run it, in a real Jupyter kernel:

* **Colab**: a /content-like working folder holding only the notebook and the uploaded handout zip,
  HOME not writable, no display, otter-grader not installed and pip stubbed (no network): the cell
  unpacks the zip beside the notebook without touching it, "installs" otter once, and the public
  checks, the course library, caches and plots work;
* **laptop / JupyterHub**: the notebook inside the unzipped handout with otter installed: nothing
  is installed or unpacked;
* **nothing there**: a clear message saying what to upload where.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

pytestmark = pytest.mark.slow

ASSIGNMENT = "sawtooth"
UNWRITABLE_HOME = "/proc/going-deeper-home"   # cannot be created, not even by root

# On PYTHONPATH of the kernel and of every `python -m pip` it starts: otter is "not installed"
# until the stubbed pip has run, and pip only records its arguments (no network).
SITECUSTOMIZE = r'''
import os, sys
_MARK = os.environ["GD_FAKE_PIP_MARK"]

class _OtterNotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "otter" and not os.path.exists(_MARK):
            raise ModuleNotFoundError("No module named 'otter'", name="otter")
        return None

sys.meta_path.insert(0, _OtterNotInstalled())
'''
FAKE_PIP = r'''
import os, sys
with open(os.environ["GD_FAKE_PIP_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\n")
open(os.environ["GD_FAKE_PIP_MARK"], "w").close()
'''
PROBE = r'''
import json, os, pathlib, tempfile, shared, shared.export
import matplotlib.pyplot as plt
plt.plot([0, 1], [1, 0]); plt.show()
cache = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
tempfile.TemporaryFile(dir=cache).close()
result = grader.check("sawtooth_q1")
print("PROBE " + json.dumps({"shared": shared.__file__, "tests_dir": grader._tests_dir,
                             "check": type(result).__name__, "report": repr(result)[:300]}))
'''


def _environment(tmp_path: Path) -> dict:
    shim = tmp_path / "shim"
    (shim / "pip").mkdir(parents=True)
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
    (shim / "pip" / "__init__.py").write_text("")
    (shim / "pip" / "__main__.py").write_text(FAKE_PIP)
    return {"PATH": "/usr/bin:/bin", "HOME": UNWRITABLE_HOME, "PYTHONPATH": str(shim), "LANG": "C.UTF-8",
            "GD_FAKE_PIP_LOG": str(tmp_path / "pip.log"), "GD_FAKE_PIP_MARK": str(tmp_path / "pip.done"),
            "JUPYTER_PLATFORM_DIRS": "1", "IPYTHONDIR": str(tmp_path / "ipython")}


def _run(cells: list, cwd: Path, env: dict) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute(env=env)
    return notebook


def _text(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def _setup_cell(dist_root) -> str:
    cells = json.loads((dist_root(ASSIGNMENT) / "student" / f"{ASSIGNMENT}.ipynb").read_text())["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


def test_colab_layout_unpacks_the_zip_and_installs_otter(dist_root, tmp_path):
    """Check the Colab path: notebook + uploaded zip in the working folder, HOME unwritable, no
    display, otter missing: the zip is unpacked into content/sawtooth/ (the open notebook keeps its
    bytes), pip is asked once for the otter-grader range, grader.check runs the public test from the
    unpacked tests/, shared/ is imported from there, the cache falls back to a writable folder and a
    plot draws. Running the cell again unpacks and installs nothing."""
    content = tmp_path / "content"
    content.mkdir()
    notebook = content / f"{ASSIGNMENT}.ipynb"
    shutil.copy(dist_root(ASSIGNMENT) / "student" / f"{ASSIGNMENT}.ipynb", notebook)
    shutil.copy(dist_root(ASSIGNMENT) / f"{ASSIGNMENT}-handout.zip", content / f"{ASSIGNMENT}-handout (1).zip")
    original = notebook.read_bytes()
    env = _environment(tmp_path)
    setup = _setup_cell(dist_root)
    ran = _run([setup, PROBE, setup], content, env)

    assert f"Unpacked {ASSIGNMENT}-handout (1).zip" in _text(ran.cells[0])
    assert notebook.read_bytes() == original
    assert (content / ASSIGNMENT / "shared" / "__init__.py").is_file()
    assert (content / ASSIGNMENT / "tests" / f"{ASSIGNMENT}_q1.py").is_file()
    calls = (tmp_path / "pip.log").read_text().splitlines()
    assert len(calls) == 1 and calls[0].startswith("install") and "otter-grader>=" in calls[0]
    probe = json.loads(_text(ran.cells[1]).split("PROBE ", 1)[1])
    assert probe["shared"].startswith(str(content / ASSIGNMENT / "shared"))
    assert probe["tests_dir"] == str(content / ASSIGNMENT / "tests")
    assert probe["check"].endswith("TestFile") and "sawtooth_q1" in probe["report"]
    assert "not defined" in probe["report"]   # the public test ran against this kernel (no relu yet)
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for o in ran.cells[1].outputs), "the plot did not draw"
    assert "Unpacked" not in _text(ran.cells[2]) and "Installing" not in _text(ran.cells[2])


def test_laptop_layout_installs_and_unpacks_nothing(dist_root, tmp_path):
    """Check the laptop/JupyterHub path: the notebook opened inside the unzipped handout with otter
    installed: no pip call, no zip looked at, the handout's own tests/ used."""
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(dist_root(ASSIGNMENT) / "student", folder)
    env = _environment(tmp_path)
    (tmp_path / "pip.done").write_text("")          # otter counts as installed
    ran = _run([_setup_cell(dist_root), "print(grader._tests_dir)"], folder, env)
    assert not (tmp_path / "pip.log").exists()
    assert _text(ran.cells[1]).strip() == str(folder / "tests")
    assert "Unpacked" not in _text(ran.cells[0])


def test_missing_course_files_say_what_to_do(dist_root, tmp_path):
    """Check that a notebook alone (no handout folder, no zip) stops with a message naming the
    zip to upload, not a bare ImportError later."""
    alone = tmp_path / "alone"
    alone.mkdir()
    env = _environment(tmp_path)
    with pytest.raises(CellExecutionError, match=f"upload {ASSIGNMENT}-handout.zip"):
        _run([_setup_cell(dist_root)], alone, env)
