r"""Hidden checks of `sawtooth`: every answer is compared with theory, never with our solution.

Oracles (all computed here, independently of the student's code and of the reference solution):

* ``tri(x) = max(0, 1 - |2x - 1|)`` for every real x (the outer ReLU makes it 0 outside [0, 1]);
* ``sawtooth(x, n) = 1 - |(2^n x mod 2) - 1|`` on [0, 1] and 0 outside, for n >= 1; the identity
  for n = 0. It has 2^n linear pieces and 2^(n-1) teeth (points where it equals 1) on [0, 1];
* the fewest ReLUs of one hidden layer computing sawtooth(., n) on [0, 1] is 2^n;
* piecewise-linear interpolation of sin with knot spacing h is within h^2/8 max|sin''| <= h^2/8.

Every check here is deterministic (fixed grids, a fixed-seed generator for test functions), so
its false-fail probability for a correct answer is 0; the tolerances below only absorb float
round-off and are orders of magnitude below the error of any wrong answer they are meant to catch.
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    CheckFailed, PiecewiseLinear, TensorArg, as_array, as_net, expect, expect_close, forward,
    hidden_widths, student,
)

# Float64 functions evaluated at dyadic points are exact (every intermediate is a dyadic rational
# with few bits); 1e-9 only forgives an implementation that rounds through float32. Every mistake
# listed in a message is off by at least 1/4 somewhere on the grids used.
EXACT_ATOL = 1e-9
# Nets hold float32 parameters; evaluated in float64 the rounding of up to a few hundred parameters
# of size <= 2^13 stays below 1e-5. A wrong net is off by at least 1/4 at some grid point.
NET_ATOL = 1e-4
# sin nets: float32 rounding of the parameters moves outputs by < 2e-5 for n_hidden <= 64 on
# [0, 2 pi] (measured: 1.3e-7 at the knots for the reference); the bound h^2/8 is >= 1.2e-3 there.
SIN_ATOL = 1e-4
# log-log slope of the max error of sin interpolation vs n_hidden (theory: -2 asymptotically; the
# reference gives -1.88 on n = 4..64 because n = 4 lies below the asymptote). An error falling like
# 1/n (a non-interpolating fit, a fixed number of knots) has slope near -1 and fails.
SIN_SLOPE_WINDOW = (-2.25, -1.75)

MAX_N = 12


def dyadic_grid(level: int, lo: float, hi: float) -> np.ndarray:
    """All points k / 2^level in [lo, hi] (lo, hi dyadic)."""
    scale = 2.0 ** level
    return np.arange(round(lo * scale), round(hi * scale) + 1, dtype=np.float64) / scale


def tri_theory(x: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(2.0 * x - 1.0))


def sawtooth_theory(x: np.ndarray, n: int) -> np.ndarray:
    if n == 0:
        return np.array(x, dtype=np.float64)
    y = np.mod(2.0 ** n * x, 2.0)
    return np.where((x >= 0) & (x <= 1), 1.0 - np.abs(y - 1.0), 0.0)


def sawtooth_knots(n: int) -> PiecewiseLinear:
    """sawtooth(., n) on [0, 1] as knots k/2^n with values 0, 1, 0, 1, ... (n >= 1)."""
    k = np.arange(2 ** n + 1)
    return PiecewiseLinear(k / 2.0 ** n, (k % 2).astype(np.float64))


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
        tol = 1e-6 * abs(h)
        expect_close(as_array(f(inside, *args), call), np.full(inside.shape, h), tol,
                     f"{call} on the plateau [a + eps, b - eps]", inside,
                     hint="the bump should have height h on [a, b]: four ReLUs scaled by h/eps.")
        expect_close(as_array(f(outside, *args), call), np.zeros(outside.shape), tol,
                     f"{call} outside [a - eps, b + eps]", outside,
                     hint="the four ReLUs must cancel outside the bump: slopes +1, -1, -1, +1 (times h/eps).")
        ramp = as_array(f(ramps, *args), call)
        lo, hi = min(0.0, h) - tol, max(0.0, h) + tol
        expect(bool(np.all((ramp >= lo) & (ramp <= hi))),
               f"{call} leaves the range between 0 and h = {h} near the edges of the bump "
               f"(values from {ramp.min():.4g} to {ramp.max():.4g}).")


# -- sawtooth_q3: tri and sawtooth --------------------------------------------------------------
def tri_theory_check(tri) -> None:
    """Check tri(x) = max(0, 1 - |2x - 1|) on a dyadic grid of [-1, 2]."""
    x = dyadic_grid(6, -1.0, 2.0)
    expect_close(as_array(student(tri, "tri")(x), "tri(x)"), tri_theory(x), EXACT_ATOL, "tri(x)", x,
                 hint="tri(x) = relu(relu(2x) - relu(4x - 2)); without the outer relu it agrees with "
                      "the triangle on [0, 1] only and is negative (2 - 2x) for x > 1.")


def sawtooth_theory_check(sawtooth) -> None:
    """Check sawtooth(x, n) against 1 - |(2^n x mod 2) - 1| on [0, 1] and 0 outside, for n = 0..12,
    at every point k / 2^(n+2) of [-1, 2]."""
    f = student(sawtooth, "sawtooth")
    for n in range(MAX_N + 1):
        x = dyadic_grid(n + 2, -1.0, 2.0)
        got = as_array(f(x, n), f"sawtooth(x, {n})")
        want = sawtooth_theory(x, n)
        if got.shape == want.shape and np.all(np.isfinite(got)) and not np.allclose(got, want, atol=EXACT_ATOL):
            for m in (n - 1, n + 1):
                if m >= 0 and np.allclose(got, sawtooth_theory(x, m), atol=EXACT_ATOL):
                    raise CheckFailed(f"sawtooth(x, {n}) equals tri composed {m} times: the composition is off "
                                      "by one. Apply tri exactly n times: sawtooth(x, 0) = x, sawtooth(x, 1) = tri(x).")
        expect_close(got, want, EXACT_ATOL, f"sawtooth(x, {n})", x,
                     hint="sawtooth(x, n) applies tri n times; it is 0 outside [0, 1] because tri "
                          "is (with its outer relu), and sawtooth(x, 0) = x.")


def sawtooth_teeth(sawtooth) -> None:
    """Check that sawtooth(., n) reaches its maximum 1 at exactly 2^(n-1) points of [0, 1] (its
    teeth) and has 2^n linear pieces, for n = 1..12."""
    f = student(sawtooth, "sawtooth")
    for n in range(1, MAX_N + 1):
        x = dyadic_grid(n + 1, 0.0, 1.0)
        y = as_array(f(x, n), f"sawtooth(x, {n})")
        teeth = int(np.count_nonzero(np.abs(y - 1.0) <= EXACT_ATOL))
        expect(teeth == 2 ** (n - 1), f"sawtooth(., {n}) should have 2**{n - 1} = {2 ** (n - 1)} teeth "
                                      f"(points where it equals 1) on [0, 1]; found {teeth}.")
        slopes = np.diff(y) / np.diff(x)
        pieces = 1 + int(np.count_nonzero(np.abs(np.diff(slopes)) > 1e-6))
        expect(pieces == 2 ** n, f"sawtooth(., {n}) should have 2**{n} = {2 ** n} linear pieces on "
                                 f"[0, 1]; found {pieces}.")


# -- sawtooth_q4: deep net -----------------------------------------------------------------------
def deep_net_architecture(deep_sawtooth_net) -> None:
    """Check that deep_sawtooth_net(n) has n hidden layers, all of width 2, with a ReLU after each,
    one input and one output (n = 1..8), and parameter count 6n + 1."""
    f = student(deep_sawtooth_net, "deep_sawtooth_net")
    for n in range(1, 9):
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
    n = 1..12 (its layers evaluated in float64), and that the module's own forward agrees."""
    f = student(deep_sawtooth_net, "deep_sawtooth_net")
    for n in range(1, MAX_N + 1):
        net = as_net(f(n), f"deep_sawtooth_net({n})")
        x = dyadic_grid(n + 2, 0.0, 1.0)
        expect_close(forward(net, x[:, None])[:, 0], sawtooth_theory(x, n), NET_ATOL,
                     f"deep_sawtooth_net({n})(x)", x,
                     hint="each hidden layer computes (relu(2t), relu(4t - 2)) of the previous tri value "
                          "t = h1 - h2: the weights of layer k >= 2 are [[2, -2], [4, -4]], bias [0, -2].")
    net = as_net(f(3), "deep_sawtooth_net(3)")
    x = dyadic_grid(5, 0.0, 1.0)
    out = as_array(student(net.handle, "deep_sawtooth_net(3)")(TensorArg(x[:, None], "float32")),
                   "deep_sawtooth_net(3)(x)")
    expect_close(out.reshape(-1), sawtooth_theory(x, 3), NET_ATOL, "deep_sawtooth_net(3) run by torch", x,
                 hint="the module's forward should be just its layers in order.")


