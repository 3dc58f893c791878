r"""The numbers behind augmentation_q5's MIN_VAL_ACC: the grader's training protocol (an MLP with 64
hidden units, 8 epochs of Adam at 1e-3 on the plain loaders) run over seeds for the reference and
two independent correct implementations (tests/augmentation/implementations.py: hand-written
sums with a leaky ReLU; numpy metrics with tanh), each seed another draw of initialisation and
batch order. Marked slow (about 0.4 s per run).
"""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import torch

from autograder.assignments.augmentation import hidden
from shared.afhq import plain_arrays, plain_loaders
from tests.augmentation.implementations import training_by_hand, training_numpy_metrics

SEEDS = range(20)  # the stated figures: range(40)
IMPLEMENTATIONS = {"reference": None, "by_hand": training_by_hand, "numpy_metrics": training_numpy_metrics}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_validation_accuracy_is_far_above_the_threshold(reference, name):
    """Check that over 20 seeds each implementation's validation accuracy has mean >= 0.85 and lies
    at least 10 standard deviations above MIN_VAL_ACC, and that no run comes within 0.15 of it."""
    factory = IMPLEMENTATIONS[name]
    ns = reference if factory is None else {**reference, **factory(reference)}
    x_val, y_val = (torch.from_numpy(a) for a in plain_arrays("val"))
    accuracies = []
    for seed in SEEDS:
        torch.manual_seed(seed)
        model = ns["mlp_classifier"]((3, 32, 32), hidden.TRAIN_HIDDEN, 3)
        with contextlib.redirect_stderr(io.StringIO()):
            ns["train_classifier"](model, plain_loaders(32, seed), hidden.TRAIN_EPOCHS, hidden.TRAIN_LR, seed)
        with torch.no_grad():
            accuracies.append(float((model(x_val).argmax(1) == y_val).float().mean()))
    accuracies = np.array(accuracies)
    mean, std = accuracies.mean(), accuracies.std(ddof=1)
    assert mean >= 0.85 and (mean - hidden.MIN_VAL_ACC) / std >= 10, (mean, std, accuracies)
    assert accuracies.min() >= hidden.MIN_VAL_ACC + 0.15, accuracies
