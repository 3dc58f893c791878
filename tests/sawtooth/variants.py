r"""Answers to the sawtooth questions that the graders must judge: correct ones written independently
of the reference (other algorithms, dtypes, libraries, unit orders) and plausible mistakes.

Each variant is a function ``namespace -> {notebook name: replacement}``; it may use the
namespace's other definitions (a student's notebook would). ``CORRECT`` maps a question to its
correct variants; ``MISTAKES`` lists (question, words of the expected message, variant).
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import torch
from torch import nn

from shared.netops import affine, chain, identity_net, parallel


def linear(weight, bias, dtype=torch.float32) -> nn.Linear:
    weight = torch.as_tensor(np.asarray(weight, dtype=np.float64), dtype=dtype)
    layer = nn.Linear(weight.shape[1], weight.shape[0], dtype=dtype)
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(torch.as_tensor(np.asarray(bias, dtype=np.float64).reshape(-1), dtype=dtype))
    return layer


def sequential(maps, dtype=torch.float32) -> nn.Sequential:
    """Linear, (ReLU, Linear) * d from a list of (weight, bias)."""
    layers = []
    for i, (w, b) in enumerate(maps):
        layers += ([nn.ReLU()] if i else []) + [linear(w, b, dtype)]
    return nn.Sequential(*layers)


def maps_of(net: nn.Sequential) -> list:
    return [(l.weight.detach().double().numpy(), l.bias.detach().double().numpy()) for l in net if isinstance(l, nn.Linear)]


def block_diagonal(*blocks) -> np.ndarray:
    rows, cols = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
    out, r, c = np.zeros((rows, cols)), 0, 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


# == correct answers =============================================================================
# -- q1 relu
def relu_indicator(ns):
    return {"relu": lambda x: x * (x > 0)}


def relu_abs(ns):
    return {"relu": lambda x: (x + abs(x)) / 2}


def relu_dispatch(ns):
    return {"relu": lambda x: torch.relu(x) if isinstance(x, torch.Tensor) else np.maximum(x, 0.0)}


# -- q2 rect
def rect_interp(ns):
    return {"rect": lambda x, a, b, h, eps=1e-7: np.interp(x, [a - eps, a, b, b + eps], [0.0, h, h, 0.0])}


def rect_inner_ramps(ns):
    relu = ns["relu"]
    return {"rect": lambda x, a, b, h, eps=1e-7: h / eps * (relu(x - a) - relu(x - a - eps) - relu(x - b + eps) + relu(x - b))}


def rect_clipped_product(ns):
    return {"rect": lambda x, a, b, h, eps=1e-7: h * np.clip((x - a + eps) / eps, 0, 1) * np.clip((b + eps - x) / eps, 0, 1)}


# -- q3 tri, sawtooth
def sawtooth_closed_form(ns):
    def tri(x):
        return np.maximum(0.0, 1.0 - np.abs(2.0 * x - 1.0))

    def sawtooth(x, n):
        if n == 0:
            return np.array(x, dtype=float)
        return np.where((x >= 0) & (x <= 1), 1.0 - np.abs(np.mod(2.0 ** n * x, 2.0) - 1.0), 0.0)
    return {"tri": tri, "sawtooth": sawtooth}


def sawtooth_per_element(ns):
    """Plain Python floats, one element at a time (slow but correct)."""
    def tri_scalar(v):
        r = lambda z: z if z > 0 else 0.0
        return r(r(2 * v) - r(4 * v - 2))

    def tri(x):
        return np.array([tri_scalar(float(v)) for v in np.ravel(x)]).reshape(np.shape(x))

    def sawtooth(x, n):
        def one(v):
            for _ in range(n):
                v = tri_scalar(v)
            return v
        return np.array([one(float(v)) for v in np.ravel(x)]).reshape(np.shape(x))
    return {"tri": tri, "sawtooth": sawtooth}


def sawtooth_torch(ns):
    def tri(x):
        t = torch.as_tensor(x, dtype=torch.float64)
        return torch.relu(torch.relu(2 * t) - torch.relu(4 * t - 2)).numpy()

    def sawtooth(x, n):
        return x if n == 0 else sawtooth(tri(x), n - 1)
    return {"tri": tri, "sawtooth": sawtooth}


# -- q4 deep net
def deep_half_kink(ns):
    """Units relu(t), relu(t - 1/2) with t = 2 h1 - 4 h2."""
    def deep(n):
        if n == 0:
            return sequential([([[1.0]], [0.0])])
        maps = [([[1.0], [1.0]], [0.0, -0.5])] + [([[2.0, -4.0], [2.0, -4.0]], [0.0, -0.5])] * (n - 1)
        return sequential(maps + [([[2.0, -4.0]], [0.0])])
    return {"deep_sawtooth_net": deep}


def deep_float64_swapped(ns):
    """float64 layers, the unit relu(4t - 2) first."""
    def deep(n):
        if n == 0:
            return sequential([([[1.0]], [0.0])], torch.float64)
        maps = [([[4.0], [2.0]], [-2.0, 0.0])] + [([[-4.0, 4.0], [-2.0, 2.0]], [-2.0, 0.0])] * (n - 1)
        return sequential(maps + [([[-1.0, 1.0]], [0.0])], torch.float64)
    return {"deep_sawtooth_net": deep}


def deep_chained_blocks(ns):
    """netops.chain of n copies of tri written as its own 1-2-1 net."""
    def deep(n):
        block = sequential([([[2.0], [4.0]], [0.0, -2.0]), ([[1.0, -1.0]], [0.0])])
        return chain(*[block] * n) if n else affine([[1.0]], [0.0])
    return {"deep_sawtooth_net": deep}


def deep_scaled_units(ns):
    """Every hidden unit scaled by 1/3 (undone by the next layer): parameters that float32 rounds."""
    def deep(n, k=1.0 / 3):
        if n == 0:
            return sequential([([[1.0]], [0.0])])
        maps = [([[2.0 * k], [4.0 * k]], [0.0, -2.0 * k])] + [([[2.0, -2.0], [4.0, -4.0]], [0.0, -2.0 * k])] * (n - 1)
        return sequential(maps + [([[1.0 / k, -1.0 / k]], [0.0])])
    return {"deep_sawtooth_net": deep}


# -- q5 shallow net
def shallow_scaled_units(ns):
    """Units relu(2^n x - k) with output weights 1, -2, 2, ...; width from a bit shift."""
    def shallow(n):
        m = 1 << n
        k = np.arange(m)
        return sequential([(np.full((m, 1), float(m)), -k.astype(float)),
                           (np.where(k == 0, 1.0, 2.0 * (-1.0) ** k)[None, :], [0.0])])
    return {"shallow_sawtooth_net": shallow, "min_shallow_width": lambda n: 1 << n}


def shallow_left_facing(ns):
    """Units relu(k/2^n - x), k = 1..2^n, facing left; the output bias is the value at x = 1."""
    def shallow(n):
        m = 2 ** n
        k = np.arange(1, m + 1)
        c = np.where(k % 2 == 1, -2.0 * m, 2.0 * m)
        c[-1] = float(m) if n >= 1 else -1.0
        return sequential([(-np.ones((m, 1)), k / m), (c[None, :], [0.0 if n >= 1 else 1.0])])
    return {"shallow_sawtooth_net": shallow, "min_shallow_width": lambda n: int(2 ** n)}


def shallow_lstsq(ns):
    """Kinks at k/2^n (k = 0..2^n - 1), in a shuffled order, output weights by least squares on the
    knots, float64."""
    def shallow(n):
        m = 2 ** n
        kinks = np.random.default_rng(n).permutation(m) / m
        x = np.arange(m + 1) / m
        features = np.maximum(x[:, None] - kinks[None, :], 0.0)
        target = np.where(np.arange(m + 1) % 2 == 1, 1.0, 0.0) if n else x
        weights = np.linalg.lstsq(features, target, rcond=None)[0]
        return sequential([(np.ones((m, 1)), -kinks), (weights[None, :], [0.0])], torch.float64)
    return {"shallow_sawtooth_net": shallow, "min_shallow_width": lambda n: len(range(2 ** n))}


# -- q7 count_pieces
def count_second_differences(ns):
    def count(f, lo, hi, level):
        x = np.arange(round(lo * 2 ** level), round(hi * 2 ** level) + 1) / 2.0 ** level
        y = np.asarray(f(x), dtype=float)
        second = y[2:] - 2 * y[1:-1] + y[:-2]
        return 1 + int(np.count_nonzero(np.abs(second) > 1e-12 * max(1.0, np.abs(y).max())))
    return {"count_pieces": count}


def count_fractions(ns):
    """Exact rational slopes of the float values, in a Python loop; consecutive slopes differ when
    they differ by more than 1e-9 of the larger of the two (the contract's relative tolerance)."""
    def count(f, lo, hi, level):
        step = Fraction(1, 2 ** level)
        k = int((Fraction(hi) - Fraction(lo)) / step)
        xs = [Fraction(lo) + i * step for i in range(k + 1)]
        ys = [Fraction(float(v)) for v in f(np.array([float(v) for v in xs]))]
        slopes = [(ys[i + 1] - ys[i]) / step for i in range(k)]
        tol = Fraction(1, 10 ** 9)
        return 1 + sum(1 for a, b in zip(slopes, slopes[1:]) if abs(a - b) > tol * max(abs(a), abs(b)))
    return {"count_pieces": count}


def count_groupby(ns):
    """Groups runs of equal slopes after rounding them to 9 digits relative to the largest slope."""
    def count(f, lo, hi, level):
        x = np.linspace(lo, hi, int(round((hi - lo) * 2 ** level)) + 1)
        slopes = np.diff(f(x)) / np.diff(x)
        slopes = np.round(slopes / max(1.0, np.abs(slopes).max()), 9)
        return sum(1 for _ in itertools.groupby(slopes.tolist()))
    return {"count_pieces": count}


# -- q8 sin net and bound
def sin_left_facing(ns):
    def net(n_hidden, lo, hi):
        t = np.linspace(lo, hi, n_hidden + 1)
        s = np.diff(np.sin(t)) / np.diff(t)
        c = np.append(np.diff(s), -s[-1])                         # kinks at t_1 .. t_n
        return sequential([(-np.ones((n_hidden, 1)), t[1:]), (c[None, :], [np.sin(hi)])])
    return {"sin_relu_net": net, "interpolation_error_bound": lambda h, max_abs_f2: max_abs_f2 * h ** 2 / 8}


def sin_lstsq_float64(ns):
    def net(n_hidden, lo, hi):
        t = lo + (hi - lo) * np.arange(n_hidden + 1) / n_hidden
        features = np.hstack([np.maximum(t[:, None] - t[None, :-1], 0.0), np.ones((n_hidden + 1, 1))])
        sol = np.linalg.solve(features, np.sin(t))
        return sequential([(np.ones((n_hidden, 1)), -t[:-1]), (sol[None, :-1], [sol[-1]])], torch.float64)

    def bound(h, max_abs_f2):
        return 0.5 * max_abs_f2 * (h / 2) ** 2        # |f''|/2 * max |(x - a)(x - b)|
    return {"sin_relu_net": net, "interpolation_error_bound": bound}


def sin_torch_scaled(ns):
    """Units relu((x - t_k)/h), weights from torch float64."""
    def net(n_hidden, lo, hi):
        h = (hi - lo) / n_hidden
        t = torch.linspace(lo, hi, n_hidden + 1, dtype=torch.float64)
        s = torch.diff(torch.sin(t)) / h
        c = torch.diff(s, prepend=torch.zeros(1, dtype=torch.float64)) * h
        return sequential([(np.full((n_hidden, 1), 1 / h), (-t[:-1] / h).numpy()),
                           (c.numpy()[None, :], [math.sin(lo)])])
    return {"sin_relu_net": net, "interpolation_error_bound": lambda h, max_abs_f2: float(np.float64(h) ** 2 * max_abs_f2 * 0.125)}


# -- q9 square_net
def square_with_sum(ns):
    """x passed through, sum of the sawtooth terms accumulated: 4 units per layer."""
    def square(m):
        maps = [([[1.0], [2.0], [4.0], [0.0]], [0.0, 0.0, -2.0, 0.0])]
        for s in range(1, m):
            c = 4.0 ** -s
            maps.append(([[1, 0, 0, 0], [0, 2, -2, 0], [0, 4, -4, 0], [0, c, -c, 1]], [0, 0, -2, 0]))
        c = 4.0 ** -m
        return sequential(maps + [([[1.0, -c, c, -1.0]], [0.0])])
    return {"square_net": square}


def square_by_stages(ns):
    """netops: each stage maps (sawtooth(x, s-1), f_{s-1}) to (sawtooth(x, s), f_s)."""
    def square(m):
        stages = [affine([[1.0], [1.0]], [0.0, 0.0])]
        for s in range(1, m + 1):
            c = 4.0 ** -s
            stages.append(sequential([([[2.0, 0.0], [4.0, 0.0], [0.0, 1.0]], [0.0, -2.0, 0.0]),
                                      ([[1.0, -1.0, 0.0], [-c, c, 1.0]], [0.0, 0.0])]))
        return chain(*stages, affine([[0.0, 1.0]], [0.0]))
    return {"square_net": square}


def square_float64_half_kinks(ns):
    """float64; tri as 2 relu(t) - 4 relu(t - 1/2); units (x, sum, relu(t), relu(t - 1/2))."""
    def square(m):
        maps = [([[1.0], [0.0], [1.0], [1.0]], [0.0, 0.0, 0.0, -0.5])]
        for s in range(1, m):
            c = 4.0 ** -s
            maps.append(([[1, 0, 0, 0], [0, 1, 2 * c, -4 * c], [0, 0, 2, -4], [0, 0, 2, -4]], [0, 0, 0, -0.5]))
        c = 4.0 ** -m
        return sequential(maps + [([[1.0, -1.0, -2 * c, 4 * c]], [0.0])], torch.float64)
    return {"square_net": square}


def square_scaled_units(ns):
    """The reference layout with every unit scaled by 1/3 (undone by the next layer): float32 rounds
    these parameters, so the net is exact only to about 1e-8."""
    def square(m, k=1.0 / 3):
        maps = [([[2.0 * k], [4.0 * k], [k]], [0.0, -2.0 * k, 0.0])]
        for s in range(1, m):
            c = 4.0 ** -s
            maps.append(([[2, -2, 0], [4, -4, 0], [-c, c, 1]], [0, -2 * k, 0]))
        c = 4.0 ** -m
        return sequential(maps + [([[-c / k, c / k, 1.0 / k]], [0.0])])
    return {"square_net": square}


# -- q10 product_net
def product_by_hand(ns):
    """The three squares' layers assembled block-diagonally by hand (no netops)."""
    def product(m):
        sq = maps_of(ns["square_net"](m))
        first = np.vstack([sq[0][0] @ np.array([[0.5, 0.5]]), sq[0][0] @ np.array([[1.0, 0.0]]),
                           sq[0][0] @ np.array([[0.0, 1.0]])])
        maps = [(first, np.concatenate([sq[0][1]] * 3))]
        maps += [(block_diagonal(w, w, w), np.concatenate([b] * 3)) for w, b in sq[1:-1]]
        w, b = sq[-1]
        maps.append((np.hstack([2 * w, -0.5 * w, -0.5 * w]), 2 * b - 0.5 * b - 0.5 * b))
        return sequential(maps)
    return {"product_net": product}


def product_complement(ns):
    """xy = 2 S(1 - u) - S(x)/2 - S(y)/2 + 2(x + y) - 2 with u = (x + y)/2; x and y pass through."""
    def product(m):
        sq = ns["square_net"](m)
        inputs = affine([[-0.5, -0.5], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], [1.0, 0, 0, 0, 0])
        combine = affine([[2.0, -0.5, -0.5, 2.0, 2.0]], [-2.0])
        return chain(inputs, parallel(sq, sq, sq, identity_net(2, m)), combine)
    return {"product_net": product}


def product_float64_reordered(ns):
    """Squares in the order (x, y, (x + y)/2), float64 affine maps."""
    def product(m):
        sq = ns["square_net"](m)
        inputs = sequential([([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], [0.0, 0.0, 0.0])], torch.float64)
        outputs = sequential([([[-0.5, -0.5, 2.0]], [0.0])], torch.float64)
        return chain(inputs, parallel(sq, sq, sq), outputs)
    return {"product_net": product}


# -- q11 product_of_n
def product_of_n_recursive(ns):
    """Split in halves, multiply each half recursively, pad the shallower half with identity layers."""
    def tree(n, m):
        if n == 1:
            return affine([[1.0]], [0.0])
        left, right = tree((n + 1) // 2, m), tree(n // 2, m)
        depth = lambda net: (len(net) - 1) // 2
        pad = depth(left) - depth(right)
        if pad:
            right = chain(right, identity_net(1, pad))
        return chain(parallel(left, right), ns["product_net"](m))
    return {"product_of_n": tree}


def product_of_n_by_hand(ns):
    """Level by level, block-diagonal layers assembled by hand from product_net(m), float64."""
    def product_of_n(n, m):
        p = maps_of(ns["product_net"](m))
        ident = [(np.eye(1), np.zeros(1))] * len(p)
        maps, width = [(np.eye(n), np.zeros(n))], n
        while width > 1:
            pairs, odd = divmod(width, 2)
            parts = [p] * pairs + [ident] * odd
            level = [(block_diagonal(*[q[i][0] for q in parts]), np.concatenate([q[i][1] for q in parts]))
                     for i in range(len(p))]
            w1, b1 = maps[-1]
            maps[-1] = (level[0][0] @ w1, level[0][0] @ b1 + level[0][1])
            maps += level[1:]
            width = pairs + odd
        return sequential(maps, torch.float64)
    return {"product_of_n": product_of_n}


def product_of_n_outer_pairs(ns):
    """Pairs (first, last), (second, second-to-last), ...; the middle one waits."""
    def product_of_n(n, m):
        net, width = affine(np.eye(n), np.zeros(n)), n
        while width > 1:
            order = [i for k in range(width // 2) for i in (k, width - 1 - k)] + ([width // 2] if width % 2 else [])
            net = chain(net, affine(np.eye(width)[order], np.zeros(width)))
            parts = [ns["product_net"](m)] * (width // 2) + [identity_net(1, m)] * (width % 2)
            net, width = chain(net, parallel(*parts)), width // 2 + width % 2
        return net
    return {"product_of_n": product_of_n}


CORRECT = {
    "sawtooth_q1": [relu_indicator, relu_abs, relu_dispatch],
    "sawtooth_q2": [rect_interp, rect_inner_ramps, rect_clipped_product],
    "sawtooth_q3": [sawtooth_closed_form, sawtooth_per_element, sawtooth_torch],
    "sawtooth_q4": [deep_half_kink, deep_float64_swapped, deep_chained_blocks, deep_scaled_units],
    "sawtooth_q5": [shallow_scaled_units, shallow_left_facing, shallow_lstsq],
    "sawtooth_q7": [count_second_differences, count_fractions, count_groupby],
    "sawtooth_q8": [sin_left_facing, sin_lstsq_float64, sin_torch_scaled],
    "sawtooth_q9": [square_with_sum, square_by_stages, square_float64_half_kinks, square_scaled_units],
    "sawtooth_q10": [product_by_hand, product_complement, product_float64_reordered],
    "sawtooth_q11": [product_of_n_recursive, product_of_n_by_hand, product_of_n_outer_pairs],
}


# == plausible mistakes ===========================================================================
# -- q2
def rect_without_last_relu(ns):
    relu = ns["relu"]
    return {"rect": lambda x, a, b, h, eps=1e-7: h / eps * (relu(x - (a - eps)) - relu(x - a) - relu(x - b))}


def rect_unscaled(ns):
    relu = ns["relu"]
    return {"rect": lambda x, a, b, h, eps=1e-7: relu(x - (a - eps)) - relu(x - a) - relu(x - b) + relu(x - (b + eps))}


def rect_sign_error(ns):
    relu = ns["relu"]
    return {"rect": lambda x, a, b, h, eps=1e-7: h / eps * (relu(x - (a - eps)) - relu(x - a) + relu(x - b) - relu(x - (b + eps)))}


def rect_times_eps(ns):
    relu = ns["relu"]
    return {"rect": lambda x, a, b, h, eps=1e-7: h * eps * (relu(x - (a - eps)) - relu(x - a) - relu(x - b) + relu(x - (b + eps)))}


def rect_one_long_ramp(ns):
    relu = ns["relu"]
    return {"rect": lambda x, a, b, h, eps=1e-7: h / (b - a) * (relu(x - a) - relu(x - b))}


# -- q3
def tri_without_outer_relu(ns):
    relu = ns["relu"]
    tri = lambda x: relu(2 * x) - relu(4 * x - 2)

    def sawtooth(x, n):
        for _ in range(n):
            x = tri(x)
        return x
    return {"tri": tri, "sawtooth": sawtooth}


def sawtooth_off_by_one(ns):
    tri = ns["tri"]

    def sawtooth(x, n):
        for _ in range(n + 1):
            x = tri(x)
        return x
    return {"sawtooth": sawtooth}


def sawtooth_one_short(ns):
    tri = ns["tri"]

    def sawtooth(x, n):
        for _ in range(max(n - 1, 0)):
            x = tri(x)
        return x
    return {"sawtooth": sawtooth}


def tri_unclipped(ns):
    tri = lambda x: 1 - np.abs(2 * x - 1)

    def sawtooth(x, n):
        for _ in range(n):
            x = tri(x)
        return x
    return {"tri": tri, "sawtooth": sawtooth}


def sawtooth_power(ns):
    tri = ns["tri"]
    return {"sawtooth": lambda x, n: tri(x) ** n if n else x}


# -- q4
def deep_net_wrong_bias(ns):
    def deep(n):
        maps = [([[2.0], [4.0]], [0.0, -1.0])] + [([[2.0, -2.0], [4.0, -4.0]], [0.0, -1.0])] * (n - 1)
        return sequential(maps + [([[1.0, -1.0]], [0.0])])
    return {"deep_sawtooth_net": deep}


def deep_net_one_layer_short(ns):
    ref = ns["deep_sawtooth_net"]
    return {"deep_sawtooth_net": lambda n: ref(max(n - 1, 0))}


def deep_net_width_three(ns):
    def deep(n):
        maps = [([[2.0], [4.0], [0.0]], [0.0, -2.0, 0.0])]
        maps += [([[2.0, -2.0, 0.0], [4.0, -4.0, 0.0], [0.0, 0.0, 0.0]], [0.0, -2.0, 0.0])] * (n - 1)
        return sequential(maps + [([[1.0, -1.0, 0.0]], [0.0])])
    return {"deep_sawtooth_net": deep}


def deep_net_reads_first_unit_only(ns):
    """Later layers feed on h1 alone (2 h1 and 4 h1 - 2) instead of t = h1 - h2."""
    def deep(n):
        if n == 0:
            return sequential([([[1.0]], [0.0])])
        maps = [([[2.0], [4.0]], [0.0, -2.0])] + [([[2.0, 0.0], [4.0, 0.0]], [0.0, -2.0])] * (n - 1)
        return sequential(maps + [([[1.0, -1.0]], [0.0])])
    return {"deep_sawtooth_net": deep}


def deep_net_output_sign(ns):
    def deep(n):
        maps = [([[2.0], [4.0]], [0.0, -2.0])] + [([[2.0, -2.0], [4.0, -4.0]], [0.0, -2.0])] * (n - 1)
        return sequential(maps + [([[-1.0, 1.0]], [0.0])])
    return {"deep_sawtooth_net": deep}


# -- q5
def deep_net_zero_is_tri(ns):
    """No special case for n = 0: the first tri layer is always there, so deep_sawtooth_net(0) = tri."""
    def deep(n):
        maps = [([[2.0], [4.0]], [0.0, -2.0])] + [([[2.0, -2.0], [4.0, -4.0]], [0.0, -2.0])] * (n - 1)
        return sequential(maps + [([[1.0, -1.0]], [0.0])])
    return {"deep_sawtooth_net": deep}


def shallow_width_off_by_one(ns):
    return {"min_shallow_width": lambda n: 2 ** n - 1}


def shallow_width_one_per_knot(ns):
    """One unit per knot k/2^n, k = 0..2^n, the end points included."""
    return {"min_shallow_width": lambda n: 2 ** n + 1}


def shallow_net_extra_unit(ns):
    ref = ns["shallow_sawtooth_net"]

    def shallow(n):
        (w, b), (c, d) = maps_of(ref(n))
        return sequential([(np.vstack([w, [[1.0]]]), np.append(b, -2.0)), (np.hstack([c, [[0.0]]]), d)])
    return {"shallow_sawtooth_net": shallow}


def shallow_net_wrong_slope(ns):
    def shallow(n):
        m = 2 ** n
        k = np.arange(m)
        changes = np.where(k == 0, float(m), 1.0 * m * (-1.0) ** k)   # half the slope jump
        return sequential([(np.ones((m, 1)), -k / m), (changes[None, :], [0.0])])
    return {"shallow_sawtooth_net": shallow}


def shallow_net_half_step_kinks(ns):
    def shallow(n):
        m = 2 ** n
        k = np.arange(m)
        changes = np.where(k == 0, float(m), 2.0 * m * (-1.0) ** k)
        return sequential([(np.ones((m, 1)), -(k + 0.5 * (k > 0)) / m), (changes[None, :], [0.0])])
    return {"shallow_sawtooth_net": shallow}


# -- q7
def count_pieces_linspace(ns):
    def count(f, lo, hi, level):
        x = np.linspace(lo, hi, 1000)
        slopes = np.diff(np.asarray(f(x), dtype=float)) / np.diff(x)
        return int(1 + np.count_nonzero(np.abs(np.diff(slopes)) > 1e-6))
    return {"count_pieces": count}


def count_pieces_counts_knots(ns):
    """Counts every grid interval as a piece (ignores collinear knots)."""
    return {"count_pieces": lambda f, lo, hi, level: int(round((hi - lo) * 2 ** level))}


def count_pieces_breakpoints(ns):
    ref = ns["count_pieces"]
    return {"count_pieces": lambda f, lo, hi, level: ref(f, lo, hi, level) - 1}


def count_pieces_sign_changes(ns):
    """Counts changes of the slope's sign (peaks and valleys), not changes of the slope."""
    def count(f, lo, hi, level):
        x = np.arange(round(lo * 2 ** level), round(hi * 2 ** level) + 1) / 2.0 ** level
        signs = np.sign(np.diff(f(x)))
        return 1 + int(np.count_nonzero(np.diff(signs)))
    return {"count_pieces": count}


def count_pieces_exact_comparison(ns):
    """Counts every change of the computed slope, round-off included (no tolerance)."""
    def count(f, lo, hi, level):
        x = np.arange(round(lo * 2 ** level), round(hi * 2 ** level) + 1) / 2.0 ** level
        slopes = np.diff(f(x)) / np.diff(x)
        return 1 + int(np.count_nonzero(np.diff(slopes)))
    return {"count_pieces": count}


def count_pieces_absolute_tolerance(ns):
    """Compares slopes with an absolute tolerance of 1e-9 (fails for large slopes with round-off)."""
    def count(f, lo, hi, level):
        x = np.arange(round(lo * 2 ** level), round(hi * 2 ** level) + 1) / 2.0 ** level
        slopes = np.diff(f(x)) / np.diff(x)
        return 1 + int(np.count_nonzero(np.abs(np.diff(slopes)) > 1e-9))
    return {"count_pieces": count}


def count_pieces_even_grid_end(ns):
    """Rounds the number of the last grid point down to an even one (a mutant of the reference's
    grid: right whenever hi 2^level is even, as on [0, 1] at level >= 1)."""
    def count(f, lo, hi, level):
        x = np.arange(round(lo * 2 ** level), (round(hi * 2 ** level) | 1)) / 2.0 ** level
        slopes = np.diff(f(x)) / np.diff(x)
        scale = max(1.0, float(np.abs(slopes).max()))
        return 1 + int(np.count_nonzero(np.abs(np.diff(slopes)) > 1e-9 * scale))
    return {"count_pieces": count}


def count_pieces_drops_last_interval(ns):
    def count(f, lo, hi, level):
        x = np.arange(round(lo * 2 ** level), round(hi * 2 ** level)) / 2.0 ** level   # hi left out
        slopes = np.diff(f(x)) / np.diff(x)
        return 1 + int(np.count_nonzero(np.abs(np.diff(slopes)) > 1e-9))
    return {"count_pieces": count}


# -- q8
def sin_net_n_knots(ns):
    """Interpolates at n_hidden points (spacing (hi - lo)/(n_hidden - 1)) instead of n_hidden + 1."""
    def net(n_hidden, lo, hi):
        knots = np.linspace(lo, hi, max(n_hidden, 2))
        slopes = np.diff(np.sin(knots)) / np.diff(knots)
        changes = np.diff(slopes, prepend=0.0)
        changes = np.append(changes, np.zeros(n_hidden - len(changes)))
        kk = np.append(knots[:-1], np.full(n_hidden - len(knots) + 1, hi))
        return sequential([(np.ones((n_hidden, 1)), -kk), (changes[None, :], [np.sin(lo)])])
    return {"sin_relu_net": net}


def sin_net_wrong_bias(ns):
    ref = ns["sin_relu_net"]

    def net(n_hidden, lo, hi):
        model = ref(n_hidden, lo, hi)
        with torch.no_grad():
            model[2].bias.zero_()
        return model
    return {"sin_relu_net": net}


def sin_net_least_squares(ns):
    """Kinks at the knots, output weights fitted to sin on a fine grid: close, but no interpolant."""
    def net(n_hidden, lo, hi):
        t = lo + (hi - lo) * np.arange(n_hidden + 1) / n_hidden
        x = np.linspace(lo, hi, 50 * n_hidden + 1)
        features = np.hstack([np.maximum(x[:, None] - t[None, :-1], 0.0), np.ones((x.size, 1))])
        sol = np.linalg.lstsq(features, np.sin(x), rcond=None)[0]
        return sequential([(np.ones((n_hidden, 1)), -t[:-1]), (sol[None, :-1], [sol[-1]])])
    return {"sin_relu_net": net}


def bound_quarter(ns):
    return {"interpolation_error_bound": lambda h, max_abs_f2: max_abs_f2 * h * h / 4}


def bound_half(ns):
    return {"interpolation_error_bound": lambda h, max_abs_f2: max_abs_f2 * h * h / 2}


def bound_linear_in_h(ns):
    return {"interpolation_error_bound": lambda h, max_abs_f2: max_abs_f2 * h / 8}


def bound_without_curvature(ns):
    return {"interpolation_error_bound": lambda h, max_abs_f2: h * h / 8}


def bound_sixteenth(ns):
    return {"interpolation_error_bound": lambda h, max_abs_f2: max_abs_f2 * h * h / 16}


# -- q9
def _square_accumulator(weights, m_terms=None, negate=False):
    """The reference layout (tri block + a unit carrying f) with the s-th term weighted weights(s)."""
    def square(m):
        terms = m if m_terms is None else m_terms(m)
        maps = [([[2.0], [4.0], [1.0]], [0.0, -2.0, 0.0])]
        for s in range(1, terms):
            c = weights(s)
            maps.append(([[2, -2, 0], [4, -4, 0], [-c, c, 1]], [0, -2, 0]))
        c = weights(terms)
        return sequential(maps + [([[-c, c, 1.0]], [0.0])])
    return square


def square_weights_off_by_one(ns):
    return {"square_net": _square_accumulator(lambda s: 4.0 ** -(s + 1))}


def square_weights_two_to_the_s(ns):
    return {"square_net": _square_accumulator(lambda s: 2.0 ** -s)}


def square_one_term_short(ns):
    def square(m):
        if m == 1:
            return sequential([([[1.0]], [0.0]), ([[1.0]], [0.0])])
        return _square_accumulator(lambda s: 4.0 ** -s)(m - 1)
    return {"square_net": square}


def square_one_term_too_many(ns):
    return {"square_net": lambda m: _square_accumulator(lambda s: 4.0 ** -s)(m + 1)}


def square_shallow_interpolant(ns):
    """One hidden layer, one unit per knot: 2^m units."""
    def square(m):
        k = 2 ** m
        knots = np.arange(k) / k
        slopes = (2 * np.arange(k) + 1) / k                   # chord slopes of x^2
        return sequential([(np.ones((k, 1)), -knots), (np.diff(slopes, prepend=0.0)[None, :], [0.0])])
    return {"square_net": square}


def square_negative_accumulator(ns):
    """Carries minus the sum of the terms through a ReLU (clipped to 0), instead of a value >= 0."""
    def square(m):
        maps = [([[1.0], [2.0], [4.0], [0.0]], [0.0, 0.0, -2.0, 0.0])]
        for s in range(1, m):
            c = 4.0 ** -s
            maps.append(([[1, 0, 0, 0], [0, 2, -2, 0], [0, 4, -4, 0], [0, -c, c, 1]], [0, 0, -2, 0]))
        c = 4.0 ** -m
        return sequential(maps + [([[1.0, -c, c, 1.0]], [0.0])])
    return {"square_net": square}


# -- q10
def _product(ns, inputs, coefficients, bias=0.0, level=lambda m: m):
    def product(m):
        sq = ns["square_net"](level(m))
        return chain(affine(inputs, np.zeros(len(inputs))), parallel(sq, sq, sq), affine([coefficients], [bias]))
    return {"product_net": product}


def product_without_rescaling(ns):
    return _product(ns, [[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]], [0.5, -0.5, -0.5])


def product_wrong_signs(ns):
    return _product(ns, [[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], [2.0, 0.5, 0.5], bias=-1.0)


def product_wrong_factor(ns):
    return _product(ns, [[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], [1.0, -0.5, -0.5])


def product_coarser_squares(ns):
    return _product(ns, [[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], [2.0, -0.5, -0.5], level=lambda m: max(m - 1, 1))


def product_finer_squares(ns):
    return _product(ns, [[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], [2.0, -0.5, -0.5], level=lambda m: m + 1)


def product_squares_in_a_row(ns):
    """The three squares chained one after another (each passing the others' values through)."""
    def product(m):
        sq = ns["square_net"](m)
        first = parallel(sq, identity_net(2, m))              # S(u), x, y
        second = parallel(identity_net(1, m), sq, identity_net(1, m))
        third = parallel(identity_net(2, m), sq)
        return chain(affine([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], [0, 0, 0]), first, second, third,
                     affine([[2.0, -0.5, -0.5]], [0.0]))
    return {"product_net": product}


# -- q11
def product_of_n_chain(ns):
    """((x1 x2) x3) x4 ...: the others wait through identity layers."""
    def product_of_n(n, m):
        net = affine(np.eye(n), np.zeros(n))
        for k in range(n - 1):
            rest = n - 2 - k
            parts = [ns["product_net"](m)] + ([identity_net(rest, m)] if rest else [])
            net = chain(net, parallel(*parts))
        return net
    return {"product_of_n": product_of_n}


def product_of_n_drops_odd_one(ns):
    def product_of_n(n, m):
        net, width = affine(np.eye(n), np.zeros(n)), n
        while width > 1:
            if width % 2:
                net = chain(net, affine(np.eye(width)[:-1], np.zeros(width - 1)))
                width -= 1
            net, width = chain(net, parallel(*[ns["product_net"](m)] * (width // 2))), width // 2
        return net
    return {"product_of_n": product_of_n}


def product_of_n_padded_with_ones(ns):
    def product_of_n(n, m):
        width = 1 << (n - 1).bit_length()
        net = affine(np.eye(width)[:, :n], np.append(np.zeros(n), np.ones(width - n)))
        while width > 1:
            net, width = chain(net, parallel(*[ns["product_net"](m)] * (width // 2))), width // 2
        return net
    return {"product_of_n": product_of_n}


def product_of_n_reuses_first_input(ns):
    """Pairs (x1, x1), (x2, x3), ... : an index slip in the pairing."""
    def product_of_n(n, m):
        ref = ns["product_of_n"]
        shift = np.eye(n)[[0] + list(range(n - 1))]
        return chain(affine(shift, np.zeros(n)), ref(n, m))
    return {"product_of_n": product_of_n}


def product_of_n_coarser_products(ns):
    ref = ns["product_of_n"]
    return {"product_of_n": lambda n, m: ref(n, max(m - 1, 1))}


MISTAKES = [
    ("sawtooth_q1", "torch tensor", lambda ns: {"relu": lambda x: np.where(x > 0, x, 0.0)}),
    ("sawtooth_q1", "relu(x)", lambda ns: {"relu": lambda x: abs(x)}),
    ("sawtooth_q1", "relu(x)", lambda ns: {"relu": lambda x: x.clip(max=0)}),
    ("sawtooth_q1", "relu(x)", lambda ns: {"relu": lambda x: (x > 0) * 1.0}),
    ("sawtooth_q1", "relu(x)", lambda ns: {"relu": lambda x: x * (x < 0)}),
    ("sawtooth_q2", "-1, 0.5, 2", rect_without_last_relu),
    ("sawtooth_q2", "-1, 0.5, 2", rect_unscaled),
    ("sawtooth_q2", "-1, 0.5, 2", rect_sign_error),
    ("sawtooth_q2", "-1, 0.5, 2", rect_times_eps),
    ("sawtooth_q2", "-1, 0.5, 2", rect_one_long_ramp),
    ("sawtooth_q3", "outside [0, 1]", tri_without_outer_relu),
    ("sawtooth_q3", "off by one", sawtooth_off_by_one),
    ("sawtooth_q3", "off by one", sawtooth_one_short),
    ("sawtooth_q3", "outside [0, 1]", tri_unclipped),
    ("sawtooth_q3", "sawtooth(x, 2)", sawtooth_power),
    ("sawtooth_q4", "should be tri(x)", deep_net_wrong_bias),
    ("sawtooth_q4", "should be tri(x)", deep_net_one_layer_short),
    ("sawtooth_q4", "width 2", deep_net_width_three),
    ("sawtooth_q4", "deep_sawtooth_net(2)(x)", deep_net_reads_first_unit_only),
    ("sawtooth_q4", "should be tri(x)", deep_net_output_sign),
    ("sawtooth_q4", "deep_sawtooth_net(0) should have 0 hidden layers", deep_net_zero_is_tri),
    ("sawtooth_q5", "Count the units", shallow_width_off_by_one),
    ("sawtooth_q5", "min_shallow_width(0)", shallow_width_one_per_knot),
    ("sawtooth_q5", "fewest units", shallow_net_extra_unit),
    ("sawtooth_q5", "should be tri(x)", shallow_net_wrong_slope),
    ("sawtooth_q5", "shallow_sawtooth_net(1)(x)", shallow_net_half_step_kinks),
    ("sawtooth_q7", "hat", count_pieces_linspace),
    ("sawtooth_q7", "single linear piece", count_pieces_counts_knots),
    ("sawtooth_q7", "single linear piece", count_pieces_breakpoints),
    ("sawtooth_q7", "change the slope", count_pieces_sign_changes),
    ("sawtooth_q7", "count_pieces(sawtooth", count_pieces_drops_last_interval),
    ("sawtooth_q7", "not exactly", count_pieces_exact_comparison),
    ("sawtooth_q7", "fixed absolute tolerance", count_pieces_absolute_tolerance),
    ("sawtooth_q7", "odd numerators too", count_pieces_even_grid_end),
    ("sawtooth_q8", "knots 0.5, 1", sin_net_n_knots),
    ("sawtooth_q8", "knots 0.5, 1", sin_net_wrong_bias),
    ("sawtooth_q8", "knots 0.5, 1", sin_net_least_squares),
    ("sawtooth_q8", "not the smallest", bound_quarter),
    ("sawtooth_q8", "not the smallest", bound_half),
    ("sawtooth_q8", "not the smallest", bound_linear_in_h),
    ("sawtooth_q8", "straight line", bound_without_curvature),
    ("sawtooth_q8", "not a bound", bound_sixteenth),
    ("sawtooth_q9", "knots k/2", square_weights_off_by_one),
    ("sawtooth_q9", "knots k/2", square_weights_two_to_the_s),
    ("sawtooth_q9", "knots k/2", square_one_term_short),
    ("sawtooth_q9", "hidden layers", square_one_term_too_many),
    ("sawtooth_q9", "O(m) units", square_shallow_interpolant),
    ("sawtooth_q9", "knots k/2", square_negative_accumulator),
    ("sawtooth_q10", "Which squares give x*y", product_without_rescaling),
    ("sawtooth_q10", "Which squares give x*y", product_wrong_signs),
    ("sawtooth_q10", "Which squares give x*y", product_wrong_factor),
    ("sawtooth_q10", "polarisation", product_coarser_squares),
    ("sawtooth_q10", "hidden layers", product_finer_squares),
    ("sawtooth_q10", "side by side", product_squares_in_a_row),
    ("sawtooth_q11", "balanced binary tree", product_of_n_chain),
    ("sawtooth_q11", "odd one out", product_of_n_drops_odd_one),
    ("sawtooth_q11", "hidden units", product_of_n_padded_with_ones),
    ("sawtooth_q11", "odd one out", product_of_n_reuses_first_input),
    ("sawtooth_q11", "enter exactly one product", product_of_n_coarser_products),
]
