r"""Calibration runs behind the numbers quoted next to the statistical constants of `init`.

    .venv/bin/python -m tests.init.calibrate scan [--seeds 150]        (about 4 min for 150 seeds)
    .venv/bin/python -m tests.init.calibrate traj [--nets 2000]        (about 5 min for 2000 nets)
    .venv/bin/python -m tests.init.calibrate bottleneck [--draws 100000]  (about 1 min)

``scan``: the short scan of hidden.scan_theory_best, scan_init(critical x SCAN_FACTORS, steps=SCAN_STEPS,
lr=SCAN_LR, seed=s), for the reference and the three independent implementations of
tests/init/variants.py (four random-number orders: each correct implementation is another draw from the
same law of training runs). It prints, per implementation and pooled, the mean, sd, min and max of the
final loss at each scale and of the margin D = min(loss at the other scales) - loss at the critical
scale, the normal tail p = P(D <= 0) for one seed, and p^2, the probability that both graded seeds fail.
The numbers quoted in hidden.py come from ``--seeds 150`` (seeds 1000..1149).

``traj``: the statistic of hidden_depth.trajectory_theory for single nets of the contract's model (numpy,
float64: Gaussian weights and biases, a random orthonormal circle), per phase and layer: the mean and sd
of S_l = log(L_l / L_0) - mean field, against the envelope |mean| <= 0.8 l / N, sd^2 <= (0.3 + (l-1)/10) / N
of hidden_depth.trajectory_window, the skewness, and the largest |S_l| in standard deviations.

``bottleneck``: ``draws`` sample variances of BOTTLENECK_NETS draws of the exact representation of
log(q_L / q_1) (theory.log_ratio_cumulants: chi^2 norms, binomial signs, beta splits), their quantiles
against theory.sample_variance_window at p = 1e-2, 1e-3, 1e-4, and the same statistic for the mistakes.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from autograder.assignments.init import hidden as H
from tests.init import variants
from tests.support import reference_namespace


def scan_implementations() -> dict:
    ns = reference_namespace("init")
    return {"reference": ns["scan_init"],
            **{name: factory(ns)["scan_init"] for name, factory in (
                ("batches up front", variants.scan_batches_up_front),
                ("own net, generator", variants.scan_own_net_generator),
                ("numpy batches", variants.scan_numpy_batches))}}


def run_scan(seeds: int) -> None:
    torch.set_num_threads(1)
    theory = H.theory_sigma_w2(H.SCAN_SLOPE)
    scales = [c * theory for c in H.SCAN_FACTORS]
    middle = H.SCAN_FACTORS.index(1.0)
    pooled = []
    for name, scan in scan_implementations().items():
        started = time.process_time()
        losses = np.array([scan(scales, steps=H.SCAN_STEPS, lr=H.SCAN_LR, seed=1000 + s) for s in range(seeds)])
        others = np.delete(losses, middle, axis=1)
        margin = others.min(axis=1) - losses[:, middle]
        pooled.append(margin)
        print(f"{name}: {seeds} seeds, {(time.process_time() - started) / seeds:.2f} CPU s per seed")
        for c, column in zip(H.SCAN_FACTORS, losses.T):
            print(f"  {c:g} x critical: mean {column.mean():.4f} sd {column.std(ddof=1):.4f} "
                  f"min {column.min():.4f} max {column.max():.4f}")
        print(f"  margin: mean {margin.mean():.4f} sd {margin.std(ddof=1):.4f} min {margin.min():.4f}")
    margin = np.concatenate(pooled)
    mean, sd = margin.mean(), margin.std(ddof=1)
    normal = 0.5 * math.erfc(mean / sd / math.sqrt(2))
    print(f"pooled margin over {len(margin)} runs: mean {mean:.4f} sd {sd:.4f} min {margin.min():.4f} "
          f"({mean / sd:.1f} sd above 0)")
    print(f"P(D <= 0) per seed by the normal tail: {normal:.2e}; all {len(H.SCAN_SEEDS)} seeds: {normal ** len(H.SCAN_SEEDS):.2e}; runs with D <= 0: {int(np.sum(margin <= 0))}")


def simulate_trajectories(sigma_w2: float, sigma_b2: float, nets: int, rng: np.random.Generator) -> np.ndarray:
    """log(L_l / L_0), l = 1..TRAJ_DEPTH, for ``nets`` random tanh nets of the graded size (numpy float64)."""
    from autograder.assignments.init import hidden_depth as D

    n, width, depth = D.TRAJ_POINTS, D.TRAJ_WIDTH, D.TRAJ_DEPTH
    t = 2 * np.pi * np.arange(n) / n
    out = np.empty((nets, depth))
    polygon = lambda h: float(np.sqrt(((np.roll(h, -1, axis=0) - h) ** 2).sum(axis=1)).sum())
    for k in range(nets):
        u = np.linalg.qr(rng.standard_normal((width, 2)))[0]
        h = math.sqrt(width) * (np.cos(t)[:, None] * u[:, 0] + np.sin(t)[:, None] * u[:, 1])
        start = polygon(h)
        for layer in range(depth):
            weight = rng.standard_normal((width, width)) * math.sqrt(sigma_w2 / width)
            bias = rng.standard_normal(width) * math.sqrt(sigma_b2)
            h = (np.tanh(h) if layer else h) @ weight.T + bias
            out[k, layer] = math.log(polygon(h) / start)
    return out


def run_traj(nets: int) -> None:
    from scipy import stats

    from autograder.assignments.init import hidden_depth as D
    from autograder.assignments.init.theory import trajectory_log_growth

    rng = np.random.default_rng(2024)
    width = D.TRAJ_WIDTH
    for phase, sigma_w2 in D.TRAJ_PHASES:
        started = time.process_time()
        gaps = simulate_trajectories(sigma_w2, D.TRAJ_BIAS2, nets, rng) - trajectory_log_growth(
            sigma_w2, D.TRAJ_BIAS2, D.TRAJ_DEPTH, width, width)
        layers = np.arange(1, D.TRAJ_DEPTH + 1)
        mean, sd = gaps.mean(axis=0), gaps.std(axis=0, ddof=1)
        bias_env, sd_env = 0.8 * layers / width, np.sqrt((0.3 + 0.1 * (layers - 1)) / width)
        print(f"{phase} (sigma_w^2 = {sigma_w2:.4f}): {nets} nets, {(time.process_time() - started) / nets:.3f} CPU s each")
        print("  mean          ", np.round(mean, 4).tolist())
        print("  |mean| / 0.8l/N", np.round(np.abs(mean) / bias_env, 2).tolist())
        print("  sd            ", np.round(sd, 4).tolist())
        print("  sd / envelope ", np.round(sd / sd_env, 2).tolist())
        print("  skewness      ", np.round(stats.skew(gaps, axis=0), 2).tolist())
        print(f"  largest |S_l - mean| in sd: {np.max(np.abs(gaps - mean) / sd):.2f}")
        means = gaps[: nets // len(D.TRAJ_SEEDS) * len(D.TRAJ_SEEDS)].reshape(-1, len(D.TRAJ_SEEDS), D.TRAJ_DEPTH).mean(1)
        windows = np.array([D.trajectory_window(l, width, len(D.TRAJ_SEEDS)) for l in layers])
        print(f"  means of {len(D.TRAJ_SEEDS)} nets: largest |S_l| / window {np.max(np.abs(means) / windows):.2f}")


def representation_draws(widths: tuple, a: float, size: tuple, rng: np.random.Generator) -> np.ndarray:
    """Draws of log(q_L / q_1) + (L - 1) log(1/sigma_w^2) from the exact representation (theory.py)."""
    def mix(n):
        k = rng.binomial(n, 0.5, size)
        split = np.where(k == 0, 0.0, np.where(k == n, 1.0, rng.beta(np.maximum(k, 1) / 2, np.maximum(n - k, 1) / 2)))
        return np.log(a * a + (1 - a * a) * split)
    chi = lambda n: np.log(rng.chisquare(n, size) / n)
    total = mix(widths[0])
    for n in widths[1:-1]:
        total += chi(n) + mix(n)
    return total + chi(widths[-1])


def run_bottleneck(draws: int) -> None:
    from autograder.assignments.init import hidden_depth as D
    from autograder.assignments.init.theory import log_ratio_cumulants, sample_variance_window

    rng = np.random.default_rng(7)
    hidden, a, k = D.BOTTLENECK_WIDTHS[1:], D.BOTTLENECK_SLOPE, D.BOTTLENECK_NETS
    cumulants = log_ratio_cumulants(hidden, a)
    ratios = np.concatenate([representation_draws(hidden, a, (2000, k), rng).var(axis=1, ddof=1)
                             for _ in range(draws // 2000)]) / cumulants[1]
    print(f"sigma^2 = {cumulants[1]:.4f}, excess kurtosis {cumulants[3] / cumulants[1] ** 2:.3f}; "
          f"simulated mean of s^2 / sigma^2 {ratios.mean():.4f}")
    for p in (1e-2, 1e-3, 1e-4):
        lo, hi = sample_variance_window(cumulants, k, p)
        print(f"  window p = {p:g}: [{lo:.4f}, {hi:.4f}]: simulated below {np.mean(ratios < lo):.2e}, "
              f"above {np.mean(ratios > hi):.2e} (each should be about {p / 2:g})")
    lo, hi = sample_variance_window(cumulants, k, D.BOTTLENECK_P)
    print(f"graded window p = {D.BOTTLENECK_P:g}: [{lo * (k - 1) / k:.4f}, {hi:.4f}]")
    mistakes = {
        "constant width 32": representation_draws((hidden[0],) * len(hidden), a, (2000, k), rng).var(axis=1, ddof=1),
        "standard deviation": np.sqrt(ratios[:2000] * cumulants[1]),
        "log10": ratios[:2000] * cumulants[1] / math.log(10) ** 2,
        "variance of q_L / q_1": np.exp(representation_draws(hidden, a, (2000, k), rng)
                                        + (len(hidden) - 1) * math.log(2 / (1 + a * a))).var(axis=1, ddof=1),
    }
    for name, values in mistakes.items():
        r = values / cumulants[1]
        print(f"  mistake {name}: s^2 / sigma^2 median {np.median(r):.3f}, inside the graded window "
              f"{np.mean((r >= lo * (k - 1) / k) & (r <= hi)):.4f} of 2000")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.init.calibrate")
    parser.add_argument("what", choices=["scan", "traj", "bottleneck"])
    parser.add_argument("--seeds", type=int, default=150)
    parser.add_argument("--nets", type=int, default=2000)
    parser.add_argument("--draws", type=int, default=100000)
    args = parser.parse_args()
    if args.what == "scan":
        run_scan(args.seeds)
    elif args.what == "traj":
        run_traj(args.nets)
    else:
        run_bottleneck(args.draws)


if __name__ == "__main__":
    main()
