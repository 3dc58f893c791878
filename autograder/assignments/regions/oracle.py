r"""Independent numpy reference for `regions` (float64; no torch: it runs in the grading process).

A ReLU net is given here by its *hidden* layers only, ``layers = [(W_1, b_1), ..., (W_L, b_L)]``
with ``W_l`` of shape (n_l, n_{l-1}); every hidden Linear is followed by a ReLU and the output
Linear (no ReLU) never changes an activation pattern, so it is left out.

Definitions (the ones the notebook states):

* neuron j of layer l is *on* at x iff its pre-activation z_j(x) > 0 (exactly 0 is off);
* along the segment x(t) = start + t (end - start), t in [0, 1], a *region* is a maximal
  sub-interval of positive length (in t) on which the whole pattern is constant. A zero-length
  segment (start == end) is one region;
* the distance of x to the boundary of its region is min_j |z_j(x)| / ||grad z_j(x)||_2 over the
  neurons whose gradient (inside the region, where the net is affine) is not zero; +inf if none.

Exact counting (``segment_pieces``): on each piece [t_k, t_{k+1}] the layer input is affine in t,
h(t) = A_k + t B_k, so a pre-activation z = a + t b crosses 0 at most once, at t* = -a / b. Layer by
layer, pieces are split at every crossing strictly inside them, the new pieces' states are read at
their midpoints, and h is masked. Candidate breakpoints closer than ``TOL`` (in t) to a knot or to
each other are one breakpoint (round-off); so a pre-activation that touches 0 at the end of a piece
never splits it, two neurons switching at the same t give one breakpoint, and a neuron that is 0
along a whole piece is off there. Finally consecutive pieces with equal patterns are merged (a
split that does not change the pattern, e.g. from round-off, is not a boundary).

The other counters (``count_*``) are the plausible wrong answers, used only to name a student's
mistake in a failure message.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from autograder.checking import LayerSpec, NetSpec

TOL = 1e-11          # breakpoints closer than this (in t) are one breakpoint


# -- nets ----------------------------------------------------------------------------------------
def to_spec(layers: list, out_dim: int = 1, dtype: str = "torch.float64", seed: int = 0) -> NetSpec:
    """A NetSpec ``Linear, ReLU, ..., Linear, ReLU, Linear(n_L, out_dim)`` with the given hidden
    layers (float64 parameters) and a fixed random output layer."""
    specs = []
    for w, b in layers:
        specs += [LayerSpec("linear", "Linear", np.array(w, dtype=np.float64), np.array(b, dtype=np.float64), dtype),
                  LayerSpec("relu", "ReLU")]
    fan = np.asarray(layers[-1][0]).shape[0]
    w_out = np.random.default_rng(seed).normal(0.0, 1.0 / np.sqrt(fan), (out_dim, fan))
    specs.append(LayerSpec("linear", "Linear", w_out, np.zeros(out_dim), dtype))
    return NetSpec(specs)


def from_spec(spec: NetSpec) -> list:
    """The (W, b) of every Linear layer that a ReLU follows."""
    layers, pending = [], None
    for layer in spec.layers:
        if layer.kind == "linear":
            bias = np.zeros(layer.weight.shape[0]) if layer.bias is None else layer.bias
            pending = (np.asarray(layer.weight, np.float64), np.asarray(bias, np.float64))
        elif layer.kind == "relu" and pending is not None:
            layers.append(pending)
            pending = None
    return layers


def he_layers(rng: np.random.Generator, d_in: int, widths: list, bias_std: float = 0.0,
              gain: float = 2.0) -> list:
    """Hidden layers with N(0, gain / fan_in) weights and N(0, bias_std^2) biases."""
    layers, fan = [], d_in
    for width in widths:
        w = rng.normal(0.0, np.sqrt(gain / fan), (int(width), fan))
        b = rng.normal(0.0, bias_std, int(width)) if bias_std > 0 else np.zeros(int(width))
        layers.append((w, b))
        fan = int(width)
    return layers


def tri_layers(n: int) -> list:
    """Telgarsky's tri-net with n hidden layers of width 2 (sawtooth(x, n) on [0, 1], 2^n pieces)."""
    layers = [(np.array([[2.0], [4.0]]), np.array([0.0, -2.0]))]
    layers += [(np.array([[2.0, -2.0], [4.0, -4.0]]), np.array([0.0, -2.0])) for _ in range(n - 1)]
    return layers