# -- sawtooth_q5: shallow net --------------------------------------------------------------------
def min_width_theory(min_shallow_width) -> None:
    """Check min_shallow_width(n) = 2^n for n = 0..16."""
    f = student(min_shallow_width, "min_shallow_width")
    for n in range(17):
        got = f(n)
        if got == 2 ** n - 1:
            raise CheckFailed(f"min_shallow_width({n}) returned 2**{n} - 1. The 2**{n} - 1 interior kinks need "
                              f"one unit each, but the first piece has slope 2**{n}, and units that face left "
                              f"only contribute slopes that are multiples of 2**{n + 1}: one more unit is needed.")
        expect(got == 2 ** n, f"min_shallow_width({n}) should be 2**{n} = {2 ** n}; got {got!r}.")


def shallow_net_architecture(shallow_sawtooth_net) -> None:
    """Check that shallow_sawtooth_net(n) is Linear(1, 2^n) - ReLU - Linear(2^n, 1), n = 0..8."""
    f = student(shallow_sawtooth_net, "shallow_sawtooth_net")
    for n in range(9):
        net = as_net(f(n), f"shallow_sawtooth_net({n})")
        kinds = [layer.kind for layer in net.layers]
        expect(kinds == ["linear", "relu", "linear"],
               f"shallow_sawtooth_net({n}) should be Linear, ReLU, Linear; got {kinds}.")
        width = hidden_widths(net)[0]
        expect(width == 2 ** n, f"shallow_sawtooth_net({n}) should use the fewest units, 2**{n} = {2 ** n}; "
                                f"it has {width}." + (" Remove the units that are not needed." if width > 2 ** n else ""))


