r"""Student answers for the init graders' tests, in one place: independent correct implementations
(other algorithms, dtypes, random-number orders, torch built-ins vs hand-written code; not edits of the
reference) and plausible mistakes.

Each entry is ``(question, label or words, factory)``; ``factory(reference_namespace)`` returns the
notebook names to replace. For a mistake, ``words`` must appear in the question's first failure message.
"""
from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import torch
from scipy import integrate, optimize
from torch import nn


def gain(a: float, b: float = 1.0) -> float:
    return math.sqrt(2 / (a * a + b * b))


# -- init_q1: leaky_relu_gain --------------------------------------------------------------------
def gain_by_quadrature(ns):
    """1 / sqrt(E[phi(z)^2] / E[z^2]) with scipy's adaptive quadrature over the whole line."""
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    def leaky_relu_gain(negative_slope, positive_slope=1.0):
        phi2 = lambda z: (positive_slope if z > 0 else negative_slope) ** 2 * z * z * pdf(z)
        second, _ = integrate.quad(phi2, -np.inf, np.inf, points=None, epsabs=1e-13)
        return 1.0 / math.sqrt(second)
    return {"leaky_relu_gain": leaky_relu_gain}


def gain_in_float32_torch(ns):
    """The closed form evaluated with float32 torch tensors (round-off ~1e-7)."""
    def leaky_relu_gain(negative_slope, positive_slope=1.0):
        slopes = torch.tensor([negative_slope, positive_slope], dtype=torch.float32)
        return float(torch.rsqrt(slopes.pow(2).mean()))
    return {"leaky_relu_gain": leaky_relu_gain}


def gain_from_torch_by_homogeneity(ns):
    """phi_{a,b} = b phi_{a/b,1}: PyTorch's leaky-ReLU gain of a/b, divided by |b|."""
    def leaky_relu_gain(negative_slope, positive_slope=1.0):
        return nn.init.calculate_gain("leaky_relu", negative_slope / positive_slope) / abs(positive_slope)
    return {"leaky_relu_gain": leaky_relu_gain}


# -- init_q3: init_leaky_relu_ -------------------------------------------------------------------
def init_kaiming(ns):
    """torch's kaiming_normal_ (fan_in, leaky_relu) and zeros_."""
    def init_leaky_relu_(layer, negative_slope):
        nn.init.kaiming_normal_(layer.weight, a=negative_slope, mode="fan_in", nonlinearity="leaky_relu")
        nn.init.zeros_(layer.bias)
        return layer
    return {"init_leaky_relu_": init_leaky_relu_}


def init_float64_copy(ns):
    """Draws in float64 (another random stream), copies into the parameter under no_grad."""
    def init_leaky_relu_(layer, negative_slope):
        std = gain(negative_slope) / math.sqrt(layer.in_features)
        with torch.no_grad():
            layer.weight.copy_(torch.randn(layer.weight.shape, dtype=torch.float64) * std)
            layer.bias.zero_()
        return layer
    return {"init_leaky_relu_": init_leaky_relu_}


def init_numpy_data(ns):
    """numpy's global generator, assigned through .data (the same Parameter objects get new values)."""
    def init_leaky_relu_(layer, negative_slope):
        std = math.sqrt(2.0 / ((1 + negative_slope ** 2) * layer.in_features))
        layer.weight.data = torch.from_numpy(np.random.normal(0.0, std, tuple(layer.weight.shape))).float()
        layer.bias.data.fill_(0.0)
        return layer
    return {"init_leaky_relu_": init_leaky_relu_}


# -- init_q4: deep_mlp ---------------------------------------------------------------------------
def mlp_kaiming(ns):
    """kaiming_normal_ when sigma_w2 is None, normal_(std=...) otherwise; layers collected in a list."""
    def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):
        modules = []
        for i in range(depth + 1):
            layer = nn.Linear(in_features if i == 0 else width, width if i < depth else out_features)
            if sigma_w2 is None:
                nn.init.kaiming_normal_(layer.weight, a=negative_slope, nonlinearity="leaky_relu")
            else:
                nn.init.normal_(layer.weight, std=math.sqrt(sigma_w2 / layer.in_features))
            nn.init.zeros_(layer.bias)
            modules += [layer] + ([nn.LeakyReLU(negative_slope)] if i < depth else [])
        return nn.Sequential(*modules)
    return {"deep_mlp": deep_mlp}


def mlp_reverse_order(ns):
    """All layers built first, then drawn from the last to the first (another random-number order)."""
    def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):
        sizes = [in_features] + [width] * depth + [out_features]
        linears = [nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        scale = 2 / (1 + negative_slope ** 2) if sigma_w2 is None else sigma_w2
        with torch.no_grad():
            for layer in reversed(linears):
                layer.weight.copy_(torch.randn_like(layer.weight) * math.sqrt(scale / layer.in_features))
                layer.bias.zero_()
        modules = [m for layer in linears[:-1] for m in (layer, nn.LeakyReLU(negative_slope))] + [linears[-1]]
        return nn.Sequential(*modules)
    return {"deep_mlp": deep_mlp}


def mlp_numpy_named(ns):
    """Weights from numpy's global generator in float64, modules named in an OrderedDict."""
    def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):
        scale = (2 / (1 + negative_slope ** 2)) if sigma_w2 is None else sigma_w2
        named, n_in = OrderedDict(), in_features
        for i in range(depth + 1):
            n_out = width if i < depth else out_features
            layer = nn.Linear(n_in, n_out)
            layer.weight.data = torch.tensor(np.random.standard_normal((n_out, n_in)) * math.sqrt(scale / n_in),
                                             dtype=torch.float32)
            layer.bias.data = torch.zeros(n_out)
            named[f"linear{i}"] = layer
            if i < depth:
                named[f"act{i}"] = nn.LeakyReLU(negative_slope)
            n_in = n_out
        return nn.Sequential(named)
    return {"deep_mlp": deep_mlp}


