r"""Independent correct implementations of every graded function of `backprop` (not edits of the
reference): other algorithms, other numerical formulas, other RNG orders, torch built-ins where the
reference is hand-written and the reverse. Each must keep full marks (test_graders.py), and the
statistical records behind hidden.py's constants are measured on them too (records.py).

``ALTERNATIVES[name]`` is a list of three functions (or classes) for the notebook name ``name``.
"""
from __future__ import annotations

import copy
import math
from collections import OrderedDict

import numpy as np
import torch
from scipy.special import expit
from torch import nn
from torch.nn import functional as F


# -- q1: bumps -------------------------------------------------------------------------------------
def bump_tanh(x, a, b, k):
    """sigma(z) = (1 + tanh(z/2)) / 2, so the bump is (tanh(k(x-a)/2) - tanh(k(x-b)/2)) / 2."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return 0.5 * (np.tanh(0.5 * k * (x - a)) - np.tanh(0.5 * k * (x - b)))


def bump_exp(x, a, b, k):
    """1 / (1 + e^{-z}) written out; exp overflows to inf at -inf edges, which gives 0 as it should."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-k * (x - a))) - 1.0 / (1.0 + np.exp(-k * (x - b)))


def bump_torch(x, a, b, k):
    """torch.sigmoid in float64."""
    t = torch.as_tensor(np.asarray(x, dtype=np.float64))
    return (torch.sigmoid(k * (t - a)) - torch.sigmoid(k * (t - b))).numpy()


def cybenko_by_parts(f, lo, hi, n_bumps, k):
    """Summation by parts: g = f(c_0) + sum_i (f(c_i) - f(c_{i-1})) sigma(k (x - e_i)), vectorised."""
    h = (hi - lo) / n_bumps
    heights = np.asarray(f(np.linspace(lo + h / 2, hi - h / 2, n_bumps)), dtype=np.float64)
    inner = lo + h * np.arange(1, n_bumps)
    jumps = np.diff(heights)

    def g(x):
        x = np.asarray(x, dtype=np.float64)
        steps = expit(k * (x[..., None] - inner))
        return heights[0] + steps @ jumps
    return g


def cybenko_loop(f, lo, hi, n_bumps, k):
    """An explicit loop over cells with a list of edges, heights read one at a time."""
    h = (hi - lo) / n_bumps
    edges = [-math.inf] + [lo + i * h for i in range(1, n_bumps)] + [math.inf]
    heights = [float(np.asarray(f(np.array([lo + (i + 0.5) * h])))[0]) for i in range(n_bumps)]

    def g(x):
        x = np.asarray(x, dtype=np.float64)
        total = np.zeros_like(x)
        for i in range(n_bumps):
            total += heights[i] * bump_exp(x, edges[i], edges[i + 1], k)
        return total
    return g


def cybenko_torch(f, lo, hi, n_bumps, k):
    """A one-hidden-layer sigmoid network in torch (float64): 2 n units with input weight k."""
    h = (hi - lo) / n_bumps
    heights = torch.as_tensor(np.asarray(f(lo + h * (np.arange(n_bumps) + 0.5)), dtype=np.float64))
    left = torch.tensor([-math.inf] + [lo + i * h for i in range(1, n_bumps)], dtype=torch.float64)
    right = torch.tensor([lo + i * h for i in range(1, n_bumps)] + [math.inf], dtype=torch.float64)

    def g(x):
        t = torch.as_tensor(np.asarray(x, dtype=np.float64)).unsqueeze(-1)
        bumps = torch.sigmoid(k * (t - left)) - torch.sigmoid(k * (t - right))
        return (bumps @ heights).numpy()
    return g


# -- q3: J by hand ---------------------------------------------------------------------------------
def j_closed_form(x, a=3.0, b=0.0):
    """Every adjoint as one closed-form expression (no reverse sweep)."""
    t = x ** 2
    u = math.sin(t) + a * t
    du = -math.sin(u)
    dt = b + du * (math.cos(t) + a)
    return {"t": t, "u1": math.sin(t), "u2": a * t, "u": u, "J": math.cos(u) + b * t, "dJ_du": du,
            "dJ_du1": du, "dJ_du2": du, "dJ_dt": dt, "dJ_dx": 2 * x * dt}


