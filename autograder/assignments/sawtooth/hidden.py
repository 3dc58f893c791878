r"""Hidden checks of `sawtooth`: every answer is compared with theory, never with our solution.

The oracles live in :mod:`.theory` (closed forms, interpolants, exact tracing of one-input ReLU
nets). The facts the checks rely on, each proved in the notebook's text or written questions:

* the fewest ReLUs of one hidden layer computing sawtooth(., n) on [0, 1] is 2^n (question 6);
* the piecewise-linear interpolant of f at knots spaced h is within h^2/8 max|f''| of f, and the
  parabola f = M x^2 / 2 attains M h^2/8 at the midpoints, so no smaller bound holds for all f;
* f_m, the interpolant of x^2 at the knots k/2^m, exceeds x^2 by (x - a)(b - x) on each
  [a, b] = [k, k + 1]/2^m: its sup error is 2^(-2m-2), attained at the midpoints;
* three approximate squares with errors in [0, e] combine into products with errors in
  [-e, 2e] (question 12), and a tree of n - 1 products whose values stay in [0, 1] is within
  (n - 1) times one product's error (question 12).

Every check here is deterministic (fixed grids and a fixed-seed generator for test points), so
its false-fail probability for a correct answer is 0 as long as the round-off of a correct answer
stays inside the tolerances below; each tolerance says why it does.
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    CheckFailed, PiecewiseLinear, TensorArg, as_array, as_net, expect, expect_close, forward, hidden_widths, student,
)

from . import theory
from .public import expect_relu_form, torch_dtype

# Float64 functions evaluated at dyadic points are exact (every intermediate is a dyadic rational
# with few bits, even in float32); 1e-9 only forgives rounding of the answer through float32 for
# inputs with more than 24 significant bits (none here). Every mistake listed in a message is off
# by at least 1/4 somewhere on the grids used. False-fail odds for a correct answer: 0.
EXACT_ATOL = 1e-9
# Nets hold float32 parameters, evaluated here in float64. The parameters of the natural exact
# constructions of sawtooth (deep or shallow) are integers times powers of 2, exact in float32, so
# those nets are exact at dyadic points; nets whose units are scaled by other numbers (1/3, 0.1,
# 7.3, undone by the next layer) round, and are off by at most 3e-8 for n <= 12 (measured; the
# scaling errors of consecutive layers cancel instead of doubling). 1e-4 is far above that and far
# below the error of any wrong net (off by at least 1/4 at some grid point). False-fail odds: 0.
NET_ATOL = 1e-4
# sin nets: float32 rounding of the parameters moves outputs by < 2e-5 for n_hidden <= 64 on
# intervals of length <= 2 pi (the |slope changes| sum to <= 2 + 2 pi, each rounded to 2^-24
# relative, times |x - knot| <= 2 pi; the output bias and knots add as much again). The smallest
# deviation of a wrong net checked here is h^2/8 * |sin| at some midpoint, >= 5e-4. Odds: 0.
SIN_ATOL = 1e-4
# rect: float64 cancellation in h/eps (relu(x - a + eps) - relu(x - a)) at |x| <= 4 is < 4e-16/eps
# relative to h, i.e. < 4e-9 |h| for eps >= 1e-7 (np.interp or clipped ramps: exact to 1 ulp); a
# wrong bump is off by |h| (or more) somewhere. False-fail odds: 0.
RECT_RTOL = 1e-6
# interpolation_error_bound must equal the attained error of the parabola up to float64 round-off
# of a closed form in h and M (a few ulps, < 1e-15 relative); 1e-9 relative forgives any order of
# operations, and the nearest wrong bounds (M h^2 / 4, M h^2 / 2, M h / 8) are off by a factor >= 2.
BOUND_RTOL = 1e-9
# Yarotsky nets (questions 9-11): every parameter of the construction (2, 4, -2, 1/2, 4^-s) is a
# power of 2 or a small integer, so a correct net is exact in float32 and exact when evaluated here
# in float64. Constructions with other parameters (units scaled by 1/3, 0.1, 7.3 and unscaled in
# the next layer) round in float32: each rounding moves the output by about 2^-24 times the values
# it touches (<= 4), and the sawtooth's doubling of early errors is undone by the weights 4^-s, so
# the output moves by < 1e-6 (measured: 3e-8). The tolerance, 1/16 of the error scale 2^(-2m-2)
# (>= 1.5e-5 at the finest level checked, m = 5), is far above that and far below the deviation of
# every mistake in the tests (>= 1/4 of the error scale at some m <= 3). False-fail odds: 0.
YAROTSKY_RTOL = 1.0 / 16

# Sizes checked: the small cases (where off-by-one mistakes show), a few more and the largest one;
# every call crosses the process boundary while grading, so not every size in between.
SAWTOOTH_NS = (0, 1, 2, 3, 4, 5, 7, 9, 12)
DEEP_NS = (1, 2, 3, 5, 8, 12)
# deep_sawtooth_net's contract includes n = 0 (the identity, no hidden layer): checked after DEEP_NS,
# so that a mistake in the hidden layers is reported on a net that has some.
DEEP_EDGE = (0,)
SHALLOW_NS = (0, 1, 2, 3, 5, 8)
SQUARE_LEVELS = range(1, 6)          # m for the value checks of square_net (2^(-2m-2) >= 2^-12)
PRODUCT_LEVELS = (1, 2, 3, 5)        # m for product_net, grid of level m + 2 (<= 129^2 points)
# (n, m) for product_of_n's error check; its points come from a fixed-seed generator.
PRODUCT_OF_N_CASES = ((2, 2), (3, 2), (5, 2), (6, 1), (8, 2))
PRODUCT_OF_N_POINTS = 2048
PRODUCT_OF_N_SEED = 20261124


def dyadic_grid(level: int, lo: float, hi: float) -> np.ndarray:
    return theory.dyadic_grid(level, lo, hi)


def square_error(m: int) -> float:
    """sup over [0, 1] of the interpolant of x^2 at knots k/2^m minus x^2: (h/2)^2 with h = 2^-m."""
    h = 2.0 ** -m
    return (h / 2) * (h / 2)


def product_error(m: int) -> float:
    """The product net's bound: twice one square's error (question 12)."""
    return 2 * square_error(m)


# -- sawtooth_q1: relu ---------------------------------------------------------------------------
def relu_values(relu) -> None:
    """Check that relu(x) = max(x, 0) exactly, for numpy float64 arrays and torch tensors."""
    f = student(relu, "relu")
    x = np.concatenate([np.linspace(-3.0, 3.0, 61), [-1e-300, 0.0, 1e-300, -1e6, 1e6]])
    expect_close(as_array(f(x), "relu(x)"), np.maximum(x, 0.0), 0.0, "relu(x) for numpy input", x,
                 hint="relu(x) is x where x > 0 and 0 elsewhere.")
    expect_close(as_array(f(TensorArg(x, "float64")), "relu(x)"), np.maximum(x, 0.0), 0.0,
                 "relu(x) for a torch float64 tensor", x)


# -- sawtooth_q2: rect ---------------------------------------------------------------------------
def rect_bump(rect) -> None:
    """Check that rect is h on [a + eps, b - eps], 0 outside [a - eps, b + eps], and between 0
    and h in the ramps (either ramp convention is accepted)."""
    f = student(rect, "rect")
    for a, b, h, eps in ((0.25, 0.75, 1.0, 1e-3), (-1.0, 2.0, -3.0, 1e-2), (0.0, 0.5, 2.5, None)):
        args = (a, b, h) if eps is None else (a, b, h, eps)
        e = 1e-7 if eps is None else eps
        call = f"rect(x, {a}, {b}, {h}{'' if eps is None else f', eps={eps}'})"
        inside = np.linspace(a + e, b - e, 101)
        outside = np.concatenate([np.linspace(a - 2.0, a - e, 50), np.linspace(b + e, b + 2.0, 50)])
        ramps = np.concatenate([np.linspace(a - e, a + e, 21), np.linspace(b - e, b + e, 21)])
        tol = RECT_RTOL * abs(h)
        expect_close(as_array(f(inside, *args), call), np.full(inside.shape, h), tol,
                     f"{call} on the plateau [a + eps, b - eps]", inside,
                     hint="the bump should have height h on [a, b]: four ReLUs, scaled by h/eps.")
        expect_close(as_array(f(outside, *args), call), np.zeros(outside.shape), tol,
                     f"{call} outside [a - eps, b + eps]", outside,
                     hint="the four ReLUs must cancel outside the bump: their slopes must add up to 0 there.")
        ramp = as_array(f(ramps, *args), call)
        lo, hi = min(0.0, h) - tol, max(0.0, h) + tol
        expect(bool(np.all((ramp >= lo) & (ramp <= hi))),
               f"{call} leaves the range between 0 and h = {h} near the edges of the bump "
               f"(values from {ramp.min():.4g} to {ramp.max():.4g}).")


# -- sawtooth_q3: tri and sawtooth --------------------------------------------------------------
def tri_theory_check(tri) -> None:
    """Check tri(x) = max(0, 1 - |2x - 1|) on a dyadic grid of [-1, 2]."""
    x = dyadic_grid(6, -1.0, 2.0)
    expect_close(as_array(student(tri, "tri")(x), "tri(x)"), theory.tri(x), EXACT_ATOL, "tri(x)", x,
                 hint="tri(x) = relu(relu(2x) - relu(4x - 2)); without the outer relu it agrees with "
                      "the triangle on [0, 1] only and is negative (2 - 2x) for x > 1.")


def sawtooth_theory_check(sawtooth) -> None:
    """Check sawtooth(x, n) against 1 - |(2^n x mod 2) - 1| on [0, 1] and 0 outside, for n in SAWTOOTH_NS,
    at every point k / 2^(n+2) of [-1, 2] (so every piece is seen at its ends and its middle)."""
    f = student(sawtooth, "sawtooth")
    for n in SAWTOOTH_NS:
        x = dyadic_grid(n + 2, -1.0, 2.0)
        got = as_array(f(x, n), f"sawtooth(x, {n})")
        want = theory.sawtooth(x, n)
        if got.shape == want.shape and np.all(np.isfinite(got)) and not np.allclose(got, want, atol=EXACT_ATOL):
            for m in (n - 1, n + 1):
                if m >= 0 and np.allclose(got, theory.sawtooth(x, m), atol=EXACT_ATOL):
                    raise CheckFailed(f"sawtooth(x, {n}) equals tri composed {m} times: the composition is off "
                                      "by one. Apply tri exactly n times: sawtooth(x, 0) = x, sawtooth(x, 1) = tri(x).")
        expect_close(got, want, EXACT_ATOL, f"sawtooth(x, {n})", x,
                     hint="sawtooth(x, n) applies tri n times; it is 0 outside [0, 1] because tri "
                          "is (with its outer relu), and sawtooth(x, 0) = x.")


# -- sawtooth_q4: deep net -----------------------------------------------------------------------
def deep_net_architecture(deep_sawtooth_net) -> None:
    """Check that deep_sawtooth_net(n) has n hidden layers, all of width 2, with a ReLU after each,
    one input and one output (n = 1..8 of DEEP_NS, then n = 0: a single Linear layer)."""
    f = student(deep_sawtooth_net, "deep_sawtooth_net")
    for n in DEEP_NS[:-1] + DEEP_EDGE:
        net = as_net(f(n), f"deep_sawtooth_net({n})")
        kinds = [layer.kind for layer in net.layers]
        expect(kinds == ["linear", "relu"] * n + ["linear"],
               f"deep_sawtooth_net({n}) should have {n} hidden layers: (Linear, ReLU) x {n}, then Linear; "
               f"got {kinds}.")
        expect(hidden_widths(net) == [2] * n,
               f"deep_sawtooth_net({n}) should have {n} hidden layers of width 2; widths are {hidden_widths(net)}.")
        lin = net.linear_layers
        expect(lin[0].weight.shape[1] == 1 and lin[-1].weight.shape[0] == 1,
               f"deep_sawtooth_net({n}) should take 1 input and give 1 output.")


def deep_net_exact(deep_sawtooth_net) -> None:
    """Check that deep_sawtooth_net(n) computes sawtooth(x, n) on [0, 1] at every k / 2^(n+2),
    n in DEEP_NS and n = 0 (its layers evaluated in float64), and that the module's own forward agrees."""
    f = student(deep_sawtooth_net, "deep_sawtooth_net")
    for n in DEEP_NS + DEEP_EDGE:
        net = as_net(f(n), f"deep_sawtooth_net({n})")
        x = dyadic_grid(n + 2, 0.0, 1.0)
        hint = ("each hidden layer computes (relu(2t), relu(4t - 2)) of the previous tri value "
                "t = h1 - h2: the weights of layer k >= 2 are [[2, -2], [4, -4]], bias [0, -2].")
        if n == 0:
            hint = "no composition at all: deep_sawtooth_net(0) is the identity x = sawtooth(x, 0), weight 1, bias 0."
        expect_close(forward(net, x[:, None])[:, 0], theory.sawtooth(x, n), NET_ATOL,
                     f"deep_sawtooth_net({n})(x)", x, hint=hint)
    net = as_net(f(3), "deep_sawtooth_net(3)")
    x = dyadic_grid(5, 0.0, 1.0)
    out = as_array(student(net.handle, "deep_sawtooth_net(3)")(TensorArg(x[:, None], torch_dtype(net))),
                   "deep_sawtooth_net(3)(x)")
    expect_close(out.reshape(-1), theory.sawtooth(x, 3), NET_ATOL, "deep_sawtooth_net(3) run by torch", x,
                 hint="the module's forward should be just its layers in order.")


