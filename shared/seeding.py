r"""One call seeds every random generator a notebook uses: Python's ``random``, numpy's global
generator and torch's (CPU) generator.
"""
from __future__ import annotations

import random
import sys

import numpy as np


def seed_everything(seed: int, import_torch: bool = True) -> None:
    """Seed ``random``, ``numpy.random`` and ``torch`` with ``seed``.

    Args:
        seed: any non-negative int; numpy receives ``seed mod 2**32``.
        import_torch: when False, torch is seeded only if something already imported it
            (the grading sandbox uses this so that notebooks without torch never pay its import).
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is None and import_torch:
        try:
            import torch  # noqa: F811
        except ImportError:
            torch = None
    if torch is not None:
        torch.manual_seed(seed)