# -- init_q5: layer_second_moments ---------------------------------------------------------------
def moments_with_hooks(ns):
    """Forward hooks on every nn.Linear record mean(z^2)."""
    def layer_second_moments(net, x):
        out = []
        hooks = [m.register_forward_hook(lambda mod, inp, z: out.append(z.detach().pow(2).mean().item()))
                 for m in net.modules() if isinstance(m, nn.Linear)]
        try:
            with torch.no_grad():
                net(x)
        finally:
            for hook in hooks:
                hook.remove()
        return out
    return {"layer_second_moments": layer_second_moments}


def moments_float64_by_hand(ns):
    """Matrix products in float64 from the modules' parameters, activations applied as modules."""
    def layer_second_moments(net, x):
        h, out = x.double(), []
        for module in net:
            if isinstance(module, nn.Linear):
                h = h @ module.weight.double().T + module.bias.double()
                out.append(float((h * h).mean().detach()))
            else:
                h = module(h)
        return out
    return {"layer_second_moments": layer_second_moments}


def moments_numpy(ns):
    """numpy after each Linear (float32 values, float64 mean)."""
    def layer_second_moments(net, x):
        out = []
        with torch.inference_mode():
            for module in net:
                x = module(x)
                if type(module) is nn.Linear:
                    out.append(float(np.mean(np.square(x.numpy().astype(np.float64)))))
        return out
    return {"layer_second_moments": layer_second_moments}


# -- init_q6: critical_sigma_w2 ------------------------------------------------------------------
def critical_from_torch(ns):
    return {"critical_sigma_w2": lambda a: nn.init.calculate_gain("leaky_relu", a) ** 2}


def critical_by_quadrature(ns):
    """1 / (E[phi(z)^2] / E[z^2]) by quadrature of each half-line."""
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    def critical_sigma_w2(a):
        right = integrate.quad(lambda z: z * z * pdf(z), 0, np.inf)[0]
        left = integrate.quad(lambda z: (a * z) ** 2 * pdf(z), -np.inf, 0)[0]
        return 1.0 / (right + left)
    return {"critical_sigma_w2": critical_sigma_w2}


def critical_by_propagation_root(ns):
    """The root in sigma_w^2 of (one-layer growth factor of E[z^2]) - 1, the growth factor computed in
    closed form from the half-Gaussian second moments."""
    def critical_sigma_w2(a):
        growth = lambda s: s * (0.5 + 0.5 * a * a) - 1.0
        return float(optimize.brentq(growth, 0.1, 10.0, xtol=1e-15, rtol=1e-15))
    return {"critical_sigma_w2": critical_sigma_w2}


# -- init_q7: scan_init --------------------------------------------------------------------------
def scan_batches_up_front(ns):
    """All mini-batch indices drawn at once before the net is built (the net from the reference deep_mlp)."""
    deep_mlp = ns["deep_mlp"]

    def scan_init(sigma_w2_values, depth=20, width=32, negative_slope=0.2, steps=150, lr=0.05, batch_size=128, seed=0):
        from shared.digits import digits
        X, y = digits()
        out = []
        for s2 in sigma_w2_values:
            torch.manual_seed(seed)
            rows = torch.randint(len(X), (steps, batch_size))
            net = deep_mlp(depth, width, negative_slope, float(s2))
            opt = torch.optim.SGD(net.parameters(), lr=lr)
            for batch in rows:
                opt.zero_grad()
                nn.functional.cross_entropy(net(X[batch]), y[batch]).backward()
                nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0)
                opt.step()
            with torch.no_grad():
                out.append(nn.functional.cross_entropy(net(X), y).item())
        return np.array(out, dtype=np.float64)
    return {"scan_init": scan_init}


def scan_own_net_generator(ns):
    """Its own net (weights drawn last layer first), a separate torch.Generator for the batches, and
    the clipping done by hand."""
    def build(depth, width, a, s2, generator):
        sizes = [64] + [width] * depth + [10]
        linears = [nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:])]
        with torch.no_grad():
            for layer in reversed(linears):
                layer.weight.normal_(0.0, math.sqrt(s2 / layer.in_features), generator=generator)
                layer.bias.zero_()
        return nn.Sequential(*[m for layer in linears[:-1] for m in (layer, nn.LeakyReLU(a))], linears[-1])

    def scan_init(sigma_w2_values, depth=20, width=32, negative_slope=0.2, steps=150, lr=0.05, batch_size=128, seed=0):
        from shared.digits import digits
        X, y = digits()
        losses = []
        for s2 in sigma_w2_values:
            gen = torch.Generator().manual_seed(seed)
            net = build(depth, width, negative_slope, float(s2), gen)
            params = list(net.parameters())
            for _ in range(steps):
                rows = torch.randint(0, X.shape[0], (batch_size,), generator=gen)
                loss = nn.CrossEntropyLoss()(net(X[rows]), y[rows])
                grads = torch.autograd.grad(loss, params)
                norm = torch.sqrt(sum(g.pow(2).sum() for g in grads))
                factor = min(1.0, 1.0 / (float(norm) + 1e-6))
                with torch.no_grad():
                    for p, g in zip(params, grads):
                        p -= lr * factor * g
            with torch.inference_mode():
                losses.append(float(nn.CrossEntropyLoss()(net(X), y)))
        return np.asarray(losses)
    return {"scan_init": scan_init}