# -- sawtooth_q5: shallow net --------------------------------------------------------------------
def min_width_theory(min_shallow_width) -> None:
    """Check min_shallow_width(n) = 2^n for n = 0..5, 8, 12, 16."""
    f = student(min_shallow_width, "min_shallow_width")
    for n in (0, 1, 2, 3, 4, 5, 8, 12, 16):
        got = f(n)
        if got == 2 ** n - 1:
            raise CheckFailed(f"min_shallow_width({n}) returned 2**{n} - 1. The 2**{n} - 1 interior kinks need "
                              f"one unit each, but the first piece has slope 2**{n}, and units that face left "
                              f"only contribute slopes that are multiples of 2**{n + 1}: one more unit is needed.")
        expect(got == 2 ** n, f"min_shallow_width({n}) should be 2**{n} = {2 ** n}; got {got!r}.")


def shallow_net_architecture(shallow_sawtooth_net) -> None:
    """Check that shallow_sawtooth_net(n) is Linear(1, 2^n) - ReLU - Linear(2^n, 1), n in SHALLOW_NS."""
    f = student(shallow_sawtooth_net, "shallow_sawtooth_net")
    for n in SHALLOW_NS:
        net = as_net(f(n), f"shallow_sawtooth_net({n})")
        kinds = [layer.kind for layer in net.layers]
        expect(kinds == ["linear", "relu", "linear"],
               f"shallow_sawtooth_net({n}) should be Linear, ReLU, Linear; got {kinds}.")
        width = hidden_widths(net)[0]
        expect(width == 2 ** n, f"shallow_sawtooth_net({n}) should use the fewest units, 2**{n} = {2 ** n}; "
                                f"it has {width}." + (" Remove the units that are not needed." if width > 2 ** n else ""))


