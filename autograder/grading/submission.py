r"""Reading a submission: a notebook, an otter export zip, or a folder holding either.

Only the code cells' sources are taken; outputs (plots, prints) are dropped while the JSON is
parsed and never count against a bound, so a correct notebook with 100 MB of outputs grades
normally. Anything unreadable becomes a :class:`Submission` with a ``problem`` and no cells, which
grades to zero with that message instead of crashing the run.

The grading process reads files the student chose, as root on Gradescope, so every read is
bounded and never follows a link:

* a file is opened with ``O_NOFOLLOW | O_NONBLOCK`` (a symlink to ``/dev/zero`` or a FIFO is
  refused instead of read forever), must be a regular file, and at most ``MAX_FILE_BYTES + 1``
  bytes are read;
* a folder is walked without following links, regular files only, at most ``MAX_FOLDER_FILES``;
* a zip has at most ``MAX_ZIP_MEMBERS`` entries; member names that are absolute or climb out
  (``..``) are ignored (nothing is ever extracted); the chosen member is decompressed to at most
  ``MAX_FILE_BYTES + 1`` bytes whatever its header claims (a zip bomb stops there);
* the code cells together may hold at most ``MAX_CODE_BYTES`` in at most ``MAX_CODE_CELLS`` cells.
"""
from __future__ import annotations

import json
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Optional

MAX_FILE_BYTES = 256 * 1024 * 1024     # a notebook or zip as uploaded, outputs included
MAX_CODE_BYTES = 4 * 1024 * 1024       # the code cells' sources (a real notebook: under 200 KB)
MAX_CODE_CELLS = 2_000                 # a real notebook: under 200
MAX_ZIP_MEMBERS = 10_000
MAX_FOLDER_FILES = 10_000
_DROPPED_KEYS = ("outputs", "attachments")


class SubmissionProblem(Exception):
    """A submission that cannot be graded; the message is shown to the student."""


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


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def open_regular(path: Path, limit: Optional[int] = None) -> BinaryIO:
    """``path`` opened for reading if it is a regular file (not a link, FIFO or device) of at most
    ``limit`` bytes (``MAX_FILE_BYTES``); raises :class:`SubmissionProblem` otherwise."""
    name, limit = Path(path).name, MAX_FILE_BYTES if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            raise SubmissionProblem(f"{name} is a symbolic link; upload the file itself.") from None
        raise SubmissionProblem(f"Could not open {name}: {exc.strerror}.") from None
    handle = os.fdopen(fd, "rb")
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        handle.close()
        raise SubmissionProblem(f"{name} is not a regular file." if not stat.S_ISREG(info.st_mode)
                                else f"{name} is larger than {_mb(limit)}.")
    return handle


def read_bounded(path: Path, limit: Optional[int] = None) -> bytes:
    """The bytes of the regular file ``path`` (see :func:`open_regular`), reading at most ``limit + 1``."""
    limit = MAX_FILE_BYTES if limit is None else limit
    with open_regular(path, limit) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew after fstat
        raise SubmissionProblem(f"{Path(path).name} is larger than {_mb(limit)}.")
    return data


def _without_outputs(pairs: list) -> dict:
    return {key: value for key, value in pairs if key not in _DROPPED_KEYS}


def _label(position: int, count: object) -> str:
    shown = count if isinstance(count, int) and not isinstance(count, bool) else " "
    return f"cell {position} (In [{shown}])"


def _cells_from_json(data: bytes) -> tuple:
    """Code cell sources and labels of a notebook (nbformat 3 or 4); outputs are dropped while
    parsing."""
    nb = json.loads(data, object_pairs_hook=_without_outputs)
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
    if len(sources) > MAX_CODE_CELLS:
        raise SubmissionProblem(f"The notebook has {len(sources)} code cells, more than the {MAX_CODE_CELLS} "
                                "a submission may have.")
    size = sum(len(s.encode("utf-8")) for s in sources)
    if size > MAX_CODE_BYTES:
        raise SubmissionProblem(f"The notebook's code cells hold {size / (1024 * 1024):.1f} MB of code, more than "
                                f"the {_mb(MAX_CODE_BYTES)} a submission may have (outputs do not count; remove "
                                "data pasted into code cells).")
    return sources, labels


def _safe_member(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return bool(parts) and not name.startswith(("/", "\\")) and ".." not in parts and ":" not in parts[0]


def _pick_notebook(names: list, expected: str) -> Optional[str]:
    notebooks = [n for n in names if n.endswith(".ipynb") and "/." not in "/" + n
                 and ".ipynb_checkpoints" not in n and _safe_member(n)]
    if not notebooks:
        return None
    exact = [n for n in notebooks if Path(n).name == expected]
    return sorted(exact or notebooks, key=lambda n: (n.count("/"), n))[0]


def _folder_files(folder: Path) -> list:
    """Regular files under ``folder`` (relative paths), links not followed, at most MAX_FOLDER_FILES."""
    files = []
    for top, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(top, d))]
        for name in names:
            full = os.path.join(top, name)
            if stat.S_ISREG(os.lstat(full).st_mode):
                files.append(os.path.relpath(full, folder))
                if len(files) > MAX_FOLDER_FILES:
                    raise SubmissionProblem(f"The submission has more than {MAX_FOLDER_FILES} files.")
    return sorted(files)


def _from_zip(path: Path, expected: str) -> Submission:
    with open_regular(path) as handle, zipfile.ZipFile(handle) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise SubmissionProblem(f"The zip file has more than {MAX_ZIP_MEMBERS} entries.")
        chosen = _pick_notebook([i.filename for i in infos], expected)
        if chosen is None:
            return Submission(str(path), problem="The zip file contains no .ipynb notebook.")
        info = archive.getinfo(chosen)
        if info.file_size > MAX_FILE_BYTES:
            raise SubmissionProblem(f"The notebook in the zip is larger than {_mb(MAX_FILE_BYTES)}.")
        with archive.open(info) as member:
            data = member.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise SubmissionProblem(f"The notebook in the zip is larger than {_mb(MAX_FILE_BYTES)}.")
    sources, labels = _cells_from_json(data)
    return Submission(f"{path}:{chosen}", sources, labels=labels)


def load_submission(path: Path, expected_notebook: str) -> Submission:
    """Read ``path`` (.ipynb, .zip, or folder); prefer a notebook named ``expected_notebook``."""
    path = Path(path)
    try:
        if path.is_dir() and not path.is_symlink():
            files = _folder_files(path)
            chosen = _pick_notebook(files, expected_notebook)
            if chosen is None:
                zips = [f for f in files if f.endswith(".zip")]
                if zips:
                    return load_submission(path / zips[0], expected_notebook)
                return Submission(str(path), problem=f"No .ipynb notebook found in the submission "
                                  f"(expected {expected_notebook}).")
            return load_submission(path / chosen, expected_notebook)
        if path.suffix == ".zip":
            return _from_zip(path, expected_notebook)
        sources, labels = _cells_from_json(read_bounded(path))
        return Submission(str(path), sources, labels=labels)
    except SubmissionProblem as exc:
        return Submission(str(path), problem=str(exc))
    except Exception as exc:  # OSError, bad JSON/zip, malformed structure, encrypted zip, deep nesting...
        return Submission(str(path), problem=f"Could not read the submission as a Jupyter notebook: {exc}")
