r"""``make bench``: wall times and memory of the things a TA and Gradescope wait for.

* installing into an existing venv (``make venv`` when up to date, and pip's own no-op resolve);
* ``make dist`` (all assignments);
* grading each assignment's reference notebook locally (engine in this process) and through the
  zip's ``run_autograder`` in a temporary /autograder root;
* peak memory: this process (the trusted grader, which never imports torch) and the worker that
  ran the student code. The worker's figure is also given as it would be on Gradescope, where the
  CPU build of torch is installed: measured peak - import baseline of the torch build here + the
  CPU build's baseline (226 MB for torch, 310 MB with torchvision, ../shared/ENVIRONMENT.md).
* extra per-assignment benchmarks: a module ``tests/<A>/bench.py`` with a ``main()`` that prints
  (e.g. regions: the exact region counter against a dense grid of equal accuracy).
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CPU_BASELINE_MB = {"torch": 226.0, "torchvision": 310.0}


def _timed(cmd: list, **kwargs) -> float:
    started = time.monotonic()
    subprocess.run(cmd, check=True, cwd=REPO, stdout=subprocess.DEVNULL, **kwargs)
    return time.monotonic() - started


def _import_baseline_mb(modules: str) -> float:
    code = (f"import {modules}\n"
            "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def _run_autograder(zip_path: Path, notebook: Path) -> tuple:
    from autograder.grading.gradescope import stage_root

    root = Path(tempfile.mkdtemp(prefix="gd-bench-"))
    try:
        script = stage_root(zip_path, notebook, root)
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        seconds = _timed([str(script)], env=env)
        return seconds, json.loads((root / "results" / "results.json").read_text())["score"]
    finally:
        shutil.rmtree(root, ignore_errors=True)


_GRADE_ONE = r"""
import json, resource, sys
from pathlib import Path
from autograder.grading.engine import grade
from autograder.grading.sandbox import SandboxOptions, default_sandbox_user
from autograder.grading.suite import load_suite
source, notebook = Path(sys.argv[1]), Path(sys.argv[2])
report = grade(load_suite(source / "private"), notebook, SandboxOptions(str(source / "public"), default_sandbox_user()))
print(json.dumps({"score": report.score, "max": report.max_score, "seconds": report.seconds,
                  "worker_mb": report.worker_peak_mb, "torch": "torch" in sys.modules,
                  "grader_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _grade_locally(source: Path, notebook: Path) -> dict:
    """Grade in a fresh process (as one Gradescope run would) and return its figures."""
    out = subprocess.run([sys.executable, "-c", _GRADE_ONE, str(source), str(notebook)], cwd=REPO,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    assignments = sorted(p.parent.name for p in (REPO / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)
    print(f"make venv (up to date):        {_timed(['make', '-s', 'venv']):6.1f} s")
    print(f"pip install into existing venv: {_timed([sys.executable, '-m', 'pip', 'install', '-q', '-r', 'requirements/dev.txt', '-c', 'requirements/constraints.txt'], stderr=subprocess.DEVNULL):6.1f} s")
    print(f"make dist ({len(assignments)} assignments):      {_timed(['make', '-s', 'dist'], stderr=subprocess.DEVNULL):6.1f} s")
    torch_here = _import_baseline_mb("torch")
    vision_here = _import_baseline_mb("torch, torchvision")
    print(f"import baseline of the torch build here: torch {torch_here:.0f} MB, with torchvision {vision_here:.0f} MB")
    print()
    extras = []
    print(f"{'assignment':<14}{'local':>8}{'run_autograder':>16}{'score':>8}{'grader peak':>13}"
          f"{'worker peak':>13}{'on CPU build':>14}")
    for a in assignments:
        source = REPO / "dist" / a / "autograder"
        notebook = REPO / "solutions" / a / f"{a}.ipynb"
        local = _grade_locally(source, notebook)
        gs_seconds, gs_score = _run_autograder(REPO / "dist" / a / "autograder.zip", notebook)
        uses_vision = "torchvision" in notebook.read_text()
        here, cpu = (vision_here, CPU_BASELINE_MB["torchvision"]) if uses_vision else (torch_here, CPU_BASELINE_MB["torch"])
        estimate = local["worker_mb"] - here + cpu
        print(f"{a:<14}{local['seconds']:>7.1f}s{gs_seconds:>15.1f}s{local['score']:>5g}/{local['max']:<3g}"
              f"{local['grader_mb']:>10.0f} MB{local['worker_mb']:>10.0f} MB{estimate:>11.0f} MB"
              + ("  (grader imported torch!)" if local["torch"] else ""))
        assert gs_score == local["score"], "run_autograder and the local grade disagree"
        extras.append(a)
    print("\ngrader peak: the trusted grading process (never imports torch); worker peak: the process that ran the"
          "\nnotebook; on CPU build: the worker's figure with this torch build's import baseline replaced by the CPU"
          "\nbuild's (Gradescope). A Gradescope run needs about grader + worker (CPU build).")
    for a in extras:
        try:
            extra = importlib.import_module(f"tests.{a}.bench")
        except ModuleNotFoundError:
            continue
        print(f"\n{a}: tests/{a}/bench.py")
        extra.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
