r"""Hidden checks of `regions`: every answer is compared with theory or with an independent exact
reference (``oracle.py``, numpy float64), never with our solution.

What each question is held to:

* activation_pattern: the states (z > 0) of every hidden neuron, exactly, on random nets
  (widths 1..64, depths 1..8, d_in 1..16) and on nets where pre-activations are exactly 0;
* count_regions_1d (q2, correctness, small inputs): the exact integer on regions 1e-5 and 1e-6 wide
  (no grid resolves them), on hand-made nasty cases (dead neurons, a segment starting or ending on a
  boundary, zero-length segments, duplicate neurons, a pre-activation touching 0), on Telgarsky's
  tri-net (2^n regions on [0, 1], n = 1..10), on 60 random nets whose breakpoints are at least 1e-4
  apart (so float round-off cannot decide the answer), and on two width-64 depth-8 nets with
  thousands of regions. Nothing here is timed: a correct counter that loops over pieces in Python
  passes (about 1-5 s for all of q2). Speed is question q2b (public.py, ``count_speed``): the
  budget the prompt states, on tri_net(16);
* region_density: the expected crossings per neuron, p(T) = (2/pi) arctan(T) for the segment
  t in [-T, T] (exact for one hidden layer; the Kac-Rice wide limit at every depth), on a one-layer net
  and deep width-32 nets at several T, and the measured finite-width value of a narrow deep net (width
  4, depth 8), each within its window (``DENSITY_CASES``); one layer of 128 in the plane in a window
  of 6 sd (exact binomial); and for one line of a one-layer net, a multiple of 1/N in [0, 1];
* distance_to_boundary: hand cases, then a geometric verification (the pattern is constant in the
  ball of the returned radius and flips just beyond it along the normal of the nearest boundary),
  then exact agreement with the reference, then the 1/N law (regression slope);
* recover_first_layer (q6) and recover_net (q7): on fixed hidden nets (``hidden_nets.py``) behind a
  Callback that counts queries here, the hyperplanes up to order and positive scale (public.py,
  ``judge_hyperplanes``) and a net agreeing with f on fresh points (``judge_net``), within the budget.

Only ``DENSITY_CASES`` are statistical (the student's own random nets and lines); every other check
uses fixed-seed numpy generators and exact or round-off-level comparisons, so its false-fail
probability for a correct answer is 0 (for q6 and q7: for a method that locates what it finds
exactly and checks it; a method that guesses can be unlucky in its own random choices).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from autograder.checking import (
    CheckFailed, TensorArg, TensorValue, as_array, describe, expect, student,
)

from . import oracle as O
from . import public as P

# -- tolerances and sizes --------------------------------------------------------------------------
# Random nets for counting: every breakpoint at least MIN_GAP (in t) from the next and from the ends.
# float32 moves a breakpoint by ~1e-7 relative, so no tie-breaking rule and no round-off can change
# the exact integer; a 1000-point grid (spacing 1e-3) misses some of these regions.
MIN_GAP = 1e-4
N_RANDOM_NETS = 60
N_PATTERN_NETS = 20     # activation_pattern: random nets of 32 points each (exact comparison)
N_DISTANCE_NETS = 12    # distance_to_boundary: random nets of 32 points each (exact comparison)
# Nets with thousands of regions: breakpoints >= BIG_MIN_GAP apart (float64 decides them exactly; a
# grid would need > 1e7 points). Correctness only (q2 times nothing).
BIG_MIN_GAP = 1e-7
# The tri-net rung of q2 stops at TRI_MAX_N layers (1,024 regions): a correct counter that loops over
# pieces in Python needs well under a second there; tri_net(16) is q2b's timed input.
TRI_MAX_N = 10

# region_density(widths, d_in, n_lines, seed, half_length=T) must lie in each case's window.
# What holds (notebook, question 3): with zero biases the pattern is invariant under rotations of the
# input and under positive rescaling of any layer, so each neuron's expected number of sign changes
# on the segment is (arctan T / pi) x (its expected sign changes around the whole circle, Z), exactly,
# at every width and depth. Z = 2 in the first layer (a line through the origin), and Z -> 2 at every
# depth for wide layers (Kac-Rice: the ReLU correlation map has slope 1 at c = 1). Measured at T = 1
# (tests/regions/calibrate.py widths, 20,000 lines each, +- 0.002): width 32 and width 16 within
# 0.005 of 1/2 at depths 1..8; width 8: 0.491, 0.475, 0.443 at depths 2, 4, 8; width 4: 0.423, 0.309,
# 0.190. So width-32 cases are centred on the theory p(T), and the narrow case on its measured mean
# (NARROW_MEAN, +- 0.001, far inside its window).
# False-fail odds for ANY correct implementation (another random-number order is another draw), from
# `calibrate.py cases --lines 40000` (fresh lines per case): one hidden layer is exactly binomial (each
# neuron crosses independently with probability p(T)): exact tails; deep cases: Chernoff bound with
# the empirical moment generating function. All cases together: 7.2e-9 (numbers next to each).
# Mistakes caught (means measured the same way): only the first layer's crossings (p(T) / depth);
# x0 not normalised (|x0| ~ sqrt(d_in): p(T / |x0|), 0.08 for d_in 16, T = 1/2); t in [0, T] (half);
# half_length ignored (T = 1 always: 0.5 instead of 0.795 / 0.295); (regions) / N instead of
# (regions - 1) / N (+ 1/N = +0.25 for one layer of 4); PyTorch's default init (nonzero biases:
# 0.31 to 0.10 at T = 1); a line through the origin (~1/N); the wide-limit formula typed in instead of
# simulating (0.5 where a narrow deep net gives 0.19).


def crossing_probability(half_length: float) -> float:
    """p(T) = P(|Cauchy| <= T) = (2/pi) arctan(T): the expected crossings per neuron on t in [-T, T]
    (one hidden layer: exact; deeper: the wide limit)."""
    return float(2.0 / np.pi * np.arctan(half_length))


@dataclass(frozen=True)
class DensityCase:
    name: str
    widths: tuple
    d_in: int
    half_length: float
    n_lines: int
    below: float                         # the window is [centre - below, centre + above]
    above: float
    centre: Optional[float] = None       # None: the theory crossing_probability(half_length)


# The narrow net's mean, measured twice: 0.1896 +- 0.0012 (calibrate.py widths, 20,000 lines) and
# 0.1904 +- 0.0008 (calibrate.py cases, 40,000 lines).
NARROW_MEAN = 0.190
# False-fail odds per case (calibrate.py cases, 40,000 fresh lines each): exact binomial tails for one
# hidden layer, the empirical Chernoff bound for deeper nets (right-skewed: wider above).
DENSITY_CASES = (
    DensityCase("one hidden layer of 4, T = 3", (4,), 2, 3.0, 80, 0.15, 0.15),             # 2.7e-10
    DensityCase("3 hidden layers of 32, T = 1/2", (32,) * 3, 16, 0.5, 30, 0.10, 0.10),     # 8.0e-10
    DensityCase("6 hidden layers of 32, T = 3/2", (32,) * 6, 8, 1.5, 40, 0.15, 0.15),      # 7.0e-10
    DensityCase("8 hidden layers of 4, T = 1", (4,) * 8, 8, 1.0, 40, 0.12, 0.24, NARROW_MEAN),  # 1.8e-9
    # One layer of 128 in the plane, 128 lines: the 16,384 crossings are Binomial(16384, p(1/2)) for
    # every correct answer (a neuron with isotropic weights and no bias separates the segment's ends
    # with probability angle(start, end) / pi, and |x0| = |u| = 1, u orthogonal to x0 fix that angle
    # at 2 arctan T): sd 0.0036, so the window +- 0.021 is 5.9 sd (exact tails: 3.7e-9). Caught: u not
    # orthogonal to x0 (then the angle varies from line to line; in the plane its mean is 0.16-0.26,
    # the least wrong variant, u - (u . x0) / x0 elementwise, 0.259, outside with probability 0.99).
    DensityCase("one hidden layer of 128 in the plane, T = 1/2", (128,), 2, 0.5, 128, 0.021, 0.021),  # 3.7e-9
)
# Each mistake of the list above lands outside at least one window: (regions) / N gives 1.05 in the
# first; T = 1 always gives 0.5 in the first two; t in [0, T] gives 0.40, 0.15, 0.31; only the first
# layer 0.10 in the last two wide cases; x0 not normalised 0.08 in the second; typed-in 0.5 in the
# fourth; u not orthogonal to x0 0.16-0.26 in the last.

# One line, one hidden layer: every neuron is affine along the segment and switches at most once, so
# (regions - 1) / N is k / N with an integer 0 <= k <= N, exactly (false-fail odds 0). SINGLE_LINE is
# region_density's arguments (widths, d_in, n_lines, seed, half_length); at T = 10 each of the 16
# neurons crosses with probability p(10) = 0.937. Caught: a mean that does not start from 0 (a sum
# started at 1 gives 1 + k / N > 1 unless no neuron crosses: odds 0.063^16 = 7e-20), (regions) / N when
# all 16 cross (17/16: odds 0.35), any division other than by N and n_lines (not a multiple of 1/16).
SINGLE_LINE = ([16], 2, 1, 999, 10.0)


def density_window(case: DensityCase) -> tuple:
    centre = crossing_probability(case.half_length) if case.centre is None else case.centre
    return centre - case.below, centre + case.above


# Distances: float64 with different summation orders agree to ~1e-13 relative; the l1 mistake is
# off by a factor up to sqrt(d_in) (>= 1.1 on every net below), the other mistakes by more.
DIST_RTOL = 1e-7
# The ball test: inside at (1 - BALL_MARGIN) d, the pattern flips at (1 + BALL_MARGIN) d along the
# normal. A pre-activation at relative distance 1e-3 from 0 is ~1e-3 |z|, far above round-off.
BALL_MARGIN = 1e-3
# log-log slope of the mean distance vs N (theory: -1, Hanin & Rolnick's distance ~ 1/N). The exact
# distances on the fixed nets below give -0.99 (seeds 1..7 instead: -0.97 to -1.02). Deterministic
# (fixed nets and points): a correct answer passes with probability 1; a squared distance (-2) or
# one that does not shrink with N fails (both are caught earlier by the exact rungs too: this rung
# states the theory).
DIST_SLOPE_WINDOW = (-1.25, -0.75)


def _t(a) -> TensorArg:
    return TensorArg(np.asarray(a, dtype=np.float64), "float64")


def _widths(layers: list) -> list:
    return [int(np.asarray(w).shape[0]) for w, _ in layers]


def _describe_net(layers: list) -> str:
    return f"a net with d_in = {np.asarray(layers[0][0]).shape[1]} and hidden widths {_widths(layers)}"


# -- regions_q1: activation_pattern ----------------------------------------------------------------
def _expect_pattern(got, layers: list, x: np.ndarray, what: str) -> None:
    n = O.total_neurons(layers)
    expect(isinstance(got, TensorValue),
           f"activation_pattern(net, x) should return a torch tensor, got {describe(got)}")
    expect(got.dtype == "torch.bool",
           f"activation_pattern should return a torch.bool tensor (pre-activation > 0), got dtype {got.dtype}.")
    if got.shape != (len(x), n):
        hint = ""
        if len(layers) > 0 and got.shape == (len(x), n - _widths(layers)[-1]):
            hint = (" That is the pattern without the last hidden layer: the ReLU after the last hidden Linear "
                    "counts too (only the output Linear has no ReLU).")
        elif len(got.shape) == 2 and got.shape[1] > n:
            hint = " Only the hidden neurons (those followed by a ReLU) belong to the pattern, not the output."
        raise CheckFailed(f"For {what} and a batch of {len(x)} points, activation_pattern should have shape "
                          f"({len(x)}, {n}) (one column per hidden neuron), got {got.shape}.{hint}")
    want = O.patterns(layers, x)
    wrong = np.argwhere(got.array != want)
    if len(wrong):
        i, j = (int(k) for k in wrong[0])
        z = np.concatenate(O.pre_activations(layers, x[i:i + 1]), axis=1)[0, j]
        layer = int(np.searchsorted(np.cumsum(_widths(layers)), j, side="right"))
        zero = " A pre-activation exactly 0 is off: on means z > 0, not z >= 0." if z == 0 else ""
        raise CheckFailed(f"activation_pattern is wrong for {what}: at point {i}, neuron {j} (hidden layer "
                          f"{layer + 1}) has pre-activation z = {z:.6g}, so it is {'on' if z > 0 else 'off'}; "
                          f"{int(len(wrong))} of {want.size} states are wrong.{zero}")


def pattern_zero_is_off(activation_pattern) -> None:
    """Check states where pre-activations are exactly 0 (off), including a neuron with zero
    weights and bias and a second layer whose inputs are all 0."""
    f = student(activation_pattern, "activation_pattern")
    layers = [(np.array([[1.0, 0.0], [0.0, 0.0], [1.0, -1.0], [-1.0, 0.0]]), np.array([0.0, 0.0, 0.0, 0.5])),
              (np.array([[1.0, 1.0, 1.0, 0.0], [2.0, 0.0, -1.0, 0.0]]), np.array([0.0, 0.0]))]
    x = np.array([[0.0, 0.0], [0.0, 1.0], [0.5, 0.5], [-1.0, -1.0], [1.0, 0.0], [0.5, 2.0]])
    _expect_pattern(f(O.to_spec(layers), _t(x)), layers, x, "a net whose pre-activations are exactly 0 at some points")


@lru_cache(maxsize=None)
def pattern_cases() -> tuple:
    """N_PATTERN_NETS random nets (He-normal, biases N(0, 0.1^2) or 0, some dead and duplicated neurons) with
    32 points each, none of whose pre-activations is within 1e-9 of 0 unless exactly 0."""
    rng = np.random.default_rng(20260301)
    cases = []
    while len(cases) < N_PATTERN_NETS:
        layers = _random_layers(rng)
        d_in = layers[0][0].shape[1]
        x = rng.normal(size=(32, d_in))
        z = np.concatenate(O.pre_activations(layers, x), axis=1)
        keep = ~((np.abs(z) < 1e-9) & (z != 0)).any(axis=1)
        cases.append((layers, x[keep]))
    return tuple(cases)


def pattern_random_nets(activation_pattern) -> None:
    """Check activation_pattern against the reference on 20 random nets (widths 1..64, depths
    1..8, d_in 1..16), 32 points each."""
    f = student(activation_pattern, "activation_pattern")
    for layers, x in pattern_cases():
        _expect_pattern(f(O.to_spec(layers), _t(x)), layers, x, _describe_net(layers))


# -- regions_q2: count_regions_1d ------------------------------------------------------------------
def _random_layers(rng: np.random.Generator) -> list:
    """Widths 1..64 (log-uniform), depth 1..8, d_in 1..16, He-normal weights, biases 0 or normal;
    with some probability a duplicated neuron (copied, negated or doubled row) and a dead one (zero
    row, bias -1 or 0)."""
    depth = int(rng.integers(1, 9))
    widths = [max(1, int(round(2.0 ** rng.uniform(0.0, 6.0)))) for _ in range(depth)]
    d_in = int(rng.integers(1, 17))
    layers = O.he_layers(rng, d_in, widths, bias_std=float(rng.choice([0.0, 0.1, 0.5])))
    for w, b in layers:
        if w.shape[0] >= 2 and rng.random() < 0.3:
            i, j = rng.choice(w.shape[0], 2, replace=False)
            scale = float(rng.choice([1.0, -1.0, 2.0]))
            w[j], b[j] = scale * w[i], scale * b[i]
        if w.shape[0] >= 2 and rng.random() < 0.2:
            j = int(rng.integers(w.shape[0]))
            w[j], b[j] = 0.0, float(rng.choice([-1.0, 0.0]))
    return layers


@lru_cache(maxsize=None)
def count_cases() -> tuple:
    """N_RANDOM_NETS (layers, start, end, want) with breakpoints >= MIN_GAP apart: a segment whose
    breakpoints are closer is halved around its midpoint until they are not."""
    rng = np.random.default_rng(20260302)
    cases = []
    while len(cases) < N_RANDOM_NETS:
        layers = _random_layers(rng)
        d_in = layers[0][0].shape[1]
        start, end = rng.normal(size=d_in), rng.normal(size=d_in)
        for _ in range(30):
            cuts = O.breakpoints(layers, start, end)
            if np.diff(np.concatenate([[0.0], cuts, [1.0]])).min() >= MIN_GAP:
                cases.append((layers, start, end, len(cuts) + 1))
                break
            mid, half = (start + end) / 2, (end - start) / 4
            start, end = mid - half, mid + half
    return tuple(cases)


def _expect_count(got, layers: list, start, end, want: int, what: str, lesson: str = "") -> None:
    if not (isinstance(got, int) and not isinstance(got, bool)):
        raise CheckFailed(f"count_regions_1d should return a Python int, got {describe(got)}")
    if got != want:
        raise CheckFailed(f"count_regions_1d(net, start, end) = {got} for {what}; the segment passes through "
                          f"exactly {want} regions. {lesson}{' ' if lesson else ''}"
                          f"{O.diagnose(layers, start, end, got, want)}")


def hand_count_cases() -> list:
    """(name, layers, start, end, exact count, lesson) with dyadic numbers: exact in float64."""
    one = lambda *rows: np.array(rows, dtype=np.float64)
    two_kinks = [(one([1.0], [1.0]), np.array([0.0, -0.5]))]               # z = (x, x - 1/2)
    abs_net = [(one([1.0], [-1.0]), np.zeros(2)),                          # (relu(x), relu(-x))
               (one([1.0, 1.0], [1.0, 1.0]), np.array([0.0, -0.5]))]       # (|x|, |x| - 1/2)
    r, s = [1.0, 0.0], [0.0, 1.0]
    return [
        ("dead neurons (zero weights; one with zero bias, which is exactly 0 everywhere)",
         [(one([1.0], [0.0], [0.0], [1.0]), np.array([-0.5, -1.0, 0.0, -0.25]))], [0.0], [1.0], 3,
         "Neurons with zero weights never switch: the two others switch at x = 1/4 and 1/2."),
        ("a second layer whose input is 0 on half the segment, and two neurons switching together",
         [(one([1.0]), np.array([-0.5])), (one([1.0], [-1.0]), np.array([-0.25, 0.25]))], [0.0], [1.0], 3,
         "Layer 1 switches at x = 1/2 (before it, layer 2 sees 0 and is constant); both neurons of layer 2 "
         "switch at x = 3/4, which is one breakpoint."),
        ("a segment starting exactly on a boundary", two_kinks, [0.0], [1.0], 2,
         "z = x is 0 at the start: the point t = 0 has length 0 and is not a region; the only breakpoint is x = 1/2."),
        ("a segment ending exactly on a boundary", two_kinks, [-1.0], [0.0], 1,
         "z = x reaches 0 only at the end, so nothing changes on a sub-interval of positive length."),
        ("a zero-length segment (start == end)", two_kinks, [0.25], [0.25], 1,
         "A single point lies in one region; take care not to divide by the segment's length."),
        ("a zero-length segment on a boundary", two_kinks, [0.5], [0.5], 1,
         "A single point lies in one region, even on a boundary."),
        ("duplicate neurons (copies, a negated copy and a doubled copy of one neuron)",
         [(one(r, r, [-1.0, 0.0], [2.0, 0.0], s, s), np.array([-0.25, -0.25, 0.25, -0.5, 0.5, 0.5]))],
         [-1.0, -1.0], [1.0, 1.0], 3,
         "Neurons that share a hyperplane switch at the same t: one breakpoint (t = 1/4 and t = 5/8 here)."),
        ("a deep neuron touching 0 without changing sign (|x| at x = 0)", abs_net, [-1.0], [1.0], 4,
         "Breakpoints at x = -1/2, 0 (layer 1) and 1/2; |x| touches 0 at x = 0 but is on on both sides."),
        ("a segment starting where every neuron is 0", abs_net, [0.0], [1.0], 2,
         "At x = 0 all pre-activations of layer 1 and |x| are 0: a point, not a region. Breakpoint: x = 1/2."),
        ("one neuron switching off (z = 1/2 - x)", [(one([-1.0]), np.array([0.5]))], [0.0], [1.0], 2,
         "The only neuron switches at x = 1/2: two regions, although no neuron keeps its state across the "
         "breakpoint."),
        ("one neuron switching on (z = x - 1/2)", [(one([1.0]), np.array([-0.5]))], [0.0], [1.0], 2,
         "The only neuron switches at x = 1/2: two regions, although no neuron keeps its state across the "
         "breakpoint."),
    ]


def thin_count_cases() -> list:
    """(name, layers, start, end, exact count, lesson): regions far thinner than a grid's spacing."""
    return [
        ("two neurons switching 1e-5 apart", [(np.array([[1.0], [1.0]]), np.array([-0.3, -0.30001]))],
         [0.0], [1.0], 3, "The region between x = 0.3 and x = 0.30001 has width 1e-5."),
        ("a deep neuron switching 1e-5 after a first-layer one",
         [(np.array([[1.0]]), np.array([-0.5])), (np.array([[1000.0]]), np.array([-0.01]))], [0.0], [1.0], 3,
         "Layer 1 switches at x = 0.5 and layer 2's z = 1000 relu(x - 0.5) - 0.01 at x = 0.50001: a region of "
         "width 1e-5."),
        ("a 2-input net with a thin region", [(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, -1.0]]),
                                               np.array([-0.2, -0.200002, 0.0]))], [-1.0, 0.0], [1.0, 0.5], 4,
         "Along this segment x1 + x2 crosses 0.2 and 0.200002, 8e-7 apart in t, and x1 - x2 crosses 0."),
    ]


