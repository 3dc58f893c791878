r"""One-off verification of the handout's ranged requirements (issue 12): in a FRESH virtual
environment made from ``dist/<A>/student/requirements.txt`` alone, every reference notebook runs
in a real Jupyter kernel, inside the handout folder (so it imports the handout's own ``shared/`` and
``autograder/``), and its public checks (``grader.check``) pass.

    python3 -m venv /tmp/gd-venv && /tmp/gd-venv/bin/pip install -r dist/sawtooth/student/requirements.txt
    /tmp/gd-venv/bin/python tests/packaging/fresh_venv.py dist [assignment ...]   # run with the venv's python

It prints one JSON line per notebook (wall seconds, questions checked, failures) and exits non-zero
when a notebook fails. The kernel is the venv's own Python (nbclient's native kernel). Installing
takes minutes and about 6 GB, so this is not part of ``make test`` (see ``test_fresh_venv.py``).
"""
from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_RAW = re.compile(r"\s*#\s*(BEGIN|END)\s+(TESTS|QUESTION|SOLUTION)", re.I)

CHECKS = """
import json as _json
_results = {q: bool(grader.check(q).passed_all) for q in %r}
print("GD-CHECKS " + _json.dumps(_results))
"""


def reference_notebook(assignment: str) -> dict:
    r"""The master as a finished student notebook: its markdown and code cells without the raw
    otter cells and without the test cells (hidden checks are not in a handout), then one cell that
    runs ``grader.check`` on every question that has public tests."""
    import nbformat

    master = nbformat.read(str(REPO / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4)
    cells, in_tests = [], False
    for cell in master.cells:
        if cell.cell_type == "raw":
            match = _RAW.match(cell.source)
            if match and match.group(2).upper() == "TESTS":
                in_tests = match.group(1).upper() == "BEGIN"
            continue
        if not in_tests:
            cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells, metadata=master.metadata)


def run(dist: Path, assignment: str, timeout_s: int = 900) -> dict:
    import nbformat
    from nbclient import NotebookClient

    work = Path(tempfile.mkdtemp(prefix=f"gd-fresh-{assignment}-"))
    try:
        handout = work / assignment
        shutil.copytree(dist / assignment / "student", handout)
        questions = sorted(p.stem for p in (handout / "tests").glob(f"{assignment}_*.py"))
        notebook = reference_notebook(assignment)
        notebook.cells.append(nbformat.v4.new_code_cell(CHECKS % (questions,)))
        nbformat.write(notebook, str(handout / f"{assignment}.ipynb"))
        started = time.monotonic()
        error = None
        try:
            NotebookClient(notebook, timeout=timeout_s, kernel_name="python3",
                           resources={"metadata": {"path": str(handout)}}).execute()
        except Exception as exc:  # a cell raised: report which
            error = f"{type(exc).__name__}: {str(exc)[-800:]}"
        seconds = time.monotonic() - started
        checks = {}
        for output in notebook.cells[-1].get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("GD-CHECKS "):
                    checks = json.loads(line[len("GD-CHECKS "):])
        failed = sorted(q for q, ok in checks.items() if not ok)
        ok = error is None and checks and not failed
        return {"assignment": assignment, "ok": bool(ok), "seconds": round(seconds, 1),
                "checked": len(checks), "failed": failed, "error": error}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def versions() -> dict:
    from importlib.metadata import version

    names = ["torch", "torchvision", "numpy", "scipy", "matplotlib", "scikit-learn", "otter-grader"]
    return {"python": sys.version.split()[0], **{name: version(name) for name in names}}


def main(argv: list) -> int:
    dist = Path(argv[0])
    assignments = argv[1:] or sorted(p.name for p in dist.iterdir() if (p / "student").is_dir())
    print(json.dumps({"versions": versions()}), flush=True)
    results = [run(dist, a) for a in assignments]
    for result in results:
        print(json.dumps(result), flush=True)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
