r"""Other ways to recover a hidden one-hidden-layer ReLU net from queries (questions 6 and 7), and
plausible wrong ones. The correct ones share nothing with the notebook's solution (lines through the
origin along random bases, runs of equal slopes, central-difference gradients):

* ``bisection_method``: random lines through random points; breakpoints by recursive bisection on
  end slopes (forward differences); each hyperplane fitted through d points found on d parallel
  lines (no gradient of f at all); output weights by least squares on fresh points.
* ``axes_method`` (torch, float64): lines along the coordinate axes and then random rotations of
  them; breakpoints from second differences on a fine grid, resampled locally where several are
  close; normals from forward-difference gradients; output weights from the gradient jumps.

Each factory takes the reference namespace and returns the notebook names it replaces.
"""
from __future__ import annotations

import numpy as np
import torch

F64 = torch.float64


# -- bisection_method -----------------------------------------------------------------------------
class _Line:
    """g(t) = f(p + t u), with cached values."""

    def __init__(self, f, p, u):
        self.f, self.p, self.u = f, p, u

    def values(self, ts) -> np.ndarray:
        ts = np.asarray(ts, dtype=np.float64)
        return self.f(self.p[None, :] + ts[:, None] * self.u[None, :])


def _breakpoints(line: _Line, lo: float, hi: float, eps: float = 1e-7) -> list:
    """Breakpoints of line.g on [lo, hi] by recursive bisection: an interval whose end slopes
    agree with its chord has none; one breakpoint sits where the end lines meet (checked);
    otherwise split in two."""
    out, stack = [], [(lo, hi)]
    while stack:
        a, b = stack.pop()
        ga, ga2, gb2, gb = line.values([a, a + eps, b - eps, b])
        sa, sb = (ga2 - ga) / eps, (gb - gb2) / eps
        chord = (gb - ga) / (b - a)
        tol = 1e-6 * (1 + abs(sa) + abs(sb))
        if abs(sa - sb) <= tol and abs(chord - sa) <= tol:
            continue
        if abs(sa - sb) > tol:
            tau = (gb - ga - sb * b + sa * a) / (sa - sb)
            if a + 2 * eps < tau < b - 2 * eps:
                left, right = line.values([tau - 1e-6, tau + 1e-6])
                if abs(left - (ga + sa * (tau - 1e-6 - a))) <= 1e-7 * (1 + abs(left)) and \
                        abs(right - (gb + sb * (tau + 1e-6 - b))) <= 1e-7 * (1 + abs(right)):
                    out.append(tau)
                    continue
        if b - a < 1e-6:
            continue                                 # too close to tell apart: another line
        mid = 0.5 * (a + b)
        stack += [(a, mid), (mid, b)]
    return sorted(out)


def _refine(line: _Line, tau: float, window: float = 1e-3) -> float:
    """The exact breakpoint near tau: the lines of g on both sides of it, intersected."""
    ts = tau + np.array([-2.0, -1.0, 1.0, 2.0]) * window
    g = line.values(ts)
    sa, sb = (g[1] - g[0]) / window, (g[3] - g[2]) / window
    if abs(sa - sb) <= 1e-6 * (1 + abs(sa) + abs(sb)):
        return None                                  # no breakpoint between: a bad guess
    refined = (g[2] - g[1] - sb * ts[2] + sa * ts[1]) / (sa - sb)
    return refined if abs(refined - tau) <= window else None


def _fit_plane(points: np.ndarray) -> tuple:
    """Unit normal n and offset r with n . x = r through d points (smallest singular vector)."""
    centre = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - centre)
    n = vt[-1]
    return n, float(n @ centre)