def count_thin_regions(count_regions_1d) -> None:
    """Check count_regions_1d finds regions 1e-5 and 1e-6 wide (which no practical grid resolves)."""
    f = student(count_regions_1d, "count_regions_1d")
    for name, layers, start, end, want, lesson in thin_count_cases():
        got = f(O.to_spec(layers), _t(start), _t(end))
        _expect_count(got, layers, start, end, want, f"{name}, from {start} to {end}",
                      lesson + " (A tolerance that merges nearby breakpoints must stay far below this: float64 "
                               "round-off in t is about 1e-12 here.)")


def count_hand_cases(count_regions_1d) -> None:
    """Check count_regions_1d on hand-made nasty cases with exact dyadic numbers: dead neurons, a
    dead layer, a segment starting or ending on a boundary, zero-length segments, duplicate neurons,
    a pre-activation touching 0 without changing sign, a single neuron switching on and off."""
    f = student(count_regions_1d, "count_regions_1d")
    for name, layers, start, end, want, lesson in hand_count_cases():
        got = f(O.to_spec(layers), _t(start), _t(end))
        _expect_count(got, layers, start, end, want, f"{name}, from {start} to {end}", lesson)


def count_sawtooth_net(count_regions_1d) -> None:
    """Check the tri-net of `sawtooth` (n hidden layers of width 2): exactly 2^n regions on [0, 1]
    for n = 1..10, and 2^n + 2 on [-1/2, 3/2] for n = 2, 7, 10. A 1000-point grid stops at n ~ 10."""
    f = student(count_regions_1d, "count_regions_1d")
    cases = [(n, 0.0, 1.0, 2 ** n) for n in range(1, TRI_MAX_N + 1)]
    cases += [(n, -0.5, 1.5, 2 ** n + 2) for n in (2, 7, TRI_MAX_N)]
    for n, lo, hi, want in cases:
        layers = O.tri_layers(n)
        got = f(O.to_spec(layers), _t([lo]), _t([hi]))
        _expect_count(got, layers, [lo], [hi], want, f"the tri-net with {n} hidden layers on [{lo}, {hi}]",
                      "Depth buys exponentially many regions here: every layer doubles them (on [0, 1]; "
                      "outside it the net is constant, giving one more region on each side). Inside, "
                      "pre-activations such as 2 tri(x) touch 0 at the ends of pieces without changing sign.")