def scan_numpy_batches(ns):
    """Batches from numpy's generator (seeded with the seed), the reference deep_mlp, float64 loss."""
    deep_mlp = ns["deep_mlp"]

    def scan_init(sigma_w2_values, depth=20, width=32, negative_slope=0.2, steps=150, lr=0.05, batch_size=128, seed=0):
        from shared.digits import digits
        X, y = digits()
        result = np.zeros(len(sigma_w2_values))
        for k, s2 in enumerate(sigma_w2_values):
            torch.manual_seed(seed)
            rng = np.random.default_rng(seed)
            net = deep_mlp(depth, width, negative_slope, sigma_w2=float(s2))
            opt = torch.optim.SGD(net.parameters(), lr=lr)
            for _ in range(steps):
                rows = torch.from_numpy(rng.integers(0, len(X), batch_size))
                opt.zero_grad()
                loss = nn.functional.cross_entropy(net(X[rows]), y[rows])
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
            with torch.no_grad():
                logits = net(X).double()
                result[k] = float(nn.functional.cross_entropy(logits, y))
        return result
    return {"scan_init": scan_init}


# -- init_q8: tanh mean field --------------------------------------------------------------------
def _expect_quad(f):
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return integrate.quad(lambda z: f(z) * pdf(z), -40.0, 40.0, epsabs=1e-13, epsrel=1e-12, limit=200)[0]


def tanh_by_adaptive_quadrature(ns):
    """scipy.integrate.quad for every expectation, brentq for both roots."""
    def tanh_q_star(sw, sb):
        if sb == 0 and sw <= 1:
            return 0.0
        gap = lambda q: sw * _expect_quad(lambda z: math.tanh(math.sqrt(q) * z) ** 2) + sb - q
        return float(optimize.brentq(gap, 1e-12, sw + sb, xtol=1e-14))

    def tanh_chi1(sw, sb):
        q = tanh_q_star(sw, sb)
        return sw * _expect_quad(lambda z: math.cosh(math.sqrt(q) * z) ** -4)

    def tanh_critical_sigma_w2(sb):
        return float(optimize.brentq(lambda s: tanh_chi1(s, sb) - 1.0, 0.5, 10.0, xtol=1e-10))
    return {"tanh_q_star": tanh_q_star, "tanh_chi1": tanh_chi1, "tanh_critical_sigma_w2": tanh_critical_sigma_w2}


def tanh_by_newton_150_nodes(ns):
    """150-node Gauss-Hermite (numpy's physicists' nodes, rescaled), Newton's method on the fixed point,
    secant method on the critical line."""
    x, w = np.polynomial.hermite.hermgauss(150)
    z, weights = x * math.sqrt(2.0), w / math.sqrt(math.pi)

    def tanh_q_star(sw, sb):
        if sb == 0 and sw <= 1:
            return 0.0
        def gap(q):
            return sw * float(weights @ np.tanh(np.sqrt(q) * z) ** 2) + sb - q
        return float(optimize.newton(gap, sw + sb, tol=1e-14, maxiter=200))

    def tanh_chi1(sw, sb):
        q = tanh_q_star(sw, sb)
        return float(sw * (weights @ (1.0 - np.tanh(np.sqrt(q) * z) ** 2) ** 2))

    def tanh_critical_sigma_w2(sb):
        return float(optimize.newton(lambda s: tanh_chi1(s, sb) - 1.0, 1.0 + 10 * sb, tol=1e-12, maxiter=200))
    return {"tanh_q_star": tanh_q_star, "tanh_chi1": tanh_chi1, "tanh_critical_sigma_w2": tanh_critical_sigma_w2}


def tanh_by_iteration(ns):
    """The length map iterated to convergence with Aitken acceleration (the notebook's 101 nodes), and
    bisection for the critical line."""
    zs, ws = ns["GH_Z"], ns["GH_W"]
    length_map = lambda q, sw, sb: sw * float(ws @ np.tanh(math.sqrt(q) * zs) ** 2) + sb

    def tanh_q_star(sw, sb):
        if sb == 0 and sw <= 1:
            return 0.0
        q = sw + sb
        for _ in range(500):
            q1 = length_map(q, sw, sb)
            q2 = length_map(q1, sw, sb)
            denom = q2 - 2 * q1 + q
            nxt = q2 if abs(denom) < 1e-300 else q - (q1 - q) ** 2 / denom
            if abs(nxt - q) < 1e-15:
                return nxt
            q = nxt if nxt > 0 else q2
        return q

    def tanh_chi1(sw, sb):
        q = tanh_q_star(sw, sb)
        return sw * float(ws @ np.cosh(math.sqrt(q) * zs) ** -4)

    def tanh_critical_sigma_w2(sb):
        lo, hi = 0.5, 10.0
        while hi - lo > 1e-11:
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if tanh_chi1(mid, sb) < 1.0 else (lo, mid)
        return (lo + hi) / 2
    return {"tanh_q_star": tanh_q_star, "tanh_chi1": tanh_chi1, "tanh_critical_sigma_w2": tanh_critical_sigma_w2}


# -- plausible mistakes ---------------------------------------------------------------------------
def _normal_init(std_of, bias=0.0):
    """An init_leaky_relu_ that draws N(0, std_of(a, fan_in, fan_out)^2) and sets the bias to ``bias``."""
    def init(layer, a):
        with torch.no_grad():
            layer.weight.normal_(0.0, std_of(a, layer.in_features, layer.out_features))
            if bias is not None:
                layer.bias.fill_(bias)
        return layer
    return init


def _gain(a):
    return gain(a)


def init_uniform_wrong_bound(ns):
    def init(layer, a):
        bound = _gain(a) / math.sqrt(layer.in_features)
        nn.init.uniform_(layer.weight, -bound, bound)
        nn.init.zeros_(layer.bias)
        return layer
    return {"init_leaky_relu_": init}


def init_mean_first(ns):
    """nn.init.normal_(w, std) sets the mean to std and the std to 1."""
    def init(layer, a):
        nn.init.normal_(layer.weight, _gain(a) / math.sqrt(layer.in_features))
        nn.init.zeros_(layer.bias)
        return layer
    return {"init_leaky_relu_": init}


def init_returns_copy(ns):
    ref = ns["init_leaky_relu_"]

    def init(layer, a):
        fresh = nn.Linear(layer.in_features, layer.out_features)
        return ref(fresh, a)
    return {"init_leaky_relu_": init}


