r"""Public checks of `regions` (students run them with ``grader.check``): types, shapes and one
small hand-computed example per function.

They are worth no points on their own: they are the first rungs of each question's ladder, so a
student sees the most basic problem first. The checks against theory are hidden (``hidden.py``).
Every example here is small enough to verify by hand; the numbers are written out below.
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    CheckFailed, LayerSpec, NetSpec, StudentTimeout, TensorArg, TensorValue, as_array, describe, expect, student,
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
# Two neurons switching 1e-6 apart, at x = 0.3 and x = 0.300001: 3 regions on [0, 1], one of width 1e-6.
THIN_NET = hand_net([[[1.0], [1.0]]], [[-0.3, -0.300001]])


def _segment(lo: float, hi: float) -> tuple:
    return TensorArg(np.array([lo]), "float64"), TensorArg(np.array([hi]), "float64")


def count_hand(count_regions_1d) -> None:
    """Check count_regions_1d returns the int 4 for a 1-input net whose three neurons switch at
    x = -1/2, 0, 1/2, on the segment from -1 to 1; 1 on [0.1, 0.4]; 2 on [0, 1] (the segment starts
    on a boundary); and 3 for two neurons switching 1e-6 apart (a region no grid resolves)."""
    f = student(count_regions_1d, "count_regions_1d")
    got = f(COUNT_NET, *_segment(-1.0, 1.0))
    expect(isinstance(got, int) and not isinstance(got, bool),
           f"count_regions_1d should return a Python int (use int(...)), got {describe(got)}")
    hint = {1: " No neuron was counted: the ReLU after the last hidden Linear (here the only hidden layer) is part "
               "of the pattern; only the output Linear has no ReLU.",
            3: " Three breakpoints make 4 regions (is the + 1 missing?); or a breakpoint was missed (a coarse grid "
               "of sample points misses regions narrower than its spacing)."}
    expect(got == 4, f"Three neurons switching at x = -1/2, 0 and 1/2 cut the segment [-1, 1] into 4 regions; "
                     f"count_regions_1d returned {got}.{hint.get(got, '')}")
    got = f(COUNT_NET, *_segment(0.1, 0.4))
    expect(got == 1, f"No neuron switches between x = 0.1 and x = 0.4: that segment lies in 1 region; "
                     f"count_regions_1d returned {got!r}.")
    got = f(COUNT_NET, *_segment(0.0, 1.0))
    expect(got == 2, f"On [0, 1] the neuron z = x is exactly 0 at the start (a point, not a region: regions have "
                     f"positive length) and z = 1/2 - x switches at x = 1/2: 2 regions; count_regions_1d returned "
                     f"{got!r}." + (" Something of length zero was counted: the pattern at the single point x = 0 (where "
                                   "z = 0), as a grid of sample points starting there, or a split at the very start "
                                   "of the segment, sees it." if got == 3 else ""))
    got = f(THIN_NET, *_segment(0.0, 1.0))
    expect(got == 3, f"Two neurons switching at x = 0.3 and x = 0.300001 cut [0, 1] into 3 regions, one of them "
                     f"1e-6 wide; count_regions_1d returned {got!r}."
                     + (" A grid of sample points misses regions narrower than its spacing: compute each "
                        "breakpoint exactly." if got == 2 else ""))


# -- regions_q2b: speed (the budget the prompt states) ---------------------------------------------
# count_regions_1d must count the 2^16 = 65,536 regions of tri_net(16) on [0, 1] exactly within
# SPEED_BUDGET_S seconds of CPU time (the student side's process time, so a busy or throttled machine
# -- Gradescope's 0.5 vCPU -- does not change it). The notebook's solution takes 0.05 s here; other
# vectorised counters 0.03-0.2 s (tests/regions): 10x or more below the budget even on a CPU half as
# fast. A correct counter looping over pieces in Python takes 5-50 s. SPEED_LIMIT_S is the wall-clock
# bound after which the call is stopped while grading (in the student's kernel: 15 s of CPU time):
# 7.5x the budget, so a vectorised counter is never stopped unless the machine runs it 75 times
# slower than its CPU time.
SPEED_N = 16
SPEED_BUDGET_S = 2.0
SPEED_LIMIT_S = 15.0
SPEED_GATE_N = 6          # untimed: the speed point is for a correct counter
SPEED_HINT = ("vectorise over pieces: split all pieces of a layer at once with tensor operations "
              "(torch.sort, torch.searchsorted, boolean masks), not one piece at a time in a Python loop.")


def tri_spec(n: int) -> NetSpec:
    """Telgarsky's tri-net with n hidden layers of width 2 (the notebook's tri_net(n))."""
    return hand_net([[[2.0], [4.0]]] + [[[2.0, -2.0], [4.0, -4.0]]] * (n - 1), [[0.0, -2.0]] * n)


def count_speed(count_regions_1d) -> None:
    """Check count_regions_1d counts the 65,536 regions of tri_net(16) on [0, 1] exactly within
    SPEED_BUDGET_S s of CPU time (after an untimed check on tri_net(6))."""
    f = student(count_regions_1d, "count_regions_1d")
    small = 2 ** SPEED_GATE_N
    got = f(tri_spec(SPEED_GATE_N), *_segment(0.0, 1.0))
    expect(got == small, f"The speed point is for a correct counter: count_regions_1d(tri_net({SPEED_GATE_N}), [0], [1]) "
                         f"should be {small}, got {describe(got)} (question 2's checks say what is wrong)")
    want = 2 ** SPEED_N
    try:
        got, cpu_s = f.timed_call(tri_spec(SPEED_N), *_segment(0.0, 1.0), limit_s=SPEED_LIMIT_S)
    except StudentTimeout:
        raise CheckFailed(f"Correct on tri_net({SPEED_GATE_N}) but too slow: count_regions_1d(tri_net({SPEED_N}), [0], [1]) "
                          f"({want:,} regions) was stopped after {SPEED_LIMIT_S:g} s without returning; the budget "
                          f"is {SPEED_BUDGET_S:g} s of CPU time. Hint: {SPEED_HINT}") from None
    expect(got == want, f"count_regions_1d(tri_net({SPEED_N}), [0], [1]) should be 2^{SPEED_N} = {want:,} (every layer "
                        f"doubles the pieces), got {got!r}. Every region is 2^-{SPEED_N} wide: merge breakpoints "
                        f"only when they are closer than round-off (about 1e-10 in t), not 1e-5.")
    expect(cpu_s <= SPEED_BUDGET_S,
           f"Correct but too slow: {cpu_s:.1f} s of CPU time for count_regions_1d(tri_net({SPEED_N}), [0], [1]) "
           f"({want:,} regions); the budget is {SPEED_BUDGET_S:g} s. Hint: {SPEED_HINT}")


# One hidden layer of 16 neurons, d_in 16, T = 1, 40 segments: every neuron crosses independently with
# probability 1/2 (question 3's text), so the 640 crossings are Binomial(640, 1/2) and the mean leaves
# ONE_LAYER_WINDOW with probability 1.2e-9 (exact binomial tails). Caught: x0 not normalised (|x0| ~ 4:
# 0.16), t in [0, T] (0.25), a line through the origin (1/16), PyTorch's default init (biases).
ONE_LAYER_WINDOW = (0.38, 0.62)


def density_type(region_density) -> None:
    """Check region_density([4, 4], 3, 2, 0) returns a float between 0 and 4, the same one twice
    (every random number from the seeded generator), and region_density([16], 16, 40, 1) is near
    1/2 (one hidden layer, T = 1: each neuron crosses the segment with probability 1/2)."""
    f = student(region_density, "region_density")
    got = f([4, 4], 3, 2, 0)
    expect(isinstance(got, float),
           f"region_density should return a Python float (use float(...) or .item()), got {describe(got)}")
    expect(0.0 <= got <= 4.0 and np.isfinite(got),
           f"region_density([4, 4], 3, 2, 0) = {got}: a mean of (regions - 1) / N should be between 0 and "
           f"a few (an 8-neuron net crosses at most a few boundaries per neuron along a segment).")
    again = f([4, 4], 3, 2, 0)
    expect(again == got, f"region_density([4, 4], 3, 2, 0) returned {got} and then {again}: draw every random number "
                         f"from torch.Generator().manual_seed(seed) (nets and segments), so that a seed fixes the result.")
    got = f([16], 16, 40, 1, half_length=1.0)
    lo, hi = ONE_LAYER_WINDOW
    if not (isinstance(got, float) and lo <= got <= hi):
        hint = ""
        if isinstance(got, float) and 0.12 <= got <= 0.2:
            hint = " About 0.16 is what |x0| = 4 gives (a Gaussian x0 in 16 dimensions not normalised): use |x0| = 1."
        elif isinstance(got, float) and 0.2 < got < lo:
            hint = " About 1/4 is what t in [0, 1] gives: the segment is t in [-T, T]."
        elif isinstance(got, float) and got < 0.12:
            hint = (" A line through the origin meets one breakpoint (the net has zero biases and is positively "
                    "homogeneous): the segment is x0 + t u with |x0| = |u| = 1, u orthogonal to x0.")
        raise CheckFailed(f"For one hidden layer of 16 neurons and T = 1 each neuron crosses the segment with probability "
                          f"1/2, so region_density([16], 16, 40, 1) should be near 0.5 (a correct answer lands in "
                          f"[{lo}, {hi}] except with probability 1e-9); got {describe(got)}{hint}")


# A 2-input net with one hidden layer: z = (3 x1 + 4 x2, x2 - 1), gradients (3, 4) and (0, 1).
DISTANCE_NET = hand_net([[[3.0, 4.0], [0.0, 1.0]]], [[0.0, -1.0]])
DISTANCE_X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0]])
# (1, 2):    |11| / 5 = 2.2, |1| / 1 = 1   -> 1
# (-1, 1/2): |-1| / 5 = 0.2, |-1/2| / 1    -> 0.2
# (0, -1):   |-4| / 5 = 0.8, |-2| / 1      -> 0.8
DISTANCE_WANT = np.array([1.0, 0.2, 0.8])
# Plausible wrong answers: dividing by the l1 norm ||(3, 4)||_1 = 7, and the squared distance.
DISTANCE_L1 = np.array([1.0, 1.0 / 7.0, 4.0 / 7.0])


# A 2-input net with hidden widths [2, 1]: h = relu(x), then z2 = h1 + h2 - 3. At (5/2, -3/2): layer 1
# is (5/2, -3/2), 5/2 and 3/2 from its lines; z2 = -1/2 with gradient (1, 0) inside the region (the
# second neuron of layer 1 is off), so the nearest boundary is 1/2 away. Wrong: the weight row (1, 1)
# gives 1/(2 sqrt 2) = 0.354; the first layer only gives 3/2.
DEEP_NET = hand_net([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [-3.0]])
DEEP_X = np.array([[2.5, -1.5]])
DEEP_WANT = 0.5


def distance_hand(distance_to_boundary) -> None:
    """Check distance_to_boundary on a 2-input net with one hidden layer (the distances to two lines,
    computed above): a float64 tensor of shape (3,); and on a two-layer net whose deep neuron's
    gradient in the region is not its weight row."""
    f = student(distance_to_boundary, "distance_to_boundary")
    got = f(DISTANCE_NET, TensorArg(DISTANCE_X, "float64"))
    expect(isinstance(got, TensorValue),
           f"distance_to_boundary(net, x) should return a torch tensor, got {describe(got)}")
    expect(got.shape == (3,), f"For a batch of 3 points distance_to_boundary should return shape (3,), got {got.shape}.")
    values = as_array(got, "distance_to_boundary(net, x)")
    bad = np.abs(values - DISTANCE_WANT) > 1e-9
    if bad.any():
        i = int(np.argmax(bad))
        hint = " Compute in float64." if got.dtype != "torch.float64" else ""
        if np.allclose(values, DISTANCE_L1, rtol=1e-6):
            hint = (" That divides |z| by the l1 norm of the gradient (3 + 4 = 7): the Euclidean distance from "
                    "(-1, 1/2) to the line 3 x1 + 4 x2 = 0 is 1/5.")
        elif np.allclose(values, DISTANCE_WANT ** 2, rtol=1e-6):
            hint = " That is the squared distance."
        raise CheckFailed(f"distance_to_boundary at {DISTANCE_X[i].tolist()} should be {DISTANCE_WANT[i]} (the Euclidean "
                          f"distance to the nearer of the lines 3 x1 + 4 x2 = 0 and x2 = 1), got {values[i]:.10g}.{hint}")
    got = f(DEEP_NET, TensorArg(DEEP_X, "float64"))
    value = float(as_array(got, "distance_to_boundary(net, x)")[0]) if isinstance(got, TensorValue) and got.shape == (1,) else None
    if value is None or abs(value - DEEP_WANT) > 1e-9:
        hint = ""
        if value is not None and abs(value - 0.5 ** 1.5) < 1e-6:
            hint = (" That uses the deep neuron's weight row (1, 1); inside the region the second neuron of layer 1 is "
                    "off, so the deep neuron's gradient there is (1, 0).")
        elif value is not None and abs(value - 1.5) < 1e-6:
            hint = " That is the distance to the first layer's lines only: the deep neuron's zero set bounds the region too."
        raise CheckFailed(f"For h = relu(x) followed by z = h1 + h2 - 3, the point (5/2, -3/2) is 1/2 away from the "
                          f"boundary of its region (z = -1/2 there, and z switches at x1 = 3 while x2 < 0); "
                          f"distance_to_boundary returned {describe(got) if value is None else f'{value:.10g}'}.{hint}")
