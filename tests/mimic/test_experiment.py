r"""The grader's task oracles, and the notebook's experiment behind mimic_q5 (not graded by rerunning
it: the graders check the training contract, test_contract.py).

* The grader's teacher (hidden weights) computes the closed-form logits exactly, and the notebook's
  teacher has the same weights.
* The grader's initial weights have PyTorch's default distribution.
* The notebook's claim, on seed 0 at the notebook's size (width 256, 2000 epochs, 128 labels): the
  mimic reaches the teacher and beats the same net trained on the labels by more than a point.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from autograder.assignments.mimic.public import (
    accuracy, f32, forward, held_out, init_mlp, labels, teacher_logits, teacher_spec,
)
from autograder.checking import student

pytestmark = pytest.mark.mimic


def test_teacher_spec_is_the_closed_form():
    """Check that the grader's teacher net gives (1/2 - s, s - 1/2) exactly at 4097 points of [-1, 1]
    (dyadic inputs: every intermediate is exact in float64), and that its decisions are the labels."""
    x = np.linspace(-1.0, 1.0, 4097)[:, None]
    np.testing.assert_array_equal(forward(teacher_spec(), x), teacher_logits(x))
    x = held_out()
    assert np.array_equal(np.argmax(forward(teacher_spec(), x), axis=1), labels(x))
    assert 0.45 < labels(x).mean() < 0.55            # balanced classes: chance is 1/2


def test_notebook_teacher_matches_the_grader(reference):
    """Check that the notebook's sawtooth_teacher has the grader's weights (same task on both sides)."""
    marshalled = student(reference["sawtooth_teacher"], "sawtooth_teacher")()
    x = np.linspace(-1.0, 1.0, 513)[:, None]
    np.testing.assert_array_equal(forward(marshalled, x), teacher_logits(x))


def test_grader_init_has_pytorch_default_scale():
    """Check that the grader's initial weights have PyTorch's default distribution U(+-1/sqrt(fan_in))."""
    torch.manual_seed(0)
    layer = torch.nn.Linear(256, 2)
    spec = init_mlp([1, 256, 2], seed=0)
    w = spec.linear_layers[1].weight
    assert abs(w.max() - layer.weight.max().item()) < 0.01 and abs(w.min() - layer.weight.min().item()) < 0.01
    assert np.all(np.abs(spec.linear_layers[0].weight) <= 1.0) and np.abs(spec.linear_layers[0].weight).max() > 0.99
    assert f32(w).dtype == np.float64


def test_mimic_beats_labels_at_the_notebooks_size(reference):
    """Check the experiment's claim on seed 0: width-256 students from the same initial weights,
    2000 epochs; the mimic reaches >= 0.99 held-out accuracy and beats label training by > 1 point."""
    ns = reference
    data = ns["make_data"](ns["N_TRAIN"], 0)
    torch.manual_seed(0)
    init = ns["mlp"](1, [ns["WIDTH"]], 2)
    direct = ns["train_on_labels"](copy.deepcopy(init), data, ns["EPOCHS"], ns["LR"], 0)["model"]
    mimic = ns["train_mimic"](copy.deepcopy(init), ns["sawtooth_teacher"](), data, ns["EPOCHS"], ns["LR"], 0)["model"]
    acc = {name: accuracy(student(lambda m=model: m, name)(), held_out())
           for name, model in (("labels", direct), ("mimic", mimic))}
    assert acc["mimic"] >= 0.99 and acc["mimic"] - acc["labels"] > 0.01, acc
