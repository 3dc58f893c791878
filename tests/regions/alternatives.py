r"""Independent correct implementations of the `regions` functions, written the way other students
might: other algorithms, numpy instead of torch, autograd instead of hand-carried Jacobians, other
random-number orders. Each must keep full marks on its question (test_graders.py); none is an edit
of the notebook's solution.

Every factory takes the reference namespace (for given helpers such as ``random_relu_net``) and
returns the notebook names it replaces.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

F64 = torch.float64
TIE = 1e-10          # the docstring's rule: breakpoints closer than this (in t) are one


def hidden_layers(net) -> list:
    """(W, b) as float64 numpy arrays of every Linear that a ReLU follows."""
    layers, pending = [], None
    for layer in net:
        if isinstance(layer, nn.Linear):
            bias = torch.zeros(layer.out_features, dtype=F64) if layer.bias is None else layer.bias.detach()
            pending = (layer.weight.detach().to(F64).numpy(), bias.to(F64).numpy())
        elif isinstance(layer, nn.ReLU) and pending is not None:
            layers.append(pending)
            pending = None
    return layers


# -- regions_q1: activation_pattern --------------------------------------------------------------
def pattern_hooks(ns):
    """Forward hooks on the ReLU modules record their inputs."""
    def activation_pattern(net, x):
        seen = []
        hooks = [m.register_forward_hook(lambda mod, inp, out: seen.append(inp[0] > 0))
                 for m in net if isinstance(m, nn.ReLU)]
        try:
            with torch.no_grad():
                net(x.to(next(net.parameters()).dtype))
        finally:
            for h in hooks:
                h.remove()
        return torch.cat(seen, dim=1) if seen else torch.zeros(len(x), 0, dtype=torch.bool)
    return {"activation_pattern": activation_pattern}


def pattern_numpy(ns):
    """A numpy forward pass in float64."""
    def activation_pattern(net, x):
        h, states = x.detach().to(F64).numpy(), []
        for w, b in hidden_layers(net):
            z = h @ w.T + b
            states.append(z > 0)
            h = np.maximum(z, 0.0)
        return torch.from_numpy(np.concatenate(states, axis=1))
    return {"activation_pattern": activation_pattern}


def pattern_functional(ns):
    """torch.nn.functional.linear and torch.relu by hand, states compared with torch.gt."""
    def activation_pattern(net, x):
        mods = list(net)
        h, out = x.to(mods[0].weight.dtype), []
        for i, m in enumerate(mods):
            if isinstance(m, nn.Linear):
                h = nn.functional.linear(h, m.weight.detach(), None if m.bias is None else m.bias.detach())
                if i + 1 < len(mods) and isinstance(mods[i + 1], nn.ReLU):
                    out.append(torch.gt(h, 0))
                    h = torch.relu(h)
        return torch.hstack(out)
    return {"activation_pattern": activation_pattern}


# -- regions_q2: count_regions_1d ----------------------------------------------------------------
def _merge(cands: np.ndarray) -> np.ndarray:
    """Sorted knots with points closer than TIE merged (the ends 0 and 1 kept exactly)."""
    cands = np.sort(cands)
    keep = np.concatenate([[True], np.diff(cands) > TIE])
    knots = cands[keep]
    knots[-1] = 1.0
    return knots


def count_by_interpolation(ns):
    """numpy, 'evaluate and interpolate': on every current piece, each layer's pre-activation is
    affine in t, so its value at two interior points gives its zero; patterns are read at the end
    by a fresh forward pass at the final pieces' midpoints."""
    def count_regions_1d(net, start, end):
        layers = hidden_layers(net)
        s = start.detach().to(F64).numpy().reshape(-1)
        d = end.detach().to(F64).numpy().reshape(-1) - s

        def pre(t, upto):
            h = s[None, :] + t[:, None] * d[None, :]
            for w, b in layers[:upto]:
                h = np.maximum(h @ w.T + b, 0.0)
            w, b = layers[upto]
            return h @ w.T + b

        knots = np.array([0.0, 1.0])
        for level in range(len(layers)):
            lo, hi = knots[:-1], knots[1:]
            t1, t2 = lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3
            z1, z2 = pre(t1, level), pre(t2, level)
            slope = (z2 - z1) / np.where(t2 > t1, t2 - t1, 1.0)[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = t1[:, None] - z1 / slope
            ok = (slope != 0) & (cross > lo[:, None] + TIE) & (cross < hi[:, None] - TIE)
            knots = _merge(np.concatenate([knots, cross[ok]]))
        mids = (knots[:-1] + knots[1:]) / 2
        x = s[None, :] + mids[:, None] * d[None, :]
        pats = ns["activation_pattern"](net, torch.from_numpy(x)).numpy()
        return 1 + int(np.count_nonzero((pats[1:] != pats[:-1]).any(axis=1)))
    return {"count_regions_1d": count_regions_1d}


def count_by_jvp(ns):
    """torch forward-mode autodiff: the value and t-derivative of every pre-activation at the
    pieces' midpoints (torch.func.jvp), the zero of the tangent line, pieces split layer by layer."""
    def count_regions_1d(net, start, end):
        mods = [m for m in net]
        s, d = start.detach().to(F64), end.detach().to(F64) - start.detach().to(F64)
        relu_at = [i for i, m in enumerate(mods) if isinstance(m, nn.ReLU)]
        knots = torch.tensor([0.0, 1.0], dtype=F64)
        for i in relu_at:
            prefix = nn.Sequential(*mods[:i])
            mids = (knots[:-1] + knots[1:]) / 2
            z, dz = torch.func.jvp(lambda t: prefix(s + t[:, None] * d), (mids,), (torch.ones_like(mids),))
            z, dz = z.detach(), dz.detach()
            cross = mids[:, None] - z / torch.where(dz == 0, torch.ones_like(dz), dz)
            ok = (dz != 0) & (cross > knots[:-1, None] + TIE) & (cross < knots[1:, None] - TIE)
            knots = torch.from_numpy(_merge(torch.cat([knots, cross[ok]]).numpy()))
        mids = (knots[:-1] + knots[1:]) / 2
        pats = ns["activation_pattern"](net, s + mids[:, None] * d)
        return 1 + int((pats[1:] != pats[:-1]).any(dim=1).sum())
    return {"count_regions_1d": count_regions_1d}


def count_python_loop(ns):
    """Correct, but one piece at a time in a Python loop (tolist, plain floats): fine on small
    inputs, seconds on the tri-net with 65,536 regions."""
    def count_regions_1d(net, start, end):
        pieces = [(0.0, 1.0, start.detach().to(F64), end.detach().to(F64) - start.detach().to(F64), [])]
        for w, b in hidden_layers(net):
            w, b = torch.from_numpy(w), torch.from_numpy(b)
            new = []
            for lo, hi, a_in, b_in, states in pieces:
                a, slope = w @ a_in + b, w @ b_in
                cuts = sorted([lo, hi] + [-aj / bj for aj, bj in zip(a.tolist(), slope.tolist())
                                          if bj != 0 and lo + TIE < -aj / bj < hi - TIE])
                merged = [cuts[0]]
                for c in cuts[1:]:
                    if c - merged[-1] > TIE:
                        merged.append(c)
                merged[-1] = hi
                for l2, h2 in zip(merged[:-1], merged[1:]):
                    on = (a + (l2 + h2) / 2 * slope) > 0
                    new.append((l2, h2, a * on, slope * on, states + [on]))
            pieces = new
        pats = [torch.cat(p[4]) for p in pieces]
        return 1 + sum(bool((p != q).any()) for p, q in zip(pats[1:], pats[:-1]))
    return {"count_regions_1d": count_regions_1d}


# -- regions_q3: region_density ------------------------------------------------------------------
def density_segment_first_qr(ns):
    """The segment first (an orthonormal pair from the QR factorisation of a Gaussian d x 2
    matrix), then the net; numbers drawn in another order than the notebook's solution."""
    make, count = ns["random_relu_net"], ns["count_regions_1d"]

    def region_density(widths, d_in, n_lines, seed, half_length=1.0):
        gen = torch.Generator().manual_seed(int(seed))
        values = []
        for _ in range(n_lines):
            q, _ = torch.linalg.qr(torch.randn(d_in, 2, generator=gen, dtype=F64))
            x0, u = q[:, 0], q[:, 1]
            net = make(widths, d_in, gen)
            values.append(count(net, x0 - half_length * u, x0 + half_length * u) - 1)
        return float(np.mean(values) / sum(widths))
    return {"region_density": region_density}


def density_handmade_nets(ns):
    """Nets built by hand (torch.randn * sqrt(2 / fan_in), no bias), counted with another
    counter (count_by_interpolation), segments by Gram-Schmidt."""
    count = count_by_interpolation(ns)["count_regions_1d"]

    def region_density(widths, d_in, n_lines, seed, half_length=1.0):
        gen = torch.Generator().manual_seed(seed)
        total = 0
        for _ in range(n_lines):
            layers, fan = [], d_in
            for width in list(widths) + [1]:
                linear = nn.Linear(fan, width, bias=False, dtype=F64)
                with torch.no_grad():
                    linear.weight.copy_(torch.randn(width, fan, generator=gen, dtype=F64) * (2.0 / fan) ** 0.5)
                layers += [linear, nn.ReLU()]
                fan = width
            net = nn.Sequential(*layers[:-1])
            x0 = nn.functional.normalize(torch.randn(d_in, generator=gen, dtype=F64), dim=0)
            v = torch.randn(d_in, generator=gen, dtype=F64)
            u = nn.functional.normalize(v - (v @ x0) * x0, dim=0)
            total += count(net, x0 - half_length * u, x0 + half_length * u) - 1
        return total / (n_lines * sum(widths))
    return {"region_density": region_density}


def density_fixed_pair(ns):
    """x0 = e1, u = e2 for every segment: the weights' law is rotation invariant, so any
    orthonormal pair gives the same distribution of counts (only the nets are random)."""
    make, count = ns["random_relu_net"], ns["count_regions_1d"]

    def region_density(widths, d_in, n_lines, seed, half_length=1.0):
        gen = torch.Generator().manual_seed(int(seed))
        x0, u = torch.eye(d_in, dtype=F64)[0], torch.eye(d_in, dtype=F64)[1]
        counts = [count(make(widths, d_in, gen), x0 - half_length * u, x0 + half_length * u) for _ in range(n_lines)]
        return (sum(counts) - n_lines) / (n_lines * sum(widths))
    return {"region_density": region_density}


# -- regions_q4: distance_to_boundary ------------------------------------------------------------
def _distance_from(z: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """min_j |z_j| / ||g_j||_2 over the neurons with g_j != 0 (inf if none), per point."""
    norm = np.linalg.norm(grads, axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(norm > 0, np.abs(z) / norm, np.inf)
    return ratio.min(axis=1) if ratio.shape[1] else np.full(len(z), np.inf)


def distance_vmap_jacobian(ns):
    """torch.func: the pre-activations of all hidden layers as one function of a single point,
    its Jacobian by jacrev, batched with vmap (ReLU's derivative at 0 is 0: off)."""
    def distance_to_boundary(net, x):
        mods = list(net)

        def pre_activations(point):
            h, out = point, []
            for i, m in enumerate(mods):
                h = m(h)
                if i + 1 < len(mods) and isinstance(mods[i + 1], nn.ReLU):
                    out.append(h)
            return torch.cat(out)

        x = x.detach().to(F64)
        z = torch.func.vmap(pre_activations)(x)
        jac = torch.func.vmap(torch.func.jacrev(pre_activations))(x)
        return torch.from_numpy(_distance_from(z.detach().numpy(), jac.detach().numpy()))
    return {"distance_to_boundary": distance_to_boundary}


def distance_numpy_chain(ns):
    """numpy, one point at a time: the region's affine map as a product of masked weight matrices."""
    def distance_to_boundary(net, x):
        layers = hidden_layers(net)
        out = []
        for point in x.detach().to(F64).numpy():
            h, jac, zs, gs = point, np.eye(len(point)), [], []
            for w, b in layers:
                z, g = w @ h + b, w @ jac
                zs.append(z)
                gs.append(g)
                on = (z > 0).astype(np.float64)
                h, jac = on * z, on[:, None] * g
            out.append(_distance_from(np.concatenate(zs)[None, :], np.concatenate(gs)[None, :, :])[0])
        return torch.tensor(out, dtype=F64)
    return {"distance_to_boundary": distance_to_boundary}


def distance_effective_weights(ns):
    """torch, batched: the masks of every layer from activation_pattern, then the effective
    weights W_l D_(l-1) ... D_1 W_1 and offsets built per point (bmm), no autograd."""
    pattern = ns["activation_pattern"]

    def distance_to_boundary(net, x):
        x = x.detach().to(F64)
        masks = pattern(net, x).to(F64)
        linears = [m for m in net if isinstance(m, nn.Linear)][:-1]
        best = torch.full((len(x),), float("inf"), dtype=F64)
        a = torch.eye(x.shape[1], dtype=F64).expand(len(x), -1, -1)     # h = a x + c in the region
        c = torch.zeros(len(x), x.shape[1], dtype=F64)
        col = 0
        for lin in linears:
            w, b = lin.weight.detach().to(F64), lin.bias.detach().to(F64)
            g = torch.matmul(w, a)                                           # (B, n, d)
            z = torch.einsum("bnd,bd->bn", g, x) + c @ w.T + b
            norm = torch.linalg.vector_norm(g, dim=2)
            ratio = torch.where(norm > 0, z.abs() / torch.where(norm > 0, norm, 1.0), torch.inf)
            best = torch.minimum(best, ratio.amin(dim=1))
            d = masks[:, col:col + w.shape[0]]
            a, c = d[:, :, None] * g, d * (c @ w.T + b)
            col += w.shape[0]
        return best
    return {"distance_to_boundary": distance_to_boundary}