def shallow_net_exact(shallow_sawtooth_net) -> None:
    """Check that shallow_sawtooth_net(n) equals sawtooth(., n) on all of [0, 1], n in SHALLOW_NS: both are
    piecewise linear, so equality at every breakpoint of either (plus the ends) is equality."""
    f = student(shallow_sawtooth_net, "shallow_sawtooth_net")
    for n in SHALLOW_NS:
        net = as_net(f(n), f"shallow_sawtooth_net({n})")
        x = np.union1d(dyadic_grid(n + 2, 0.0, 1.0), theory.breakpoints_1d(net, 0.0, 1.0))
        expect_close(forward(net, x[:, None])[:, 0], theory.sawtooth(x, n), NET_ATOL,
                     f"shallow_sawtooth_net({n})(x)", x,
                     hint="one unit per kink k/2**n (slope change -/+ 2**(n+1)) and one unit relu(x) "
                          "for the first slope 2**n.")


# -- sawtooth_q7: count_pieces -------------------------------------------------------------------
def random_piecewise_linear(rng: np.random.Generator, level: int, lo: float, hi: float) -> PiecewiseLinear:
    """A random continuous piecewise-linear function with knots on the dyadic grid of ``level``;
    slopes are multiples of 1/4 and often repeat (collinear knots), values are exact dyadics."""
    knots = dyadic_grid(level, lo, hi)
    slopes = np.empty(len(knots) - 1)
    slope = 0.0
    for i in range(len(slopes)):
        if i == 0 or rng.random() < 0.5:
            slope = float(rng.integers(-8, 9)) / 4.0
        slopes[i] = slope
    values = np.concatenate([[0.0], np.cumsum(slopes * np.diff(knots))])
    return PiecewiseLinear(knots, values)


