r"""Hidden checks of `init` questions 9 and 10: what depth does to a curve of inputs (trajectory length,
Poole et al. 2016, Raghu et al. 2017) and to the spread of the signal (Hanin & Rolnick 2018, with a
bottleneck). Theory: ``theory.py`` (mean field by Gauss-Hermite quadrature; exact cumulants of the
log-signal law), computed here, never taken from the student.
"""
from __future__ import annotations

import math

import numpy as np

from autograder.checking import CheckFailed, LibraryCall, expect, student
from autograder.assignments.init.public import as_float_list, expect_real, circle_polygon_length
from autograder.assignments.init.theory import (
    GAUSS_NODES, gauss_mean, log_ratio_cumulants, oracle_chi1, oracle_critical, ratio_moment, relative_kurtosis,
    sample_variance_window, theory_sigma_w2, trajectory_log_growth, width_one_variance_window,
)

# -- init_q9: trajectory_lengths -----------------------------------------------------------------
# The graded nets: shared.random_nets.tanh_net_factory(TRAJ_WIDTH, sigma_w2, TRAJ_BIAS2, TRAJ_WIDTH), circles of
# TRAJ_POINTS points through TRAJ_DEPTH blocks, TRAJ_SEEDS.size nets per phase (one call per seed).
# Statistic, per phase and layer l = 1..depth: S_l = mean over the nets of log(L_l / L_0) minus the mean-field
# log growth (theory.trajectory_log_growth; sqrt(chi(q_l)) per layer, computed here by quadrature).
# Its law over random nets (tests/init/calibrate.py traj: 1000 nets per phase, numpy float64, the model of the
# contract): per net, the bias |E S_l| <= l / N and the variance Var S_l <= (0.3 + (l - 1)/10) / N, N = TRAJ_WIDTH
# (measured: bias 0.3 l/N to 0.74 l/N, the finite-width corrections of the length growth, e.g. E log|W u|/|u| =
# -1/(2N) + ...; sd 0.55 to 0.92 of the envelope). The first layer's variance is exact to leading order: the
# circle's tangents are rotated by W and log of their mean length has variance 1/(4N). Window:
# |S_l| <= l / N + TRAJ_Z sqrt((0.3 + (l - 1)/10) / (N K)) for the mean of K nets, so the edge is at least
# TRAJ_Z / 0.92 = 6.5 true standard deviations from the true mean; S_l is close to normal (skewness of one net's
# S_l within +-0.27, of the mean of 4 within +-0.14; largest deviation in 1000 nets 4.1 sd): normal tail 8e-11 per
# test, 3 phases x 10 layers: < 3e-9 in all. Window at K = 4: 0.15 at layer 1, 0.37 at layer 10 (3.7% per
# layer). Mistakes caught at layer 1 alone: lengths of the post-activations tanh(z_l) (-0.43, -0.50, -0.68 in
# the three phases), tanh applied to the input circle (-0.38), lengths recorded before each Linear (in the chaotic
# phase 0 instead of log(sigma_w^2)/2 = 0.69); later layers catch a wrong per-layer rate; the sum of squared
# chords (sqrt missing), an open polygon and a wrong radius fail the public rung (the circle's own length).
TRAJ_WIDTH = 128
TRAJ_DEPTH = 10
TRAJ_POINTS = 256
TRAJ_BIAS2 = 0.05
TRAJ_PHASES = (("ordered", 1.2), ("critical", oracle_critical(TRAJ_BIAS2)), ("chaotic", 4.0))
TRAJ_SEEDS = (301, 302, 303, 304)
TRAJ_Z = 6.0


def trajectory_window(layer: int, width: int, nets: int) -> float:
    """Half-width of the window on S_l (see the comment above TRAJ_WIDTH)."""
    return layer / width + TRAJ_Z * math.sqrt((0.3 + 0.1 * (layer - 1)) / (width * nets))


