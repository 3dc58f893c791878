r"""The theory the `init` checks compare with, computed here (numpy/scipy), independently of the
student's code and of the reference solution.

* Piecewise-linear activations phi(z) = b z (z > 0), a z (z <= 0): for z symmetric about 0,
  E[phi(z)^2] = (a^2 + b^2)/2 E[z^2]; ``second_moment_ratio`` computes it by adaptive quadrature of
  each half-line (for z ~ N(0, 1)), and the gain is 1 / sqrt(that ratio). Leaky ReLU is b = 1, where
  the ratio is (1 + a^2)/2 and the critical weight scale sigma_w^2 = 2 / (1 + a^2).
* The law of q_L / q_1 (mean squared pre-activation of hidden layer L over layer 1, one input,
  Gaussian weights N(0, sigma_w^2 / fan_in), zero biases, widths n_1..n_L): conditionally on layer l,
  z_{l+1} is an isotropic Gaussian vector, and leaky ReLU is positively homogeneous, so
      log(q_L / q_1) = (L - 1) log sigma_w^2 + log(|phi(g_1)|^2 / |g_1|^2)
                       + sum_{l=2}^{L-1} log(|phi(g_l)|^2 / n_l) + log(|g_L|^2 / n_L)
  with independent g_l ~ N(0, I_{n_l}) (Hanin & Rolnick 2018). To second order in 1/n, for equal
  widths n, its mean is (L - 1)(log(sigma_w^2 (1 + a^2)/2) - v/(2n)) and its variance (L - 1) v / n,
  v = Var[phi(g)^2] / E[phi(g)^2]^2 = 6 (1 + a^4)/(1 + a^2)^2 - 1 (v = 5 for ReLU).
* Tanh mean field (Poole et al. 2016): the length map q -> sigma_w^2 E[tanh(sqrt(q) z)^2] + sigma_b^2
  has a unique stable fixed point q*, and chi_1 = sigma_w^2 E[tanh'(sqrt(q*) z)^2], z ~ N(0, 1),
  computed with 301-node Gauss-Hermite quadrature (probabilists' weights) and Brent's method.
* Windows of the statistical checks: chi^2 quantiles and normal tails (scipy.special).
"""
from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import integrate, special
from scipy.optimize import brentq

# -- piecewise-linear activations ---------------------------------------------------------------


def _half_line_second_moment(slope: float, lo: float, hi: float) -> float:
    """E[(slope z)^2 1[lo < z < hi]] for z ~ N(0, 1), by adaptive quadrature."""
    pdf = lambda z: math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    value, _ = integrate.quad(lambda t: (slope * t) ** 2 * pdf(t), lo, hi, epsabs=1e-14, epsrel=1e-13)
    return value


def second_moment_ratio(a: float, b: float = 1.0) -> float:
    r"""E[phi(z)^2] / E[z^2] for phi(z) = b z (z > 0), a z (z <= 0), z ~ N(0, 1), by quadrature of the
    two half-lines (relative accuracy ~1e-13; the closed form is (a^2 + b^2)/2)."""
    return _half_line_second_moment(b, 0.0, math.inf) + _half_line_second_moment(a, -math.inf, 0.0)


def second_moment_factor(a: float) -> float:
    """E[phi(z)^2] / E[z^2] for leaky ReLU of slope a and z symmetric about 0: (1 + a^2)/2."""
    return (1.0 + a * a) / 2.0


def variance_factor(a: float) -> float:
    """Var[phi(z)] / Var[z] for z ~ N(0, s^2): the second moment minus (E phi(z))^2 = (1 - a)^2 s^2 / (2 pi)."""
    return second_moment_factor(a) - (1.0 - a) ** 2 / (2.0 * math.pi)


def theory_sigma_w2(a: float) -> float:
    """The critical sigma_w^2 = fan_in Var[W] of leaky ReLU: E[z^2] is the same in every layer."""
    return 1.0 / second_moment_factor(a)


def relative_kurtosis(a: float) -> float:
    """v = Var[phi(g)^2] / E[phi(g)^2]^2 for g ~ N(0, 1): E phi^4 = 3 (1 + a^4)/2."""
    return 6.0 * (1.0 + a ** 4) / (1.0 + a * a) ** 2 - 1.0


def log_ratio_law(depth: int, width: int, a: float, sigma_w2: float) -> tuple:
    """Mean and standard deviation of log(q_depth / q_1) for one net and one input (module doc)."""
    v = relative_kurtosis(a)
    steps = depth - 1
    mean = steps * (math.log(sigma_w2 * second_moment_factor(a)) - v / (2.0 * width))
    return mean, math.sqrt(steps * v / width)


# -- windows of statistical checks --------------------------------------------------------------


def chi2_window(dof: int, p: float) -> tuple:
    """Two-sided (1 - p) interval of chi^2(dof) / dof (scipy.special.chdtri inverts the upper tail)."""
    return special.chdtri(dof, 1 - p / 2) / dof, special.chdtri(dof, p / 2) / dof


def normal_bound(p: float) -> float:
    """z with P(|N(0, 1)| > z) = p."""
    return float(-special.ndtri(p / 2))


# -- tanh mean field ------------------------------------------------------------------------------
_Z, _W = hermegauss(301)
_W = _W / _W.sum()


def gauss_mean(values: np.ndarray) -> float:
    """E[f(z)], z ~ N(0, 1), from f evaluated at the 301 Gauss-Hermite nodes ``GAUSS_NODES``."""
    return float(_W @ values)


GAUSS_NODES = _Z


def oracle_q_star(sigma_w2: float, sigma_b2: float) -> float:
    """The stable fixed point of q -> sigma_w2 E[tanh(sqrt(q) z)^2] + sigma_b2."""
    if sigma_b2 == 0.0 and sigma_w2 <= 1.0:
        return 0.0
    g = lambda q: sigma_w2 * gauss_mean(np.tanh(math.sqrt(q) * _Z) ** 2) + sigma_b2 - q
    return brentq(g, 1e-12 if sigma_b2 == 0.0 else 0.0, sigma_w2 + sigma_b2, xtol=1e-15, rtol=1e-15)


def oracle_chi1(sigma_w2: float, sigma_b2: float, q: float = None, power: int = 4) -> float:
    """sigma_w2 E[tanh'(sqrt(q) z)^2] at q = q* (tanh' = sech^2, so power 4; power 2 is E[tanh'])."""
    q = oracle_q_star(sigma_w2, sigma_b2) if q is None else q
    return sigma_w2 * gauss_mean(np.cosh(math.sqrt(q) * _Z) ** (-power))


def oracle_critical(sigma_b2: float) -> float:
    """The sigma_w^2 where chi_1(sigma_w^2, sigma_b^2) = 1 (the order-chaos transition)."""
    return brentq(lambda s: oracle_chi1(s, sigma_b2) - 1.0, 0.5, 8.0, xtol=1e-13)