def init_modifies_a_copy(ns):
    """Deep-copies the layer, initialises and returns the copy: the caller's layer is untouched."""
    import copy
    ref = ns["init_leaky_relu_"]
    return {"init_leaky_relu_": lambda layer, a: ref(copy.deepcopy(layer), a)}


def init_returns_a_copy(ns):
    """Initialises the given layer in place, but returns a deep copy of it."""
    import copy
    ref = ns["init_leaky_relu_"]
    return {"init_leaky_relu_": lambda layer, a: copy.deepcopy(ref(layer, a))}


def init_default(ns):
    def init(layer, a):
        layer.reset_parameters()
        nn.init.zeros_(layer.bias)
        return layer
    return {"init_leaky_relu_": init}


def _mlp(std_of, slope_of=lambda a: a, activation=None, readout=True, bias=0.0):
    """A deep_mlp built from pieces: weight std std_of(a, fan_in, fan_out, sigma_w2)."""
    def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):
        sizes = [in_features] + [width] * depth + ([out_features] if readout else [])
        layers = []
        for i in range(len(sizes) - 1):
            lin = nn.Linear(sizes[i], sizes[i + 1])
            last = i == depth
            with torch.no_grad():
                lin.weight.normal_(0.0, std_of(negative_slope, sizes[i], sizes[i + 1], sigma_w2))
                lin.bias.fill_(bias)
            layers.append(lin)
            if not last:
                layers.append(activation() if activation else nn.LeakyReLU(slope_of(negative_slope)))
        return nn.Sequential(*layers)
    return deep_mlp


def _right_std(a, fan_in, fan_out, s2):
    return math.sqrt((2 / (1 + a * a) if s2 is None else s2) / fan_in)


def mlp_shared_layer(ns):
    """[Linear, LeakyReLU] * depth: the same hidden module repeated."""
    def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):
        net = ns["deep_mlp"](depth, width, negative_slope, sigma_w2, in_features, out_features)
        modules = list(net)
        return nn.Sequential(*(modules[:2] + modules[2:4] * (depth - 1) + modules[-1:]))
    return {"deep_mlp": deep_mlp}


def mlp_broadcast(axis):
    """One row (axis 0) or one column (axis 1) of weights drawn and broadcast to the whole matrix:
    the right variance entry by entry, no independence. A scale test catches it by chance only."""
    def mistake(ns):
        def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):
            net = ns["deep_mlp"](depth, width, negative_slope, sigma_w2, in_features, out_features)
            with torch.no_grad():
                for module in net:
                    if isinstance(module, nn.Linear):
                        line = module.weight[:1] if axis == 0 else module.weight[:, :1]
                        module.weight.copy_(line.expand_as(module.weight))
            return net
        return {"deep_mlp": deep_mlp}
    return mistake


def init_row_broadcast(ns):
    """init_leaky_relu_ draws one row at the right scale and repeats it for every unit."""
    def init(layer, a):
        ns["init_leaky_relu_"](layer, a)
        with torch.no_grad():
            layer.weight.copy_(layer.weight[:1].expand_as(layer.weight))
        return layer
    return {"init_leaky_relu_": init}


def mlp_readout_default(ns):
    """The readout keeps PyTorch's default init: std 1/sqrt(3 fan_in)."""
    def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):
        net = ns["deep_mlp"](depth, width, negative_slope, sigma_w2, in_features, out_features)
        net[-1].reset_parameters()
        nn.init.zeros_(net[-1].bias)
        return net
    return {"deep_mlp": deep_mlp}


def _moments(transform, keep=lambda module: isinstance(module, nn.Linear), after=False):
    def layer_second_moments(net, x):
        out, modules = [], list(net)
        with torch.no_grad():
            for i, module in enumerate(modules):
                x = module(x)
                if keep(module):
                    z = x
                    if after and i + 1 < len(modules):
                        z = modules[i + 1](x)
                    out.append(float(transform(z.double())))
        return out
    return layer_second_moments


def scan_seed_once(ns):
    ref_mlp = ns["deep_mlp"]

    def scan_init(sigma_w2_values, depth=20, width=32, negative_slope=0.2, steps=150, lr=0.05, batch_size=128, seed=0):
        from shared.digits import digits
        X, y = digits()
        torch.manual_seed(seed)
        losses = []
        for s2 in sigma_w2_values:
            net = ref_mlp(depth, width, negative_slope, float(s2))
            opt = torch.optim.SGD(net.parameters(), lr=lr)
            for _ in range(steps):
                rows = torch.randint(0, len(X), (batch_size,))
                loss = nn.functional.cross_entropy(net(X[rows]), y[rows])
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
            with torch.no_grad():
                losses.append(float(nn.functional.cross_entropy(net(X), y)))
        return np.array(losses)
    return {"scan_init": scan_init}


def scan_variant(ns, **change):
    """The reference scan_init with the sigma_w2 values or the step count changed before use."""
    ref = ns["scan_init"]
    transform = change.get("values", lambda v: v)

    def scan_init(sigma_w2_values, **kwargs):
        if "steps_to" in change:
            kwargs["steps"] = change["steps_to"]
        return ref([transform(v) for v in sigma_w2_values], **kwargs)
    return {"scan_init": scan_init}


