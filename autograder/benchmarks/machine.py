r"""What the figures were measured on: CPU, load, torch build, BLAS libraries and their threads.

Printed at the top of ``make bench`` so that two runs (or two machines "of the same kind") can be
compared: the wall-clock figures move with the load average, the CPU seconds with the processor
and the BLAS kernels chosen for it (OpenBLAS picks one per CPU family; MKL, inside torch, runs
slower generic code paths on AMD processors).
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

_INFO = r"""
import json, numpy, torch
from threadpoolctl import threadpool_info
print(json.dumps({"torch": torch.__version__, "torch_threads": torch.get_num_threads(),
                  "mkl": torch.backends.mkl.is_available(), "numpy": numpy.__version__,
                  "blas": [{k: p.get(k) for k in ("internal_api", "architecture", "num_threads", "version")}
                           for p in threadpool_info()]}))
"""


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def libraries(python: str = sys.executable) -> str:
    """torch build, its threads and BLAS, numpy's BLAS (threadpoolctl), in a fresh interpreter."""
    proc = subprocess.run([python, "-c", _INFO], capture_output=True, text=True)
    if proc.returncode != 0:
        return f"(could not read: {proc.stderr.strip().splitlines()[-1:]})"
    import json

    info = json.loads(proc.stdout)
    blas = "; ".join(f"{b['internal_api']} {b.get('version') or ''} {b.get('architecture') or ''} "
                     f"{b['num_threads']} threads".replace("  ", " ") for b in info["blas"])
    return (f"torch {info['torch']} ({info['torch_threads']} threads by default, MKL {info['mkl']}), "
            f"numpy {info['numpy']}; BLAS pools: {blas}")


def header() -> list:
    return [f"machine: {cpu_model()}, {os.cpu_count()} CPUs, load average {load_average()} (1/5/15 min)",
            f"libraries here: {libraries()}"]