def count_pieces_sawtooth(count_pieces) -> None:
    """Check count_pieces(sawtooth(., n), 0, 1, level) = 2^n for n in DEEP_NS and level n and n + 3;
    then count_pieces(sawtooth(., n), lo, hi, n) = (hi - lo) 2^n on [2^-n, 1 - 2^-n], n >= 2, whose
    ends are odd multiples of 2^-n and kinks (so the first and the last grid interval are pieces of
    their own). The sawtooth is given as an exact piecewise-linear function, not the student's own."""
    f = student(count_pieces, "count_pieces")
    for n in DEEP_NS:
        for level in (n, n + 3):
            got = f(theory.sawtooth_knots(n), 0.0, 1.0, level)
            expect(got == 2 ** n,
                   f"count_pieces(sawtooth(., {n}), 0, 1, level={level}) should be 2**{n} = {2 ** n}; got {got!r}. "
                   "Evaluate f only on the dyadic grid lo + k 2**-level and count changes of slope between "
                   "consecutive intervals, plus one. On other points (np.linspace) an interval that straddles a "
                   "breakpoint gets an in-between slope (extra pieces) and pieces narrower than the spacing vanish.")
    for n in DEEP_NS[1:]:
        lo, hi = 2.0 ** -n, 1.0 - 2.0 ** -n
        want = round((hi - lo) * 2 ** n)      # each [k, k + 1] / 2^n is one piece of sawtooth(., n)
        got = f(theory.sawtooth_knots(n), lo, hi, n)
        expect(got == want,
               f"count_pieces(sawtooth(., {n}), {lo!r}, {hi!r}, level={n}) should be {want}: each interval "
               f"[k, k + 1] / 2**{n} is one piece; got {got!r}. The grid runs from lo to hi, both included: "
               f"lo + k 2**-level for k = 0 .. (hi - lo) 2**level (here {round(lo * 2 ** n)} .. "
               f"{round(hi * 2 ** n)} over 2**{n}, odd numerators too).")