def count_random_nets(count_regions_1d) -> None:
    """Check count_regions_1d against the exact reference on 60 random nets (widths 1..64, depths
    1..8, d_in 1..16, with dead and duplicated neurons) whose breakpoints are >= 1e-4 apart."""
    f = student(count_regions_1d, "count_regions_1d")
    for layers, start, end, want in count_cases():
        got = f(O.to_spec(layers), _t(start), _t(end))
        _expect_count(got, layers, start, end, want, _describe_net(layers),
                      f"(Its breakpoints are at least {MIN_GAP:g} apart in t, so round-off cannot decide this.)")


# Seeds of structured_big_layers whose breakpoints along [0, v] are >= BIG_MIN_GAP apart (found by
# search; tests/regions/test_oracle.py checks them): 3,131 and 2,226 regions.
BIG_SEEDS = (1, 6)


@lru_cache(maxsize=None)
def big_cases() -> tuple:
    """Two width-64 depth-8 nets (d_in 8) with thousands of regions along [0, v], breakpoints
    >= BIG_MIN_GAP apart."""
    cases = []
    for seed in BIG_SEEDS:
        layers, v = O.structured_big_layers(np.random.default_rng([20260303, seed]), 8)
        cases.append((layers, np.zeros(8), v, O.count_regions(layers, np.zeros(8), v)))
    return tuple(cases)