def shallow_net_exact(shallow_sawtooth_net) -> None:
    """Check that shallow_sawtooth_net(n) equals sawtooth(., n) on all of [0, 1], n = 0..8: both are
    piecewise linear, so equality at every breakpoint of either (plus the ends) is equality."""
    f = student(shallow_sawtooth_net, "shallow_sawtooth_net")
    for n in range(9):
        net = as_net(f(n), f"shallow_sawtooth_net({n})")
        first = net.linear_layers[0]
        w, b = first.weight[:, 0], (first.bias if first.bias is not None else np.zeros(len(first.weight)))
        kinks = -b[w != 0] / w[w != 0]
        x = np.union1d(dyadic_grid(n + 2, 0.0, 1.0), kinks[(kinks >= 0) & (kinks <= 1)])
        expect_close(forward(net, x[:, None])[:, 0], sawtooth_theory(x, n), NET_ATOL,
                     f"shallow_sawtooth_net({n})(x)", x,
                     hint="one unit per kink k/2**n (slope change -/+ 2**(n+1)) and one unit relu(x) "
                          "for the first slope 2**n.")


# -- sawtooth_q6: count_pieces -------------------------------------------------------------------
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
    """Check count_pieces(sawtooth(., n), 0, 1, level) = 2^n for n = 1..12 and level n and n + 3
    (sawtooth given as an exact piecewise-linear function, not the student's own)."""
    f = student(count_pieces, "count_pieces")
    for n in range(1, MAX_N + 1):
        for level in (n, n + 3):
            got = f(sawtooth_knots(n), 0.0, 1.0, level)
            expect(got == 2 ** n,
                   f"count_pieces(sawtooth(., {n}), 0, 1, level={level}) should be 2**{n} = {2 ** n}; got {got!r}. "
                   "Evaluate f only on the dyadic grid lo + k 2**-level and count changes of slope between "
                   "consecutive intervals, plus one. On other points (np.linspace) an interval that straddles a "
                   "breakpoint gets an in-between slope (extra pieces) and pieces narrower than the spacing vanish.")