def rounded_piecewise_linear(rng: np.random.Generator, level: int, lo: float, hi: float,
                             unit: float) -> tuple:
    r"""A random continuous piecewise-linear function whose values carry float64 round-off, and its
    number of pieces on [lo, hi] (known by construction).

    Slopes are p_i * unit with integers 1 <= |p_i| <= 8 (repeated half of the time: collinear knots),
    always changing at the first and the last interior knot; the value at knot j is
    (sum_{i<j} p_i 2^-level) * unit, an exact dyadic times ``unit``, rounded once. So computed slopes
    (v_{j+1} - v_j) 2^level are off by at most eps (hi - lo) 2^level + eps relative to the largest
    slope (< 1.2e-13 for hi - lo <= 2.05, level <= 8), while a real change of slope is >= 1/8 of it.

    Returns:
        (PiecewiseLinear with a knot at every grid point, number of pieces).
    """
    scale = 2.0 ** level
    intervals = round((hi - lo) * scale)
    p = np.empty(intervals, dtype=np.int64)
    for i in range(intervals):
        keep = 0 < i < intervals - 1 and i != 1 and rng.random() < 0.5
        p[i] = p[i - 1] if keep else 0
        while p[i] == 0 or (i in (1, intervals - 1) and p[i] == p[i - 1]):
            p[i] = int(rng.integers(1, 9)) * (1 if rng.random() < 0.5 else -1)
    numerators = np.concatenate([[0], np.cumsum(p)])
    knots = np.arange(round(lo * scale), round(hi * scale) + 1) / scale
    return PiecewiseLinear(knots, (numerators / scale) * unit), 1 + int(np.count_nonzero(np.diff(p)))


COUNT_PIECES_TRIALS = 15
# (level, lo, hi, unit): functions with float64 round-off (see rounded_piecewise_linear), on intervals
# whose ends are odd multiples of 2^-level. A correct count (relative tolerance 1e-9, to the largest
# slope or to either neighbour) sees slope changes of round-off < 2.3e-13 relative to the largest
# slope (< 1.9e-12 to the smaller neighbour) and real changes >= 1/8 of it: false-fail odds 0. The
# slopes of the second case reach 2.7e6: their round-off (3e-8 absolute, measured) exceeds an
# absolute tolerance of 1e-9; exact comparison fails all three cases.
ROUND_OFF_CASES = ((4, -0.5 - 2.0 ** -4, 1.0 + 2.0 ** -4, 1.0 / 3.0),
                   (8, -2.0 ** -8, 2.0 + 2.0 ** -8, 1e6 / 3.0),
                   (5, 2.0 ** -5, 1.5 - 2.0 ** -5, 0.1))
ROUND_OFF_SEED = 20261125


def count_pieces_random(count_pieces) -> None:
    """Check count_pieces on 15 random piecewise-linear functions with dyadic knots (some collinear,
    which are not breakpoints) against the count of slope changes known by construction; then on
    the functions of ROUND_OFF_CASES, whose computed slopes differ by float round-off inside a piece
    (the contract's relative tolerance of 1e-9 forgives it; exact or absolute comparison does not)."""
    f = student(count_pieces, "count_pieces")
    rng = np.random.default_rng(20261123)
    for trial in range(COUNT_PIECES_TRIALS):
        level = int(rng.integers(2, 9))
        lo, hi = ((0.0, 1.0), (-1.0, 1.0), (-0.5, 2.0))[trial % 3]
        g = random_piecewise_linear(rng, level, lo, hi)
        want = g.pieces(lo, hi)
        got = f(g, lo, hi, level)
        expect(got == want,
               f"count_pieces(f, {lo}, {hi}, level={level}) should be {want} for a test function with "
               f"{len(g.knots) - 2} interior grid knots of which {want - 1} change the slope; got {got!r}. "
               "A knot where the slope stays the same is not a breakpoint; compare consecutive slopes.")
    rng = np.random.default_rng(ROUND_OFF_SEED)
    for level, lo, hi, unit in ROUND_OFF_CASES:
        g, want = rounded_piecewise_linear(rng, level, lo, hi, unit)
        got = f(g, lo, hi, level)
        expect(got == want,
               f"count_pieces(f, {lo!r}, {hi!r}, level={level}) should be {want} for a test function whose slopes "
               f"are multiples of {unit:.6g} (values rounded to float64, so slopes inside one piece differ by "
               f"round-off, about 1e-14 of the largest slope); got {got!r}. Compare slopes with the relative "
               "tolerance of the contract (1e-9 times the size of the slopes), not exactly and not with a fixed "
               "absolute tolerance; the grid runs from lo to hi, both included.")


