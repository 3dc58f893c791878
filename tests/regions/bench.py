r"""Exact region counting versus a dense grid of equal accuracy, on a width-64 depth-8 ReLU net.

    .venv/bin/python -m tests.regions.bench            (prints a small table; about 10-30 s)

``bench_counting()`` returns the numbers as a dict (for `make bench`). The net has He-normal weights
and N(0, 0.1^2) biases, input dimension 16; the segment runs from -a to a (a standard normal), and
its seed is the first one whose breakpoints are at least ``min_gap`` apart (so a grid of about
2 / min_gap points can reach the exact count in reasonable time; thinner regions need more). The
grid counter doubles its number of points from 1,000 until it returns the exact count at two
successive sizes; "equal accuracy" is the first of the two, and its time is the one reported.
"""
from __future__ import annotations

import time

import numpy as np

from autograder.assignments.regions import oracle as O


def grid_count(layers: list, start: np.ndarray, end: np.ndarray, points: int, chunk: int = 1 << 16) -> int:
    """1 + pattern changes between consecutive points of linspace(0, 1, points), in chunks."""
    t = np.linspace(0.0, 1.0, points)
    changes, previous = 0, None
    for lo in range(0, points, chunk):
        tt = t[lo:lo + chunk]
        pats = O.patterns(layers, start[None, :] + tt[:, None] * (end - start)[None, :])
        if previous is not None:
            changes += int((pats[0] != previous).any())
        changes += int(np.count_nonzero((pats[1:] != pats[:-1]).any(axis=1)))
        previous = pats[-1]
    return 1 + changes


def _timed(fn, repeat: int = 5):
    best, value = np.inf, None
    for _ in range(repeat):
        began = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - began)
    return value, best


def bench_counting(min_gap: float = 1e-6, max_points: int = 1 << 23, verbose: bool = True) -> dict:
    """Time the exact counters and the grid of equal accuracy; print a table if ``verbose``."""
    seed = 0
    while True:
        rng = np.random.default_rng(seed)
        layers = O.he_layers(rng, 16, [64] * 8, bias_std=0.1)
        a = rng.normal(size=16)
        if O.min_gap(layers, -a, a) >= min_gap:
            break
        seed += 1
    start, end = -a, a
    exact, t_exact = _timed(lambda: O.count_regions(layers, start, end))
    result = {"seed": seed, "regions": exact, "min_gap": O.min_gap(layers, start, end), "exact_numpy_s": t_exact}
    try:
        import torch  # the notebook's solution, if torch is installed

        from autograder.checking.marshal import _build_sequential
        from tests.regions.test_graders import ASSIGNMENT
        from tests.support import REPO, namespace_from, solution_sources

        torch.set_num_threads(1)
        ns = namespace_from(solution_sources(ASSIGNMENT), REPO / "solutions" / ASSIGNMENT)
        net = _build_sequential(O.to_spec(layers))
        ts, te = torch.tensor(start), torch.tensor(end)
        got, t_torch = _timed(lambda: ns["count_regions_1d"](net, ts, te))
        assert got == exact, (got, exact)
        result["exact_torch_s"] = t_torch
    except ImportError:
        pass
    points, agreed, history = 1000, 0, []
    while points <= max_points:
        began = time.perf_counter()
        count = grid_count(layers, start, end, points)
        took = time.perf_counter() - began
        history.append((points, count, took))
        agreed = agreed + 1 if count == exact else 0
        if agreed == 2:
            break
        points *= 2
    result["grid"] = history
    result["grid_points_needed"] = history[-2][0] if agreed == 2 else None
    result["grid_s"] = history[-2][2] if agreed == 2 else history[-1][2]
    if verbose:
        print(f"width-64 depth-8 net (seed {seed}), segment with {exact} regions, thinnest {result['min_gap']:.2g} of it")
        print(f"  exact, numpy reference (oracle.py):      {1e3 * t_exact:8.2f} ms")
        if "exact_torch_s" in result:
            print(f"  exact, notebook solution (torch):        {1e3 * result['exact_torch_s']:8.2f} ms")
        for n, count, took in history:
            print(f"  grid of {n:>9,d} points: {count:5d} regions {1e3 * took:10.1f} ms")
        if result["grid_points_needed"]:
            print(f"  grid of equal accuracy: {result['grid_points_needed']:,d} points, "
                  f"{result['grid_s'] / t_exact:,.0f} x the exact numpy counter")
        else:
            print(f"  no grid up to {max_points:,d} points reached the exact count")
    return result


if __name__ == "__main__":
    bench_counting()


def main() -> None:
    """Entry point used by `make bench` (autograder/bench.py)."""
    bench_counting()