def count_big_net(count_regions_1d) -> None:
    """Check two width-64 depth-8 nets with thousands of regions (breakpoints >= 1e-7 apart):
    the exact count (not timed)."""
    f = student(count_regions_1d, "count_regions_1d")
    for layers, start, end, want in big_cases():
        got = f(O.to_spec(layers), _t(start), _t(end))
        _expect_count(got, layers, start, end, want, f"a width-64 depth-8 net with {want} regions on the segment",
                      "(Its breakpoints are at least 1e-7 apart in t: float64 decides every one.)")


# -- regions_q3: region_density --------------------------------------------------------------------
def density_matches_theory(region_density) -> None:
    """Check region_density on the DENSITY_CASES: one layer of 4 at T = 3 and width-32 nets of
    depth 3 and 6 at T = 1/2 and 3/2 around the theory p(T), a narrow deep net (width 4, depth 8)
    around its measured mean, and one layer of 128 in the plane at T = 1/2 in a window of 6 sd around
    p(T); then on one line of a one-hidden-layer net: a multiple of 1/N between 0 and 1 (each neuron
    switches at most once)."""
    f = student(region_density, "region_density")
    for k, case in enumerate(DENSITY_CASES):
        lo, hi = density_window(case)
        f.seed(1000 + k)
        got = f(list(case.widths), case.d_in, case.n_lines, 1000 + k, half_length=case.half_length)
        expect(isinstance(got, float), f"region_density should return a Python float, got {describe(got)}")
        if lo <= got <= hi:
            continue
        call = (f"region_density({list(case.widths)}, d_in={case.d_in}, n_lines={case.n_lines}, seed={1000 + k}, "
                f"half_length={case.half_length:g})")
        depth, n = len(case.widths), sum(case.widths)
        theory = crossing_probability(case.half_length)
        hint = ""
        if case.centre is not None:
            hint = (f" This net is narrow (width {case.widths[0]}): a correct simulation gives about {case.centre:.2f}, "
                    f"well below the wide limit {theory:.3f}, because a few neurons can all be off together on an arc "
                    f"and a layer then passes on nothing. Simulate; do not type in the limit.")
        else:
            mistakes = [(theory / 2, " It is about half the expected value: t should run over [-T, T], not [0, T]."),
                        (0.0, " A line through the origin (Hanin & Rolnick's set-up with zero biases) meets one "
                              "breakpoint: the net is positively homogeneous. Use x0 + t u with |x0| = 1.")]
            if abs(case.half_length - 1.0) > 0.2:
                mistakes.append((crossing_probability(1.0), " It is the value for T = 1: is half_length used "
                                                           "(t in [-T, T])?"))
            if depth >= 2:
                mistakes.append((theory / depth, f" It is close to {theory / depth:.3f} = (the value for one layer) / "
                                                 f"depth: that is what counting only the first layer's crossings gives. "
                                                 f"Every hidden layer's neurons switch along the segment."))
            if n <= 8:
                mistakes.append((theory + 1.0 / n, " It is 1/N too high: the density is (regions - 1) / N (a segment "
                                                   "without any breakpoint is one region)."))
            value, text = min(mistakes, key=lambda m: abs(got - m[0]))
            if abs(got - value) < max(case.below, case.above):
                hint = text
            elif got < lo:
                hint = (" Check |x0| = |u| = 1 and u orthogonal to x0 (a longer x0 puts the line farther from the "
                        "origin, and fewer crossings fall inside [-T, T]), zero biases and He-normal weights "
                        "(random_relu_net).")
        where = (f"the measured value for this narrow net, {case.centre:.3f}" if case.centre is not None else
                 f"the theory for T = {case.half_length:g}")
        raise CheckFailed(f"{call} = {got:.3f}, outside [{lo:.3f}, {hi:.3f}] around {where}. Along the segment every "
                          f"neuron contributes the same expected number of crossings (exactly for one hidden layer, in "
                          f"the wide limit for deeper ones); a correct answer lands in this window except with "
                          f"probability < 1e-7.{hint}")

    widths, d_in, n_lines, seed, half_length = SINGLE_LINE
    f.seed(seed)
    got = f(widths, d_in, n_lines, seed, half_length=half_length)
    expect(isinstance(got, float), f"region_density should return a Python float, got {describe(got)}")
    n = sum(widths)
    crossings = got * n
    if not (np.isfinite(crossings) and -1e-9 <= crossings <= n + 1e-9 and abs(crossings - round(crossings)) <= 1e-9):
        hint = ""
        if np.isfinite(crossings) and crossings > n + 1e-9:
            hint = (" It is above 1: does the mean start from 0, and is it (regions - 1) / N (a segment without any "
                    "breakpoint is one region)?")
        raise CheckFailed(f"region_density({widths}, d_in={d_in}, n_lines={n_lines}, seed={seed}, "
                          f"half_length={half_length:g}) = {got!r}: with one hidden layer every neuron is affine along "
                          f"the segment and switches at most once, so one line gives (regions - 1) / N = k / {n} for "
                          f"a whole number k of crossings between 0 and {n}.{hint}")