def j_autograd(x, a=3.0, b=0.0):
    """torch.autograd in float64 with retained intermediate grads."""
    xt = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    t = xt ** 2
    u1, u2 = torch.sin(t), a * t
    u = u1 + u2
    for node in (t, u1, u2, u):
        node.retain_grad()
    J = torch.cos(u) + b * t
    J.backward()
    return {"t": t.item(), "u1": u1.item(), "u2": u2.item(), "u": u.item(), "J": J.item(), "dJ_du": u.grad.item(),
            "dJ_du1": u1.grad.item(), "dJ_du2": u2.grad.item(), "dJ_dt": t.grad.item(), "dJ_dx": xt.grad.item()}


def j_complex_step(x, a=3.0, b=0.0):
    """Each adjoint by the complex-step derivative of the rest of the graph (exact to round-off)."""
    import cmath

    step = 1e-30
    t = x * x

    def from_u1(v1, v2, tt):
        return cmath.cos(v1 + v2) + b * tt

    def from_t(tt):
        return cmath.cos(cmath.sin(tt) + a * tt) + b * tt

    u1, u2 = math.sin(t), a * t
    u = u1 + u2
    d = lambda fn, v: fn(v + 1j * step).imag / step
    return {"t": t, "u1": u1, "u2": u2, "u": u, "J": math.cos(u) + b * t,
            "dJ_du": d(lambda v: cmath.cos(v) + b * t, u), "dJ_du1": d(lambda v: from_u1(v, u2, t), u1),
            "dJ_du2": d(lambda v: from_u1(u1, v, t), u2), "dJ_dt": d(from_t, t),
            "dJ_dx": d(lambda v: from_t(v * v), x)}


# -- q4: Value -------------------------------------------------------------------------------------
class ValueKahn:
    """Local rules as (parent, local derivative) pairs stored at creation; backward() orders the
    graph with Kahn's algorithm (count each node's consumers, release a node when all are done)."""

    def __init__(self, data, edges=()):
        self.data, self.grad, self._edges = float(data), 0.0, tuple(edges)

    @staticmethod
    def _v(o):
        return o if isinstance(o, ValueKahn) else ValueKahn(o)

    def __add__(self, o):
        o = self._v(o)
        return ValueKahn(self.data + o.data, ((self, 1.0), (o, 1.0)))

    __radd__ = __add__

    def __mul__(self, o):
        o = self._v(o)
        return ValueKahn(self.data * o.data, ((self, o.data), (o, self.data)))

    __rmul__ = __mul__

    def __pow__(self, p):
        return ValueKahn(self.data ** p, ((self, p * self.data ** (p - 1)),))

    def __neg__(self):
        return ValueKahn(-self.data, ((self, -1.0),))

    def __sub__(self, o):
        o = self._v(o)
        return ValueKahn(self.data - o.data, ((self, 1.0), (o, -1.0)))

    def __rsub__(self, o):
        return ValueKahn(o - self.data, ((self, -1.0),))

    def __truediv__(self, o):
        o = self._v(o)
        return ValueKahn(self.data / o.data, ((self, 1.0 / o.data), (o, -self.data / o.data ** 2)))

    def __rtruediv__(self, o):
        return ValueKahn(o / self.data, ((self, -o / self.data ** 2),))

    def sin(self):
        return ValueKahn(math.sin(self.data), ((self, math.cos(self.data)),))

    def cos(self):
        return ValueKahn(math.cos(self.data), ((self, -math.sin(self.data)),))

    def exp(self):
        e = math.exp(self.data)
        return ValueKahn(e, ((self, e),))

    def tanh(self):
        th = math.tanh(self.data)
        return ValueKahn(th, ((self, 1.0 - th * th),))

    def relu(self):
        return ValueKahn(max(self.data, 0.0), ((self, float(self.data > 0)),))

    def sigmoid(self):
        s = float(expit(self.data))
        return ValueKahn(s, ((self, s * (1.0 - s)),))

    def backward(self):
        consumers, stack, seen = {}, [self], {id(self)}
        while stack:                                   # count how many edges enter each node
            node = stack.pop()
            for parent, _ in node._edges:
                consumers[id(parent)] = consumers.get(id(parent), 0) + 1
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            for parent, local in node._edges:
                parent.grad += local * node.grad
                consumers[id(parent)] -= 1
                if consumers[id(parent)] == 0:
                    ready.append(parent)