def scan_recipe_variant(ns, zero_grad=True, clip="before", use_lr=True, final="all"):
    """The reference recipe with one training mistake: gradients never zeroed, clipping missing or done after
    the step, lr ignored (the default 0.05), or the final loss of the last mini-batch rather than of all digits."""
    ref_mlp = ns["deep_mlp"]

    def scan_init(sigma_w2_values, depth=20, width=32, negative_slope=0.2, steps=150, lr=0.05, batch_size=128, seed=0):
        from shared.digits import digits
        X, y = digits()
        losses = []
        for s2 in sigma_w2_values:
            torch.manual_seed(seed)
            net = ref_mlp(depth, width, negative_slope, float(s2))
            opt = torch.optim.SGD(net.parameters(), lr=lr if use_lr else 0.05)
            rows = torch.arange(len(X))
            for _ in range(steps):
                rows = torch.randint(0, len(X), (batch_size,))
                loss = nn.functional.cross_entropy(net(X[rows]), y[rows])
                if zero_grad:
                    opt.zero_grad()
                loss.backward()
                if clip == "before":
                    nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                if clip == "after":
                    nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            with torch.no_grad():
                batch = rows if final == "last batch" else torch.arange(len(X))
                losses.append(float(nn.functional.cross_entropy(net(X[batch]), y[batch])))
        return np.array(losses)
    return {"scan_init": scan_init}


def q_star_iterated(ns, iterations):
    def tanh_q_star(sw, sb):
        q = 1.0
        for _ in range(iterations):
            q = sw * float(ns["GH_W"] @ np.tanh(np.sqrt(q) * ns["GH_Z"]) ** 2) + sb
        return q
    return {"tanh_q_star": tanh_q_star}


def chi1_variant(ns, power=4, q_of=None, samples=None):
    q_star = ns["tanh_q_star"]

    def tanh_chi1(sw, sb):
        q = q_star(sw, sb) if q_of is None else q_of(sw, sb)
        if samples:
            z = np.random.default_rng(0).standard_normal(samples)
            return float(sw * np.mean(np.cosh(np.sqrt(q) * z) ** -4.0))
        return float(sw * (ns["GH_W"] @ np.cosh(np.sqrt(q) * ns["GH_Z"]) ** (-float(power))))
    return {"tanh_chi1": tanh_chi1}


def critical_without_square(ns):
    from scipy.optimize import brentq
    q_star = ns["tanh_q_star"]
    chi = lambda sw, sb: sw * float(ns["GH_W"] @ np.cosh(np.sqrt(q_star(sw, sb)) * ns["GH_Z"]) ** -2.0)
    return {"tanh_critical_sigma_w2": lambda sb: 1.0 if sb == 0 else float(brentq(lambda s: chi(s, sb) - 1.0, 0.5, 10.0))}


# -- init_q9: trajectory_lengths -----------------------------------------------------------------
def _first_linear(net):
    return next(m for m in net.modules() if isinstance(m, nn.Linear))


def trajectory_numpy(ns):
    """numpy for the circle (Gram-Schmidt of two numpy normal vectors) and the lengths (np.diff on the
    closed polygon); the net runs in torch."""
    def trajectory_lengths(net_factory, depth, n_points, seed):
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        net = net_factory(depth)
        n_in = _first_linear(net).in_features
        u = rng.standard_normal(n_in)
        u /= np.linalg.norm(u)
        v = rng.standard_normal(n_in)
        v -= (v @ u) * u
        v /= np.linalg.norm(v)
        t = np.linspace(0.0, 2 * np.pi, n_points, endpoint=False)
        points = np.sqrt(n_in) * (np.outer(np.cos(t), u) + np.outer(np.sin(t), v))
        closed = lambda h: float(np.linalg.norm(np.diff(np.vstack([h, h[:1]]), axis=0), axis=1).sum())
        out, h = [closed(points)], torch.tensor(points, dtype=torch.float32)
        with torch.no_grad():
            for module in net:
                h = module(h)
                if isinstance(module, nn.Linear):
                    out.append(closed(h.numpy().astype(np.float64)))
        return np.array(out)
    return {"trajectory_lengths": trajectory_lengths}


def trajectory_float64_hooks(ns):
    """The circle drawn before the net (another random-number order), the net in float64, outputs of the
    Linear layers recorded by forward hooks."""
    def trajectory_lengths(net_factory, depth, n_points, seed):
        torch.manual_seed(seed)
        probe = net_factory(1)
        n_in = _first_linear(probe).in_features
        basis, _ = torch.linalg.qr(torch.randn(n_in, 2, dtype=torch.float64))
        net = net_factory(depth).double()
        angles = torch.linspace(0, 2 * math.pi, n_points + 1, dtype=torch.float64)[:-1]
        x = math.sqrt(n_in) * torch.stack([angles.cos(), angles.sin()], dim=1) @ basis.T
        outputs = [x]
        hooks = [m.register_forward_hook(lambda mod, inp, out: outputs.append(out))
                 for m in net.modules() if isinstance(m, nn.Linear)]
        with torch.no_grad():
            net(x)
        for hook in hooks:
            hook.remove()
        return np.array([float(torch.linalg.vector_norm(torch.roll(h, 1, 0) - h, dim=1).sum()) for h in outputs])
    return {"trajectory_lengths": trajectory_lengths}


def trajectory_point_by_point(ns):
    """Each point pushed through the net on its own, segment lengths by torch.dist."""
    def trajectory_lengths(net_factory, depth, n_points, seed):
        torch.manual_seed(seed)
        net = net_factory(depth)
        n_in = _first_linear(net).in_features
        a, b = torch.randn(n_in), torch.randn(n_in)
        a = a / a.norm()
        b = b - (b @ a) * a
        b = b / b.norm()
        curves = [[] for _ in range(depth + 1)]
        with torch.no_grad():
            for k in range(n_points):
                t = 2 * math.pi * k / n_points
                h = math.sqrt(n_in) * (math.cos(t) * a + math.sin(t) * b)
                curves[0].append(h)
                layer = 0
                for module in net:
                    h = module(h)
                    if isinstance(module, nn.Linear):
                        layer += 1
                        curves[layer].append(h)
        return np.array([sum(float(torch.dist(c[k], c[(k + 1) % n_points])) for k in range(n_points)) for c in curves])
    return {"trajectory_lengths": trajectory_lengths}