def _growth_hints(logs: np.ndarray, theory: np.ndarray, sigma_w2: float) -> str:
    """Name a mistake the measured log lengths (per net mean, layers 1..depth) point to."""
    q1 = sigma_w2 + TRAJ_BIAS2
    post = 0.5 * math.log(gauss_mean(np.cosh(math.sqrt(q1) * GAUSS_NODES) ** -4.0))
    first = logs[0] - theory[0]
    if abs(first - post) < 0.12:
        return (" Your lengths after the first layer are those of tanh(z_1), the post-activations: measure the curve "
                "after each nn.Linear (the pre-activations z_l), as question 5 does.")
    if abs(logs[0] - 2 * theory[0]) < 0.12 and abs(logs[-1] - 2 * theory[-1]) < 0.5:
        return " Your growth is that of squared lengths: is a square root missing in the length of a segment?"
    if abs(logs[0] - theory[1]) < 0.12 and sigma_w2 > 2:
        return " Your lengths look shifted by one layer: lengths[l] is the curve after l Linear layers, lengths[0] the circle."
    return ""


def trajectory_theory(trajectory_lengths) -> None:
    """Check the length of the image of a circle after each layer of random tanh nets against mean field,
    in the ordered (chi_1 < 1: shrinks), critical (chi_1 = 1: flat) and chaotic (chi_1 > 1: grows like
    sqrt(chi_1)^l) phases."""
    f = student(trajectory_lengths, "trajectory_lengths")
    n, depth, width = TRAJ_POINTS, TRAJ_DEPTH, TRAJ_WIDTH
    circle = circle_polygon_length(width, n)
    for phase, sigma_w2 in TRAJ_PHASES:
        factory = LibraryCall("shared.random_nets", "tanh_net_factory", (width, sigma_w2, TRAJ_BIAS2, width))
        logs = []
        for seed in TRAJ_SEEDS:
            call = (f"trajectory_lengths(tanh_net_factory({width}, sigma_w2={sigma_w2:.4g}, sigma_b2={TRAJ_BIAS2}), "
                    f"depth={depth}, n_points={n}, seed={seed})")
            lengths = as_float_list(f(factory, depth, n, seed), depth + 1, call)
            expect(bool(np.all(np.isfinite(lengths)) and np.all(lengths > 0)),
                   f"{call} should return positive finite lengths, got {np.round(lengths, 4).tolist()}.")
            expect(abs(lengths[0] - circle) <= 1e-4 * circle,
                   f"{call}: lengths[0] should be the length of the input circle's polygon, {circle:.6g}; got "
                   f"{lengths[0]:.6g}.")
            logs.append(np.log(lengths[1:] / lengths[0]))
        logs = np.mean(logs, axis=0)
        theory = trajectory_log_growth(sigma_w2, TRAJ_BIAS2, depth, width, width)
        chi1 = oracle_chi1(sigma_w2, TRAJ_BIAS2)
        for layer in range(1, depth + 1):
            half = trajectory_window(layer, width, len(TRAJ_SEEDS))
            gap = logs[layer - 1] - theory[layer - 1]
            if abs(gap) <= half:
                continue
            measured = math.exp((logs[-1] - logs[0]) / (depth - 1))
            predicted = math.exp((theory[-1] - theory[0]) / (depth - 1))
            raise CheckFailed(
                f"In the {phase} phase (sigma_w^2 = {sigma_w2:.4g}, sigma_b^2 = {TRAJ_BIAS2}: chi_1 = {chi1:.4f}, so a "
                f"length should {'shrink' if chi1 < 0.99 else 'grow' if chi1 > 1.01 else 'stay flat'} by about "
                f"sqrt(chi_1) = {math.sqrt(chi1):.4f} per layer once the second moment has settled at q*), mean field "
                f"predicts log(L_{layer} / L_0) = {theory[layer - 1]:.3f} for width {width}; your mean over "
                f"{len(TRAJ_SEEDS)} nets is {logs[layer - 1]:.3f}, outside the window +-{half:.3f} that a correct "
                f"implementation leaves with probability below 1e-7. Measured growth per layer (layers 2..{depth}): "
                f"{measured:.4f}; mean field: {predicted:.4f}." + _growth_hints(logs, theory, sigma_w2))