# -- sawtooth_q8: sin with one hidden layer -----------------------------------------------------
SIN_CASES = ((8, 0.0, 2 * np.pi), (16, -np.pi, np.pi), (5, 0.5, 1.5), (1, 1.0, 3.0),
             (4, 0.0, 2 * np.pi), (32, 0.0, 2 * np.pi), (64, 0.0, 2 * np.pi))


def sin_interpolates(sin_relu_net) -> None:
    """Check that sin_relu_net(n, lo, hi) has one hidden layer of n units and equals the
    piecewise-linear interpolant of sin at lo + k (hi - lo) / n on all of [lo, hi]: compared at
    the knots and at every kink of the net, which is equality on the whole interval."""
    f = student(sin_relu_net, "sin_relu_net")
    for n, lo, hi in SIN_CASES:
        call = f"sin_relu_net({n}, {lo:.3g}, {hi:.3g})"
        net = as_net(f(n, lo, hi), call)
        widths = hidden_widths(net)
        expect([layer.kind for layer in net.layers] == ["linear", "relu", "linear"] and widths == [n],
               f"{call} should have one hidden layer of {n} units; got widths {widths}.")
        knots = lo + (hi - lo) * np.arange(n + 1) / n
        expect_close(forward(net, knots[:, None])[:, 0], np.sin(knots), SIN_ATOL, f"{call} at its knots", knots,
                     hint="n hidden units interpolate at n + 1 knots: the first unit carries the first "
                          "slope, each next unit the change of slope at its knot; the output bias is sin(lo).")
        x = np.union1d(knots, theory.breakpoints_1d(net, lo, hi))
        expect_close(forward(net, x[:, None])[:, 0], theory.interpolant(np.sin, knots)(x), SIN_ATOL,
                     f"{call} between its knots", x,
                     hint="between two consecutive knots the net must be the straight line through sin at "
                          "both: put each unit's kink exactly on a knot.")


def error_bound_sharp(interpolation_error_bound) -> None:
    """Check interpolation_error_bound(h, M) is the smallest bound valid for every f with |f''| <= M:
    the error of the parabola M x^2 / 2 at the midpoint of a knot interval, computed here."""
    f = student(interpolation_error_bound, "interpolation_error_bound")
    for h, m in ((1.0, 1.0), (0.1, 2.0), (2 * np.pi / 64, 1.0), (1e-3, 5.0), (3.0, 0.5), (0.25, 100.0)):
        got = f(h, m)
        expect(isinstance(got, (int, float)) and not isinstance(got, bool) and np.isfinite(got),
               f"interpolation_error_bound({h:.4g}, {m:g}) should return a finite float, got {got!r}.")
        parabola = lambda x: m * x * x / 2
        attained = (parabola(0.0) + parabola(h)) / 2 - parabola(h / 2)   # chord minus parabola at h/2
        call = f"interpolation_error_bound(h={h:.4g}, max_abs_f2={m:g})"
        expect(got >= attained * (1 - BOUND_RTOL),
               f"{call} = {got:.6g} is not a bound: the parabola f(x) = {m:g} x^2 / 2 has |f''| = {m:g}, and "
               f"its interpolant with knots h apart is off by {attained:.6g} at the middle of each interval.")
        expect(got <= attained * (1 + BOUND_RTOL),
               f"{call} = {got:.6g} holds but is not the smallest bound: the parabola f(x) = {m:g} x^2 / 2 "
               f"(|f''| = {m:g}) is off by exactly {attained:.6g} at the middle of each interval, so no bound can "
               "be smaller and the sharp one is attained. On one interval, write the error as f''(xi)/2 (x - a)(x - b).")


