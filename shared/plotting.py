r"""Plot helpers shared by the notebooks (matplotlib only)."""
from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np


def plot_functions(fns: Sequence[Callable[[np.ndarray], np.ndarray]], labels: Sequence[str],
                   lo: float = 0.0, hi: float = 1.0, points: int = 4097, title: str = "", ax=None):
    r"""Plot each ``f(x)`` for x on a uniform grid of ``points`` points of [lo, hi]; returns the axes."""
    ax = ax or plt.subplots(figsize=(7, 3))[1]
    x = np.linspace(lo, hi, points)
    for f, label in zip(fns, labels):
        ax.plot(x, np.asarray(f(x), dtype=float), label=label, lw=1)
    ax.set_xlabel("x")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    return ax


def loglog_with_slope(xs: Sequence[float], ys: Sequence[float], label: str, ax=None):
    r"""Log-log plot of ``ys`` against ``xs`` with the least-squares slope in the legend."""
    ax = ax or plt.subplots(figsize=(5, 3.5))[1]
    slope = np.polyfit(np.log(xs), np.log(ys), 1)[0]
    ax.loglog(xs, ys, "o-", label=f"{label} (slope {slope:.2f})")
    ax.legend()
    return ax
