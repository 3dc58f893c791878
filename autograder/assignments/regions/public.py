r"""Public checks of `regions` (students run them with ``grader.check``): types, shapes and one
small hand-computed example per function.

They are worth no points on their own: they are the first rungs of each question's ladder, so a
student sees the most basic problem first. The checks against theory are hidden (``hidden.py``).
Every example here is small enough to verify by hand; the numbers are written out below.
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    CheckFailed, LayerSpec, NetSpec, TensorArg, TensorValue, as_array, describe, expect, student,
)


def hand_net(weights: list, biases: list) -> NetSpec:
    """Linear, ReLU, ..., Linear(., 1) in float64 with the given hidden layers (output weights 1)."""
    layers = []
    for w, b in zip(weights, biases):
        layers += [LayerSpec("linear", "Linear", np.array(w, dtype=np.float64), np.array(b, dtype=np.float64),
                             "torch.float64"), LayerSpec("relu", "ReLU")]
    fan = len(biases[-1])
    layers.append(LayerSpec("linear", "Linear", np.ones((1, fan)), np.zeros(1), "torch.float64"))
    return NetSpec(layers)


# A 2-input net with hidden widths [3, 2]:
#   z1 = (x1, x2, x1 + x2 - 1),  h1 = relu(z1)
#   z2 = (h11 - h12, h12 + h13 - 1/2)
PATTERN_NET = hand_net([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, -1.0, 0.0], [0.0, 1.0, 1.0]]],
                       [[0.0, 0.0, -1.0], [0.0, -0.5]])
PATTERN_X = np.array([[1.0, 0.5], [-1.0, 2.0], [0.25, 0.125], [2.0, -3.0]])
# point (1, 1/2):     z1 = (1, 1/2, 1/2)   -> on on on;   z2 = (1/2, 1/2)  -> on on
# point (-1, 2):      z1 = (-1, 2, 0)      -> off on off; z2 = (-2, 3/2)   -> off on
# point (1/4, 1/8):   z1 = (1/4, 1/8, -5/8)-> on on off;  z2 = (1/8, -3/8) -> on off
# point (2, -3):      z1 = (2, -3, -2)     -> on off off; z2 = (2, -1/2)   -> on off
PATTERN_Z = np.array([[1.0, 0.5, 0.5, 0.5, 0.5], [-1.0, 2.0, 0.0, -2.0, 1.5],
                      [0.25, 0.125, -0.625, 0.125, -0.375], [2.0, -3.0, -2.0, 2.0, -0.5]])
PATTERN_WANT = PATTERN_Z > 0


def pattern_hand(activation_pattern) -> None:
    """Check activation_pattern on a hand-computed 2-input net with hidden widths [3, 2]: a
    torch.bool tensor of shape (4, 5) with the states written out above."""
    got = student(activation_pattern, "activation_pattern")(PATTERN_NET, TensorArg(PATTERN_X, "float64"))
    expect(isinstance(got, TensorValue),
           f"activation_pattern(net, x) should return a torch tensor, got {describe(got)}")
    expect(got.dtype == "torch.bool",
           f"activation_pattern should return a torch.bool tensor (pre-activation > 0), got dtype {got.dtype}.")
    if got.shape != PATTERN_WANT.shape:
        hint = ""
        if got.shape == (4, 3):
            hint = " It has only the first hidden layer: the ReLU after the last hidden Linear counts too."
        elif got.shape == (4, 6):
            hint = " The output Linear has no ReLU: its unit is not part of the pattern."
        raise CheckFailed(f"For a batch of 4 points and hidden widths [3, 2], activation_pattern should have shape "
                          f"(4, 5) (one column per hidden neuron, layers concatenated), got {got.shape}.{hint}")
    wrong = np.argwhere(got.array != PATTERN_WANT)
    if len(wrong):
        i, j = (int(k) for k in wrong[0])
        z = PATTERN_Z[i, j]
        zero = " A pre-activation exactly 0 is off: on means z > 0, not z >= 0." if z == 0 else ""
        raise CheckFailed(f"activation_pattern is wrong at point {PATTERN_X[i].tolist()}, neuron {j}: its pre-activation "
                          f"is z = {z:g}, so it is {'on' if z > 0 else 'off'}. (Net: z1 = (x1, x2, x1 + x2 - 1), then "
                          f"z2 = (h11 - h12, h12 + h13 - 1/2) with h1 = relu(z1); a neuron is on iff z > 0.){zero}")


# A 1-input net with one hidden layer: z = (x + 1/2, x, 1/2 - x) switches at -1/2, 0, 1/2.
COUNT_NET = hand_net([[[1.0], [1.0], [-1.0]]], [[0.5, 0.0, 0.5]])


def count_hand(count_regions_1d) -> None:
    """Check count_regions_1d returns the int 4 for a 1-input net whose three neurons switch at
    x = -1/2, 0, 1/2, on the segment from -1 to 1 (and 1 on [0.1, 0.4])."""
    f = student(count_regions_1d, "count_regions_1d")
    got = f(COUNT_NET, TensorArg(np.array([-1.0]), "float64"), TensorArg(np.array([1.0]), "float64"))
    expect(isinstance(got, int) and not isinstance(got, bool),
           f"count_regions_1d should return a Python int (use int(...)), got {describe(got)}")
    hint = {1: " No neuron was counted: the ReLU after the last hidden Linear (here the only hidden layer) is part "
               "of the pattern; only the output Linear has no ReLU.",
            3: " A breakpoint was missed (a coarse grid of sample points misses regions narrower than its spacing)."}
    expect(got == 4, f"Three neurons switching at x = -1/2, 0 and 1/2 cut the segment [-1, 1] into 4 regions; "
                     f"count_regions_1d returned {got}.{hint.get(got, '')}")
    got = f(COUNT_NET, TensorArg(np.array([0.1]), "float64"), TensorArg(np.array([0.4]), "float64"))
    expect(got == 1, f"No neuron switches between x = 0.1 and x = 0.4: that segment lies in 1 region; "
                     f"count_regions_1d returned {got!r}.")


def density_type(region_density) -> None:
    """Check region_density([4, 4], 3, 2, 0) returns a float between 0 and 4."""
    got = student(region_density, "region_density")([4, 4], 3, 2, 0)
    expect(isinstance(got, float),
           f"region_density should return a Python float (use float(...) or .item()), got {describe(got)}")
    expect(0.0 <= got <= 4.0 and np.isfinite(got),
           f"region_density([4, 4], 3, 2, 0) = {got}: a mean of (regions - 1) / N should be between 0 and "
           f"a few (an 8-neuron net crosses at most a few boundaries per neuron along a segment).")


# A 2-input net with one hidden layer: z = (3 x1 + 4 x2, x2 - 1), gradients (3, 4) and (0, 1).
DISTANCE_NET = hand_net([[[3.0, 4.0], [0.0, 1.0]]], [[0.0, -1.0]])
DISTANCE_X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0]])
# (1, 2):    |11| / 5 = 2.2, |1| / 1 = 1   -> 1
# (-1, 1/2): |-1| / 5 = 0.2, |-1/2| / 1    -> 0.2
# (0, -1):   |-4| / 5 = 0.8, |-2| / 1      -> 0.8
DISTANCE_WANT = np.array([1.0, 0.2, 0.8])
# Plausible wrong answers: dividing by the l1 norm ||(3, 4)||_1 = 7, and the squared distance.
DISTANCE_L1 = np.array([1.0, 1.0 / 7.0, 4.0 / 7.0])


def distance_hand(distance_to_boundary) -> None:
    """Check distance_to_boundary on a 2-input net with one hidden layer (the distances to two lines,
    computed above): a float64 tensor of shape (3,)."""
    got = student(distance_to_boundary, "distance_to_boundary")(DISTANCE_NET, TensorArg(DISTANCE_X, "float64"))
    expect(isinstance(got, TensorValue),
           f"distance_to_boundary(net, x) should return a torch tensor, got {describe(got)}")
    expect(got.shape == (3,), f"For a batch of 3 points distance_to_boundary should return shape (3,), got {got.shape}.")
    values = as_array(got, "distance_to_boundary(net, x)")
    bad = np.abs(values - DISTANCE_WANT) > 1e-9
    if bad.any():
        i = int(np.argmax(bad))
        hint = " Compute in float64." if got.dtype != "torch.float64" else ""
        if np.allclose(values, DISTANCE_L1, rtol=1e-6):
            hint = (" That is |z| / ||grad z||_1: the Euclidean distance to the hyperplane z = 0 divides by the "
                    "l2 norm ||grad z||_2 = 5, not the l1 norm 7.")
        elif np.allclose(values, DISTANCE_WANT ** 2, rtol=1e-6):
            hint = " That is the squared distance."
        raise CheckFailed(f"distance_to_boundary at {DISTANCE_X[i].tolist()} should be {DISTANCE_WANT[i]} "
                          f"(the nearer of the lines 3 x1 + 4 x2 = 0, at |z| / ||(3, 4)||_2, and x2 = 1), got "
                          f"{values[i]:.10g}.{hint}")