class ValueCreationOrder:
    """Closures as in micrograd, but backward() visits nodes in decreasing creation number, which is
    a reverse topological order (a node is always created after its parents)."""

    _counter = 0

    def __init__(self, data, parents=()):
        ValueCreationOrder._counter += 1
        self.data, self.grad, self.parents, self.number = float(data), 0.0, tuple(parents), ValueCreationOrder._counter
        self.rule = lambda: None

    def _make(self, data, parents, locals_):
        out = ValueCreationOrder(data, parents)

        def rule():
            for parent, local in zip(parents, locals_):
                parent.grad += local * out.grad
        out.rule = rule
        return out

    @staticmethod
    def _v(o):
        return o if isinstance(o, ValueCreationOrder) else ValueCreationOrder(o)

    def __add__(self, o):
        o = self._v(o)
        return self._make(self.data + o.data, (self, o), (1.0, 1.0))

    def __radd__(self, o):
        return self + o

    def __mul__(self, o):
        o = self._v(o)
        return self._make(self.data * o.data, (self, o), (o.data, self.data))

    def __rmul__(self, o):
        return self * o

    def __pow__(self, p):
        return self._make(self.data ** p, (self,), (p * self.data ** (p - 1),))

    def __neg__(self):
        return self * -1

    def __sub__(self, o):
        return self + (-self._v(o))

    def __rsub__(self, o):
        return self._v(o) - self

    def __truediv__(self, o):
        return self * self._v(o) ** -1

    def __rtruediv__(self, o):
        return self._v(o) / self

    def sin(self):
        return self._make(math.sin(self.data), (self,), (math.cos(self.data),))

    def cos(self):
        return self._make(math.cos(self.data), (self,), (-math.sin(self.data),))

    def exp(self):
        return self._make(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return self._make(math.tanh(self.data), (self,), (1.0 / math.cosh(self.data) ** 2,))

    def relu(self):
        return self._make(self.data if self.data > 0 else 0.0, (self,), (1.0 if self.data > 0 else 0.0,))

    def sigmoid(self):
        return (1 + (-self).exp()) ** -1 if self.data > -30 else self._make(
            float(expit(self.data)), (self,), (float(expit(self.data) * expit(-self.data)),))

    def backward(self):
        nodes, stack, seen = [], [self], {id(self)}
        while stack:
            node = stack.pop()
            nodes.append(node)
            for parent in node.parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
        self.grad = 1.0
        for node in sorted(nodes, key=lambda n: -n.number):
            node.rule()


class ValueTorch:
    """Forward in torch float64 scalars; backward() asks torch.autograd for the grad of every node
    (an independent machinery: no local rules of ours at all)."""

    def __init__(self, data, tensor=None):
        self.t = torch.tensor(float(data), dtype=torch.float64, requires_grad=True) if tensor is None else tensor
        if tensor is not None:
            self.t.retain_grad()
        self.grad = 0.0
        self._graph = [self]

    @property
    def data(self):
        return float(self.t.detach())

    def _out(self, tensor, *others):
        out = ValueTorch(0.0, tensor)
        out._graph = [n for v in (self, *others) for n in v._graph] + [out]
        return out

    @staticmethod
    def _v(o):
        return o if isinstance(o, ValueTorch) else ValueTorch(o)

    def __add__(self, o):
        o = self._v(o)
        return self._out(self.t + o.t, o)

    def __radd__(self, o):
        return self + o

    def __mul__(self, o):
        o = self._v(o)
        return self._out(self.t * o.t, o)

    def __rmul__(self, o):
        return self * o

    def __pow__(self, p):
        return self._out(self.t ** p)

    def __neg__(self):
        return self._out(-self.t)

    def __sub__(self, o):
        o = self._v(o)
        return self._out(self.t - o.t, o)

    def __rsub__(self, o):
        return self._v(o) - self

    def __truediv__(self, o):
        o = self._v(o)
        return self._out(self.t / o.t, o)

    def __rtruediv__(self, o):
        return self._v(o) / self

    def sin(self):
        return self._out(torch.sin(self.t))

    def cos(self):
        return self._out(torch.cos(self.t))

    def exp(self):
        return self._out(torch.exp(self.t))

    def tanh(self):
        return self._out(torch.tanh(self.t))

    def relu(self):
        return self._out(torch.relu(self.t))

    def sigmoid(self):
        return self._out(torch.sigmoid(self.t))

    def backward(self):
        self.t.backward()
        for node in self._graph:
            node.grad = 0.0 if node.t.grad is None else float(node.t.grad)


# -- q5: gradient norms ----------------------------------------------------------------------------
def norms_functional(depth, width, activation, init, seed):
    """Weights drawn by hand (another RNG order: all weights, then all biases), functional forward,
    torch.autograd.grad."""
    torch.manual_seed(seed)
    bound = 1.0 / math.sqrt(width)
    if init == "he":
        weights = [(torch.randn(width, width) * math.sqrt(2.0 / width)).requires_grad_() for _ in range(depth)]
        biases = [torch.zeros(width) for _ in range(depth)]
    else:
        weights = [torch.empty(width, width).uniform_(-bound, bound).requires_grad_() for _ in range(depth)]
        biases = [torch.empty(width).uniform_(-bound, bound) for _ in range(depth)]
    act = torch.sigmoid if activation == "sigmoid" else torch.relu
    x, y = torch.randn(64, width), torch.randn(64, width)
    h = x
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = F.linear(h, w, b)
        if i < depth - 1:
            h = act(h)
    grads = torch.autograd.grad(F.mse_loss(h, y), weights)
    return [float(torch.linalg.norm(g)) for g in grads]


def norms_manual_backprop(depth, width, activation, init, seed):
    """Data drawn first, then the net; the backward pass written out by hand in float64."""
    torch.manual_seed(seed)
    x, y = torch.randn(64, width, dtype=torch.float64), torch.randn(64, width, dtype=torch.float64)
    layers = [nn.Linear(width, width).double() for _ in range(depth)]
    if init == "he":
        for layer in layers:
            nn.init.normal_(layer.weight, std=math.sqrt(2.0 / width))
            nn.init.zeros_(layer.bias)
    with torch.no_grad():
        hs, zs, h = [x], [], x
        for i, layer in enumerate(layers):
            z = layer(h)
            zs.append(z)
            h = z if i == depth - 1 else (torch.sigmoid(z) if activation == "sigmoid" else torch.relu(z))
            hs.append(h)
        delta = 2.0 * (h - y) / h.numel()
        norms = [0.0] * depth
        for i in reversed(range(depth)):
            norms[i] = float(torch.linalg.norm(delta.T @ hs[i]))
            if i:
                back = delta @ layers[i].weight
                z = zs[i - 1]
                slope = torch.sigmoid(z) * (1 - torch.sigmoid(z)) if activation == "sigmoid" else (z > 0).double()
                delta = back * slope
    return norms


def norms_sequential_builtins(depth, width, activation, init, seed):
    """nn.Sequential built in a loop, He by kaiming_normal_ with fan_in mode under no_grad, the
    targets drawn before the inputs, nn.MSELoss, norms from named_parameters()."""
    torch.manual_seed(seed)
    act = nn.Sigmoid if activation == "sigmoid" else nn.ReLU
    modules = []
    for i in range(depth):
        linear = nn.Linear(width, width)
        if init == "he":
            with torch.no_grad():
                nn.init.kaiming_normal_(linear.weight, mode="fan_in", nonlinearity="relu")
                linear.bias.zero_()
        modules += [linear] + ([act()] if i < depth - 1 else [])
    net = nn.Sequential(*modules)
    y = torch.randn(64, width)             # targets drawn before the inputs: another draw
    x = torch.randn(64, width)
    nn.MSELoss()(net(x), y).backward()
    return [p.grad.norm().item() for name, p in net.named_parameters() if name.endswith("weight")]


# -- q6: one autoencoder stage -----------------------------------------------------------------------
def ae_decoder_first(codes, width, epochs, seed):
    """Decoder created before the encoder (another init draw order), F.mse_loss, index batches."""
    torch.manual_seed(seed)
    codes = torch.as_tensor(codes, dtype=torch.float32)
    n, dim = codes.shape
    decoder = nn.Linear(width, dim)
    encoder = nn.Sequential(nn.Linear(dim, width), nn.Sigmoid())
    both = nn.ModuleList([encoder, decoder])
    optimizer = torch.optim.Adam(both.parameters(), lr=1e-2)
    losses = []
    for epoch in range(epochs + 1):
        with torch.no_grad():
            losses.append(F.mse_loss(decoder(encoder(codes)), codes).item())
        if epoch == epochs:
            break
        for batch in torch.randperm(n).split(64):
            optimizer.zero_grad()
            F.mse_loss(decoder(encoder(codes[batch])), codes[batch]).backward()
            optimizer.step()
    return encoder, decoder, losses


def ae_dataloader(codes, width, epochs, seed):
    """A DataLoader with shuffle=True (its own RNG use), loss summed and divided by hand."""
    torch.manual_seed(seed)
    codes = torch.as_tensor(codes, dtype=torch.float32)
    dim = codes.shape[1]
    encoder = nn.Sequential(nn.Linear(dim, width), nn.Sigmoid())
    decoder = nn.Linear(width, dim)
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=0.01)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(codes), batch_size=64, shuffle=True)

    def full():
        with torch.no_grad():
            return float(((decoder(encoder(codes)) - codes) ** 2).sum() / codes.numel())
    losses = [full()]
    for _ in range(epochs):
        for (batch,) in loader:
            loss = ((decoder(encoder(batch)) - batch) ** 2).sum() / batch.numel()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        losses.append(full())
    return encoder, decoder, losses