# -- regions_q4: distance_to_boundary --------------------------------------------------------------
def _distances(got, n: int, what: str) -> np.ndarray:
    expect(isinstance(got, TensorValue),
           f"distance_to_boundary(net, x) should return a torch tensor, got {describe(got)}")
    expect(got.shape == (n,), f"distance_to_boundary for {n} points should have shape ({n},), got {got.shape} ({what}).")
    return as_array(got, "distance_to_boundary(net, x)")


def _distance_hint(layers: list, x: np.ndarray, got: np.ndarray) -> str:
    variants = O.distance_variants(layers, x)
    names = {
        "l1": "It equals min |z| / ||grad z||_1: the Euclidean distance to the hyperplane {z = 0} divides by "
              "the l2 norm of the gradient, ||grad z||_2.",
        "linf": "It equals min |z| / ||grad z||_inf: the Euclidean distance divides by ||grad z||_2.",
        "first_layer": "It equals the distance to the first layer's hyperplanes only: every hidden neuron's "
                       "zero set bounds the region.",
        "weight_rows": "It divides |z| by the norm of the neuron's weight row; inside the region z is affine in "
                       "the input with gradient W_l D_(l-1) W_(l-1) ... D_1 W_1 (D = diagonal 0/1 masks).",
        "squared": "It equals the squared distance.",
    }
    ok = np.isfinite(got)
    for key, text in names.items():
        v = variants[key]
        same = (np.isfinite(v) == ok) & np.where(ok & np.isfinite(v), np.abs(got - v) <= 1e-6 * (1 + np.abs(v)), True)
        if same.all():
            return " " + text
    return ""


