r"""From a master notebook to a student handout and a Gradescope autograder.zip.

Pipeline for assignment ``A`` (``solutions/A/A.ipynb`` is the only hand-edited source):

1. ``otter assign`` writes the student notebook (solutions replaced by ``...``, hidden tests
   removed) and the test files (public ones for students, all for the autograder).
2. The student notebook is normalised (outputs dropped, stable cell ids) so that two builds give
   identical bytes and the committed stub in ``assignments/A/`` can be checked for staleness.
3. ``dist/A/student/``: the notebook (with the Submission section appended), ``tests/`` (public),
   ``shared/``, the public part of ``autograder`` (check framework + ``assignments/A/public.py``),
   ``requirements.txt`` (tested version ranges),
   ``README.md`` (how to install, open, check, submit; see :mod:`.handout`), and the same folder
   zipped as ``dist/A/A-handout.zip`` (under a top folder ``A/``) for Colab and course sites.
4. ``dist/A/autograder/`` and the same content zipped as ``dist/A/autograder.zip`` (sorted entries,
   fixed timestamps, so rebuilding gives the same bytes):

       setup.sh  run_autograder  requirements.txt
       private/  autograder/ (engine + all checks of A), shared/, tests/ (all), assignment.json
       public/   autograder/ (check framework + sandbox worker), shared/   <- what the worker sees
"""
from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.grading.experiments import source_hash
from autograder.packaging import handout
from autograder.packaging.cells import experiment_sources, master_code_cells, reference_source

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "templates"
PYTHON_VERSION = "3.11"
UV_VERSION = "0.13.9"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def master_path(assignment: str) -> Path:
    return REPO / "solutions" / assignment / f"{assignment}.ipynb"


def question_order(master: Path) -> list:
    """Question names in the order of the master notebook's ``# BEGIN QUESTION`` cells."""
    nb = json.loads(master.read_text())
    names = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "raw" and re.match(r"\s*#\s*BEGIN\s+QUESTION", source, re.I):
            match = re.search(r"^name:\s*(\S+)", source, re.M)
            if match:
                names.append(match.group(1))
    return names


def run_otter_assign(master: Path, out: Path) -> None:
    otter = Path(sys.executable).with_name("otter")
    result = subprocess.run([str(otter), "assign", str(master), str(out)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"otter assign failed for {master}:\n{result.stdout}\n{result.stderr}")


def normalise_notebook(path: Path, stem: str) -> None:
    """Drop outputs and execution counts, number the cell ids: identical bytes on every build."""
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        cell["id"] = f"{stem}-{i:03d}"
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["nbformat_minor"] = max(nb.get("nbformat_minor", 5), 5)
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def _copy_files(files: list, root: Path, dest: Path) -> None:
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)


def _package_files(assignment: str, part: str) -> list:
    """Files of the ``autograder`` package for ``part`` in {student, public, private}."""
    pkg = REPO / "autograder"
    base = ["autograder/__init__.py"] + [str(p.relative_to(REPO)) for p in (pkg / "checking").glob("*.py")]
    own = pkg / "assignments" / assignment
    if part == "student":
        return base + ["autograder/assignments/__init__.py", f"autograder/assignments/{assignment}/__init__.py",
                       f"autograder/assignments/{assignment}/public.py"]
    if part == "public":
        return base + [str(p.relative_to(REPO)) for p in (pkg / "sandbox").glob("*.py")]
    extra = [p for sub in ("sandbox", "grading") for p in (pkg / sub).glob("*.py")]
    extra += [pkg / "assignments" / "__init__.py"] + sorted(own.glob("*.py"))
    return base + [str(p.relative_to(REPO)) for p in extra]


