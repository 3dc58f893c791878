r"""The theory the `init` checks compare with, computed here (numpy/scipy), independently of the
student's code and of the reference solution.

* Piecewise-linear activations phi(z) = b z (z > 0), a z (z <= 0): for z symmetric about 0,
  E[phi(z)^2] = (a^2 + b^2)/2 E[z^2]; ``second_moment_ratio`` computes it by Gauss-Legendre quadrature
  of each half-line (for z ~ N(0, 1)), and the gain is 1 / sqrt(that ratio). Leaky ReLU is b = 1, where
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
  computed with 301-node Gauss-Hermite quadrature (probabilists' weights) and bisection.
* Windows of the statistical checks: chi^2 quantiles and normal tails (scipy.special).
"""
from __future__ import annotations

import functools
import math

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import special

# -- piecewise-linear activations ---------------------------------------------------------------


_LEG_T, _LEG_W = np.polynomial.legendre.leggauss(200)
_HALF_T, _HALF_W = 6.0 * (_LEG_T + 1.0), 6.0 * _LEG_W       # Gauss-Legendre on (0, 12)


def second_moment_ratio(a: float, b: float = 1.0) -> float:
    r"""E[phi(z)^2] / E[z^2] for phi(z) = b z (z > 0), a z (z <= 0), z ~ N(0, 1), by quadrature: phi evaluated
    pointwise at +-t, t on 200 Gauss-Legendre nodes of (0, 12) (the tail beyond 12 is below 1e-30 and the
    integrand is smooth on each half-line, so the rule is exact to round-off; the closed form is (a^2 + b^2)/2).
    numpy only: scipy.integrate's import would cost the grading process 27 MB."""
    phi = lambda z: np.where(z > 0, b * z, a * z)
    pdf = np.exp(-0.5 * _HALF_T ** 2) / math.sqrt(2.0 * math.pi)
    return float(_HALF_W @ ((phi(_HALF_T) ** 2 + phi(-_HALF_T) ** 2) * pdf))


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


# -- training when every weight is ~0: only the readout bias learns ------------------------------
def bias_only_final_losses(counts: np.ndarray, steps: int, lr: float, clip=1.0, accumulate: bool = False,
                           outputs: int = 10) -> np.ndarray:
    r"""The full-data cross-entropy after ``steps`` SGD steps on mini-batches of one row, for a net whose
    weights are all (practically) 0, for every sequence of drawn labels: float64 (10^steps,).

    With every weight ~0 every hidden unit outputs ~0, the logits are the readout bias b, and every other
    parameter's gradient is ~0 (it is a product with a weight or with a hidden output): SGD moves b only,
        b <- b - lr clip(softmax(b) - e_y),  clip(g) = g min(1, clip / |g|)  (the gradient norm of all parameters),
    from b = 0, for the label y of the drawn row. The loss on the whole data set is
    logsumexp(b) - sum_c pi_c b_c with pi_c = counts_c / sum(counts). ``accumulate``: gradients summed over the
    steps (zero_grad missing); ``clip=None``: no clipping; ``outputs`` > 10: extra logits no label uses.
    """
    counts = np.asarray(counts, dtype=np.float64)
    labels = np.indices((10,) * steps).reshape(steps, -1).T if steps else np.zeros((1, 0), dtype=int)
    rows = np.arange(len(labels))
    b, total = np.zeros((len(labels), outputs)), np.zeros((len(labels), outputs))
    for t in range(steps):
        g = np.exp(b - b.max(axis=1, keepdims=True))
        g /= g.sum(axis=1, keepdims=True)
        g[rows, labels[:, t]] -= 1.0
        if accumulate:
            total += g
            g = total.copy()
        if clip is not None:
            g *= np.minimum(1.0, clip / np.linalg.norm(g, axis=1, keepdims=True))
        b -= lr * g
    top = b.max(axis=1)
    return top + np.log(np.exp(b - top[:, None]).sum(axis=1)) - b[:, :10] @ (counts / counts.sum())


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


