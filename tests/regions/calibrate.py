r"""Calibration of the statistical window of `region_density` (hidden.DENSITY_WINDOW).

    .venv/bin/python -m tests.regions.calibrate [--lines 20000]     (about 40 s for 20,000)

For each (depth, d_in) of hidden.DENSITY_CONFIGS it simulates ``lines`` independent (net, line)
pairs with the exact reference counter (width 32, He-normal weights, zero biases, x0 uniform on the
unit sphere, u a unit vector orthogonal to it), and prints the mean and sd of
X = (regions - 1) / N, and the probability that the mean of DENSITY_LINES lines leaves the window:
by the normal approximation, and by the Chernoff bound with the empirical moment generating
function, P(mean >= a) <= exp(-n sup_l [l a - log E exp(l X)]) (same for the lower edge).
The numbers quoted in hidden.py come from ``--lines 20000`` (seed 1000 + depth).
"""
from __future__ import annotations

import argparse
import math

import numpy as np

from autograder.assignments.regions import hidden as H
from autograder.assignments.regions import oracle as O


def simulate(depth: int, d_in: int, lines: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = H.DENSITY_WIDTH * depth
    out = np.empty(lines)
    for i in range(lines):
        layers = O.he_layers(rng, d_in, [H.DENSITY_WIDTH] * depth)
        x0, u = O.orthonormal_line(rng, d_in)
        out[i] = (O.count_regions(layers, x0 - u, x0 + u) - 1) / n
    return out


def chernoff(x: np.ndarray, a: float, n: int, upper: bool) -> float:
    """exp(-n sup_l [l a - log M(l)]) with M the empirical MGF of x (l > 0 upper, l < 0 lower)."""
    sign = 1.0 if upper else -1.0
    best = 0.0
    for lam in np.linspace(0.0, 60.0, 6001)[1:]:
        m = sign * lam * x
        log_mgf = m.max() + math.log(np.mean(np.exp(m - m.max())))
        best = max(best, sign * lam * a - log_mgf)
    return math.exp(-n * best)


def main(lines: int) -> None:
    lo, hi = H.DENSITY_WINDOW
    n = H.DENSITY_LINES
    total_normal = total_chernoff = 0.0
    print(f"window [{lo}, {hi}], mean of {n} lines, width {H.DENSITY_WIDTH}, {lines} simulated lines per row")
    for depth, d_in in H.DENSITY_CONFIGS:
        x = simulate(depth, d_in, lines, 1000 + depth)
        se = x.std() / math.sqrt(n)
        normal = 0.5 * math.erfc((hi - x.mean()) / se / math.sqrt(2)) + 0.5 * math.erfc((x.mean() - lo) / se / math.sqrt(2))
        bound = chernoff(x, hi, n, True) + chernoff(x, lo, n, False)
        total_normal += normal
        total_chernoff += bound
        print(f"depth {depth} d_in {d_in:2d}: mean {x.mean():.4f} +- {x.std() / math.sqrt(lines):.4f}, sd {x.std():.3f}; "
              f"P(outside) normal {normal:.1e}, Chernoff {bound:.1e}")
    print(f"all configurations: normal {total_normal:.1e}, Chernoff {total_chernoff:.1e}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20_000)
    main(parser.parse_args().lines)
