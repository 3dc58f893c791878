r"""shared.runtime: the notebooks' setup cell puts torch and the BLAS pools on one thread."""
from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_use_threads_sets_torch_and_blas_pools_in_a_fresh_process():
    """Check that use_threads(1) leaves torch on one thread and every threadpoolctl-visible pool
    limited to one, starting from the library defaults (a fresh interpreter, 2 cores here)."""
    script = ("import numpy, torch, threadpoolctl\n"
              "from shared.runtime import use_threads\n"
              "assert use_threads(1) == 1 == torch.get_num_threads()\n"
              "assert all(p['num_threads'] == 1 for p in threadpoolctl.threadpool_info()), threadpoolctl.threadpool_info()\n"
              "assert use_threads(2) == 2 == torch.get_num_threads()\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