# -- sawtooth_q9: square_net (Yarotsky) ---------------------------------------------------------
def square_architecture(square_net) -> None:
    """Check that square_net(m) is Linear, (ReLU, Linear)*d with 1 input, 1 output, at most m
    hidden layers and at most 4m hidden units, for m = 1..6, 12 (O(m) units, not 2^m)."""
    f = student(square_net, "square_net")
    for m in (1, 2, 3, 4, 5, 6, 12):
        net = as_net(f(m), f"square_net({m})")
        depth = expect_relu_form(net, 1, f"square_net({m})")
        units = sum(hidden_widths(net))
        expect(depth <= m, f"square_net({m}) has {depth} hidden layers; the budget is m = {m}. One tri block per "
                           "layer is enough: each layer can also carry what the output needs later.")
        expect(units <= 4 * m, f"square_net({m}) has {units} hidden units; the budget is 4m = {4 * m}. The point "
                               f"is O(m) units for 2**{m} pieces: reuse one chain of tri blocks for all the "
                               "sawtooth terms instead of building each term (or each piece) separately.")


def square_knots(square_net) -> None:
    """Check square_net(m)(k/2^m) = (k/2^m)^2 at every knot, m = 1..5."""
    f = student(square_net, "square_net")
    for m in SQUARE_LEVELS:
        net = as_net(f(m), f"square_net({m})")
        x = dyadic_grid(m, 0.0, 1.0)
        got = forward(net, x[:, None])[:, 0]
        tol = YAROTSKY_RTOL * square_error(m)
        coarse = dyadic_grid(m - 1, 0.0, 1.0)
        hint = ("the net must equal x^2 at every knot k/2^m. Each sawtooth term lowers the previous "
                "interpolant at the new knots (the midpoints of the old ones) by exactly its error there.")
        if np.allclose(got, np.interp(x, coarse, coarse ** 2), atol=tol, rtol=0):
            hint = (f"square_net({m}) is the interpolant at the coarser knots k/2^{m - 1}: is the last sawtooth "
                    "term missing?")
        expect_close(got, x ** 2, tol, f"square_net({m}) at the knots k/2^{m}", x, hint=hint)


def square_sup_error(square_net) -> None:
    """Check that the sup over [0, 1] of |square_net(m)(x) - x^2| is 2^(-2m-2), attained at every
    midpoint (k + 1/2)/2^m, m = 1..5: computed exactly over the net's own linear pieces."""
    f = student(square_net, "square_net")
    for m in SQUARE_LEVELS:
        net = as_net(f(m), f"square_net({m})")
        want = square_error(m)
        tol = YAROTSKY_RTOL * want
        mids = (np.arange(2 ** m) + 0.5) / 2 ** m
        x = np.union1d(np.union1d(dyadic_grid(m, 0.0, 1.0), mids), theory.breakpoints_1d(net, 0.0, 1.0))
        y = forward(net, x[:, None])[:, 0]
        sup, where = theory.sup_error_vs_square(x, y)
        expect(sup <= want + tol,
               f"square_net({m}) is off by {sup:.6g} at x = {where:.8g}; the interpolant of x^2 at the knots "
               f"k/2^{m} is never off by more than {want:.6g}. Between two knots the net should be the straight "
               "line through x^2 at both (the error there is (x - a)(b - x)).")
        expect(sup >= want - tol,
               f"square_net({m}) is never off by more than {sup:.6g}, but the interpolant at the knots k/2^{m} is "
               f"off by {want:.6g} at their midpoints: your net interpolates on a finer grid. Is there one "
               "sawtooth term too many?")
        at_mids = forward(net, mids[:, None])[:, 0] - mids ** 2
        worst = int(np.argmax(np.abs(at_mids - want)))
        expect(abs(at_mids[worst] - want) <= tol,
               f"square_net({m}) - x^2 at the midpoint x = {mids[worst]:.8g} is {at_mids[worst]:.6g}; the "
               f"interpolant at the knots k/2^{m} is above x^2 by exactly {want:.6g} at every midpoint.")


# -- sawtooth_q10: product_net --------------------------------------------------------------------
def product_architecture(product_net) -> None:
    """Check that product_net(m) has 2 inputs, 1 output, at most m hidden layers and at most 12m
    hidden units, m = 1, 2, 3, 5, 10."""
    f = student(product_net, "product_net")
    for m in (1, 2, 3, 5, 10):
        net = as_net(f(m), f"product_net({m})")
        depth = expect_relu_form(net, 2, f"product_net({m})")
        units = sum(hidden_widths(net))
        expect(depth <= m, f"product_net({m}) has {depth} hidden layers; the budget is m = {m}: put the three "
                           "square nets side by side (parallel), each fed an affine function of (x, y).")
        expect(units <= 12 * m, f"product_net({m}) has {units} hidden units; the budget is 12m = {12 * m} "
                                "(three square nets of at most 4m units each).")


