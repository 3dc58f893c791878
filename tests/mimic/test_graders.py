r"""The mimic graders, in process: independent correct implementations keep full marks, and each
plausible mistake loses exactly the points of its own question, with a message that teaches. A
mistake is installed in a fresh reference namespace, so the notebook's other functions use it as
they would in a student's notebook (depth_sweep calls train_on_labels, train_mimic calls
mimic_loss). (The reference's full marks and the stub's zero: tests/test_graders_common.py; the
training contract and its tolerances: test_contract.py.)"""
from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.mimic.conftest import installed
from tests.mimic.implementations import CORRECT, labels_slip, mimic_slip
from tests.support import failures

pytestmark = pytest.mark.mimic


# -- mistakes that need their own code -----------------------------------------------------------
def mlp_variant(relu_at_end=False, activation=nn.ReLU, zero=False, bias=True, chain=True):
    def make(ns):
        def mlp(in_features, hidden, out_features):
            layers, width = [], in_features
            for h in hidden:
                layers += [nn.Linear(width if chain else in_features, h, bias=bias)] + \
                          ([activation()] if activation else [])
                width = h
            layers.append(nn.Linear(width, out_features, bias=bias))
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
            if kind == "no_biases":       # P(w) = in w + (depth - 1) w^2 + w out
                a, b, c = depth - 1, in_features + out_features, -budget
            elif kind == "depth_layers":  # depth instead of depth - 1 hidden-to-hidden layers
                a, b, c = depth, in_features + depth + 1 + out_features, out_features - budget
            else:
                a, b, c = depth - 1, in_features + depth + out_features, out_features - budget
            if a == 0:
                return -c / b if kind == "float_result" else int(-c // b)
            root = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
            if kind == "float_result":
                return root
            return int(round(root)) if kind == "round" else math.ceil(root) if kind == "ceil" else int(root)
        return {"width_for_budget": width_for_budget}
    return make


def width_strict(ns):
    """Stops one short when the budget is met exactly (< instead of <=)."""
    def width_for_budget(in_features, out_features, depth, budget):
        w = 1
        while (in_features + 1) * (w + 1) + (depth - 1) * (w + 2) * (w + 1) + (w + 2) * out_features < budget:
            w += 1
        return w
    return {"width_for_budget": width_for_budget}


def untrained_copy(ns):
    """Trains a deep copy and returns the caller's model untouched."""
    original = ns["train_on_labels"]

    def train_on_labels(model, data, epochs, lr, seed):
        return {**original(copy.deepcopy(model), data, epochs, lr, seed), "model": model}
    return {"train_on_labels": train_on_labels}


def trained_copy(ns):
    """Trains a deep copy and returns it: the caller's model stays untrained."""
    original = ns["train_on_labels"]

    def train_on_labels(model, data, epochs, lr, seed):
        return original(copy.deepcopy(model), data, epochs, lr, seed)
    return {"train_on_labels": train_on_labels}


def teacher_trained(ns):
    """Targets computed with gradient and the teacher's parameters given to the optimizer too."""
    def train_mimic(student, teacher, data, epochs, lr, seed, extra_inputs=None):
        x = data["x_train"] if extra_inputs is None else torch.cat([data["x_train"], extra_inputs])
        torch.manual_seed(seed)
        optimizer = torch.optim.Adam([*student.parameters(), *teacher.parameters()], lr=lr)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
        history = {"model": student, "loss": [], "epoch": [], "test_acc": []}
        for epoch in range(1, epochs + 1):
            loss = ns["mimic_loss"](student(x), teacher(x))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            history["loss"].append(loss.item())
            if epoch % max(1, epochs // 40) == 0 or epoch == epochs:
                history["epoch"].append(epoch)
                history["test_acc"].append(ns["accuracy"](student, data["x_test"], data["y_test"]))
        return history
    return {"train_mimic": train_mimic}


def sweep_variant(widths=None, layers=None, eval_on="test", params=None):
    def make(ns):
        def depth_sweep(budget, depths, data, seed, epochs, lr):
            d, k = data["x_train"].shape[1], data["num_classes"]
            result = {"depths": [], "widths": [], "params": [], "test_acc": [], "models": []}
            for depth in depths:
                width = ns["width_for_budget"](d, k, widths or depth, budget)
                torch.manual_seed(seed)
                model = ns["mlp"](d, [width] * (layers or depth), k)
                ns["train_on_labels"](model, data, epochs, lr, seed)
                acc = ns["accuracy"](model, data[f"x_{eval_on}"], data[f"y_{eval_on}"])
                count = budget if params == "budget" else ns["count_params"](model)
                for key, value in (("depths", depth), ("widths", width), ("params", count),
                                   ("test_acc", acc), ("models", model)):
                    result[key].append(value)
            return result
        return {"depth_sweep": depth_sweep}
    return make


def _softmax_kl(s, t):
    return F.kl_div(F.log_softmax(s, dim=1), F.softmax(t, dim=1), reduction="batchmean")


MISTAKES = [
    ("mimic_q1", "frozen ones too", lambda ns: {"count_params": lambda m: sum(p.numel() for p in m.parameters())}),
    ("mimic_q1", "should be 26", lambda ns: {"count_params": lambda m: sum(p.numel() for p in m.parameters()
                                                                           if p.dim() > 1)}),
    ("mimic_q1", "should be 26", lambda ns: {"count_params": lambda m: len(list(m.parameters()))}),
    ("mimic_q1", "counted each parameter twice",
     lambda ns: {"count_params": lambda m: sum(p.numel() for mod in m.modules() for p in mod.parameters()
                                               if p.requires_grad)}),
    ("mimic_q1", "should be 26", lambda ns: {"count_params": lambda m: sum(sum(p.shape) for p in m.parameters()
                                                                           if p.requires_grad)}),
    ("mimic_q2", "Remove the ReLU after the last Linear", mlp_variant(relu_at_end=True)),
    ("mimic_q2", "Linear, ReLU, Linear", mlp_variant(activation=None)),
    ("mimic_q2", "may only contain linear, relu", mlp_variant(activation=nn.Sigmoid)),
    ("mimic_q2", "constant", mlp_variant(zero=True)),
    ("mimic_q2", "should have a bias", mlp_variant(bias=False)),
    ("mimic_q2", "weights of shapes", mlp_variant(chain=False)),
    ("mimic_q3", "must fit the budget", width_variant("no_biases")),
    ("mimic_q3", "the largest width is asked", width_variant("depth_layers")),
    ("mimic_q3", "must fit the budget", width_variant("round")),
    ("mimic_q3", "must fit the budget", width_variant("ceil")),
    ("mimic_q3", "should return an int", width_variant("float_result")),
    ("mimic_q3", "the largest width is asked", width_strict),
    ("mimic_q4", "zero_grad", labels_slip(zero_grad=False)),
    ("mimic_q4", "one-hot", labels_slip(loss=lambda out, y: ((out - F.one_hot(y, 2).float()) ** 2).mean())),
    ("mimic_q4", "summed over the batch", labels_slip(loss=lambda out, y: F.cross_entropy(out, y, reduction="sum"))),
    ("mimic_q4", "after the step", labels_slip(record="after")),
    ("mimic_q4", "constant learning rate", labels_slip(schedule="constant")),
    ("mimic_q4", "scheduler stepped before the optimizer", labels_slip(schedule="early")),
    ("mimic_q4", "plain gradient descent", labels_slip(optimizer="sgd")),
    ("mimic_q4", "default learning rate", labels_slip(use_lr=False)),
    ("mimic_q4", "new Adam optimizer every epoch", labels_slip(optimizer="fresh_adam")),
    ("mimic_q4", "test split", labels_slip(eval_on="train")),
    ("mimic_q4", "every max(1, epochs // 40)", labels_slip(every=1)),
    ("mimic_q4", "after the last epoch too", labels_slip(last=None)),
    ("mimic_q4", "after the last epoch too", labels_slip(last="is")),
    ("mimic_q4", "every max(1, epochs // 40)", labels_slip(every=lambda epochs: max(1, epochs / 40))),
    ("mimic_q4", "every max(1, epochs // 40)", labels_slip(every=lambda epochs: max(1, round(epochs / 40)))),
    ("mimic_q4", "not a copy", trained_copy),
    ("mimic_q4", "still has its initial weights", untrained_copy),
    ("mimic_q5", "does not see a shift", lambda ns: {"mimic_loss": _softmax_kl}),
    ("mimic_q5", "should be 0", lambda ns: {"mimic_loss": lambda s, t: F.cross_entropy(s, t.argmax(dim=1))}),
    ("mimic_q5", "Average over the batch", lambda ns: {"mimic_loss": lambda s, t: ((s - t) ** 2).sum()}),
    ("mimic_q5", "Average over the logits", lambda ns: {"mimic_loss": lambda s, t: ((s - t) ** 2).sum(1).mean()}),
    ("mimic_q5", "does not see a shift",
     lambda ns: {"mimic_loss": lambda s, t: ((s.softmax(1) - t.softmax(1)) ** 2).mean()}),
    ("mimic_q5", "torch tensor", lambda ns: {"mimic_loss": lambda s, t: ((s - t) ** 2).mean().item()}),
    ("mimic_q5", "mean absolute error", lambda ns: {"mimic_loss": lambda s, t: (s - t).abs().mean()}),
    ("mimic_q5", "label training, not mimicry",
     mimic_slip(target_of=lambda z, data: data["y_train"], loss=F.cross_entropy, use_extra=False)),
    ("mimic_q5", "label training, not mimicry", mimic_slip(target_of=lambda z, data: z.argmax(dim=1),
                                                           loss=F.cross_entropy)),
    ("mimic_q5", "extra inputs were ignored", mimic_slip(use_extra=False)),
    ("mimic_q5", "zero_grad", mimic_slip(zero_grad=False)),
    ("mimic_q5", "constant learning rate", mimic_slip(schedule="constant")),
    ("mimic_q5", "every max(1, epochs // 40)", mimic_slip(every=1)),
    ("mimic_q5", "after the last epoch too", mimic_slip(last=None)),
    ("mimic_q5", "every max(1, epochs // 40)", mimic_slip(every=lambda epochs: max(1, epochs / 40))),
    ("mimic_q5", "changed the teacher's weights", teacher_trained),
    ("mimic_q6", "equal budget", sweep_variant(widths=1)),
    ("mimic_q6", "hidden layer", sweep_variant(layers=1)),
    ("mimic_q6", "report the test accuracy", sweep_variant(eval_on="train")),
    ("mimic_q6", "count_params of the model", sweep_variant(params="budget")),
]


@pytest.mark.parametrize("question, words, mistake", MISTAKES,
                         ids=[f"{q}-{i}" for i, (q, _, _) in enumerate(MISTAKES)])
def test_mistake_loses_exactly_its_question(suite, reference, question, words, mistake):
    """Check that a plausible wrong answer loses its question's points, and only those, with a
    message that names the problem."""
    with installed(reference, mistake) as wrong:
        graded = failures(suite, wrong)
    assert set(graded) == {question}, graded
    assert words in graded[question], graded[question]


ALTERNATIVES = [(q, make) for q, makers in CORRECT.items() for make in makers]


@pytest.mark.parametrize("question, make", ALTERNATIVES,
                         ids=[f"{q}-{make.__qualname__.split('.')[0]}-{i}" for i, (q, make) in enumerate(ALTERNATIVES)])
def test_independent_correct_answer_keeps_full_marks(suite, reference, question, make):
    """Check that an independent correct implementation (another algorithm, dtype, loss expression,
    optimizer code or order of operations) gets every point."""
    with installed(reference, make) as ns:
        assert failures(suite, ns) == {}