def distance_hand_cases(distance_to_boundary) -> None:
    """Check distance_to_boundary on hand cases: a point on a boundary (0), neurons constant in the
    region (zero gradient: no boundary), a deep neuron whose gradient is not its weight row, and a
    region with no switching neuron at all (+inf)."""
    f = student(distance_to_boundary, "distance_to_boundary")
    one = lambda *rows: np.array(rows, dtype=np.float64)
    cases = [
        ("a point on the boundary x2 = 1", [(one([1.0, 0.0], [0.0, 1.0]), np.array([0.0, -1.0]))],
         [[3.0, 1.0]], [0.0], "On a boundary the distance is 0."),
        ("a net with a neuron that is 0 everywhere and one that is constant (zero weights)",
         [(one([0.0, 0.0], [0.0, 2.0], [0.0, 0.0]), np.array([0.0, -5.0, 1.0]))], [[1.0, 2.0]], [0.5],
         "A neuron with zero gradient in the region never switches (0/0 or |b|/0): it is no boundary. The "
         "answer is |2 x2 - 5| / ||(0, 2)||_2 = 1/2."),
        ("a two-layer net", [(one([2.0, 0.0], [1.0, 1.0]), np.zeros(2)), (one([3.0, -1.0]), np.array([-3.5]))],
         [[1.0, 1.0]], [0.5 / np.sqrt(26.0)],
         "Layer 2's z = 3 relu(2 x1) - relu(x1 + x2) - 3.5 is 0.5 at (1, 1) with gradient (5, -1) there, so its "
         "hyperplane is 0.5 / sqrt(26) away; layer 1's are 1 and sqrt(2) away."),
        ("a region where no neuron can switch", [(one([0.0, 0.0]), np.array([-1.0]))], [[0.5, 0.5]], [np.inf],
         "The only neuron is constant: the region is the whole space and the distance is +inf."),
    ]
    for name, layers, x, want, lesson in cases:
        x, want = np.array(x), np.array(want)
        got = _distances(f(O.to_spec(layers), _t(x)), len(x), name)
        with np.errstate(invalid="ignore"):
            same = np.where(np.isinf(want), np.isinf(got) & (got > 0), np.abs(got - want) <= 1e-9 * (1 + np.abs(want)))
        if not same.all():
            i = int(np.argmin(same))
            raise CheckFailed(f"distance_to_boundary for {name}, at {x[i].tolist()}, should be {want[i]:.10g}; got "
                              f"{got[i]:.10g}. {lesson}{_distance_hint(layers, x, got)}")


