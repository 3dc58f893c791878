r"""The mimic graders, in process: the reference scores full marks, the stub scores zero, and each
plausible mistake loses exactly the points of its own question, with a message that teaches. A
mistake is installed in a fresh reference namespace, so the notebook's other functions use it as
they would in a student's notebook (depth_sweep calls train_on_labels, train_mimic calls
mimic_loss). (Whole notebooks through the sandbox: test_end_to_end.py; the experiment's margins
over seeds: test_experiment.py.)"""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.mimic.conftest import reference_with
from tests.support import failures, scores

pytestmark = pytest.mark.mimic


# -- plausible mistakes --------------------------------------------------------------------------
def _train(ns, model, x, loss_of, data, epochs, lr, seed, zero_grad=True, after_step=False, eval_on="test"):
    """A configurable copy of the reference loop, for the training mistakes."""
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    history = {"model": model, "loss": [], "epoch": [], "test_acc": []}
    every = max(1, epochs // 40)
    for epoch in range(1, epochs + 1):
        loss = loss_of(model(x))
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        history["loss"].append(loss_of(model(x)).item() if after_step else loss.item())
        if epoch % every == 0 or epoch == epochs:
            history["epoch"].append(epoch)
            history["test_acc"].append(ns["accuracy"](model, data[f"x_{eval_on}"], data[f"y_{eval_on}"]))
    return history


def labels_variant(**options):
    """train_on_labels with the reference's cross-entropy but other loop options."""
    def make(ns):
        def train_on_labels(model, data, epochs, lr, seed):
            y = data["y_train"]
            return _train(ns, model, data["x_train"], lambda out: F.cross_entropy(out, y), data, epochs, lr, seed,
                          **options)
        return {"train_on_labels": train_on_labels}
    return make


def mse_one_hot(ns):
    def train_on_labels(model, data, epochs, lr, seed):
        target = F.one_hot(data["y_train"], data["num_classes"]).float()
        return _train(ns, model, data["x_train"], lambda out: ((out - target) ** 2).mean(), data, epochs, lr, seed)
    return {"train_on_labels": train_on_labels}


def mimic_variant(target_of=None, loss=None, use_extra=True, **options):
    """train_mimic with another target/loss, or ignoring extra_inputs, or other loop options."""
    def make(ns):
        def train_mimic(student, teacher, data, epochs, lr, seed, extra_inputs=None):
            x = data["x_train"]
            if use_extra and extra_inputs is not None:
                x = torch.cat([x, extra_inputs])
            with torch.no_grad():
                z = teacher(x)
            target = target_of(z, data) if target_of else z
            loss_fn = loss or ns["mimic_loss"]
            return _train(ns, student, x, lambda out: loss_fn(out, target), data, epochs, lr, seed, **options)
        return {"train_mimic": train_mimic}
    return make


def sweep_variant(widths=None, layers=None, eval_on="test"):
    def make(ns):
        def depth_sweep(budget, depths, data, seed):
            d, k = data["x_train"].shape[1], data["num_classes"]
            result = {"depths": [], "widths": [], "params": [], "test_acc": [], "models": []}
            for depth in depths:
                width = ns["width_for_budget"](d, k, widths or depth, budget)
                torch.manual_seed(seed)
                model = ns["mlp"](d, [width] * (layers or depth), k)
                ns["train_on_labels"](model, data, ns["EPOCHS"], ns["LR"], seed)
                acc = ns["accuracy"](model, data[f"x_{eval_on}"], data[f"y_{eval_on}"])
                for key, value in (("depths", depth), ("widths", width), ("params", ns["count_params"](model)),
                                   ("test_acc", acc), ("models", model)):
                    result[key].append(value)
            return result
        return {"depth_sweep": depth_sweep}
    return make


def mlp_variant(relu_at_end=False, relu=True, zero=False):
    def make(ns):
        def mlp(in_features, hidden, out_features):
            layers, width = [], in_features
            for h in hidden:
                layers += [nn.Linear(width, h)] + ([nn.ReLU()] if relu else [])
                width = h
            layers.append(nn.Linear(width, out_features))
            if relu_at_end:
                layers.append(nn.ReLU())
            model = nn.Sequential(*layers)
            if zero:
                for p in model.parameters():
                    nn.init.zeros_(p)
            return model
        return {"mlp": mlp}
    return make


def width_variant(kind):
    def make(ns):
        def width_for_budget(in_features, out_features, depth, budget):
            if kind == "no_biases":      # P(w) = in w + (depth - 1) w^2 + w out
                a, b, c = depth - 1, in_features + out_features, -budget
            elif kind == "depth_layers":  # depth instead of depth - 1 hidden-to-hidden layers
                a, b, c = depth, in_features + depth + 1 + out_features, out_features - budget
            else:
                a, b, c = depth - 1, in_features + depth + out_features, out_features - budget
            if a == 0:
                return int(-c // b)
            root = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
            return int(round(root)) if kind == "round" else int(root)
        return {"width_for_budget": width_for_budget}
    return make


def _softmax_kl(s, t):
    return F.kl_div(F.log_softmax(s, dim=1), F.softmax(t, dim=1), reduction="batchmean")


MISTAKES = [
    ("mimic_q1", "requires_grad", lambda ns: {"count_params": lambda m: sum(p.numel() for p in m.parameters())}),
    ("mimic_q1", "= 26", lambda ns: {"count_params": lambda m: sum(p.numel() for p in m.parameters() if p.dim() > 1)}),
    ("mimic_q1", "= 26", lambda ns: {"count_params": lambda m: len(list(m.parameters()))}),
    ("mimic_q2", "Remove the ReLU after the last Linear", mlp_variant(relu_at_end=True)),
    ("mimic_q2", "Linear, ReLU, Linear", mlp_variant(relu=False)),
    ("mimic_q2", "constant", mlp_variant(zero=True)),
    ("mimic_q3", "ignores the biases", width_variant("no_biases")),
    ("mimic_q3", "depth - 1 hidden-to-hidden", width_variant("depth_layers")),
    ("mimic_q3", "floor of the positive root", width_variant("round")),
    ("mimic_q4", "zero_grad", labels_variant(zero_grad=False)),
    ("mimic_q4", "one-hot", mse_one_hot),
    ("mimic_q4", "before the step", labels_variant(after_step=True)),
    ("mimic_q4", "test split", labels_variant(eval_on="train")),
    ("mimic_q5", "KL divergence", lambda ns: {"mimic_loss": _softmax_kl}),
    ("mimic_q5", "argmax labels", lambda ns: {"mimic_loss": lambda s, t: F.cross_entropy(s, t.argmax(dim=1))}),
    ("mimic_q5", "sum instead of a mean", lambda ns: {"mimic_loss": lambda s, t: ((s - t) ** 2).sum()}),
    ("mimic_q5", "softmax probabilities", lambda ns: {"mimic_loss": lambda s, t: ((s.softmax(1) - t.softmax(1)) ** 2).mean()}),
    ("mimic_q5", "torch tensor", lambda ns: {"mimic_loss": lambda s, t: ((s - t) ** 2).mean().item()}),
    ("mimic_q5", "label training, not mimicry", mimic_variant(target_of=lambda z, data: data["y_train"], loss=F.cross_entropy, use_extra=False)),
    ("mimic_q5", "label training, not mimicry", mimic_variant(target_of=lambda z, data: z.argmax(dim=1), loss=F.cross_entropy)),
    ("mimic_q5", "extra inputs were ignored", mimic_variant(use_extra=False)),
    ("mimic_q5", "zeroes the gradients", mimic_variant(zero_grad=False)),
    ("mimic_q6", "equal budget", sweep_variant(widths=1)),
    ("mimic_q6", "hidden layers", sweep_variant(layers=1)),
    ("mimic_q6", "report the test accuracy", sweep_variant(eval_on="train")),
]


@pytest.mark.parametrize("question, words, mistake", MISTAKES,
                         ids=[f"{q}-{i}" for i, (q, _, _) in enumerate(MISTAKES)])
def test_mistake_loses_exactly_its_question(suite, reference, question, words, mistake):
    """Check that a plausible wrong answer loses its question's points, and only those, with a
    message that names the problem."""
    wrong = reference_with(mistake)
    full = scores(suite, reference)
    got = scores(suite, wrong)
    lost = {q for q in full if got[q] != full[q]}
    assert lost == {question}, failures(suite, wrong)
    assert got[question] == 0.0
    assert words in failures(suite, wrong)[question], failures(suite, wrong)[question]


def test_float_closed_form_is_exact_enough(suite):
    """Check that width_for_budget with a float square root (floor of the root, no isqrt) is
    accepted: the budgets graded stay below 2^53, where it is exact."""
    got = scores(suite, reference_with(width_variant("float")))
    assert got["mimic_q3"] == 2.0