def total_neurons(layers: list) -> int:
    return int(sum(np.asarray(w).shape[0] for w, _ in layers))


# -- patterns and pieces -------------------------------------------------------------------------
def pre_activations(layers: list, x: np.ndarray) -> list:
    """The pre-activations z_l of every hidden layer for a batch x (B, d_in)."""
    h, out = np.asarray(x, dtype=np.float64), []
    for w, b in layers:
        z = h @ w.T + b
        out.append(z)
        h = np.where(z > 0, z, 0.0)
    return out


def patterns(layers: list, x: np.ndarray) -> np.ndarray:
    """On/off states (B, total neurons), layers concatenated in order; on iff z > 0."""
    zs = pre_activations(layers, x)
    return np.concatenate([z > 0 for z in zs], axis=1) if zs else np.zeros((len(x), 0), bool)


def segment_pieces(layers: list, start: np.ndarray, end: np.ndarray, tol: float = TOL):
    """Follow the segment layer by layer (module docstring).

    Returns:
        knots (m + 1,) from 0 to 1, patterns (m, total neurons) of the m pieces, and for each
        piece the pre-activations' affine coefficients of the last layer are not kept.
    """
    start = np.asarray(start, dtype=np.float64).reshape(-1)
    direction = np.asarray(end, dtype=np.float64).reshape(-1) - start
    knots = np.array([0.0, 1.0])
    a, b = start[None, :], direction[None, :]
    states: list = []
    for w, bias in layers:
        a, b = a @ w.T + bias, b @ w.T
        lo, hi = knots[:-1, None], knots[1:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = -a / b
        inside = (b != 0) & (cross > lo + tol) & (cross < hi - tol)
        if inside.any():
            cand = np.sort(np.concatenate([knots, cross[inside]]))
            new = cand[np.concatenate([[True], np.diff(cand) > tol])]
            new[-1] = 1.0
            parent = np.searchsorted(knots, 0.5 * (new[:-1] + new[1:])) - 1
            a, b = a[parent], b[parent]
            states = [s[parent] for s in states]
            knots = new
        mid = 0.5 * (knots[:-1] + knots[1:])
        on = (a + mid[:, None] * b) > 0
        a, b = np.where(on, a, 0.0), np.where(on, b, 0.0)
        states.append(on)
    pats = np.concatenate(states, axis=1) if states else np.zeros((len(knots) - 1, 0), bool)
    return knots, pats


def count_regions(layers: list, start: np.ndarray, end: np.ndarray) -> int:
    """The exact number of regions the segment passes through."""
    return len(breakpoints(layers, start, end)) + 1


def breakpoints(layers: list, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The t in (0, 1) where the pattern changes (sorted)."""
    knots, pats = segment_pieces(layers, start, end)
    change = (pats[1:] != pats[:-1]).any(axis=1)
    return knots[1:-1][change]


def min_gap(layers: list, start: np.ndarray, end: np.ndarray) -> float:
    """The smallest distance in t between two breakpoints, or a breakpoint and an end."""
    t = np.concatenate([[0.0], breakpoints(layers, start, end), [1.0]])
    return float(np.diff(t).min())


# -- plausible wrong counters (to name a mistake in a message) -----------------------------------
def count_grid(layers: list, start: np.ndarray, end: np.ndarray, points: int) -> int:
    """1 + pattern changes between consecutive points of linspace(0, 1, points)."""
    start = np.asarray(start, dtype=np.float64).reshape(-1)
    t = np.linspace(0.0, 1.0, points)
    pats = patterns(layers, start[None, :] + t[:, None] * (np.asarray(end, np.float64).reshape(-1) - start)[None, :])
    return 1 + int(np.count_nonzero((pats[1:] != pats[:-1]).any(axis=1)))


def count_point_patterns(layers: list, start: np.ndarray, end: np.ndarray) -> int:
    """Distinct patterns among the breakpoints and the pieces' midpoints (a pattern seen only at a
    point, where a neuron is exactly 0, is counted as a region)."""
    knots, _ = segment_pieces(layers, start, end)
    t = np.sort(np.concatenate([knots, 0.5 * (knots[:-1] + knots[1:])]))
    start = np.asarray(start, dtype=np.float64).reshape(-1)
    x = start[None, :] + t[:, None] * (np.asarray(end, np.float64).reshape(-1) - start)[None, :]
    return int(len(np.unique(patterns(layers, x), axis=0)))


def count_zero_length_pieces(layers: list, start: np.ndarray, end: np.ndarray) -> int:
    """Split at every zero of every neuron found in the closed pieces, duplicates kept, and count
    all pieces, the zero-length ones included."""
    start = np.asarray(start, dtype=np.float64).reshape(-1)
    direction = np.asarray(end, dtype=np.float64).reshape(-1) - start
    knots = np.array([0.0, 1.0])
    a, b = start[None, :], direction[None, :]
    for w, bias in layers:
        a, b = a @ w.T + bias, b @ w.T
        lo, hi = knots[:-1, None], knots[1:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = -a / b
        hit = (b != 0) & (cross >= lo) & (cross <= hi)
        new = np.sort(np.concatenate([knots, cross[hit]]))
        piece = np.searchsorted(knots, 0.5 * (new[:-1] + new[1:]), side="right") - 1
        piece = np.clip(piece, 0, len(knots) - 2)
        a, b, knots = a[piece], b[piece], new
        mid = 0.5 * (knots[:-1] + knots[1:])
        on = (a + mid[:, None] * b) > 0
        a, b = np.where(on, a, 0.0), np.where(on, b, 0.0)
    return len(knots) - 1


def count_without_last_layer(layers: list, start: np.ndarray, end: np.ndarray) -> int:
    """The count when the last hidden layer's neurons are ignored."""
    return count_regions(layers[:-1], start, end) if len(layers) > 1 else 1


def diagnose(layers: list, start: np.ndarray, end: np.ndarray, got: int, want: int) -> str:
    """A teaching sentence about why ``got`` differs from the exact ``want``: names the plausible
    mistake whose count ``got`` equals, else says which way the count is off."""
    if not isinstance(got, int) or got == want:
        return ""
    if got == count_without_last_layer(layers, start, end):
        return ("It equals the count without the last hidden layer: the ReLU after the last hidden Linear is "
                "part of the pattern too (only the output Linear has no ReLU).")
    if got > want and got in (count_zero_length_pieces(layers, start, end), count_point_patterns(layers, start, end)):
        return (f"Your count is {got - want} too high: something of length zero was counted as a region, either "
                "zero-length pieces (two neurons switching at the same t, a zero at an end of a piece: a segment "
                "starting or ending on a boundary, a pre-activation touching 0 without changing sign) or a pattern "
                "seen only at a single point where some neuron is exactly 0. Regions have positive length: split "
                "only strictly inside a piece, merge breakpoints closer than a small tolerance, and read each "
                "piece's pattern strictly inside it.")
    grids = [n for n in (100, 101, 1000, 1001, 10_000, 10_001) if count_grid(layers, start, end, n) == got]
    if grids:
        sizes = ", ".join(str(n) for n in grids)
        return (f"It equals what a grid of evenly spaced sample points counts ({sizes} points all give {got}): "
                "a grid misses every "
                "region narrower than its spacing (and a sample point exactly on a boundary sees a pattern of "
                "length zero). Follow the segment layer by layer and compute each breakpoint t* = -a/b exactly.")
    if got < want:
        return (f"Your count is {want - got} too low: some breakpoints were missed (a neuron of a deep layer can "
                "cross 0 several times along the segment, once per piece of its input; a grid misses thin regions).")
    return (f"Your count is {got - want} too high: pieces of zero length, or of a length that is only round-off, "
            "were counted, or a split that does not change the pattern (a pre-activation touching 0 without "
            "changing sign, two neurons switching at the same t).")


# -- distances -----------------------------------------------------------------------------------
def distances(layers: list, x: np.ndarray):
    """Distance of each point to the boundary of its region, and the unit direction towards the
    nearest boundary hyperplane.

    Returns:
        dist (B,), direction (B, d_in) (zeros where dist is inf), and the index of the nearest
        neuron (B,) (-1 where dist is inf).
    """
    x = np.asarray(x, dtype=np.float64)
    n_points, d_in = x.shape
    h, jac = x, np.broadcast_to(np.eye(d_in), (n_points, d_in, d_in))
    zs, grads = [], []
    for w, b in layers:
        z = h @ w.T + b
        g = np.einsum("ij,bjk->bik", w, jac)           # (B, n_l, d_in): dz/dx inside the region
        zs.append(z)
        grads.append(g)
        on = z > 0
        h = np.where(on, z, 0.0)
        jac = np.where(on[:, :, None], g, 0.0)
    z = np.concatenate(zs, axis=1)
    g = np.concatenate(grads, axis=1)
    norm = np.sqrt(np.einsum("bik,bik->bi", g, g))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(norm > 0, np.abs(z) / norm, np.inf)
    nearest = np.argmin(ratio, axis=1)
    dist = ratio[np.arange(n_points), nearest]
    gn = g[np.arange(n_points), nearest]
    zn = z[np.arange(n_points), nearest]
    nn = norm[np.arange(n_points), nearest]
    with np.errstate(divide="ignore", invalid="ignore"):
        direction = np.where((nn > 0)[:, None], -np.sign(zn)[:, None] * gn / nn[:, None], 0.0)
    nearest = np.where(np.isfinite(dist), nearest, -1)
    return dist, direction, nearest


def random_unit(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    v = rng.normal(size=shape)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def orthonormal_line(rng: np.random.Generator, d_in: int, x0_norm: float = 1.0) -> tuple:
    """x0 with |x0| = x0_norm and a unit u orthogonal to it."""
    x0 = random_unit(rng, (d_in,)) * x0_norm
    u = rng.normal(size=d_in)
    u -= (u @ x0) / (x0 @ x0) * x0
    return x0, u / np.linalg.norm(u)


def structured_big_layers(rng: np.random.Generator, d_in: int, width: int = 64, depth: int = 8,
                          bias_std: float = 0.1, direction: Optional[np.ndarray] = None) -> tuple:
    """A width x depth net with thousands of regions along [0, v]: neurons 0, 1 of every layer form
    a tri-net along the unit direction v (2^depth pieces), the other neurons are He-normal and
    read everything, so their inputs oscillate and they cross 0 many times. Returns (layers, v)."""
    v = random_unit(rng, (d_in,)) if direction is None else np.asarray(direction, np.float64)
    layers, fan = [], d_in
    for level in range(depth):
        w = rng.normal(0.0, np.sqrt(2.0 / fan), (width, fan))
        b = rng.normal(0.0, bias_std, width)
        w[:2] = 0.0
        if level == 0:
            w[0], w[1] = 2.0 * v, 4.0 * v
        else:
            w[0, :2], w[1, :2] = (2.0, -2.0), (4.0, -4.0)
        b[:2] = (0.0, -2.0)
        layers.append((w, b))
        fan = width
    return layers, v


def distance_variants(layers: list, x: np.ndarray) -> dict:
    """The distance and plausible wrong versions of it (to name a mistake in a message):
    l1 / linf norms of the gradient, first-layer hyperplanes only, |z| / ||weight row||, squared."""
    x = np.asarray(x, dtype=np.float64)
    n_points, d_in = x.shape
    h, jac = x, np.broadcast_to(np.eye(d_in), (n_points, d_in, d_in))
    zs, grads, rows = [], [], []
    for w, b in layers:
        z = h @ w.T + b
        g = np.einsum("ij,bjk->bik", w, jac)
        zs.append(z)
        grads.append(g)
        rows.append(np.broadcast_to(np.linalg.norm(w, axis=1), z.shape))
        on = z > 0
        h, jac = np.where(on, z, 0.0), np.where(on[:, :, None], g, 0.0)
    z, g, row = (np.concatenate(a, axis=1) for a in (zs, grads, rows))

    def smallest(norm: np.ndarray, cols: slice = slice(None)) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(norm > 0, np.abs(z) / norm, np.inf)[:, cols]
        return ratio.min(axis=1) if ratio.shape[1] else np.full(n_points, np.inf)

    l2 = np.sqrt(np.einsum("bik,bik->bi", g, g))
    first = slice(0, np.asarray(layers[0][0]).shape[0])
    exact = smallest(l2)
    return {"exact": exact, "l1": smallest(np.abs(g).sum(axis=2)), "linf": smallest(np.abs(g).max(axis=2)),
            "first_layer": smallest(l2, first), "weight_rows": smallest(row), "squared": exact ** 2}