def bisect_root(f, lo: float, hi: float, xtol: float) -> float:
    """The root of a continuous f with f(lo), f(hi) of opposite signs, by bisection to ``xtol`` (used instead
    of scipy.optimize.brentq, whose import costs the grading process 24 MB; 60 halvings are cheap here)."""
    f_lo = f(lo)
    if f_lo * f(hi) > 0:
        raise ValueError("bisect_root: f(lo) and f(hi) have the same sign")
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        f_mid = f(mid)
        if f_mid == 0.0:
            return mid
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def oracle_q_star(sigma_w2: float, sigma_b2: float) -> float:
    """The stable fixed point of q -> sigma_w2 E[tanh(sqrt(q) z)^2] + sigma_b2."""
    if sigma_b2 == 0.0 and sigma_w2 <= 1.0:
        return 0.0
    g = lambda q: sigma_w2 * gauss_mean(np.tanh(math.sqrt(q) * _Z) ** 2) + sigma_b2 - q
    return bisect_root(g, 1e-12 if sigma_b2 == 0.0 else 0.0, sigma_w2 + sigma_b2, xtol=1e-14)


def oracle_chi1(sigma_w2: float, sigma_b2: float, q: float = None, power: int = 4) -> float:
    """sigma_w2 E[tanh'(sqrt(q) z)^2] at q = q* (tanh' = sech^2, so power 4; power 2 is E[tanh'])."""
    q = oracle_q_star(sigma_w2, sigma_b2) if q is None else q
    return sigma_w2 * gauss_mean(np.cosh(math.sqrt(q) * _Z) ** (-power))


def oracle_critical(sigma_b2: float) -> float:
    """The sigma_w^2 where chi_1(sigma_w^2, sigma_b^2) = 1 (the order-chaos transition)."""
    return bisect_root(lambda s: oracle_chi1(s, sigma_b2) - 1.0, 0.5, 8.0, xtol=1e-12)


def tanh_length_map(q: float, sigma_w2: float, sigma_b2: float) -> float:
    """One step of the length map: sigma_w2 E[tanh(sqrt(q) z)^2] + sigma_b2."""
    return sigma_w2 * gauss_mean(np.tanh(math.sqrt(q) * _Z) ** 2) + sigma_b2


def tanh_chi(q: float, sigma_w2: float) -> float:
    """sigma_w2 E[tanh'(sqrt(q) z)^2]: the growth of squared lengths through a layer whose inputs have
    second moment q (chi_1 at q = q*)."""
    return sigma_w2 * gauss_mean(np.cosh(math.sqrt(q) * _Z) ** -4.0)


# -- trajectory lengths (Poole et al. 2016, Raghu et al. 2017) -----------------------------------
def trajectory_log_growth(sigma_w2: float, sigma_b2: float, depth: int, width: int, in_features: int) -> np.ndarray:
    r"""Mean-field log(L_l / L_0), l = 1..depth, for the circle x(t) = sqrt(in_features) (u cos t + v sin t)
    (u, v orthonormal) through ``depth`` blocks (Linear, Tanh) of width ``width`` (W ~ N(0, sigma_w2 /
    fan_in), b ~ N(0, sigma_b2)), L_l the length of the curve of pre-activations z_l(t) of block l.

    A tangent vector is multiplied by W diag(tanh'(z)) per layer, and in the wide limit the points of
    the curve all have second moment q_l, with q_1 = sigma_w2 + sigma_b2 (|x|^2 / in_features = 1) and
    q_{l+1} = sigma_w2 E[tanh(sqrt(q_l) z)^2] + sigma_b2. So log L_1 / L_0 = log(sigma_w2 width /
    in_features) / 2 and each later layer adds log(chi(q_l)) / 2, chi(q) = sigma_w2 E[tanh'(sqrt(q) z)^2]:
    the per-layer growth factor tends to sqrt(chi_1) once q_l has reached q*.

    Returns:
        float64 array (depth,); finite-width corrections are O(1/width) per layer (hidden_depth.py).
    """
    steps = [0.5 * math.log(sigma_w2 * width / in_features)]
    q = sigma_w2 + sigma_b2
    for _ in range(1, depth):
        steps.append(0.5 * math.log(tanh_chi(q, sigma_w2)))
        q = tanh_length_map(q, sigma_w2, sigma_b2)
    return np.cumsum(steps)


# -- the spread of log(q_L / q_1) through leaky-ReLU nets of any widths ---------------------------
def _log_chi2_cumulants(n: int) -> np.ndarray:
    """Cumulants 1..4 of log(chi^2_n / n): psi(n/2) + log(2/n), then psi^(r-1)(n/2)."""
    half = n / 2.0
    return np.array([special.digamma(half) + math.log(2.0 / n), special.polygamma(1, half),
                     special.polygamma(2, half), special.polygamma(3, half)])