# -- init_q10: log_signal_variance ---------------------------------------------------------------
# Graded call: log_signal_variance(BOTTLENECK_WIDTHS, BOTTLENECK_SLOPE, BOTTLENECK_NETS, BOTTLENECK_SEED), i.e.
# the sample variance over K = BOTTLENECK_NETS random leaky-ReLU nets (input 32, hidden widths 32 x 5, 2, 32 x 5)
# of log(q_L / q_1). Its law is exact (theory.log_ratio_cumulants: independent terms, cumulants by digamma/
# polygamma and Gauss-Jacobi quadrature; checked against real nets and draws of the representation in
# tests/init/test_statistics.py): variance sigma^2 = 4.94 (leading order v sum 1/n_l = 3.70, of which the
# width-2 layer 2.28), excess kurtosis 0.04. s^2 / sigma^2 is within the chi^2_d / d window of
# theory.sample_variance_window at p = BOTTLENECK_P (d = 2 / (2/(K-1) + gamma/K)), checked by simulating sample
# variances of the exact representation (test_statistics: the simulated tail beyond the window's p = 1e-3 edges
# is 1e-3 within its error). Either normalisation (ddof 0 or 1) is accepted: the lower edge is taken (K - 1)/K
# lower. Window at K = 300: [0.60, 1.55]. Mistakes caught: one seed for every net (s^2 = 0), the bottleneck
# ignored (constant width 32: 0.32 x), the standard deviation (0.45 x), log10 (0.19 x); the variance of q_L / q_1
# itself only about half the time (its sample variance is heavy-tailed). A layer too many or too few changes
# sigma^2 by 3% (invisible here: WIDTH_ONE_* below catches it).
BOTTLENECK_WIDTHS = (32, 32, 32, 32, 32, 32, 2, 32, 32, 32, 32, 32)
BOTTLENECK_SLOPE = 0.2
BOTTLENECK_NETS = 300
BOTTLENECK_SEED = 401
BOTTLENECK_P = 1e-8


def _ratio_variance(widths: tuple, a: float) -> float:
    """Var[q_L / q_1] at the critical scale (exact moments), for the message about q instead of log q."""
    s2 = theory_sigma_w2(a)
    return ratio_moment(widths, a, s2, 2) - ratio_moment(widths, a, s2, 1) ** 2


def bottleneck_variance_law(log_signal_variance) -> None:
    """Check the sample variance of log(q_L / q_1) over random leaky-ReLU nets with a width-2 bottleneck against
    its exact law (variance ~ v sum_l 1/n_l to leading order), within a chi^2 window for the sample variance."""
    f = student(log_signal_variance, "log_signal_variance")
    widths, a, nets, seed = list(BOTTLENECK_WIDTHS), BOTTLENECK_SLOPE, BOTTLENECK_NETS, BOTTLENECK_SEED
    call = f"log_signal_variance({widths}, {a}, n_nets={nets}, seed={seed})"
    got = expect_real(f(widths, a, nets, seed), call)
    hidden_widths = BOTTLENECK_WIDTHS[1:]
    cumulants = log_ratio_cumulants(hidden_widths, a)
    sigma2 = float(cumulants[1])
    lo, hi = sample_variance_window(cumulants, nets, BOTTLENECK_P)
    lo *= (nets - 1) / nets
    ratio = got / sigma2
    if lo <= ratio <= hi:
        return
    v = relative_kurtosis(a)
    leading = v * sum(1.0 / n for n in hidden_widths)
    flat = float(log_ratio_cumulants((hidden_widths[0],) * len(hidden_widths), a)[1])
    wrong = {
        "the variance over nets of constant width 32 (is the narrow layer built?)": flat,
        "the standard deviation, not the variance": math.sqrt(sigma2),
        "the variance of log10 (use the natural log)": sigma2 / math.log(10) ** 2,
        "the variance of q_L / q_1 itself (take the log of each ratio first)": _ratio_variance(hidden_widths, a),
    }
    named = [name for name, value in wrong.items() if abs(math.log(max(got, 1e-300) / value)) < 0.25]
    raise CheckFailed(
        f"{call} should be close to the variance of log(q_L / q_1) over random nets, {sigma2:.4f} by the exact law "
        f"(to leading order v sum_l 1/n_l = {v:.3f} x {sum(1.0 / n for n in hidden_widths):.4f} = {leading:.3f}: "
        f"the width-2 layer alone contributes most of it); the sample variance of {nets} nets lands in "
        f"[{lo * sigma2:.3f}, {hi * sigma2:.3f}] except with probability {BOTTLENECK_P:g}. Got {got:.4g}."
        + (f" That is {named[0]}." if named else
           " One seed for all nets gives 0: seed once, then draw every net from the running generator."
           if got == 0 else "")
        + (" Too little spread also comes from averaging q over several inputs: x is one input of shape (1, n_0)."
           if 0 < got < lo * sigma2 else ""))