@lru_cache(maxsize=None)
def distance_cases() -> tuple:
    """N_DISTANCE_NETS random nets (d_in 2..8, depths 1..4, widths 2..32, biases N(0, 0.1^2), one dead neuron
    sometimes) with 32 Gaussian points each."""
    rng = np.random.default_rng(20260304)
    cases = []
    for _ in range(N_DISTANCE_NETS):
        d_in, depth = int(rng.integers(2, 9)), int(rng.integers(1, 5))
        layers = O.he_layers(rng, d_in, [int(rng.integers(2, 33)) for _ in range(depth)], bias_std=0.1)
        if rng.random() < 0.3:
            w, b = layers[int(rng.integers(depth))]
            j = int(rng.integers(w.shape[0]))
            w[j], b[j] = 0.0, 0.0
        cases.append((layers, rng.normal(size=(32, d_in))))
    return tuple(cases)


def distance_ball_verified(distance_to_boundary) -> None:
    """Check geometrically, on 12 random nets: the activation pattern is constant at distance
    (1 - 1e-3) d from x along the normal of the nearest boundary and along 8 random directions, and
    it changes at (1 + 1e-3) d along that normal (d the student's distance)."""
    f = student(distance_to_boundary, "distance_to_boundary")
    rng = np.random.default_rng(20260305)
    for layers, x in distance_cases():
        got = _distances(f(O.to_spec(layers), _t(x)), len(x), _describe_net(layers))
        want, normal, _ = O.distances(layers, x)
        base = O.patterns(layers, x)
        bad = np.isfinite(want) & (~np.isfinite(got) | (got < 0))
        if bad.any():
            i = int(np.argmax(bad))
            raise CheckFailed(f"distance_to_boundary returned {got[i]} at point {i} of {_describe_net(layers)}; the "
                              f"nearest boundary is {want[i]:.6g} away (min over neurons with nonzero gradient of "
                              f"|z| / ||grad z||_2).{_distance_hint(layers, x, got)}")
        dirs = np.concatenate([normal[:, None, :], O.random_unit(rng, (len(x), 8, x.shape[1]))], axis=1)
        radius = np.where(np.isfinite(want), got, 0.0)
        inner = x[:, None, :] + (1 - BALL_MARGIN) * radius[:, None, None] * dirs
        inside = (O.patterns(layers, inner.reshape(-1, x.shape[1])).reshape(len(x), 9, -1) == base[:, None, :]).all(axis=(1, 2))
        if not inside.all():
            i = int(np.argmin(inside))
            raise CheckFailed(f"distance_to_boundary is too large at point {i} of {_describe_net(layers)}: at "
                              f"{1 - BALL_MARGIN:g} x your distance {got[i]:.6g} from it the activation pattern has "
                              f"changed, so the ball of that radius is not inside the region (the nearest boundary is "
                              f"{want[i]:.6g} away). Every hidden neuron's zero set bounds the region, the deep ones "
                              f"included.{_distance_hint(layers, x, got)}")
        outer = x + (1 + BALL_MARGIN) * radius[:, None] * normal
        flipped = (O.patterns(layers, outer) != base).any(axis=1) | ~np.isfinite(want)
        if not flipped.all():
            i = int(np.argmin(flipped))
            raise CheckFailed(f"distance_to_boundary is too small at point {i} of {_describe_net(layers)}: at "
                              f"{1 + BALL_MARGIN:g} x your distance {got[i]:.6g} along the normal of the nearest "
                              f"boundary the pattern has not changed yet (the boundary is {want[i]:.6g} away). The "
                              f"distance to the hyperplane z = 0 is |z| / ||grad z||_2 (Euclidean)."
                              f"{_distance_hint(layers, x, got)}")


