r"""The sawtooth graders, in process: the reference scores full marks, the stub scores zero, and
each plausible mistake loses exactly the points of its own question, with a message that names
the theory. (Whole notebooks through the sandbox: test_end_to_end.py.)"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tests.support import failures, scores, with_replacement

pytestmark = pytest.mark.sawtooth

ASSIGNMENT = "sawtooth"


# -- plausible mistakes: (question, expected words in the message, replacements) ----------------
def _linear(ns, w, b):
    return ns["linear_from"](w, b)


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


def deep_net_wrong_bias(ns):
    def deep(n):
        layers = [_linear(ns, [[2.0], [4.0]], [0.0, -1.0]), nn.ReLU()]
        for _ in range(n - 1):
            layers += [_linear(ns, [[2.0, -2.0], [4.0, -4.0]], [0.0, -1.0]), nn.ReLU()]
        return nn.Sequential(*layers, _linear(ns, [[1.0, -1.0]], [0.0]))
    return {"deep_sawtooth_net": deep}


def deep_net_one_layer_short(ns):
    ref = ns["deep_sawtooth_net"]
    return {"deep_sawtooth_net": lambda n: ref(max(n - 1, 0))}


def deep_net_width_three(ns):
    def deep(n):
        layers = [_linear(ns, [[2.0], [4.0], [0.0]], [0.0, -2.0, 0.0]), nn.ReLU()]
        for _ in range(n - 1):
            layers += [_linear(ns, [[2.0, -2.0, 0.0], [4.0, -4.0, 0.0], [0.0, 0.0, 0.0]], [0.0, -2.0, 0.0]), nn.ReLU()]
        return nn.Sequential(*layers, _linear(ns, [[1.0, -1.0, 0.0]], [0.0]))
    return {"deep_sawtooth_net": deep}


def shallow_width_off_by_one(ns):
    return {"min_shallow_width": lambda n: 2 ** n - 1}


def shallow_net_extra_unit(ns):
    ref = ns["shallow_sawtooth_net"]

    def shallow(n):
        first, _, last = ref(n)
        w, b = first.weight.detach().numpy(), first.bias.detach().numpy()
        c = last.weight.detach().numpy()
        return nn.Sequential(_linear(ns, np.vstack([w, [[1.0]]]), np.append(b, -2.0)), nn.ReLU(),
                             _linear(ns, np.hstack([c, [[0.0]]]), last.bias.detach().numpy()))
    return {"shallow_sawtooth_net": shallow}


def shallow_net_wrong_slope(ns):
    def shallow(n):
        m = 2 ** n
        k = np.arange(m)
        changes = np.where(k == 0, float(m), 1.0 * m * (-1.0) ** k)   # half the slope jump
        return nn.Sequential(_linear(ns, np.ones((m, 1)), -k / m), nn.ReLU(), _linear(ns, changes[None, :], [0.0]))
    return {"shallow_sawtooth_net": shallow}


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


def sin_net_n_knots(ns):
    """Interpolates at n_hidden points (spacing (hi - lo)/(n_hidden - 1)) instead of n_hidden + 1."""
    def net(n_hidden, lo, hi):
        knots = np.linspace(lo, hi, max(n_hidden, 2))
        slopes = np.diff(np.sin(knots)) / np.diff(knots)
        changes = np.diff(slopes, prepend=0.0)
        changes = np.append(changes, np.zeros(n_hidden - len(changes)))
        kk = np.append(knots[:-1], np.full(n_hidden - len(knots) + 1, hi))
        return nn.Sequential(_linear(ns, np.ones((n_hidden, 1)), -kk), nn.ReLU(),
                             _linear(ns, changes[None, :], [np.sin(lo)]))
    return {"sin_relu_net": net}


def sin_net_wrong_bias(ns):
    ref = ns["sin_relu_net"]

    def net(n_hidden, lo, hi):
        model = ref(n_hidden, lo, hi)
        with torch.no_grad():
            model[2].bias.zero_()
        return model
    return {"sin_relu_net": net}


MISTAKES = [
    ("sawtooth_q1", "torch tensor", lambda ns: {"relu": lambda x: np.where(x > 0, x, 0.0)}),
    ("sawtooth_q1", "relu(x)", lambda ns: {"relu": lambda x: abs(x)}),
    ("sawtooth_q2", "outside", lambda ns: {"rect": lambda x, a, b, h, eps=1e-7: h / eps * (
        ns["relu"](x - (a - eps)) - ns["relu"](x - a) - ns["relu"](x - b))}),
    ("sawtooth_q2", "plateau", lambda ns: {"rect": lambda x, a, b, h, eps=1e-7: (
        ns["relu"](x - (a - eps)) - ns["relu"](x - a) - ns["relu"](x - b) + ns["relu"](x - (b + eps)))}),
    ("sawtooth_q3", "outer relu", tri_without_outer_relu),
    ("sawtooth_q3", "off by one", sawtooth_off_by_one),
    ("sawtooth_q3", "off by one", sawtooth_one_short),
    ("sawtooth_q4", "deep_sawtooth_net", deep_net_wrong_bias),
    ("sawtooth_q4", "hidden layers", deep_net_one_layer_short),
    ("sawtooth_q4", "width 2", deep_net_width_three),
    ("sawtooth_q5", "multiples of 2**", shallow_width_off_by_one),
    ("sawtooth_q5", "fewest units", shallow_net_extra_unit),
    ("sawtooth_q5", "shallow_sawtooth_net", shallow_net_wrong_slope),
    ("sawtooth_q7", "np.linspace", count_pieces_linspace),
    ("sawtooth_q7", "slope", count_pieces_counts_knots),
    ("sawtooth_q7", "count_pieces", count_pieces_breakpoints),
    ("sawtooth_q8", "knots", sin_net_n_knots),
    ("sawtooth_q8", "knots", sin_net_wrong_bias),
]


@pytest.mark.parametrize("question, words, mistake", MISTAKES,
                         ids=[f"{q}-{m.__name__ if m.__name__ != '<lambda>' else i}" for i, (q, _, m) in enumerate(MISTAKES)])
def test_mistake_loses_exactly_its_question(suite, reference, question, words, mistake):
    """Check that a plausible wrong answer loses its question's points, and only those."""
    wrong = with_replacement(reference, **mistake(reference))
    full = scores(suite, reference)
    got = scores(suite, wrong)
    lost = {q for q in full if got[q] != full[q]}
    assert lost == {question}, failures(suite, wrong)
    assert got[question] == 0.0
    assert words in failures(suite, wrong)[question]