# A net with one hidden unit: log_signal_variance(WIDTH_ONE_WIDTHS, BOTTLENECK_SLOPE, WIDTH_ONE_NETS, WIDTH_ONE_SEED).
# The leaky ReLU passes the unit's pre-activation whole or times a, with probability 1/2 each (its sign), so
# log(q_2 / q_1) = log sigma_w^2 + 2 log(a) B + log(chi^2_256 / 256), B ~ Bernoulli(1/2): variance
# (log a)^2 + psi'(128) = 2.598 (theory.width_one_variance_window). The sample variance of K = 300 nets is then
# mostly c^2 N (K - N) / (K (K - 1)), N ~ Binomial(K, 1/2) exactly: the window [0.834, 1.056] x sigma^2 holds
# except with probability 5e-9 (exact binomial tail) + 3e-15 (normal tails at 8 sd of the chi-square parts);
# simulated (200,000 sample variances of the representation): sd 0.0079, 1e-5 quantiles 0.936 and 1.029.
# Mistakes caught: a layer too many or too few anywhere (with two Linear layers, log(q_2 / q_2) or log(q_1 / q_1)
# = 0 for every net: s^2 = 0), log(q_2 / q_1) taken from the second layer on, log(q_2 q_1) (8.6 x), several
# inputs in one batch (two: 0.73 x, outside the window for 98% of draws), the second moments after the
# activations (0.007 x), one seed for every net.
WIDTH_ONE_WIDTHS = (32, 1, 256)
WIDTH_ONE_NETS = 300
WIDTH_ONE_SEED = 402
WIDTH_ONE_P = 1e-8


def width_one_variance_law(log_signal_variance) -> None:
    """Check the sample variance of log(q_2 / q_1) over nets 32 -> 1 -> 256 (one hidden unit, which passes the
    signal whole or times a^2 with probability 1/2 each) against its exact law, in the binomial window of
    theory.width_one_variance_window."""
    f = student(log_signal_variance, "log_signal_variance")
    widths, a, nets, seed = list(WIDTH_ONE_WIDTHS), BOTTLENECK_SLOPE, WIDTH_ONE_NETS, WIDTH_ONE_SEED
    call = f"log_signal_variance({widths}, {a}, n_nets={nets}, seed={seed})"
    got = expect_real(f(widths, a, nets, seed), call)
    sigma2, lo, hi = width_one_variance_window(a, widths[-1], nets, WIDTH_ONE_P)
    lo *= (nets - 1) / nets
    if lo <= got / sigma2 <= hi:
        return
    if got == 0:
        hint = (" Every net gave the same log ratio: with two Linear layers, q_L is the second moment after the second "
                "Linear layer and q_1 after the first (two different layers), and each net is a new draw (seed once).")
    elif got / sigma2 < lo:
        hint = (" Too little spread: is x one input of shape (1, n_0)? Averaging q over several inputs smooths out the "
                "all-or-a^2 of the single unit. Is q_l measured right after the l-th Linear layer?")
    else:
        hint = " Too much spread: log(q_L / q_1) is the log of the ratio, log q_L - log q_1."
    raise CheckFailed(
        f"{call} should be close to the variance of log(q_2 / q_1) over random nets with one hidden unit, "
        f"{sigma2:.4f}: the leaky ReLU passes the unit's pre-activation whole or times a (its sign decides, with "
        f"probability 1/2 each), so log(q_2 / q_1) = log sigma_w^2 + (0 or 2 log a) + the chi-square noise of the "
        f"{widths[-1]} outputs, with variance (log a)^2 + psi'({widths[-1] // 2}) = {sigma2:.4f}. The sample variance of "
        f"{nets} nets lands in [{lo * sigma2:.3f}, {hi * sigma2:.3f}] except with probability {WIDTH_ONE_P:g}. Got "
        f"{got:.4g}." + hint)
