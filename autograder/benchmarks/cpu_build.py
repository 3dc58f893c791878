r"""The CPU build of torch (what Gradescope installs) for the bench's memory figures.

The course venv has the CUDA build of torch (the pair that installs on the course machines,
../shared/ENVIRONMENT.md): it runs on the CPU, but importing it maps about 0.3-0.5 GB more than
the CPU build does. Gradescope gets the ``+cpu`` wheels. Two ways to get the worker's peak memory
there, both used by ``make bench``:

* **measured** (every assignment whose notebook does not import torchvision): a venv with
  ``torch==2.13.0`` (the +cpu wheel pip takes from local disk on the course machines) and
  ``requirements/grading.txt`` (other versions pinned by ``requirements/constraints.txt``), made
  once and cached in ``.cache/bench/cpu-venv`` (gitignored); the worker runs with that venv's
  interpreter (``SandboxOptions.python``) while the grader stays in the course venv. The
  figure is the worker's own peak RSS on the CPU build.
* **estimated** (``augmentation``: no torchvision imports beside torch 2.13.0, ENVIRONMENT.md):
  the worker's peak here minus the import baseline of this torch build, plus the CPU build's.
  Baselines are the peak RSS (VmHWM) of a fresh interpreter after the imports, measured by
  :func:`import_baseline_mb` in this run: here ``import torch, torchvision`` (and, for notebooks
  that train, the first ``torch.optim`` optimizer, which imports ``torch._dynamo``: ~150 MB on
  the CUDA build, ~80 MB on the CPU build); on the CPU build ``import torch`` (+ the optimizer)
  in the CPU venv, plus torchvision's own share measured here (``import torch, torchvision`` minus
  ``import torch`` + optimizer: torchvision 0.29 imports torch._dynamo itself), since torchvision
  cannot be imported there. ENVIRONMENT.md's figures (226 MB for torch, about 310 MB with
  torchvision on the CPU build) are printed as a cross-check.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "bench"
CPU_TORCH = "torch==2.13.0"          # the +cpu wheel on the course machines' disk
TORCHVISION_CPU_BASELINE_MB = 310.0  # ENVIRONMENT.md: import torch, torchvision on the CPU build (a cross-check)
BASE_PYTHON = "/usr/bin/python3.11"  # as the Makefile: a system interpreter the sandbox uid can run
_NOT_ON_CPU = re.compile(r"^(torch|torchvision|triton|nvidia-[\w-]+)==", re.I)

OPTIMIZER = "torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)"


def _requirements_key() -> str:
    text = "".join((REPO / "requirements" / n).read_text() for n in ("grading.txt", "constraints.txt"))
    return hashlib.sha256((text + CPU_TORCH).encode()).hexdigest()[:16]


def cpu_venv(log=print) -> Optional[Path]:
    """The interpreter of the cached CPU-build venv (made on first use: about a minute from local
    disk); None, with the reason logged, where it cannot be made."""
    venv = CACHE / "cpu-venv"
    python = venv / "bin" / "python"
    stamp = venv / f".installed-{_requirements_key()}"
    if stamp.exists():
        return python
    base = BASE_PYTHON if Path(BASE_PYTHON).exists() else sys.executable
    shutil.rmtree(venv, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    constraints = CACHE / "constraints-cpu.txt"   # the lock without the CUDA build's packages
    constraints.write_text("".join(line + "\n" for line in
                                   (REPO / "requirements" / "constraints.txt").read_text().splitlines()
                                   if not _NOT_ON_CPU.match(line.strip())))
    log(f"making the CPU-build venv {venv} ({CPU_TORCH} + requirements/grading.txt), once ...")
    try:
        subprocess.run([base, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", CPU_TORCH,
                        "-r", str(REPO / "requirements" / "grading.txt"), "-c", str(constraints)],
                       check=True, capture_output=True, text=True)
        version = subprocess.run([str(python), "-c", "import torch; print(torch.__version__)"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        if "+cpu" not in version:
            raise RuntimeError(f"the venv's torch is {version}, not a CPU build")
    except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        log(f"  could not make it ({exc}) {detail[-800:]}")
        shutil.rmtree(venv, ignore_errors=True)
        return None
    stamp.touch()
    return python


def import_baseline_mb(python: str, modules: str, optimizer: bool = False) -> float:
    """Peak RSS (MB) of a fresh ``python`` after ``import <modules>`` (and a first optimizer)."""
    code = f"import {modules}\n" + (f"{OPTIMIZER}\n" if optimizer else "") + \
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def uses_torchvision(notebook: Path) -> bool:
    return "torchvision" in notebook.read_text()


def trains(notebook: Path) -> bool:
    """Whether the notebook builds a ``torch.optim`` optimizer (which imports torch._dynamo)."""
    return bool(re.search(r"\boptim\.\w+\(", notebook.read_text()))


class Baselines:
    """Import baselines of both builds, measured once per bench run (see the module doc)."""

    def __init__(self, cpu_python: Optional[Path]):
        here = sys.executable
        self.here = {(mods, opt): import_baseline_mb(here, mods, opt)
                     for mods in ("torch", "torch, torchvision") for opt in (False, True)}
        # torchvision's own share, measured here on top of torch + torch._dynamo (torchvision
        # 0.29 imports torch._dynamo itself, so its baseline includes it with or without optimizer)
        self.torchvision_share = self.here[("torch, torchvision", True)] - self.here[("torch", True)]
        if cpu_python is not None:
            self.cpu_source = f"measured in {cpu_python.parent.parent.relative_to(REPO)}"
            self.cpu = {("torch", opt): import_baseline_mb(str(cpu_python), "torch", opt) for opt in (False, True)}
        else:   # ENVIRONMENT.md's figure, without the optimizer's share
            self.cpu_source = "ENVIRONMENT.md (no CPU-build venv here)"
            self.cpu = {("torch", opt): 226.0 for opt in (False, True)}
        for opt in (False, True):
            self.cpu[("torch, torchvision", opt)] = self.cpu[("torch", True)] + self.torchvision_share

    def estimate(self, worker_peak_mb: float, notebook: Path) -> float:
        """The worker's peak on the CPU build: measured here, this build's baseline replaced."""
        key = ("torch, torchvision" if uses_torchvision(notebook) else "torch", trains(notebook))
        return worker_peak_mb - self.here[key] + self.cpu[key]

    def describe(self) -> list:
        here, cpu = self.here, self.cpu
        return [
            f"here ({sys.executable}): import torch {here[('torch', False)]:.0f} MB, + first optimizer "
            f"(torch._dynamo) {here[('torch', True)]:.0f} MB; import torch, torchvision "
            f"{here[('torch, torchvision', False)]:.0f} MB (torchvision imports torch._dynamo itself: its own share "
            f"{self.torchvision_share:.0f} MB)",
            f"CPU build ({self.cpu_source}): import torch {cpu[('torch', False)]:.0f} MB, + first optimizer "
            f"{cpu[('torch', True)]:.0f} MB; with torchvision (estimated: + its share here) "
            f"{cpu[('torch, torchvision', True)]:.0f} MB (ENVIRONMENT.md: about {TORCHVISION_CPU_BASELINE_MB:.0f} MB)",
        ]
