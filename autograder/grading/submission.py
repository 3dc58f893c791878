r"""Reading a submission: a notebook, an otter export zip, or a folder holding either.

Only the code cells' sources are taken; outputs a student left in the file are ignored (they
cannot carry a score). Anything unreadable becomes a :class:`Submission` with a ``problem`` and
no cells, which grades to zero with that message instead of crashing the run.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


@dataclass
class Submission:
    path: str
    cells: list = field(default_factory=list)       # sources of the code cells, in order
    problem: Optional[str] = None
    labels: list = field(default_factory=list)      # how the notebook shows each code cell

    def label(self, index: int) -> str:
        """Code cell ``index`` as the notebook shows it: ``cell 14 (In [7])``, where 14 counts every
        cell from 1 (markdown too) and 7 is the execution count the student's last run left."""
        return self.labels[index] if index < len(self.labels) else f"code cell #{index + 1}"


def _label(position: int, count: object) -> str:
    shown = count if isinstance(count, int) and not isinstance(count, bool) else " "
    return f"cell {position} (In [{shown}])"


def _cells_from_json(text: str) -> tuple:
    nb = json.loads(text)
    if not isinstance(nb, dict):
        raise ValueError("the file is not a notebook (no JSON object at the top)")
    cells = nb.get("cells")
    if cells is None:  # nbformat 3
        cells = [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]
    if not isinstance(cells, list):
        raise ValueError("the notebook has no list of cells")
    sources, labels = [], []
    for position, cell in enumerate(cells, start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", cell.get("input", ""))
            sources.append("".join(source) if isinstance(source, list) else str(source))
            labels.append(_label(position, cell.get("execution_count", cell.get("prompt_number"))))
    return sources, labels


def _pick_notebook(names: list, expected: str) -> Optional[str]:
    notebooks = [n for n in names if n.endswith(".ipynb") and "/." not in "/" + n
                 and ".ipynb_checkpoints" not in n]
    if not notebooks:
        return None
    exact = [n for n in notebooks if Path(n).name == expected]
    return sorted(exact or notebooks, key=lambda n: (n.count("/"), n))[0]


def load_submission(path: Path, expected_notebook: str) -> Submission:
    """Read ``path`` (.ipynb, .zip, or folder); prefer a notebook named ``expected_notebook``."""
    path = Path(path)
    try:
        if path.is_dir():
            files = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
            chosen = _pick_notebook(files, expected_notebook)
            if chosen is None:
                zips = [f for f in files if f.endswith(".zip")]
                if zips:
                    return load_submission(path / zips[0], expected_notebook)
                return Submission(str(path), problem=f"No .ipynb notebook found in the submission "
                                  f"(expected {expected_notebook}).")
            return load_submission(path / chosen, expected_notebook)
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                chosen = _pick_notebook(archive.namelist(), expected_notebook)
                if chosen is None:
                    return Submission(str(path), problem="The zip file contains no .ipynb notebook.")
                info = archive.getinfo(chosen)
                if info.file_size > MAX_NOTEBOOK_BYTES:
                    return Submission(str(path), problem="The notebook in the zip is too large.")
                text = archive.read(chosen).decode("utf-8")
            sources, labels = _cells_from_json(text)
            return Submission(f"{path}:{chosen}", sources, labels=labels)
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return Submission(str(path), problem="The notebook file is too large (over 50 MB).")
        sources, labels = _cells_from_json(path.read_text(encoding="utf-8"))
        return Submission(str(path), sources, labels=labels)
    except Exception as exc:  # OSError, bad JSON/zip, malformed structure, encrypted zip, deep nesting...
        return Submission(str(path), problem=f"Could not read the submission as a Jupyter notebook: {exc}")