def ae_raw_parameters(codes, width, epochs, seed):
    """Raw parameter tensors (both weights drawn before both biases) trained with Adam, copied into
    nn modules at the end."""
    torch.manual_seed(seed)
    codes = torch.as_tensor(codes, dtype=torch.float32)
    n, dim = codes.shape
    b1, b2 = 1 / math.sqrt(dim), 1 / math.sqrt(width)
    w = torch.empty(width, dim).uniform_(-b1, b1).requires_grad_()     # weights first, then biases
    d = torch.empty(dim, width).uniform_(-b2, b2).requires_grad_()
    bw = torch.empty(width).uniform_(-b1, b1).requires_grad_()
    bd = torch.empty(dim).uniform_(-b2, b2).requires_grad_()
    optimizer = torch.optim.Adam([w, bw, d, bd], lr=1e-2)
    recon = lambda c: torch.sigmoid(c @ w.T + bw) @ d.T + bd
    losses = [float(((recon(codes) - codes) ** 2).mean().detach())]
    for _ in range(epochs):
        perm = torch.randperm(n)
        for start in range(0, n, 64):
            batch = codes[perm[start:start + 64]]
            optimizer.zero_grad()
            ((recon(batch) - batch) ** 2).mean().backward()
            optimizer.step()
        losses.append(float(((recon(codes) - codes) ** 2).mean().detach()))
    encoder = nn.Sequential(nn.Linear(dim, width), nn.Sigmoid())
    decoder = nn.Linear(width, dim)
    with torch.no_grad():
        encoder[0].weight.copy_(w), encoder[0].bias.copy_(bw), decoder.weight.copy_(d), decoder.bias.copy_(bd)
    return encoder, decoder, losses