def product_error_on_grid(product_net) -> None:
    """Check |product_net(m)(x, y) - x y| <= 2^(-2m-1) and 0 <= product_net(m) <= 1 at every point
    (i, j)/2^(m+2) of [0, 1]^2, m in PRODUCT_LEVELS."""
    f = student(product_net, "product_net")
    for m in PRODUCT_LEVELS:
        net = as_net(f(m), f"product_net({m})")
        g = dyadic_grid(m + 2, 0.0, 1.0)
        xy = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)
        got = forward(net, xy)[:, 0]
        err = got - xy[:, 0] * xy[:, 1]
        bound, tol = product_error(m), YAROTSKY_RTOL * square_error(m)
        i = int(np.argmax(np.abs(err)))
        expect(abs(err[i]) <= bound + tol,
               f"product_net({m}) at (x, y) = ({xy[i, 0]:.6g}, {xy[i, 1]:.6g}) gives {got[i]:.8g}, x y = "
               f"{xy[i, 0] * xy[i, 1]:.8g}: off by {abs(err[i]):.4g}, more than 2^(-2m-1) = {bound:.4g}. Check the "
               "signs and weights of your polarisation identity, and that each square net gets an input in [0, 1] "
               "(a square net is only accurate there).")
        j = int(np.argmin(np.minimum(got, 1.0 - got)))
        expect(-tol <= got[j] <= 1.0 + tol,
               f"product_net({m}) at (x, y) = ({xy[j, 0]:.6g}, {xy[j, 1]:.6g}) gives {got[j]:.8g}, outside [0, 1]; "
               "the contract keeps products in [0, 1] so that products of products stay where the squares are "
               "accurate.")


# -- sawtooth_q11: product_of_n -------------------------------------------------------------------
def tree_depth(n: int) -> int:
    """Levels of a balanced binary tree with n leaves: ceil(log2 n)."""
    return int(n - 1).bit_length()


def product_of_n_architecture(product_of_n) -> None:
    """Check that product_of_n(n, m) has n inputs, 1 output, at most m ceil(log2 n) hidden layers and
    at most 12m(n - 1) + m ceil(log2 n) hidden units (a tree, not a chain)."""
    f = student(product_of_n, "product_of_n")
    for n, m in ((2, 1), (3, 1), (4, 2), (5, 1), (8, 1), (16, 1)):
        call = f"product_of_n({n}, {m})"
        net = as_net(f(n, m), call)
        depth = expect_relu_form(net, n, call)
        units = sum(hidden_widths(net))
        levels = tree_depth(n)
        expect(depth <= m * levels,
               f"{call} has {depth} hidden layers; the budget is m ceil(log2 n) = {m * levels}: multiply in a "
               f"balanced binary tree ({levels} levels of product nets side by side), not one factor after another.")
        budget = 12 * m * (n - 1) + m * levels
        expect(units <= budget,
               f"{call} has {units} hidden units; the budget is 12m(n - 1) + m ceil(log2 n) = {budget}: n - 1 "
               "product nets, and a value without a partner waits through identity units.")


def product_of_n_points(n: int, m: int) -> np.ndarray:
    """Every corner of [0, 1]^n (n <= 8) and PRODUCT_OF_N_POINTS points of the dyadic grid of level
    m + 2 from a fixed-seed generator (the whole grid of level m + 1 for n = 2)."""
    corners = ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(np.float64)
    rng = np.random.default_rng(PRODUCT_OF_N_SEED + 100 * n + m)
    random = rng.integers(0, 2 ** (m + 2) + 1, size=(PRODUCT_OF_N_POINTS, n)) / 2.0 ** (m + 2)
    parts = [corners, random]
    if n == 2:
        g = dyadic_grid(m + 1, 0.0, 1.0)
        parts.append(np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2))
    return np.concatenate(parts)


def product_of_n_error(product_of_n) -> None:
    """Check |product_of_n(n, m)(x) - x_1 ... x_n| <= (n - 1) 2^(-2m-1) at the points of
    product_of_n_points, for each (n, m) in PRODUCT_OF_N_CASES."""
    f = student(product_of_n, "product_of_n")
    for n, m in PRODUCT_OF_N_CASES:
        call = f"product_of_n({n}, {m})"
        net = as_net(f(n, m), call)
        x = product_of_n_points(n, m)
        got = forward(net, x)[:, 0]
        want = x.prod(axis=1)
        err = np.abs(got - want)
        bound = (n - 1) * product_error(m)
        i = int(np.argmax(err))
        expect(err[i] <= bound + YAROTSKY_RTOL * square_error(m),
               f"{call} at x = {tuple(float(v) for v in x[i])} gives {got[i]:.8g}, but the product is "
               f"{want[i]:.8g}: off by {err[i]:.4g}, more than (n - 1) 2^(-2m-1) = {bound:.4g}. Does every input "
               "enter exactly one product (the odd one out passed through unchanged), and is every product net "
               f"product_net({m})?")
