r"""The theory the `sawtooth` checks compare against, computed here (numpy only, float64).

* ``tri(x) = max(0, 1 - |2x - 1|)`` for every real x;
* ``sawtooth(x, n) = 1 - |(2^n x mod 2) - 1|`` on [0, 1] and 0 outside, for n >= 1; the identity
  for n = 0;
* ``interpolant(f, knots)``: the piecewise-linear interpolant of f at the knots (numpy.interp);
* ``breakpoints_1d(net, lo, hi)``: every point of [lo, hi] where a one-input ReLU network can
  bend, found exactly by following each layer's pre-activations between known breakpoints (they
  are affine there, so a ReLU adds at most one breakpoint per unit and interval). Two continuous
  piecewise-linear functions that agree at all breakpoints of both agree everywhere in between,
  so comparisons at these points are comparisons on the whole interval, not samples;
* ``sup_error_vs_square``: the exact sup over [lo, hi] of |g(x) - x^2| for a piecewise-linear g
  given by its values at its breakpoints (on each piece the error is concave in x; its maximum
  modulus is at an end or at the vertex).

Nothing here calls student code or uses our reference solution.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from autograder.checking import CheckFailed, NetSpec, PiecewiseLinear, forward

# Most breakpoints a traced network may have on the interval checked; every correct answer checked
# here has at most 2^9 pieces, a wrong one with millions would only cost time and memory.
MAX_BREAKPOINTS = 1 << 16


def dyadic_grid(level: int, lo: float, hi: float) -> np.ndarray:
    """All points k / 2^level in [lo, hi] (lo, hi dyadic)."""
    scale = 2.0 ** level
    return np.arange(round(lo * scale), round(hi * scale) + 1, dtype=np.float64) / scale


def tri(x: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(2.0 * x - 1.0))


def sawtooth(x: np.ndarray, n: int) -> np.ndarray:
    if n == 0:
        return np.array(x, dtype=np.float64)
    y = np.mod(2.0 ** n * x, 2.0)
    return np.where((x >= 0) & (x <= 1), 1.0 - np.abs(y - 1.0), 0.0)


def sawtooth_knots(n: int) -> PiecewiseLinear:
    """sawtooth(., n) on [0, 1] as knots k/2^n with values 0, 1, 0, 1, ... (n >= 1)."""
    k = np.arange(2 ** n + 1)
    return PiecewiseLinear(k / 2.0 ** n, (k % 2).astype(np.float64))


def interpolant(f: Callable[[np.ndarray], np.ndarray], knots: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The piecewise-linear interpolant of f at the (increasing) knots."""
    values = f(knots)
    return lambda x: np.interp(x, knots, values)


def breakpoints_1d(net: NetSpec, lo: float, hi: float) -> np.ndarray:
    """Sorted points of [lo, hi], both ends included, between which the network is affine."""
    x = np.array([lo, hi], dtype=np.float64)
    h = forward(NetSpec([]), x[:, None])
    for i, layer in enumerate(net.layers):
        if layer.kind == "linear":
            h = forward(NetSpec([layer]), h)
        elif layer.kind == "relu":
            left, right = h[:-1], h[1:]
            interval, unit = np.nonzero(left * right < 0)
            t = left[interval, unit] / (left[interval, unit] - right[interval, unit])
            new = np.unique(np.concatenate([x, x[interval] + t * (x[interval + 1] - x[interval])]))
            if new.size > MAX_BREAKPOINTS:
                raise CheckFailed(f"The network has more than {MAX_BREAKPOINTS} linear pieces on [{lo:g}, {hi:g}] "
                                  f"(after layer {i}); far more than this question needs.")
            k = np.clip(np.searchsorted(x, new, side="right") - 1, 0, x.size - 2)
            w = ((new - x[k]) / (x[k + 1] - x[k]))[:, None]
            h = np.maximum(h[k] + w * (h[k + 1] - h[k]), 0.0)
            x = new
        else:
            raise CheckFailed(f"layer {i} is a {layer.type_name}; this question uses only Linear and ReLU layers.")
    return x


def sup_error_vs_square(x: np.ndarray, y: np.ndarray) -> tuple:
    """Exact max over [x[0], x[-1]] of |g(t) - t^2| where g is linear between the points (x, y).

    Returns:
        (sup, where): the largest error and a point where it is attained.
    """
    slope = np.diff(y) / np.diff(x)
    vertex = np.clip(slope / 2.0, x[:-1], x[1:])          # where g - t^2 has zero derivative
    at_vertex = y[:-1] + slope * (vertex - x[:-1]) - vertex ** 2
    candidates = np.concatenate([np.abs(y - x ** 2), np.abs(at_vertex)])
    points = np.concatenate([x, vertex])
    i = int(np.argmax(candidates))
    return float(candidates[i]), float(points[i])