def _trajectory_variant(ns, segment=None, radius=None, closed=True, after=nn.Linear, tanh_input=False, shift=False):
    """The reference algorithm with one thing changed (for the mistakes)."""
    def trajectory_lengths(net_factory, depth, n_points, seed):
        torch.manual_seed(seed)
        net = net_factory(depth)
        n_in = _first_linear(net).in_features
        u, v = torch.linalg.qr(torch.randn(n_in, 2, dtype=torch.float64))[0].T
        t = 2 * math.pi * torch.arange(n_points, dtype=torch.float64) / n_points
        r = math.sqrt(n_in) if radius is None else radius
        h = (r * (torch.cos(t)[:, None] * u + torch.sin(t)[:, None] * v)).float()
        measure = segment or (lambda d: d.double().norm(dim=1))
        length = lambda p: float(measure((p.roll(-1, 0) - p) if closed else (p[1:] - p[:-1])).sum())
        lengths = [length(h)]
        if tanh_input:
            h = torch.tanh(h)
        with torch.no_grad():
            for module in net:
                before = h
                h = module(h)
                if isinstance(module, after):
                    lengths.append(length(before if shift else h))
        return np.array(lengths)
    return {"trajectory_lengths": trajectory_lengths}


# -- init_q10: log_signal_variance ---------------------------------------------------------------
def log_variance_numpy(ns):
    """Nets drawn with numpy's generator (seeded once), forward by hand in float64."""
    def log_signal_variance(widths, negative_slope, n_nets, seed):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal(widths[0])
        s2 = 2.0 / (1.0 + negative_slope ** 2)
        logs = []
        for _ in range(n_nets):
            h, first = x, None
            for n_in, n_out in zip(widths[:-1], widths[1:]):
                z = rng.standard_normal((n_out, n_in)) @ h * math.sqrt(s2 / n_in)
                q = float(np.mean(z * z))
                first = q if first is None else first
                h = np.where(z > 0, z, negative_slope * z)
            logs.append(math.log(q / first))
        return float(np.var(logs, ddof=1))
    return {"log_signal_variance": log_signal_variance}


def log_variance_kaiming_hooks(ns):
    """kaiming_normal_ layers, hooks for the second moments, the input drawn after the first net, ddof 0."""
    def log_signal_variance(widths, negative_slope, n_nets, seed):
        torch.manual_seed(seed)
        logs, x = [], None
        for _ in range(n_nets):
            layers = []
            for n_in, n_out in zip(widths[:-1], widths[1:]):
                layer = nn.Linear(n_in, n_out)
                nn.init.kaiming_normal_(layer.weight, a=negative_slope, nonlinearity="leaky_relu")
                nn.init.zeros_(layer.bias)
                layers += [layer, nn.LeakyReLU(negative_slope)]
            net = nn.Sequential(*layers[:-1])
            if x is None:
                x = torch.randn(1, widths[0])
            seen = []
            hooks = [m.register_forward_hook(lambda mod, inp, out: seen.append(out.pow(2).mean().item()))
                     for m in net if isinstance(m, nn.Linear)]
            with torch.no_grad():
                net(x)
            for hook in hooks:
                hook.remove()
            logs.append(math.log(seen[-1]) - math.log(seen[0]))
        return float(np.var(logs))
    return {"log_signal_variance": log_signal_variance}


def log_variance_batched(ns):
    """All nets at once: one (n_nets, n_out, n_in) weight tensor per layer, float64, batched matmul."""
    def log_signal_variance(widths, negative_slope, n_nets, seed):
        torch.manual_seed(seed)
        h = torch.randn(widths[0], dtype=torch.float64).expand(n_nets, -1).unsqueeze(-1)
        s2 = 2.0 / (1.0 + negative_slope ** 2)
        moments = []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            weights = torch.randn(n_nets, n_out, n_in, dtype=torch.float64) * math.sqrt(s2 / n_in)
            z = weights @ h
            moments.append(z.pow(2).mean(dim=(1, 2)))
            h = torch.nn.functional.leaky_relu(z, negative_slope)
        return float(torch.log(moments[-1] / moments[0]).var())
    return {"log_signal_variance": log_signal_variance}


def _log_variance_variant(ns, reseed=False, width_of=None, statistic=None, activation=None, log=math.log,
                          inputs=1, layers=None, first=0):
    """The reference algorithm with one thing changed (for the mistakes): ``inputs`` rows in x, ``layers`` a
    change of the widths list (e.g. one layer too few), ``first`` the index of q_1 in the moments."""
    init = ns["init_leaky_relu_"]
    moments = ns["layer_second_moments"]

    def log_signal_variance(widths, negative_slope, n_nets, seed):
        torch.manual_seed(seed)
        sizes = widths if width_of is None else [widths[0]] + [width_of(widths)] * (len(widths) - 1)
        sizes = sizes if layers is None else layers(sizes)
        x = torch.randn(inputs, sizes[0])
        logs = []
        for k in range(n_nets):
            if reseed:
                torch.manual_seed(seed)
            modules = []
            for n_in, n_out in zip(sizes[:-1], sizes[1:]):
                modules += [init(nn.Linear(n_in, n_out), negative_slope),
                            activation() if activation else nn.LeakyReLU(negative_slope)]
            q = moments(nn.Sequential(*modules[:-1]), x)
            logs.append(log(q[-1] / q[first]))
        return float((statistic or (lambda v: np.var(v, ddof=1)))(logs))
    return {"log_signal_variance": log_signal_variance}