def _shared_files() -> list:
    return sorted(str(p.relative_to(REPO)) for p in (REPO / "shared").rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def _read_pins(name: str) -> list:
    lines = (REPO / "requirements" / name).read_text().splitlines()
    return [l.strip() for l in lines if l.strip() and not l.startswith(("#", "-"))]


def assignment_config(assignment: str) -> dict:
    """Grading settings from ``autograder/assignments/<A>/__init__.py``: ``LIMITS``,
    ``HIDDEN_VISIBILITY`` (when the hidden checks' messages and the score show on Gradescope) and
    ``SHOW_HIDDEN_STATUS`` (default True: each question's hidden checks' pass/fail, without their
    messages, shows at submission time) and ``PRELOAD`` (modules the worker imports once the
    notebook has run, before the first question: see :meth:`autograder.grading.engine._Run.boot`)."""
    module = importlib.import_module(f"autograder.assignments.{assignment}")
    return {"limits": dict(getattr(module, "LIMITS", {})),
            "hidden_visibility": getattr(module, "HIDDEN_VISIBILITY", "after_published"),
            "show_hidden_status": bool(getattr(module, "SHOW_HIDDEN_STATUS", True)),
            "preload": list(getattr(module, "PRELOAD", ()))}


def derived_from_master(assignment: str, master: Path, student_notebook: Path) -> dict:
    """What grading derives from the master's cells (see :mod:`autograder.packaging.cells`): the
    hashes of the given experiment cells (those that reach the student notebook unchanged), and
    per question in ``SUBSTITUTES`` our reference source for the named helpers."""
    cells = master_code_cells(master)
    handed_out = {source_hash(c["source"] if isinstance(c["source"], str) else "".join(c["source"]))
                  for c in json.loads(student_notebook.read_text())["cells"] if c["cell_type"] == "code"}
    experiments = sorted({source_hash(s) for s in experiment_sources(cells)} & handed_out)
    module = importlib.import_module(f"autograder.assignments.{assignment}")
    substitutes = {question: {"names": list(names), "source": reference_source(cells, tuple(names))}
                   for question, names in sorted(getattr(module, "SUBSTITUTES", {}).items())}
    return {"experiments": experiments, "substitutes": substitutes}


def write_student_dir(assignment: str, otter_student: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    shutil.copy2(otter_student / f"{assignment}.ipynb", dest / f"{assignment}.ipynb")
    shutil.copytree(otter_student / "tests", dest / "tests", ignore=_IGNORE)
    _copy_files(_shared_files() + _package_files(assignment, "student"), REPO, dest)
    handout.write_requirements(dest)
    handout.write_readme(assignment, master_path(assignment), dest)


def write_autograder_dir(assignment: str, otter_autograder: Path, master: Path, dest: Path,
                         student_notebook: Path) -> None:
    private, public = dest / "private", dest / "public"
    shutil.copytree(otter_autograder / "tests", private / "tests", ignore=_IGNORE)
    _copy_files(_shared_files() + _package_files(assignment, "private"), REPO, private)
    _copy_files(_shared_files() + _package_files(assignment, "public"), REPO, public)
    meta = {"assignment": assignment, "notebook": f"{assignment}.ipynb",
            "questions": question_order(master), **assignment_config(assignment),
            **derived_from_master(assignment, master, student_notebook)}
    (private / "assignment.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    torch_pins = " ".join(f"'{pin}+cpu'" for pin in _read_pins("torch.txt"))
    setup = (TEMPLATES / "setup.sh").read_text()
    setup = (setup.replace("__TORCH_PINS__", torch_pins).replace("__PYTHON_VERSION__", PYTHON_VERSION)
             .replace("__UV_VERSION__", UV_VERSION))
    (dest / "setup.sh").write_text(setup)
    shutil.copy2(TEMPLATES / "run_autograder", dest / "run_autograder")
    (dest / "requirements.txt").write_text("\n".join(_read_pins("grading.txt")) + "\n")
    for script in ("setup.sh", "run_autograder"):
        (dest / script).chmod(0o755)


def deterministic_zip(folder: Path, zip_path: Path, prefix: str = "") -> None:
    """Zip ``folder`` (entries under ``prefix``) with sorted entries, fixed timestamps and modes
    (same input, same bytes)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(prefix + str(path.relative_to(folder)), _FIXED_TIME)
            mode = 0o755 if path.name in ("setup.sh", "run_autograder") else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def otter_outputs(assignment: str, workdir: Path) -> Path:
    """Run otter assign for ``assignment`` into ``workdir``; return its output folder."""
    master = master_path(assignment)
    out = workdir / "otter"
    run_otter_assign(master, out)
    handout.add_submission_cells(out / "student" / f"{assignment}.ipynb", assignment,
                                 handout.written_questions(master),
                                 assignment_config(assignment)["show_hidden_status"])
    normalise_notebook(out / "student" / f"{assignment}.ipynb", assignment)
    return out


def build(assignment: str, dist: Path) -> Path:
    """Write dist/<A>/student, dist/<A>/autograder and dist/<A>/autograder.zip."""
    target = Path(dist) / assignment
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = otter_outputs(assignment, Path(tmp))
        write_student_dir(assignment, out / "student", target / "student")
        write_autograder_dir(assignment, out / "autograder", master_path(assignment), target / "autograder",
                             target / "student" / f"{assignment}.ipynb")
    deterministic_zip(target / "autograder", target / "autograder.zip")
    deterministic_zip(target / "student", handout.handout_zip_path(target, assignment), prefix=f"{assignment}/")
    return target


def write_stub(assignment: str, dest: Path) -> None:
    """The committed, browsable stub: the student notebook and its public tests."""
    shutil.rmtree(dest, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = otter_outputs(assignment, Path(tmp))
        dest.mkdir(parents=True)
        shutil.copy2(out / "student" / f"{assignment}.ipynb", dest / f"{assignment}.ipynb")
        shutil.copytree(out / "student" / "tests", dest / "tests", ignore=_IGNORE)
