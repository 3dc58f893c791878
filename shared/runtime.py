r"""How many CPU threads the notebooks' numerical libraries use.

The networks in this course are tiny (a few thousand parameters, batches of a few hundred): a
second thread costs more in synchronisation than it saves in arithmetic, and on a machine whose
cores are busy with other jobs (a shared laptop, Colab, a JupyterHub node) multi-threaded kernels
slow down 10-35x while one thread does not. Measured on 2 cores: a training epoch of the mimic
notebook took 0.68 ms on one thread and 0.96 ms on two, idle; at load 5-10 the whole notebook took
88 s on one thread and 3,169 s on the default. The grader runs student code on one thread too.
"""
from __future__ import annotations

import os
import sys


def use_threads(threads: int = 1) -> int:
    r"""Limit torch's intra-op pool and the BLAS/OpenMP pools of numpy to ``threads`` threads.

    Args:
        threads: number of threads, >= 1.
    Returns:
        the number of torch threads now in use (``threads`` when torch is installed).
    """
    threads = max(int(threads), 1)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)          # for pools created after this call
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads)         # pools numpy/scipy already started
    except ImportError:
        pass
    torch = sys.modules.get("torch")
    if torch is None:
        try:
            import torch  # noqa: F811
        except ImportError:
            return threads
    torch.set_num_threads(threads)
    return torch.get_num_threads()