def _bisection_rows(f, d, rng):
    rows = []
    quiet = 0
    while quiet < 1 or not rows:
        before = len(rows)
        for _ in range(d):
            u = rng.normal(size=d)
            u /= np.linalg.norm(u)
            p = rng.normal(size=d)
            p -= (p @ u) * u
            p *= 0.3 / max(np.linalg.norm(p), 1e-12)
            line = _Line(f, p, u)
            for tau in _breakpoints(line, -2.0 * np.sqrt(d), 2.0 * np.sqrt(d)):
                tau = _refine(line, tau, 1e-5)
                if tau is None:
                    continue
                x = p + tau * u
                if any(abs(r[:d] @ x + r[d]) < 1e-5 for r in rows):
                    continue
                others = np.linalg.qr(np.column_stack([u, rng.normal(size=(d, d - 1))]))[0][:, 1:]
                found = [x]                          # d points of the hyperplane, 1e-3 apart
                for e in others.T:
                    shifted = _Line(f, p + 1e-3 * e, u)
                    near = _breakpoints(shifted, tau - 0.01, tau + 0.01)
                    exact = _refine(shifted, near[0], 1e-5) if len(near) == 1 else None
                    if exact is None:
                        break
                    found.append(p + 1e-3 * e + exact * u)
                if len(found) != d:
                    continue
                n, r = _fit_plane(np.array(found))
                far = [x]                            # again 0.05 apart, where the rough plane predicts
                spare = others @ rng.normal(size=d - 1)
                for e in list(others.T) + [spare / np.linalg.norm(spare)]:
                    start = p + 0.05 * e
                    exact = _refine(_Line(f, start, u), (r - n @ start) / (n @ u), 1e-5)
                    if exact is None:
                        break
                    far.append(start + exact * u)
                if len(far) != d + 1:
                    continue
                n, r = _fit_plane(np.array(far[:d]))
                if abs(far[d] @ n - r) > 1e-10:      # a spare point off the plane: not one hyperplane
                    continue
                if r < 0:                            # the unit is off at the origin: b < 0
                    n, r = -n, -r
                row = np.concatenate([n, [-r]])
                if any(np.linalg.norm(row - q) < 1e-4 for q in rows):
                    continue
                rows.append(row)
        quiet = quiet + 1 if len(rows) == before else 0
    return np.array(rows).reshape(-1, d + 1)


def bisection_method(ns):
    def recover_first_layer(f, d, budget):
        return _bisection_rows(f, d, np.random.default_rng(12))

    def recover_net(f, d, budget):
        rows = _bisection_rows(f, d, np.random.default_rng(13))
        rng = np.random.default_rng(14)
        x = rng.uniform(-2.0, 2.0, (4 * (len(rows) + 1), d))
        design = np.column_stack([np.maximum(x @ rows[:, :d].T + rows[:, d], 0.0), np.ones(len(x))])
        coef = np.linalg.lstsq(design, f(x), rcond=None)[0]
        return rows[:, :d], rows[:, d], coef[:-1], float(coef[-1])
    return {"recover_first_layer": recover_first_layer, "recover_net": recover_net}


# -- axes_method ----------------------------------------------------------------------------------
def _as_numpy_query(f):
    """The grader's f called with a torch tensor's numbers; the answer back as a float64 tensor."""
    return lambda x: torch.as_tensor(np.asarray(f(x.detach().numpy())), dtype=F64)


def _kinks_second_differences(q, v, half):
    """Kink positions of t -> q(t v) on [-half, half]: cells where the second difference is not 0,
    located exactly from the clean neighbouring cells; crowded spots resampled 20 times finer."""
    return _kinks_window(q, v, -half, half, 0.025, 0)