# -- q7: the stack (each calls train_autoencoder_layer by its notebook name, as the contract says) ---
def make_greedy_recursive(namespace):
    def greedy_pretrain(data, widths, epochs, seed):
        """Recursion over the stages; codes through torch.sigmoid(F.linear(...)) on detached tensors."""
        if not widths:
            return nn.Sequential()
        encoder, _, _ = namespace["train_autoencoder_layer"](data, widths[0], epochs, seed)
        linear = encoder[0]
        codes = torch.sigmoid(F.linear(torch.as_tensor(data, dtype=torch.float32), linear.weight, linear.bias)).detach()
        rest = greedy_pretrain(codes, widths[1:], epochs, seed + 1)
        return nn.Sequential(*encoder, *rest)
    return greedy_pretrain


def make_greedy_ordered_dict(namespace):
    def greedy_pretrain(data, widths, epochs, seed):
        """An OrderedDict of named layers; codes under torch.inference_mode."""
        named, codes = OrderedDict(), torch.as_tensor(data, dtype=torch.float32)
        for s, width in enumerate(widths):
            encoder = namespace["train_autoencoder_layer"](codes, width, epochs, seed + s)[0]
            named[f"linear{s}"], named[f"sigmoid{s}"] = encoder[0], encoder[1]
            with torch.inference_mode():
                codes = encoder(codes).clone()
            codes = codes.clone()
        return nn.Sequential(named)
    return greedy_pretrain


def make_greedy_all_codes(namespace):
    def greedy_pretrain(data, widths, epochs, seed):
        """Keeps every stage's codes in a list (detached), builds the Sequential at the end."""
        codes, encoders = [torch.as_tensor(data, dtype=torch.float32)], []
        for s in range(len(widths)):
            encoders.append(namespace["train_autoencoder_layer"](codes[-1], widths[s], epochs, seed + s)[0])
            codes.append(encoders[-1](codes[-1]).detach())
        return nn.Sequential(*[layer for encoder in encoders for layer in encoder])
    return greedy_pretrain