def _cumulants(moments: np.ndarray) -> np.ndarray:
    """Cumulants 1..4 from raw moments 1..4."""
    m1, m2, m3, m4 = moments
    return np.array([m1, m2 - m1 ** 2, m3 - 3 * m2 * m1 + 2 * m1 ** 3,
                     m4 - 4 * m3 * m1 - 3 * m2 ** 2 + 12 * m2 * m1 ** 2 - 6 * m1 ** 4])


def _slope_mix_expect(n: int, a: float, fn, nodes: int = 48) -> np.ndarray:
    r"""E[fn(a^2 + (1 - a^2) U)] where a^2 + (1 - a^2) U = |phi(g)|^2 / |g|^2 for g ~ N(0, I_n), phi leaky
    ReLU of slope a > 0: given the number K ~ Binomial(n, 1/2) of positive coordinates, U = (sum of their
    squares) / |g|^2 ~ Beta(K/2, (n - K)/2) (U = 0 or 1 at K = 0 or n), independent of |g|^2. The Beta
    expectations by Gauss-Jacobi quadrature (``nodes`` nodes per K; ``fn`` maps arrays to arrays of rows)."""
    total = 0.0
    for k in range(n + 1):
        weight = math.exp(special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1) - n * math.log(2))
        if k in (0, n):
            values, probs = np.array([a * a if k == 0 else 1.0]), np.array([1.0])
        else:
            x, w = special.roots_jacobi(nodes, (n - k) / 2.0 - 1.0, k / 2.0 - 1.0)   # weight (1-x)^al (1+x)^be
            values, probs = a * a + (1.0 - a * a) * (1.0 + x) / 2.0, w / w.sum()     # U = (1 + x)/2
        total = total + weight * (np.asarray(fn(values)) @ probs)
    return total


@functools.lru_cache(maxsize=64)
def _slope_mix_cumulants(n: int, a: float) -> np.ndarray:
    """Cumulants 1..4 of log(|phi(g)|^2 / |g|^2) for g ~ N(0, I_n) (see _slope_mix_expect)."""
    return _cumulants(_slope_mix_expect(n, a, lambda v: np.log(v)[None, :] ** np.arange(1, 5)[:, None]))


def _chi2_moment(n: int, k: int) -> float:
    """E[(chi^2_n / n)^k] = (2/n)^k Gamma(n/2 + k) / Gamma(n/2)."""
    return math.exp(k * math.log(2.0 / n) + special.gammaln(n / 2.0 + k) - special.gammaln(n / 2.0))


def ratio_moment(widths: tuple, a: float, sigma_w2: float, k: int) -> float:
    r"""E[(q_L / q_1)^k] for hidden widths n_1..n_L (exact: a product of independent factors, see
    log_ratio_cumulants)."""
    widths = [int(n) for n in widths]
    mix = lambda n: float(_slope_mix_expect(n, a, lambda v: v ** k))
    value = sigma_w2 ** (k * (len(widths) - 1)) * mix(widths[0]) * _chi2_moment(widths[-1], k)
    for n in widths[1:-1]:
        value *= _chi2_moment(n, k) * mix(n)
    return value


def log_ratio_cumulants(widths: tuple, a: float) -> np.ndarray:
    r"""Cumulants 1..4 of log(q_L / q_1) + (L - 1) log(1 / sigma_w^2), for one input through Linear layers
    of widths n_1..n_L = ``widths`` (hidden layers; Gaussian weights, zero biases) with leaky ReLU of
    slope a > 0 between them, from the exact representation (module doc): the independent terms
    log(|phi(g_1)|^2/|g_1|^2), log(|phi(g_l)|^2/n_l) (l = 2..L-1) and log(|g_L|^2/n_L) add their cumulants;
    |phi(g)|^2 = |g|^2 (a^2 + (1 - a^2) U) with |g|^2 ~ chi^2_n independent of U.

    The variance (second cumulant) is v sum_l 1/n_l to leading order in 1/n (v = relative_kurtosis(a)),
    with the first layer contributing 3 (1 - a^2)^2 / ((1 + a^2)^2 n_1) and the last 2 / n_L, whose sum is
    v / n when both have width n.
    """
    widths = [int(n) for n in widths]
    total = _slope_mix_cumulants(widths[0], a)
    for n in widths[1:-1]:
        total = total + _log_chi2_cumulants(n) + _slope_mix_cumulants(n, a)
    return total + _log_chi2_cumulants(widths[-1])