MISTAKES = [
    # init_q1: the gain
    ("init_q1", "enter squared", lambda ns: {"leaky_relu_gain": lambda a, positive_slope=1.0: math.sqrt(2 / (a + positive_slope))}),
    ("init_q1", "2 is the variance factor", lambda ns: {"leaky_relu_gain": lambda a, positive_slope=1.0: 2 / (a * a + positive_slope ** 2)}),
    ("init_q1", "is positive_slope used", lambda ns: {"leaky_relu_gain": lambda a, positive_slope=1.0: math.sqrt(2.0)}),
    ("init_q1", "is positive_slope used", lambda ns: {"leaky_relu_gain": lambda a, positive_slope=1.0: math.sqrt(2 / (1 + a * a))}),
    ("init_q1", "ReLU gain of the lecture", lambda ns: {"leaky_relu_gain": lambda a, positive_slope=1.0: 1 / math.sqrt(
        (1 + a * a) / 2 - (1 - a) ** 2 / (2 * math.pi))}),
    ("init_q1", "E[phi(z)^2] / E[z^2] = 0.52", lambda ns: {"leaky_relu_gain": lambda a, positive_slope=1.0: math.sqrt(2) / abs(a + positive_slope)}),
    ("init_q1", "leaky_relu_gain(-1) should be", lambda ns: {"leaky_relu_gain": lambda a, positive_slope=1.0: gain(max(a, 0.0), positive_slope)}),
    ("init_q1", "should return a float", lambda ns: {"leaky_relu_gain": lambda a, positive_slope=1.0: torch.tensor(gain(a, positive_slope))}),
    # init_q3: the initialiser
    ("init_q3", "He initialisation", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) / math.sqrt(fo))}),
    ("init_q3", "square root missing on fan_in", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) / fi)}),
    ("init_q3", "square of the expected value", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) ** 2 / math.sqrt(fi))}),
    ("init_q3", "He initialisation", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) ** 2 / fi)}),
    ("init_q3", "sqrt(2/(1+a)) as the gain", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: math.sqrt(2 / (1 + a)) / math.sqrt(fi))}),
    ("init_q3", "the ReLU gain", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: math.sqrt(2 / fi))}),
    ("init_q3", "He initialisation", init_uniform_wrong_bound),
    ("init_q3", "bias should be exactly 0", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) / math.sqrt(fi), bias=None)}),
    ("init_q3", "He initialisation", init_mean_first),
    ("init_q3", "left the layer it was given unchanged", init_returns_copy),
    ("init_q3", "left the layer it was given unchanged", init_modifies_a_copy),
    ("init_q3", "returned another object", init_returns_a_copy),
    ("init_q3", "but returned None", lambda ns: {"init_leaky_relu_": lambda layer, a: None}),
    ("init_q3", "PyTorch's default init", init_default),
    ("init_q3", "own independent draw", init_row_broadcast),
    # init_q4: the deep MLP
    ("init_q4", "negative_slope=0.2", lambda ns: {"deep_mlp": _mlp(_right_std, slope_of=lambda a: 0.01)}),
    ("init_q4", "may only contain", lambda ns: {"deep_mlp": _mlp(_right_std, activation=nn.ReLU)}),
    ("init_q4", "Linear readout", lambda ns: {"deep_mlp": _mlp(_right_std, readout=False)}),
    ("init_q4", "it should be sqrt(sigma_w2)", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: math.sqrt(2 / (1 + a * a) / fi))}),
    ("init_q4", "square of the expected value", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: (math.sqrt(2 / (1 + a * a)) if s2 is None else s2) / math.sqrt(fi))}),
    ("init_q4", "it should be sqrt(sigma_w2)", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: _right_std(a, fo, fi, s2))}),
    ("init_q4", "the ReLU gain", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: _right_std(0.0, fi, fo, s2))}),
    ("init_q4", "sqrt(2/(1+a))", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: math.sqrt((2 / (1 + a) if s2 is None else s2) / fi))}),
    ("init_q4", "PyTorch's default init", mlp_readout_default),
    ("init_q4", "bias of Linear layer", lambda ns: {"deep_mlp": _mlp(_right_std, bias=0.1)}),
    ("init_q4", "the same module appears", mlp_shared_layer),
    ("init_q4", "own independent draw", mlp_broadcast(axis=0)),
    ("init_q4", "own independent draw", mlp_broadcast(axis=1)),
    # init_q5: second moments
    ("init_q5", "not the variance", lambda ns: {"layer_second_moments": _moments(lambda z: z.var(unbiased=False))}),
    ("init_q5", "before the activation", lambda ns: {"layer_second_moments": _moments(
        lambda z: z.pow(2).mean(), after=True)}),
    ("init_q5", "the mean over the batch and the units", lambda ns: {"layer_second_moments": _moments(lambda z: z.pow(2).sum(1).mean())}),
    ("init_q5", "not the variance", lambda ns: {"layer_second_moments": _moments(
        lambda z: z.var(0, unbiased=False).mean())}),
    ("init_q5", "one per Linear layer", lambda ns: {"layer_second_moments": lambda net, x: ns["layer_second_moments"](
        net, x)[:-1] or [0.0, 0.0, 0.0]}),
    ("init_q5", "mean(z_1**2)", lambda ns: {"layer_second_moments": _moments(lambda z: z.abs().mean())}),
    # init_q6: the critical scale
    ("init_q6", "2 / (1 + a)", lambda ns: {"critical_sigma_w2": lambda a: 2 / (1 + a)}),
    ("init_q6", "sqrt(2) is the gain", lambda ns: {"critical_sigma_w2": lambda a: math.sqrt(2 / (1 + a * a))}),
    ("init_q6", "ignoring the slope", lambda ns: {"critical_sigma_w2": lambda a: 2.0}),
    ("init_q6", "ReLU value of the lecture", lambda ns: {"critical_sigma_w2": lambda a: 1 / (
        (1 + a * a) / 2 - (1 - a) ** 2 / (2 * math.pi))}),
    ("init_q6", "should return a float", lambda ns: {"critical_sigma_w2": lambda a: str(2 / (1 + a * a))}),
    # init_q7: the scan
    ("init_q7", "before building each net", scan_seed_once),
    ("init_q7", "does not depend on sigma_w2", lambda ns: scan_variant(ns, values=lambda v: 2 / 1.04)),
    ("init_q7", "Double the critical scale wins", lambda ns: scan_variant(ns, values=math.sqrt)),
    ("init_q7", "losses of untrained nets", lambda ns: scan_variant(ns, steps_to=0)),
    ("init_q7", "gradients that accumulate", lambda ns: scan_recipe_variant(ns, zero_grad=False)),
    ("init_q7", "without gradient clipping", lambda ns: scan_recipe_variant(ns, clip=None)),
    ("init_q7", "clipping after the step", lambda ns: scan_recipe_variant(ns, clip="after")),
    ("init_q7", "is lr passed to the optimizer", lambda ns: scan_recipe_variant(ns, use_lr=False)),
    ("init_q7", "from the nearest", lambda ns: scan_recipe_variant(ns, final="last batch")),
    # init_q8: tanh mean field
    ("init_q8", "should be a fixed point", lambda ns: q_star_iterated(ns, 1)),
    ("init_q8", "converges slowly", lambda ns: q_star_iterated(ns, 20)),
    ("init_q8", "should be a fixed point", lambda ns: {"tanh_q_star": lambda sw, sb: ns["tanh_q_star"](sw, 0.0)}),
    ("init_q8", "tanh' not squared", lambda ns: chi1_variant(ns, power=2)),
    ("init_q8", "fixed point q* = 0", lambda ns: chi1_variant(ns, q_of=lambda sw, sb: 1.0)),
    ("init_q8", "fixed point q* = 0", lambda ns: chi1_variant(ns, q_of=lambda sw, sb: sw + sb)),
    ("init_q8", "not sampling", lambda ns: chi1_variant(ns, samples=100_000)),
    ("init_q8", "critical sigma_w, not sigma_w^2", lambda ns: {"tanh_critical_sigma_w2": lambda sb: math.sqrt(
        ns["tanh_critical_sigma_w2"](sb))}),
    ("init_q8", "chi_1 = 1", critical_without_square),
    # init_q9: trajectory lengths
    ("init_q9", "square root of its squared length", lambda ns: _trajectory_variant(ns, segment=lambda d: d.double().pow(2).sum(1))),
    ("init_q9", "not closed", lambda ns: _trajectory_variant(ns, closed=False)),
    ("init_q9", "unit circle", lambda ns: _trajectory_variant(ns, radius=1.0)),
    ("init_q9", "post-activations", lambda ns: _trajectory_variant(ns, after=nn.Tanh)),
    ("init_q9", "mean field predicts", lambda ns: _trajectory_variant(ns, tanh_input=True)),
    ("init_q9", "mean field predicts", lambda ns: _trajectory_variant(ns, shift=True)),
    ("init_q9", "should have 4 entries", lambda ns: {"trajectory_lengths": lambda f, d, n, s: ns["trajectory_lengths"](f, d, n, s)[-1:]}),
    # init_q10: the spread of log(q_L / q_1)
    ("init_q10", "seed torch once", lambda ns: _log_variance_variant(ns, reseed=True)),
    ("init_q10", "constant width 32", lambda ns: _log_variance_variant(ns, width_of=lambda w: w[1])),
    ("init_q10", "the standard deviation", lambda ns: _log_variance_variant(ns, statistic=lambda v: np.std(v, ddof=1))),
    ("init_q10", "log10", lambda ns: _log_variance_variant(ns, log=math.log10)),
    ("init_q10", "raised ValueError", lambda ns: _log_variance_variant(ns, activation=nn.ReLU)),
    ("init_q10", "Every net gave the same log ratio", lambda ns: _log_variance_variant(ns, layers=lambda w: w[:-1])),
    ("init_q10", "Every net gave the same log ratio", lambda ns: _log_variance_variant(ns, first=1)),
    ("init_q10", "one input of shape (1, n_0)", lambda ns: _log_variance_variant(ns, inputs=2)),
    ("init_q10", "one input of shape (1, n_0)", lambda ns: _log_variance_variant(ns, inputs=8)),
]