def _kinks_window(q, v, lo, hi, h, depth):
    """Kinks of t -> q(t v) on [lo, hi] from a grid of spacing h (one level of the search above)."""
    t = torch.arange(lo - 2 * h, hi + 2.5 * h, h, dtype=F64)
    g = q(t[:, None] * v[None, :])
    s = (g[1:] - g[:-1]) / h
    bent = ((s[1:] - s[:-1]).abs() > 1e-7 * (1 + s[1:].abs())).tolist()
    kinks, i = [], 0
    while i < len(bent):
        if not bent[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(bent) and bent[j + 1]:
            j += 1
        left, right = i - 1, j + 2
        if left >= 0 and right < len(s):
            sa, sb = float(s[left]), float(s[right])
            ta, ga, tb, gb = float(t[left + 1]), float(g[left + 1]), float(t[right]), float(g[right])
            if sa != sb:
                tau = (gb - ga - sb * tb + sa * ta) / (sa - sb)
                check = q(torch.tensor([tau - 1e-9, tau + 1e-9], dtype=F64)[:, None] * v[None, :])
                if ta <= tau <= tb and \
                        abs(float(check[0]) - (ga + sa * (tau - 1e-9 - ta))) <= 1e-8 * (1 + abs(float(check[0]))) and \
                        abs(float(check[1]) - (gb + sb * (tau + 1e-9 - tb))) <= 1e-8 * (1 + abs(float(check[1]))):
                    kinks.append(tau)
                elif depth < 3:
                    kinks += _kinks_window(q, v, ta, tb, h / 20, depth + 1)
        i = j + 1
    return kinks


def _forward_gradient(q, x, step=1e-6):
    d = x.shape[0]
    pts = torch.cat([x[None, :], x[None, :] + step * torch.eye(d, dtype=F64)])
    vals = q(pts)
    return (vals[1:] - vals[0]) / step


def _axes_units(f, d):
    q = _as_numpy_query(f)
    half = float(np.sqrt(d)) + 0.25
    rows, alphas = [], []
    gen = torch.Generator().manual_seed(3)
    rotations, quiet = [torch.eye(d, dtype=F64)], 0
    while True:
        basis = rotations[-1]
        before = len(rows)
        for v in basis.T:
            for tau in _kinks_second_differences(q, v, half):
                x = tau * v
                if any(abs(float(r[:d] @ x + r[d])) < 1e-6 for r in rows):
                    continue
                g_left = _forward_gradient(q, x - 1e-4 * v)
                g_right = _forward_gradient(q, x + 1e-4 * v)
                jump = g_right - g_left
                g4 = q(torch.stack([x - 2e-4 * v, x - 1e-4 * v, x + 1e-4 * v, x + 2e-4 * v]))
                slope_change = float((g4[3] - g4[2]) - (g4[1] - g4[0])) / 1e-4
                if float(jump.norm()) < 1e-3 or abs(float(jump @ v) - slope_change) > 1e-5 * (1 + abs(slope_change)):
                    continue                         # another boundary within 2e-4: not this one alone
                n = jump / jump.norm()
                if float(n @ x) < 0:                 # the unit is off at the origin
                    n = -n
                row = torch.cat([n, -(n @ x)[None]])
                if any(float((row - r).norm()) < 1e-4 for r in rows):
                    continue
                rows.append(row)
                alphas.append(float(jump @ n) * float(torch.sign(n @ v)))
        quiet = quiet + 1 if len(rows) == before else 0
        if quiet == 2:
            break
        rotations.append(torch.linalg.qr(torch.randn(d, d, generator=gen, dtype=F64))[0])
    return torch.stack(rows).numpy(), np.array(alphas)


def axes_method(ns):
    def recover_first_layer(f, d, budget):
        return _axes_units(f, d)[0]

    def recover_net(f, d, budget):
        rows, alphas = _axes_units(f, d)
        c = float(np.asarray(f(np.zeros((1, d))))[0])
        return torch.tensor(rows[:, :d]), torch.tensor(rows[:, d]), torch.tensor(alphas), c
    return {"recover_first_layer": recover_first_layer, "recover_net": recover_net}


# -- plausible mistakes ---------------------------------------------------------------------------
def _reference_rows(ns, f, d, **kw):
    return ns["recover_units"](f, d, **kw)


def directions_only(ns):
    """The unit normals only, no offsets: shape (k, d)."""
    return {"recover_first_layer": lambda f, d, budget: _reference_rows(ns, f, d)[0][:, :d]}


def offsets_zero(ns):
    """(w_j, 0): the direction of the gradient jump without the hyperplane's position."""
    def recover_first_layer(f, d, budget):
        rows = _reference_rows(ns, f, d)[0].copy()
        rows[:, d] = 0.0
        return rows
    return {"recover_first_layer": recover_first_layer}


def sign_flipped(ns):
    """Rows oriented by the gradient jump along the line, not by the side that is on."""
    def recover_first_layer(f, d, budget):
        rows, alphas = _reference_rows(ns, f, d)
        return rows * np.where(alphas < 0, -1.0, 1.0)[:, None]     # flips the units with a_j < 0
    return {"recover_first_layer": recover_first_layer}


def offset_sign(ns):
    """b_j = +w_j . x* instead of -w_j . x*: the mirror image of the hyperplane."""
    def recover_first_layer(f, d, budget):
        rows = _reference_rows(ns, f, d)[0].copy()
        rows[:, d] = -rows[:, d]
        return rows
    return {"recover_first_layer": recover_first_layer}


def one_line_only(ns):
    """Every breakpoint of a single line through the origin: units whose hyperplanes it meets far
    away (or never) are missing."""
    def recover_first_layer(f, d, budget):
        rows = _reference_rows(ns, f, d)[0]
        v = np.eye(d)[0]
        t = -rows[:, d] / np.where(rows[:, :d] @ v == 0, np.inf, rows[:, :d] @ v)
        return rows[np.abs(t) <= np.sqrt(d) + 0.5]
    return {"recover_first_layer": recover_first_layer}


def duplicates_kept(ns):
    """One row per breakpoint found, not per unit: units crossed by several lines appear twice."""
    def recover_first_layer(f, d, budget):
        rows = _reference_rows(ns, f, d)[0]
        return np.concatenate([rows, 2.0 * rows[: max(1, len(rows) // 3)]])
    return {"recover_first_layer": recover_first_layer}


def budget_blown(ns):
    """A batch counted as one query: grids 40 times finer than needed, past the budget."""
    search = ns["kinks_along"]

    def recover_first_layer(f, d, budget):
        rng = np.random.default_rng(0)
        for _ in range(3):
            basis, _ = np.linalg.qr(rng.normal(size=(d, d)))
            search(f, basis.T, np.sqrt(d) + 0.5, spacing=0.00125)
        return _reference_rows(ns, f, d)[0]
    return {"recover_first_layer": recover_first_layer}


def net_without_bias(ns):
    """The output bias c left out (0)."""
    def recover_net(f, d, budget):
        rows, alphas = _reference_rows(ns, f, d)
        return rows[:, :d], rows[:, d], alphas, 0.0
    return {"recover_net": recover_net}


def net_weights_unsigned(ns):
    """a_j = |gradient jump|: the sign of a_j lost."""
    def recover_net(f, d, budget):
        rows, alphas = _reference_rows(ns, f, d)
        return rows[:, :d], rows[:, d], np.abs(alphas), float(f(np.zeros((1, d)))[0])
    return {"recover_net": recover_net}


def net_weights_all_negated(ns):
    """a_j from the jump taken in the wrong direction (right minus left for every unit)."""
    def recover_net(f, d, budget):
        rows, alphas = _reference_rows(ns, f, d)
        return rows[:, :d], rows[:, d], -alphas, float(f(np.zeros((1, d)))[0])
    return {"recover_net": recover_net}


def net_rows_rescaled(ns):
    """Rows rescaled (w_j, b_j) -> 2 (w_j, b_j) after the output weights were computed for unit rows."""
    def recover_net(f, d, budget):
        rows, alphas = _reference_rows(ns, f, d)
        return 2 * rows[:, :d], 2 * rows[:, d], alphas, float(f(np.zeros((1, d)))[0])
    return {"recover_net": recover_net}


def net_flipped_rows(ns):
    """Unoriented rows (the jump's sign as found) with output weights fitted by least squares: no
    choice of a and c can make up for a flipped unit (f differs by an affine function)."""
    def recover_net(f, d, budget):
        rows, alphas = _reference_rows(ns, f, d)
        rows = rows * np.where(alphas < 0, -1.0, 1.0)[:, None]
        x = np.random.default_rng(1).uniform(-2.0, 2.0, (4 * (len(rows) + 1), d))
        design = np.column_stack([np.maximum(x @ rows[:, :d].T + rows[:, d], 0.0), np.ones(len(x))])
        coef = np.linalg.lstsq(design, f(x), rcond=None)[0]
        return rows[:, :d], rows[:, d], coef[:-1], float(coef[-1])
    return {"recover_net": recover_net}


def net_budget_blown(ns):
    """recover_first_layer, then least squares on 5,000 d fresh points: past the budget."""
    def recover_net(f, d, budget):
        rows = ns["recover_first_layer"](f, d, budget)
        x = np.random.default_rng(1).uniform(-2.0, 2.0, (5000 * d, d))
        y = f(x)
        design = np.column_stack([np.maximum(x @ rows[:, :d].T + rows[:, d], 0.0), np.ones(len(x))])
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        return rows[:, :d], rows[:, d], coef[:-1], float(coef[-1])
    return {"recover_net": recover_net}