# -- q8: fine-tuning -----------------------------------------------------------------------------------
def finetune_dataloader(encoder, data, n_labels, epochs, seed, train_encoder=True):
    """Head created first, the encoder rebuilt from its state_dict, frozen with requires_grad_(False),
    a DataLoader for the batches."""
    torch.manual_seed(seed)
    linears = [m for m in encoder.modules() if isinstance(m, nn.Linear)]
    head = nn.Linear(linears[-1].out_features, 10)
    body = []
    for module in encoder:
        if isinstance(module, nn.Linear):
            fresh = nn.Linear(module.in_features, module.out_features)
            fresh.load_state_dict(module.state_dict())
            body.append(fresh)
        else:
            body.append(nn.Sigmoid())
    model = nn.Sequential(*body, head)
    for module in body:
        module.requires_grad_(train_encoder)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    dataset = torch.utils.data.TensorDataset(data["X_train"][:n_labels], data["y_train"][:n_labels])
    loader = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True)
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
    with torch.no_grad():
        predictions = model(data["X_test"]).argmax(1)
    return model, (predictions == data["y_test"]).sum().item() / len(data["y_test"])


def finetune_split_batches(encoder, data, n_labels, epochs, seed, train_encoder=True):
    """deepcopy, the permutation split into batches, log-softmax + nll_loss."""
    torch.manual_seed(seed)
    model = nn.Sequential(*copy.deepcopy(encoder), nn.Linear(encoder[-2].out_features, 10))
    params = list(model.parameters()) if train_encoder else list(model[-1].parameters())
    optimizer = torch.optim.Adam(params, lr=1e-2)
    x, y = data["X_train"][:n_labels], data["y_train"][:n_labels]
    for _ in range(epochs):
        for batch in torch.randperm(n_labels).split(32):
            optimizer.zero_grad()
            F.nll_loss(F.log_softmax(model(x[batch]), dim=1), y[batch]).backward()
            optimizer.step()
    with torch.no_grad():
        accuracy = (model(data["X_test"]).argmax(dim=1) == data["y_test"]).double().mean().item()
    return model, accuracy


def finetune_frozen_features(encoder, data, n_labels, epochs, seed, train_encoder=True):
    """With train_encoder=False the codes are computed once and only the head sees them; the
    returned model is a copy of the encoder plus that head."""
    torch.manual_seed(seed)
    body = copy.deepcopy(encoder)
    head = nn.Linear([m for m in body if isinstance(m, nn.Linear)][-1].out_features, 10)
    x, y = data["X_train"][:n_labels], data["y_train"][:n_labels]
    if train_encoder:
        model = nn.Sequential(*body, head)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        features = None
    else:
        with torch.no_grad():
            features = body(x)
        optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
        model = nn.Sequential(*body, head)
    for _ in range(epochs):
        order = torch.argsort(torch.rand(n_labels))      # a uniform permutation drawn another way
        for start in range(0, n_labels, 32):
            index = order[start:start + 32]
            logits = model(x[index]) if features is None else head(features[index])
            optimizer.zero_grad()
            nn.CrossEntropyLoss()(logits, y[index]).backward()
            optimizer.step()
    with torch.no_grad():
        accuracy = float((model(data["X_test"]).argmax(1) == data["y_test"]).float().mean())
    return model, accuracy


ALTERNATIVES = {
    "sigmoid_bump": [bump_tanh, bump_exp, bump_torch],
    "cybenko_approx": [cybenko_by_parts, cybenko_loop, cybenko_torch],
    "forward_backward_J": [j_closed_form, j_autograd, j_complex_step],
    "Value": [ValueKahn, ValueCreationOrder, ValueTorch],
    "gradient_norms_by_layer": [norms_functional, norms_manual_backprop, norms_sequential_builtins],
    "train_autoencoder_layer": [ae_decoder_first, ae_dataloader, ae_raw_parameters],
    "greedy_pretrain": [make_greedy_recursive, make_greedy_ordered_dict, make_greedy_all_codes],
    "finetune": [finetune_dataloader, finetune_split_batches, finetune_frozen_features],
}
MAKERS = {"greedy_pretrain"}     # these take the namespace (they call train_autoencoder_layer by name)