ALTERNATIVES = [
    ("init_q1", "quadrature", gain_by_quadrature),
    ("init_q1", "float32 torch", gain_in_float32_torch),
    ("init_q1", "torch by homogeneity", gain_from_torch_by_homogeneity),
    ("init_q3", "kaiming_normal_", init_kaiming),
    ("init_q3", "float64 copy_", init_float64_copy),
    ("init_q3", "numpy .data", init_numpy_data),
    ("init_q4", "kaiming_normal_", mlp_kaiming),
    ("init_q4", "reverse order", mlp_reverse_order),
    ("init_q4", "numpy, named", mlp_numpy_named),
    ("init_q5", "hooks", moments_with_hooks),
    ("init_q5", "float64 by hand", moments_float64_by_hand),
    ("init_q5", "numpy", moments_numpy),
    ("init_q6", "torch gain squared", critical_from_torch),
    ("init_q6", "quadrature", critical_by_quadrature),
    ("init_q6", "root of the growth factor", critical_by_propagation_root),
    ("init_q7", "batches up front", scan_batches_up_front),
    ("init_q7", "own net, generator, clipping by hand", scan_own_net_generator),
    ("init_q7", "numpy batches", scan_numpy_batches),
    ("init_q8", "adaptive quadrature", tanh_by_adaptive_quadrature),
    ("init_q8", "Newton, 150 nodes", tanh_by_newton_150_nodes),
    ("init_q8", "Aitken iteration, bisection", tanh_by_iteration),
    ("init_q9", "numpy circle and lengths", trajectory_numpy),
    ("init_q9", "float64, hooks, circle first", trajectory_float64_hooks),
    ("init_q9", "point by point", trajectory_point_by_point),
    ("init_q10", "numpy nets", log_variance_numpy),
    ("init_q10", "kaiming_normal_, hooks, ddof 0", log_variance_kaiming_hooks),
    ("init_q10", "batched float64", log_variance_batched),
]