def exact_log_ratio_law(widths: tuple, a: float, sigma_w2: float) -> tuple:
    """Mean and standard deviation of log(q_L / q_1) for hidden widths n_1..n_L, exactly (log_ratio_cumulants)."""
    k = log_ratio_cumulants(tuple(widths), a)
    return float(k[0] + (len(widths) - 1) * math.log(sigma_w2)), float(math.sqrt(k[1]))


def sample_variance_window(cumulants: np.ndarray, n_samples: int, p: float) -> tuple:
    r"""Two-sided (1 - p) interval of s^2 / sigma^2 for the sample variance s^2 (ddof 1) of ``n_samples``
    iid draws with the given cumulants: E s^2 = sigma^2, Var s^2 = sigma^4 (2/(n-1) + gamma/n), gamma the
    excess kurtosis k_4 / k_2^2; approximated by chi^2_d / d with d matched to that variance
    (Satterthwaite), d = 2 / (2/(n-1) + gamma/n)."""
    gamma = cumulants[3] / cumulants[1] ** 2
    dof = 2.0 / (2.0 / (n_samples - 1) + max(gamma, 0.0) / n_samples)
    return special.chdtri(dof, 1 - p / 2) / dof, special.chdtri(dof, p / 2) / dof


def width_one_variance_window(a: float, n_out: int, n_samples: int, p: float, z: float = 8.0) -> tuple:
    r"""The law of log(q_2 / q_1) for nets n_0 -> 1 -> n_out (one hidden unit, leaky ReLU of slope a, critical
    Gaussian weights, zero biases, one input), and a window for its sample variance over ``n_samples`` nets.

    The unit's pre-activation z_1 is a centred Gaussian, so the leaky ReLU passes it whole (z_1 > 0) or times a
    (z_1 < 0), with probability 1/2 each, and given phi(z_1) the output layer is an isotropic Gaussian vector:
        log(q_2 / q_1) = log sigma_w^2 + c B + E,   c = 2 log a,  B ~ Bernoulli(1/2),  E = log(chi^2_n / n),
    B and E independent; sigma^2 = Var = c^2/4 + v, v = psi'(n/2) (the variance of E).
    For K = n_samples draws x_i = c B_i + E_i (the constant drops out of the sample variance s^2):
        (K - 1) s^2 = A + 2 C + D,  A = c^2 N (K - N) / K (N = sum B_i ~ Binomial(K, 1/2)),
        C = sum_i c (B_i - N/K)(E_i - E[E]) (given the B_i: mean 0, variance A v <= A_max v, A_max = c^2 K/4),
        D = sum_i (E_i - mean E)^2 >= 0 (mean (K - 1) v, variance ~ (K - 1) v^2 (2 + kurt_E)).
    Lower edge: |N - K/2| < d except with probability p / 2 (d from the exact binomial tail), and
    C > -z sqrt(A_max v); upper edge: N(K - N) <= K^2/4, C < z sqrt(A_max v), D < (K - 1) v (1 + z sqrt((2 +
    kurt_E)/(K - 1))). C and D are sums of K light-tailed terms (skewness below 0.03 at K = 300), so their
    normal tails at z = 8 sd (1e-15) are exact to far better than the factor that would matter. P(s^2 outside)
    <= p / 2 + 3e-15.

    Returns:
        (sigma^2, lo, hi): the law's variance and the window of s^2 / sigma^2 (ddof 1).
    """
    c = 2.0 * math.log(a)
    k_e = _log_chi2_cumulants(n_out)
    v, kurt = float(k_e[1]), float(k_e[3] / k_e[1] ** 2)
    sigma2 = c * c / 4.0 + v
    half = n_samples / 2.0
    # the smallest d with P(|N - K/2| >= d) <= p/2: N <= K/2 - d has probability bdtr(floor(K/2 - d), K, 1/2)
    d = 0.0
    while 2.0 * special.bdtr(math.floor(half - d), n_samples, 0.5) > p / 2.0:
        d += 1.0
    a_min = c * c * (half * half - d * d) / n_samples
    a_max = c * c * half * half / n_samples
    spread = 2.0 * z * math.sqrt(a_max * v)
    lo = (a_min - spread) / (n_samples - 1)
    hi = (a_max + spread) / (n_samples - 1) + v * (1.0 + z * math.sqrt((2.0 + max(kurt, 0.0)) / (n_samples - 1)))
    return sigma2, lo / sigma2, hi / sigma2
