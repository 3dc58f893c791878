r"""Calibration of `region_density`'s statistical windows (hidden.DENSITY_CASES) and of the
finite-width table the notebook quotes.

    .venv/bin/python -m tests.regions.calibrate cases [--lines 20000]    (about 2 minutes)
    .venv/bin/python -m tests.regions.calibrate widths [--lines 20000]   (about 5 minutes)

``cases``: for each case of hidden.DENSITY_CASES it simulates ``lines`` independent (net, segment)
pairs with the exact reference counter (He-normal weights, zero biases, x0 uniform on the unit
sphere, u a unit vector orthogonal to it, t in [-T, T]) and prints the mean and sd of
X = (regions - 1) / N and the probability that the mean of the case's n_lines pairs leaves its
window: by the Chernoff bound with the empirical moment generating function,
P(mean >= a) <= exp(-n sup_l [l a - log E exp(l X)]) (same for the lower edge), and by the normal
approximation. For one hidden layer the count is exactly binomial (each neuron crosses
independently with probability p(T)), and the exact binomial tail is printed instead.

``widths``: the mean of X for widths 4, 8, 16, 32 and depths 1..8 at T = 1 (d_in 8): the table
behind the notebook's "what holds at finite width".
"""
from __future__ import annotations

import argparse
import math

import numpy as np
from scipy import stats

from autograder.assignments.regions import hidden as H
from autograder.assignments.regions import oracle as O


def simulate(widths: list, d_in: int, half_length: float, lines: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = sum(widths)
    out = np.empty(lines)
    for i in range(lines):
        layers = O.he_layers(rng, d_in, widths)
        x0, u = O.orthonormal_line(rng, d_in)
        out[i] = (O.count_regions(layers, x0 - half_length * u, x0 + half_length * u) - 1) / n
    return out


def chernoff(x: np.ndarray, a: float, n: int, upper: bool) -> float:
    """exp(-n sup_l [l a - log M(l)]) with M the empirical MGF of x (l > 0 upper, l < 0 lower)."""
    sign = 1.0 if upper else -1.0
    best = 0.0
    for lam in np.linspace(0.0, 200.0, 8001)[1:]:
        m = sign * lam * x
        log_mgf = m.max() + math.log(np.mean(np.exp(m - m.max())))
        best = max(best, sign * lam * a - log_mgf)
    return math.exp(-n * best)


def binomial_outside(widths: list, half_length: float, n_lines: int, lo: float, hi: float) -> float:
    """Exact P(mean outside [lo, hi]) for one hidden layer: the crossings are Binomial(n N, p(T))."""
    trials = n_lines * sum(widths)
    p = H.crossing_probability(half_length)
    below = stats.binom.cdf(math.ceil(lo * trials) - 1, trials, p)
    above = stats.binom.sf(math.floor(hi * trials), trials, p)
    return float(below + above)


def cases(lines: int) -> None:
    total = 0.0
    for k, case in enumerate(H.DENSITY_CASES):
        lo, hi = H.density_window(case)
        x = simulate(case.widths, case.d_in, case.half_length, lines, 2000 + k)
        se = x.std() / math.sqrt(case.n_lines)
        normal = stats.norm.sf((hi - x.mean()) / se) + stats.norm.cdf((lo - x.mean()) / se)
        if len(case.widths) == 1:
            odds, how = binomial_outside(case.widths, case.half_length, case.n_lines, lo, hi), "exact binomial"
        else:
            odds, how = chernoff(x, hi, case.n_lines, True) + chernoff(x, lo, case.n_lines, False), "Chernoff"
        total += odds
        print(f"{case.name}: window [{lo:.3f}, {hi:.3f}], simulated mean {x.mean():.4f} +- "
              f"{x.std() / math.sqrt(lines):.4f}, sd {x.std():.3f}; P(outside) {how} {odds:.1e}, normal {normal:.1e}")
    print(f"all cases: {total:.1e}")


def widths_table(lines: int) -> None:
    for width in (4, 8, 16, 32):
        row = []
        for depth in (1, 2, 3, 4, 6, 8):
            x = simulate([width] * depth, 8, 1.0, lines, 100 + depth + 10 * width)
            row.append(f"{x.mean():.3f}+-{x.std() / math.sqrt(lines):.3f}")
        print(f"width {width:2d}, depths 1 2 3 4 6 8: " + "  ".join(row), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["cases", "widths"])
    parser.add_argument("--lines", type=int, default=20_000)
    args = parser.parse_args()
    (cases if args.what == "cases" else widths_table)(args.lines)
