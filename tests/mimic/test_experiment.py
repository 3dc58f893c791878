r"""The experiment behind mimic_q5, and the grader's own oracles it rests on.

* The grader's teacher (hidden weights) computes the closed-form logits exactly.
* Over five seeds of the graded pipeline (grader-drawn data and initial weights, the reference's
  train_on_labels and train_mimic, one thread) the mimic student beats the label-trained student
  of identical architecture by more than the graded margin on EVERY seed, and each threshold holds.
  (The record over seeds 0..99 quoted next to the thresholds in hidden.py came from the same
  function: `_mimic_vs_labels` over range(100), about 2 minutes.)
* The tolerances that the checks assume for float32 round-off hold with room to spare.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.assignments.mimic import hidden
from autograder.assignments.mimic.public import (
    data_arg, f32, held_out, init_mlp, labels, log_softmax, split, teacher_logits, teacher_spec,
)
from autograder.checking import forward, student

pytestmark = pytest.mark.mimic

SEEDS = range(5)


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


@pytest.fixture(scope="module")
def runs(reference):
    return [hidden._mimic_vs_labels(reference["train_on_labels"], reference["train_mimic"], seed) for seed in SEEDS]


def test_mimic_beats_labels_on_every_seed(runs):
    """Check, on 5 seeds, mimic >= MIMIC_MIN_ACC, labels >= LABELS_MIN_ACC and margin >= MARGIN,
    with room: the worst of these seeds stays 0.5 points above each threshold (record: hidden.py)."""
    for seed, r in zip(SEEDS, runs):
        margin = r["mimic"] - r["labels"]
        assert r["mimic"] >= hidden.MIMIC_MIN_ACC + 0.005, (seed, r)
        assert r["labels"] >= hidden.LABELS_MIN_ACC + 0.005, (seed, r)
        assert margin >= hidden.MARGIN + 0.005, (seed, r)
        assert len(set(r["params"])) == 1 and r["params"][0] == 1026
    margins = [r["mimic"] - r["labels"] for r in runs]
    print("margins (points):", [round(100 * m, 2) for m in margins])


def test_wrong_targets_do_not_beat_labels(reference):
    """Check the other side of the margin: a 'mimic' that regresses one-hot versions of the teacher's
    decisions learns only what the labels say, and its margin over label training is below MARGIN."""
    import torch.nn.functional as F

    def hard_mimic(student_net, teacher, data, epochs, lr, seed, extra_inputs=None):
        with torch.no_grad():
            onehot = F.one_hot(teacher(data["x_train"]).argmax(dim=1), 2).float() - 0.5
        return reference["train_mimic"](student_net, lambda x: onehot, data, epochs, lr, seed)

    r = hidden._mimic_vs_labels(reference["train_on_labels"], hard_mimic, 0)
    assert r["mimic"] - r["labels"] < hidden.MARGIN, r


def test_first_losses_and_reports_are_exact_to_round_off(reference):
    """Check the float32 round-off the tolerances absorb: the first recorded losses agree with the
    grader's float64 values to < 1e-6 relative (LOSS_RTOL = 1e-4), and the reported final test
    accuracy equals the grader's evaluation of the returned weights (REPORT_ATOL = 2/512)."""
    x_train, x_test = split(0)
    data = data_arg(x_train, x_test)
    init = init_mlp([1, 32, 2], seed=7)
    r = student(reference["train_on_labels"], "train_on_labels")(init, data, 40, 1e-2, 0)
    logits, y = forward(init, x_train), labels(x_train)
    ce = float(-log_softmax(logits)[np.arange(len(y)), y].mean())
    assert abs(r["loss"][0] - ce) <= 1e-6 * ce
    assert r["test_acc"][-1] == hidden.accuracy(r["model"], x_test)
    r = student(reference["train_mimic"], "train_mimic")(init, teacher_spec(), data, 40, 1e-2, 0)
    mse = float(np.mean((forward(init, x_train) - teacher_logits(x_train)) ** 2))
    assert abs(r["loss"][0] - mse) <= 1e-6 * mse
    assert r["test_acc"][-1] == hidden.accuracy(r["model"], x_test)


def test_grader_init_has_pytorch_default_scale():
    """Check that the grader's initial weights have PyTorch's default distribution U(+-1/sqrt(fan_in))
    (the record in hidden.py is for these weights; the notebook uses torch's own draw)."""
    torch.manual_seed(0)
    layer = torch.nn.Linear(256, 2)
    spec = init_mlp([1, 256, 2], seed=0)
    w = spec.linear_layers[1].weight
    assert abs(w.max() - layer.weight.max().item()) < 0.01 and abs(w.min() - layer.weight.min().item()) < 0.01
    assert np.all(np.abs(spec.linear_layers[0].weight) <= 1.0) and np.abs(spec.linear_layers[0].weight).max() > 0.99
    assert f32(w).dtype == np.float64
