r"""The init graders, in process: the reference scores full marks, the stub scores zero, and each
plausible mistake loses exactly the points of its own question, with a message that names the
theory. (Calibration of the statistical checks: test_statistics.py; whole notebooks through the
sandbox: test_end_to_end.py.)

A check receives only the notebook names in its signature, so a replacement of some names can only
change the questions whose checks take one of them: each mistake test asserts that this is exactly
its own question and grades that question alone (grading all of them for each of ~40 mistakes would
cost minutes; the reference test grades them all).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from autograder.assignments.init import hidden
from autograder.grading.suite import Suite
from tests.support import failures, scores, with_replacement

ASSIGNMENT = "init"


@pytest.mark.parametrize("a", [0.0, 0.01, 0.1, 0.2, 1 / 3, 0.5, 0.75, 1.0, 2.0])
def test_gain_agrees_with_torch(reference, a):
    """Check the reference gain, the graders' formula sqrt(2/(1+a^2)) and
    torch.nn.init.calculate_gain('leaky_relu', a) agree (the check module cannot import torch)."""
    torch_gain = nn.init.calculate_gain("leaky_relu", a)
    assert reference["leaky_relu_gain"](a) == pytest.approx(torch_gain, rel=1e-12)
    assert math.sqrt(hidden.theory_sigma_w2(a)) == pytest.approx(torch_gain, rel=1e-12)
    assert reference["critical_sigma_w2"](a) == pytest.approx(torch_gain ** 2, rel=1e-12)


def test_reference_init_matches_kaiming_normal_in_law(reference):
    """Check that torch's kaiming_normal_(mode='fan_in', nonlinearity='leaky_relu') passes our
    init statistics check as well (it is a correct answer written differently)."""
    def kaiming(layer, a):
        nn.init.kaiming_normal_(layer.weight, a=a, mode="fan_in", nonlinearity="leaky_relu")
        nn.init.zeros_(layer.bias)
        return layer
    torch.manual_seed(3)
    hidden.init_weight_statistics(kaiming)
    hidden.init_in_place(kaiming)


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
    return math.sqrt(2 / (1 + a * a))


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


def mlp_row_broadcast(ns):
    """One row of weights drawn and broadcast to every unit: right variance, no independence."""
    def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):
        net = ns["deep_mlp"](depth, width, negative_slope, sigma_w2, in_features, out_features)
        with torch.no_grad():
            for module in net:
                if isinstance(module, nn.Linear):
                    module.weight.copy_(module.weight[0].expand_as(module.weight))
        return net
    return {"deep_mlp": deep_mlp}


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


MISTAKES = [
    # init_q1: the gain
    ("init_q1", "enters squared", lambda ns: {"leaky_relu_gain": lambda a: math.sqrt(2 / (1 + a))}),
    ("init_q1", "without the square root", lambda ns: {"leaky_relu_gain": lambda a: 2 / (1 + a * a)}),
    ("init_q1", "ignores the negative slope", lambda ns: {"leaky_relu_gain": lambda a: math.sqrt(2.0)}),
    ("init_q1", "variance of phi(z) is smaller", lambda ns: {"leaky_relu_gain": lambda a: 1 / math.sqrt(
        (1 + a * a) / 2 - (1 - a) ** 2 / (2 * math.pi))}),
    ("init_q1", "should return a float", lambda ns: {"leaky_relu_gain": lambda a: torch.tensor(_gain(a))}),
    # init_q3: the initialiser
    ("init_q3", "fan_out in place of fan_in", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) / math.sqrt(fo))}),
    ("init_q3", "missing square root on fan_in", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) / fi)}),
    ("init_q3", "gain^2 used as the gain", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) ** 2 / math.sqrt(fi))}),
    ("init_q3", "passed as the standard deviation", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) ** 2 / fi)}),
    ("init_q3", "sqrt(2/(1+a)) as the gain", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: math.sqrt(2 / (1 + a)) / math.sqrt(fi))}),
    ("init_q3", "the ReLU gain", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: math.sqrt(2 / fi))}),
    ("init_q3", "variance is b^2/3", init_uniform_wrong_bound),
    ("init_q3", "bias should be exactly 0", lambda ns: {"init_leaky_relu_": _normal_init(
        lambda a, fi, fo: _gain(a) / math.sqrt(fi), bias=None)}),
    ("init_q3", "takes the mean first", init_mean_first),
    ("init_q3", "in place", init_returns_copy),
    ("init_q3", "PyTorch's default", init_default),
    # init_q4: the deep MLP
    ("init_q4", "negative_slope=0.2", lambda ns: {"deep_mlp": _mlp(_right_std, slope_of=lambda a: 0.01)}),
    ("init_q4", "may only contain", lambda ns: {"deep_mlp": _mlp(_right_std, activation=nn.ReLU)}),
    ("init_q4", "Linear readout", lambda ns: {"deep_mlp": _mlp(_right_std, readout=False)}),
    ("init_q4", "sigma_w2 ignored", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: math.sqrt(2 / (1 + a * a) / fi))}),
    ("init_q4", "standard deviation factor", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: (math.sqrt(2 / (1 + a * a)) if s2 is None else s2) / math.sqrt(fi))}),
    ("init_q4", "fan_out in place of fan_in", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: _right_std(a, fo, fi, s2))}),
    ("init_q4", "the ReLU gain", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: _right_std(0.0, fi, fo, s2))}),
    ("init_q4", "sqrt(2/(1+a))", lambda ns: {"deep_mlp": _mlp(
        lambda a, fi, fo, s2: math.sqrt((2 / (1 + a) if s2 is None else s2) / fi))}),
    ("init_q4", "PyTorch's default", mlp_readout_default),
    ("init_q4", "bias of Linear layer", lambda ns: {"deep_mlp": _mlp(_right_std, bias=0.1)}),
    ("init_q4", "the same module appears", mlp_shared_layer),
    ("init_q4", "deep_mlp(6, 256, 0.2", mlp_row_broadcast),
    # init_q5: second moments
    ("init_q5", "mean removed", lambda ns: {"layer_second_moments": _moments(lambda z: z.var(unbiased=False))}),
    ("init_q5", "after the activation", lambda ns: {"layer_second_moments": _moments(
        lambda z: z.pow(2).mean(), after=True)}),
    ("init_q5", "sum over units", lambda ns: {"layer_second_moments": _moments(lambda z: z.pow(2).sum(1).mean())}),
    ("init_q5", "per-unit variance", lambda ns: {"layer_second_moments": _moments(
        lambda z: z.var(0, unbiased=False).mean())}),
    ("init_q5", "one per Linear layer", lambda ns: {"layer_second_moments": lambda net, x: ns["layer_second_moments"](
        net, x)[:-1] or [0.0, 0.0, 0.0]}),
    ("init_q5", "mean(z**2)", lambda ns: {"layer_second_moments": _moments(lambda z: z.abs().mean())}),
    # init_q6: the critical scale
    ("init_q6", "2 / (1 + a)", lambda ns: {"critical_sigma_w2": lambda a: 2 / (1 + a)}),
    ("init_q6", "not squared", lambda ns: {"critical_sigma_w2": lambda a: math.sqrt(2 / (1 + a * a))}),
    ("init_q6", "ignoring the slope", lambda ns: {"critical_sigma_w2": lambda a: 2.0}),
    # init_q7: the scan
    ("init_q7", "Seed torch", scan_seed_once),
    ("init_q7", "built with the sigma_w2", lambda ns: scan_variant(ns, values=lambda v: 2 / 1.04)),
    ("init_q7", "best at the theory value", lambda ns: scan_variant(ns, values=math.sqrt)),
    ("init_q7", "best at the theory value", lambda ns: scan_variant(ns, steps_to=0)),
    # init_q8: tanh mean field
    ("init_q8", "one step of the map", lambda ns: q_star_iterated(ns, 1)),
    ("init_q8", "converges slowly", lambda ns: q_star_iterated(ns, 20)),
    ("init_q8", "without sigma_b^2", lambda ns: {"tanh_q_star": lambda sw, sb: ns["tanh_q_star"](sw, 0.0)}),
    ("init_q8", "tanh' not squared", lambda ns: chi1_variant(ns, power=2)),
    ("init_q8", "fixed point q* = 0", lambda ns: chi1_variant(ns, q_of=lambda sw, sb: 1.0)),
    ("init_q8", "fixed point q* = 0", lambda ns: chi1_variant(ns, q_of=lambda sw, sb: sw + sb)),
    ("init_q8", "not sampling", lambda ns: chi1_variant(ns, samples=100_000)),
    ("init_q8", "critical sigma_w, not sigma_w^2", lambda ns: {"tanh_critical_sigma_w2": lambda sb: math.sqrt(
        ns["tanh_critical_sigma_w2"](sb))}),
    ("init_q8", "chi_1 = 1", critical_without_square),
]


def _id(i, entry):
    question, words, mistake = entry
    return f"{question}-{i}-{mistake.__name__ if mistake.__name__ != '<lambda>' else words[:24]}"


@pytest.mark.parametrize("question, words, mistake", MISTAKES, ids=[_id(i, m) for i, m in enumerate(MISTAKES)])
def test_mistake_loses_exactly_its_question(suite, reference, question, words, mistake):
    """Check that a plausible wrong answer loses its question's points, and only those."""
    replacements = mistake(reference)
    touched = {q.name for q in suite.questions if any(set(c.params) & set(replacements) for c in q.cases)}
    assert touched == {question}, "the replaced names are checked by other questions too"
    own = Suite(suite.assignment, suite.notebook, [q for q in suite.questions if q.name == question], suite.limits)
    wrong = with_replacement(reference, **replacements)
    assert scores(own, wrong) == {question: 0.0}
    message = failures(own, wrong)[question]
    assert words in message, message


# -- each statistical rung on its own: the later rungs catch what they claim ----------------------
def test_signal_rung_catches_relu_gain_and_wrong_slope(reference):
    """Check that the propagation rung alone catches the ReLU gain at a = 0.2 (+1.9 in log ratio)
    and sqrt(2/(1+a)), which the weight rung catches first in the ladder."""
    for std in (lambda a, fi, fo, s2: _right_std(0.0, fi, fo, s2),
                lambda a, fi, fo, s2: math.sqrt((2 / (1 + a) if s2 is None else s2) / fi)):
        with pytest.raises(AssertionError, match="per layer instead of 1"):
            hidden.mlp_signal_preserved(_mlp(std))
    hidden.mlp_signal_preserved(reference["deep_mlp"])


def test_rate_rung_catches_ignored_sigma_w2(reference):
    """Check that the vanish/explode rung alone catches a deep_mlp that ignores sigma_w2."""
    with pytest.raises(AssertionError, match=r"factor of about (0\.9[89]\d|1\.0[01]\d) per layer"):
        hidden.mlp_signal_rate(_mlp(lambda a, fi, fo, s2: _right_std(a, fi, fo, None)))
    hidden.mlp_signal_rate(reference["deep_mlp"])
