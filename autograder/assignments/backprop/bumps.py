r"""The theory of sums of sigmoid bumps that the `backprop` q1 checks grade against (numpy/scipy only).

The construction (the contract of ``cybenko_approx``): ``n`` cells of width ``h = (hi - lo)/n`` with
edges ``e_i = lo + i h``, the outer edges opened (``e_0 = -inf``, ``e_n = +inf``), bump ``i`` weighted
by ``f(c_i)`` at the centre ``c_i = lo + (i + 1/2) h``:

    g(x) = sum_i f(c_i) [s(x - e_i) - s(x - e_{i+1})],   s(z) = sigma(k z).

Summation by parts (``s(x - e_0) = 1``, ``s(x - e_n) = 0``) gives, with ``D_i = f(c_i) - f(c_{i-1})``,

    g(x) = f(c_0) + sum_{i=1}^{n-1} D_i s(x - e_i),

and, writing ``f(c_j) = f(c_0) + sum_{i=1}^{n-1} D_i H(x - e_i)`` for the cell ``j`` of ``x`` (``H`` the
unit step), ``g(x) - f(x) = sum_i D_i [s(x - e_i) - H(x - e_i)] + f(c_j) - f(x)``. Since
``|s(d) - H(d)| = sigma(-k |d|)`` and ``|D_i| <= L h`` for an L-Lipschitz ``f``:

* **pointwise bound** (:func:`error_bound`): ``|g(x) - f(x)| <= L (|x - c_j| + h sum_i sigma(-k |x - e_i|))``,
  hence ``sup |g - f| <= L (3h/2 + 2 ln 2 / k)`` (the sum is at most ``1 + 2 ln 2 / (k h)``);
* **k h = c fixed** (k grows in proportion to n): the error is at most ``L h (3/2 + 2 ln 2 / c)``, and
  at ``x = lo`` it is ``f'(lo) h A(c) + O(h^2)``, ``A(c) = 1/2 + sum_{m >= 1} sigma(-c m)``
  (:func:`end_error_lower_bound` makes the remainder explicit): it falls like 1/n, no faster;
* **k fixed**, n -> infinity: ``g`` tends to ``g_inf(x) = f(lo) + int_lo^hi f'(e) s(x - e) de`` (the
  sum is a midpoint rule for that integral) with ``|g - g_inf| <= L h (1 + k (hi - lo)/16)``
  (:func:`plateau_distance`), so the sup error tends to ``sup |g_inf - f| > 0``: it plateaus
  (:func:`smoothed_limit`, Gauss-Legendre quadrature).
"""
from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.special import expit

SERIES_TERMS = 400          # sigma(-c m) < e^{-c m}: 400 terms leave < e^{-200} for c >= 0.5
QUADRATURE_NODES = 400      # Gauss-Legendre nodes for g_inf: the integrand is smooth on the scale 1/k


def cells(lo: float, hi: float, n: int) -> tuple:
    r"""(h, inner edges e_1..e_{n-1}, centres c_0..c_{n-1}) of the partition of [lo, hi] into n cells."""
    h = (hi - lo) / n
    return h, lo + h * np.arange(1, n), lo + h * (np.arange(n) + 0.5)


def error_bound(x: np.ndarray, lo: float, hi: float, n: int, k: float, lipschitz: float) -> np.ndarray:
    r"""L (|x - c_{j(x)}| + h sum_{i=1}^{n-1} sigma(-k |x - e_i|)) at every x in [lo, hi] (float64)."""
    x = np.asarray(x, dtype=np.float64)
    h, edges, centres = cells(lo, hi, n)
    j = np.clip(np.floor((x - lo) / h).astype(int), 0, n - 1)
    tails = expit(-k * np.abs(x[:, None] - edges[None, :])).sum(axis=1) if n > 1 else np.zeros_like(x)
    return lipschitz * (np.abs(x - centres[j]) + h * tails)


def sup_bound(h: float, k: float, lipschitz: float) -> float:
    r"""L (3h/2 + 2 ln 2 / k): the pointwise bound's supremum over x (for any n)."""
    return lipschitz * (1.5 * h + 2.0 * math.log(2.0) / k)


def end_series(c: float, n: int) -> tuple:
    r"""(A_n(c), B(c)) = (1/2 + sum_{m=1}^{n-1} sigma(-c m), 1/8 + sum_{m>=1} (m + 1/2) sigma(-c m))."""
    m = np.arange(1, SERIES_TERMS + 1, dtype=np.float64)
    tail = expit(-c * m)
    return 0.5 + float(tail[:max(n - 1, 0)].sum()), 0.125 + float(((m + 0.5) * tail).sum())


def end_error_lower_bound(slope_at_lo: float, curvature: float, lo: float, hi: float, n: int, c: float) -> float:
    r"""A lower bound on |g(lo) - f(lo)| when k h = c: h (|f'(lo)| A_n(c) - M2 h B(c)).

    Derivation: g(lo) - f(lo) = (f(c_0) - f(lo)) + sum_{i=1}^{n-1} D_i sigma(-c i); by Taylor,
    f(c_0) - f(lo) = f'(lo) h/2 + r_0 with |r_0| <= M2 h^2/8 and D_i = f'(lo) h + r_i with
    |r_i| <= M2 (i + 1/2) h^2 (M2 = sup |f''|), so g(lo) - f(lo) = f'(lo) h A_n(c) + R with
    |R| <= M2 h^2 B(c). Negative (it then says nothing) when h is coarse.
    """
    h = (hi - lo) / n
    a, b = end_series(c, n)
    return h * (abs(slope_at_lo) * a - curvature * h * b)


def plateau_distance(lo: float, hi: float, n: int, k: float, lipschitz: float) -> float:
    r"""sup_x |g_n(x) - g_inf(x)| <= L h (1 + k (hi - lo) / 16).

    End pieces [lo, c_0] and [c_{n-1}, hi] of the integral contribute at most L h/2 each; on each
    [c_{i-1}, c_i] the midpoint value D_i s(x - e_i) differs from int f' s by at most
    L (k/4) h^2/4 (|s'| <= k/4), and there are n - 1 < (hi - lo)/h such cells.
    """
    h = (hi - lo) / n
    return lipschitz * h * (1.0 + k * (hi - lo) / 16.0)


def smoothed_limit(x: np.ndarray, f_lo: float, fprime, lo: float, hi: float, k: float) -> np.ndarray:
    r"""g_inf(x) = f(lo) + int_lo^hi f'(e) sigma(k (x - e)) de by Gauss-Legendre quadrature (float64)."""
    nodes, weights = leggauss(QUADRATURE_NODES)
    e = lo + (nodes + 1.0) * (hi - lo) / 2.0
    w = weights * (hi - lo) / 2.0
    x = np.asarray(x, dtype=np.float64)
    return f_lo + expit(k * (x[:, None] - e[None, :])) @ (fprime(e) * w)