def distance_matches_reference(distance_to_boundary) -> None:
    """Check distance_to_boundary equals the reference min_j |z_j| / ||grad z_j||_2 (relative 1e-7)
    on the same 12 random nets."""
    f = student(distance_to_boundary, "distance_to_boundary")
    for layers, x in distance_cases():
        got = _distances(f(O.to_spec(layers), _t(x)), len(x), _describe_net(layers))
        want = O.distances(layers, x)[0]
        with np.errstate(invalid="ignore"):
            err = np.where(np.isinf(want), np.where(got == want, 0.0, np.inf), np.abs(got - want) / want)
        if not (err <= DIST_RTOL).all():
            i = int(np.argmax(np.where(np.isfinite(err), err, np.inf)))
            raise CheckFailed(f"distance_to_boundary at point {i} of {_describe_net(layers)} is {got[i]:.12g}; the "
                              f"exact distance min_j |z_j| / ||grad z_j||_2 is {want[i]:.12g}. Compute in float64."
                              f"{_distance_hint(layers, x, got)}")


def distance_inverse_n(distance_to_boundary) -> None:
    """Check the mean distance to the boundary falls like 1/N: log-log slope in DIST_SLOPE_WINDOW for
    hidden widths [w, w], w = 8..128 (N = 16..256), d_in 4, 3 nets x 128 points on the unit sphere."""
    f = student(distance_to_boundary, "distance_to_boundary")
    rng = np.random.default_rng(20260306)
    ns, means = [], []
    for w in (8, 16, 32, 64, 128):
        values = []
        for _ in range(3):
            layers = O.he_layers(rng, 4, [w, w], bias_std=0.1)
            x = O.random_unit(rng, (128, 4))
            got = _distances(f(O.to_spec(layers), _t(x)), len(x), _describe_net(layers))
            expect(bool(np.all(np.isfinite(got) & (got > 0))),
                   f"distance_to_boundary should be positive and finite at random points of {_describe_net(layers)}.")
            values.append(got)
        ns.append(2 * w)
        means.append(float(np.mean(values)))
    slope = float(np.polyfit(np.log(ns), np.log(means), 1)[0])
    lo, hi = DIST_SLOPE_WINDOW
    expect(lo <= slope <= hi,
           f"The mean distance to the nearest boundary should fall like 1/N (Hanin & Rolnick): log-log slope -1 "
           f"over N = 16..256; measured {slope:.2f} (means {', '.join(f'{m:.3g}' for m in means)}).")


# -- regions_q6 / regions_q7: recovering a hidden net from queries ------------------------------------
# Exact checks on fixed nets (hidden_nets.py): the recovered hyperplanes within P.ANGLE_TOL of the hidden
# ones after normalising and a Hungarian matching, k right, the budget P.BUDGET_PER_DIM x d counted
# here; recover_net's net within P.AGREE_TOL of f on fresh points. No statistics: a correct method
# passes unless it is unlucky in its own random choices (its lines grazing an intersection of
# hyperplanes), which a method that checks what it finds (and tries another line) never is.
def recover_hidden_nets(recover_first_layer) -> None:
    """Check recover_first_layer on six hidden nets, (d, k) = (2, 32), (3, 4), (5, 17), (8, 26), (2, 32),
    (4, 9):
    every hyperplane up to order and positive scale (1e-6 rad), k right, budget 3000 d kept."""
    from autograder.checking import Callback

    from .hidden_nets import nets

    f = student(recover_first_layer, "recover_first_layer")
    for net in nets("q6"):
        k, d = net.W.shape
        oracle = P.QueryOracle(net.W, net.b, net.a, net.c, P.BUDGET_PER_DIM * d)
        what = f"recover_first_layer(f, {d}, {oracle.budget}) on a hidden net with d = {d}"
        rows = P.expect_rows(f(Callback(oracle, "f"), d, oracle.budget), d, what)
        P.judge_hyperplanes(oracle, rows, what)


def recover_net_hidden(recover_net) -> None:
    """Check recover_net on three hidden nets, (d, k) = (4, 9), (6, 20), (7, 32): the recovered net
    agrees with f on 1,000 fresh points in the ball of radius 3 (1e-8 relative), budget 3000 d kept."""
    from autograder.checking import Callback

    from .hidden_nets import nets

    f = student(recover_net, "recover_net")
    rng = np.random.default_rng(20260321)
    for net in nets("q7"):
        k, d = net.W.shape
        oracle = P.QueryOracle(net.W, net.b, net.a, net.c, P.BUDGET_PER_DIM * d)
        what = f"recover_net(f, {d}, {oracle.budget}) on a hidden net with d = {d}"
        student_net = P.expect_net(f(Callback(oracle, "f"), d, oracle.budget), d, what)
        directions = O.random_unit(rng, (1000, d))
        points = directions * 3.0 * rng.uniform(0.0, 1.0, (1000, 1)) ** (1.0 / d)
        P.judge_net(oracle, student_net, points, what)