def count_pieces_random(count_pieces) -> None:
    """Check count_pieces on 30 random piecewise-linear functions with dyadic knots (some collinear,
    which are not breakpoints) against the count of slope changes known by construction."""
    f = student(count_pieces, "count_pieces")
    rng = np.random.default_rng(20261123)
    for trial in range(30):
        level = int(rng.integers(2, 9))
        lo, hi = ((0.0, 1.0), (-1.0, 1.0), (-0.5, 2.0))[trial % 3]
        g = random_piecewise_linear(rng, level, lo, hi)
        want = g.pieces(lo, hi)
        got = f(g, lo, hi, level)
        expect(got == want,
               f"count_pieces(f, {lo}, {hi}, level={level}) should be {want} for a test function with "
               f"{len(g.knots) - 2} interior grid knots of which {want - 1} change the slope; got {got!r}. "
               "A knot where the slope stays the same is not a breakpoint; compare consecutive slopes.")


# -- sawtooth_q7: sin with one hidden layer -----------------------------------------------------
def sin_interpolates(sin_relu_net) -> None:
    """Check that sin_relu_net(n, lo, hi) has n hidden units and equals sin at the n + 1 equally
    spaced knots lo + k (hi - lo) / n."""
    f = student(sin_relu_net, "sin_relu_net")
    for n, lo, hi in ((8, 0.0, 2 * np.pi), (16, -np.pi, np.pi), (5, 0.5, 1.5), (1, 1.0, 3.0)):
        net = as_net(f(n, lo, hi), f"sin_relu_net({n}, {lo:.3g}, {hi:.3g})")
        widths = hidden_widths(net)
        expect(widths == [n], f"sin_relu_net({n}, ...) should have one hidden layer of {n} units; got {widths}.")
        knots = lo + (hi - lo) * np.arange(n + 1) / n
        expect_close(forward(net, knots[:, None])[:, 0], np.sin(knots), SIN_ATOL,
                     f"sin_relu_net({n}, {lo:.3g}, {hi:.3g}) at its knots", knots,
                     hint="n hidden units interpolate at n + 1 knots: the first unit carries the first "
                          "slope, each next unit the change of slope at its knot; the output bias is sin(lo).")


def sin_error_rate(sin_relu_net) -> None:
    """Check the max error on [0, 2 pi] is at most h^2/8 (h the knot spacing) and falls as
    n_hidden^-2 (log-log slope in SIN_SLOPE_WINDOW) for n_hidden = 4..64."""
    f = student(sin_relu_net, "sin_relu_net")
    ns = np.array([4, 8, 16, 32, 64])
    errors = []
    for n in ns:
        h = 2 * np.pi / n
        net = as_net(f(int(n), 0.0, 2 * np.pi), f"sin_relu_net({n}, 0, 2 pi)")
        x = np.linspace(0.0, 2 * np.pi, 64 * int(n) + 1)
        err = float(np.max(np.abs(forward(net, x[:, None])[:, 0] - np.sin(x))))
        expect(err <= h * h / 8 + SIN_ATOL,
               f"sin_relu_net({n}, 0, 2 pi) is off by up to {err:.4g}, more than the interpolation bound "
               f"h^2/8 = {h * h / 8:.4g} (h = 2 pi/{n}).")
        errors.append(err)
    slope = float(np.polyfit(np.log(ns), np.log(errors), 1)[0])
    expect(SIN_SLOPE_WINDOW[0] <= slope <= SIN_SLOPE_WINDOW[1],
           f"The max error should fall like n_hidden^-2 (log-log slope -2); measured slope {slope:.2f}.")
