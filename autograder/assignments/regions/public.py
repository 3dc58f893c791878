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


# -- regions_q6 / regions_q7: recovering a hidden one-hidden-layer net from its outputs -------------
# The grader's nets f(x) = sum_j a_j relu(w_j . x + b_j) + c stay in the grading process: student code
# gets a Callback whose calls QueryOracle answers. Every hidden unit is off at the origin (b_j < 0) and
# its hyperplane passes within distance 1 of it (hidden_nets.py says how the nets are drawn).
BUDGET_PER_DIM = 3000      # the budget given is 3000 d queries; the notebook's solution needs <= 712 d (1,000 nets)
ANGLE_TOL = 1e-6           # radians between a recovered (w, b) and the hidden one, both normalised
# recover_net's net must agree with f on fresh points to AGREE_TOL x (1 + max |f|): float64 methods
# (central differences, exact kink locations) reach 1e-10 or better; a wrong output weight, bias or
# scale is off by > 1e-2.
AGREE_TOL = 1e-8


class QueryOracle:
    r"""The grader's hidden net behind the Callback ``f``: f(x) = a . relu(W x + b) + c for a batch
    x of shape (B, d). Every point counts as one query; a call that would take the total past the
    budget is refused (the student's code gets RuntimeError) and remembered."""

    def __init__(self, W, b, a, c, budget: int):
        self.W, self.b = np.asarray(W, np.float64), np.asarray(b, np.float64)
        self.a, self.c = np.asarray(a, np.float64), float(c)
        self.budget, self.used, self.calls, self.refused = int(budget), 0, 0, ""

    @property
    def d(self) -> int:
        return self.W.shape[1]

    def value(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x @ self.W.T + self.b, 0.0) @ self.a + self.c

    def probe_variant(self, rng: np.random.Generator) -> "QueryOracle":
        """Another net with the same d and k, drawn by the law the prompt promises, behind a fresh
        counter with the same budget: what `make mutants`' equivalence probe varies (never called
        while grading; hidden_nets is not in the student's copy)."""
        from .hidden_nets import draw_net

        net = draw_net(rng, self.d, len(self.a))
        return QueryOracle(net.W, net.b, net.a, net.c, self.budget)

    def __call__(self, x=None, *extra, **named):
        from autograder.checking import CallbackRefused

        if extra or named or x is None:
            raise CallbackRefused(f"f takes one argument, an array of shape (B, {self.d})")
        x = x.array if isinstance(x, TensorValue) else x
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise CallbackRefused(f"f takes a float64 array of shape (B, {self.d}), got {describe(x)}") from None
        if x.ndim != 2 or x.shape[1] != self.d:
            raise CallbackRefused(f"f takes a float64 array of shape (B, {self.d}) (a batch of B points in "
                                  f"R^{self.d}), got shape {tuple(x.shape)}; for one point use x[None, :]")
        if not np.isfinite(x).all():
            raise CallbackRefused("f takes finite points only (no NaN or inf)")
        if self.used + len(x) > self.budget:
            self.refused = (f"query budget exceeded: this call asks for {len(x)} points after {self.used} already; "
                            f"the budget is {self.budget} (every point of a batch counts as one query)")
            raise CallbackRefused(self.refused)
        self.used += len(x)
        self.calls += 1
        return self.value(x)


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """Each row divided by its Euclidean norm (rows of zeros stay zero)."""
    norm = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.where(norm > 0, rows / np.where(norm > 0, norm, 1.0), 0.0)


def matched_angles(true_rows: np.ndarray, got_rows: np.ndarray) -> tuple:
    r"""Match got to true rows (both (k, d + 1), compared after normalising) by a Hungarian
    assignment minimising the total angle; return (angles (k,), index of the got row per true row).
    The angle is 2 arcsin(|u - v| / 2): accurate to round-off near 0, unlike arccos(u . v).

    When every true row's nearest got row is a different one and lies within a quarter of the true
    rows' smallest separation, that one-to-one nearest match is the assignment (any other pairs some
    row with one at least half a separation away): then scipy, whose import costs the grader about
    half a second, is not needed. Otherwise scipy.optimize.linear_sum_assignment decides."""
    u, v = unit_rows(true_rows), unit_rows(got_rows)
    angles = 2.0 * np.arcsin(np.clip(np.linalg.norm(u[:, None, :] - v[None, :, :], axis=2) / 2.0, 0.0, 1.0))
    nearest = np.argmin(angles, axis=1)
    between = 2.0 * np.arcsin(np.clip(np.linalg.norm(u[:, None, :] - u[None, :, :], axis=2) / 2.0, 0.0, 1.0))
    separation = np.min(between + 4.0 * np.eye(len(u))) if len(u) > 1 else np.pi
    if len(set(nearest.tolist())) == len(u) and angles[np.arange(len(u)), nearest].max() < separation / 4:
        return angles[np.arange(len(u)), nearest], nearest
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(angles)
    order = np.argsort(rows)
    return angles[rows[order], cols[order]], cols[order]


def expect_rows(got, d: int, what: str) -> np.ndarray:
    """The student's hyperplanes as a finite float64 array (k, d + 1), or a failure saying why."""
    expect(isinstance(got, (np.ndarray, TensorValue)),
           f"{what} should return a numpy array of shape (k, d + 1), one row (w_j, b_j) per hidden unit, got "
           f"{describe(got)}")
    rows = as_array(got, what)
    if rows.ndim != 2 or rows.shape[1] != d + 1:
        hint = (" Each row needs the offset b_j too: (w_j, b_j), d + 1 numbers; directions alone do not fix a "
                "hyperplane." if rows.ndim == 2 and rows.shape[1] == d else "")
        raise CheckFailed(f"{what} should return an array of shape (k, d + 1) = (k, {d + 1}), got shape "
                          f"{tuple(rows.shape)}.{hint}")
    expect(bool(np.isfinite(rows).all()), f"{what} returned NaN or inf values.")
    expect(bool((np.linalg.norm(rows[:, :d], axis=1) > 0).all()),
           f"{what} returned a row whose w_j is 0: that is no hyperplane.")
    return rows


def judge_hyperplanes(oracle: QueryOracle, rows: np.ndarray, what: str) -> None:
    """Fail unless ``rows`` are the hidden units' hyperplanes up to permutation and positive scale
    (ANGLE_TOL after normalising, matched by a Hungarian assignment) and the budget was kept."""
    expect(not oracle.refused, f"{what} asked for more queries than its budget: {oracle.refused}.")
    true = np.concatenate([oracle.W, oracle.b[:, None]], axis=1)
    k, d = oracle.W.shape
    if len(rows) != k:
        hint = ""
        if len(rows) > k:
            angles, cols = matched_angles(true, rows)
            extra = np.setdiff1d(np.arange(len(rows)), cols)
            dup = [int(j) for j in extra if np.min(matched_angles(rows[[j]], rows[cols])[0]) < 1e-3
                   or np.min(matched_angles(-rows[[j]], rows[cols])[0]) < 1e-3]
            if dup:
                hint = (f" Row {dup[0]} is another copy of a unit you already have (up to scale or sign): the same "
                        f"hyperplane is crossed by many lines; keep one row per hyperplane.")
        else:
            hint = (" Some units were never found: every line crosses a hyperplane only once, and only far away if "
                    "the line is nearly parallel to it; use lines in several directions until no new unit appears.")
        raise CheckFailed(f"The hidden net (d = {d}) has {k} hidden units; {what} returned {len(rows)} "
                          f"hyperplanes.{hint}")
    angles, cols = matched_angles(true, rows)
    worst = int(np.argmax(angles))
    if angles[worst] < ANGLE_TOL:
        return
    got = unit_rows(rows[[cols[worst]]])[0]
    want = unit_rows(true[[worst]])[0]
    u, t = unit_rows(rows), unit_rows(true)
    flipped = np.linalg.norm(u[:, None] + t[None], axis=2).min(axis=1) < 1e-4
    directions = np.linalg.norm(unit_rows(rows[:, :d])[:, None] - unit_rows(true[:, :d])[None], axis=2).min(axis=1)
    hint = ""
    if flipped.any():
        hint = (f" Your row {int(np.argmax(flipped))} is a hidden unit's row times -1: (w, b) and (-w, -b) describe the "
                f"same hyperplane but opposite units (on on opposite sides). Every unit of the grader's nets is off at "
                f"the origin, so b_j < 0.")
    elif np.all(np.abs(rows[:, d]) < 1e-12):
        hint = " Every offset b_j is 0: a hyperplane w . x + b = 0 needs b_j from a point on it, not only the direction."
    elif np.any(directions < 1e-4):
        hint = (" Some directions w_j are right but their offsets b_j are not: b_j = -w_j . x for a point x on the "
                "hyperplane.")
    raise CheckFailed(f"{what}: the recovered hyperplanes should equal the hidden ones up to order and positive scale "
                      f"(angle < {ANGLE_TOL:g} after normalising (w_j, b_j)); the worst matched row is "
                      f"{angles[worst]:.3g} rad away (hidden unit {worst}: {np.round(want, 4).tolist()}, yours "
                      f"normalised: {np.round(got, 4).tolist()}).{hint}")


# The public net: d = 2, four units, each off at the origin, hyperplanes 0.36 to 0.64 away from it.
PUBLIC_W = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [-1.0, 0.5]])
PUBLIC_B = np.array([-0.5, -1.0, -0.9, -0.4])
PUBLIC_A = np.array([1.0, -0.5, 0.75, 1.25])
PUBLIC_C = 0.25


def public_oracle() -> QueryOracle:
    return QueryOracle(PUBLIC_W, PUBLIC_B, PUBLIC_A, PUBLIC_C, BUDGET_PER_DIM * 2)


def recover_public(recover_first_layer) -> None:
    """Check recover_first_layer(f, 2, 6000) on a small public net (4 units in the plane): the four
    hyperplanes up to order and positive scale, within the budget."""
    from autograder.checking import Callback

    oracle = public_oracle()
    got = student(recover_first_layer, "recover_first_layer")(Callback(oracle, "f"), 2, oracle.budget)
    rows = expect_rows(got, 2, "recover_first_layer(f, 2, 6000)")
    judge_hyperplanes(oracle, rows, "recover_first_layer(f, 2, 6000)")


def expect_net(got, d: int, what: str) -> tuple:
    """The student's (W, b, a, c) as float64 arrays of consistent shapes, or a failure saying why."""
    expect(isinstance(got, (tuple, list)) and len(got) == 4,
           f"{what} should return a tuple (W, b, a, c): W (k, d), b (k,), a (k,) and the output bias c; got "
           f"{describe(got)}")
    W, b, a = (as_array(v, f"{what}[{i}]") for i, v in enumerate(got[:3]))
    c = as_array(got[3], f"{what}[3] (the output bias c)")
    k = W.shape[0] if W.ndim == 2 else -1
    expect(W.ndim == 2 and W.shape[1] == d and b.shape == (k,) and a.shape == (k,) and c.size == 1,
           f"{what} should return W (k, {d}), b (k,), a (k,) and a number c; got shapes {tuple(W.shape)}, "
           f"{tuple(b.shape)}, {tuple(a.shape)}, {tuple(c.shape)}.")
    expect(all(np.isfinite(v).all() for v in (W, b, a, c)), f"{what} returned NaN or inf values.")
    return W, b, a, float(c.reshape(-1)[0])


def judge_net(oracle: QueryOracle, net: tuple, points: np.ndarray, what: str) -> None:
    """Fail unless the student's net a . relu(W x + b) + c agrees with f on ``points`` to AGREE_TOL
    (relative to the size of f there) and the budget was kept."""
    expect(not oracle.refused, f"{what} asked for more queries than its budget: {oracle.refused}.")
    W, b, a, c = net
    want = oracle.value(points)
    got = np.maximum(points @ W.T + b, 0.0) @ a + c
    scale = 1.0 + np.max(np.abs(want))
    err = np.abs(got - want)
    if err.max() <= AGREE_TOL * scale:
        return
    i = int(np.argmax(err))
    hint = ""
    if np.allclose(got - want, (got - want)[0], atol=AGREE_TOL * scale):
        hint = f" Your net is off by the same {float((got - want)[0]):.4g} everywhere: the output bias c."
    elif len(W) == len(oracle.W) and np.allclose(np.maximum(points @ W.T + b, 0.0) @ (-a) + c, want,
                                                 atol=1e-6 * scale):
        hint = " With every output weight's sign flipped it would agree: a_j's sign follows the direction of the jump."
    raise CheckFailed(f"{what}: the recovered net a . relu(W x + b) + c should agree with f on fresh points to "
                      f"{AGREE_TOL:g} x (1 + max |f|) = {AGREE_TOL * scale:.2g}; at {np.round(points[i], 3).tolist()} "
                      f"f = {want[i]:.10g}, yours {got[i]:.10g}.{hint} Each output weight goes with the scale of its "
                      f"row: a_j relu(w_j . x + b_j) is unchanged when (w_j, b_j) is multiplied by s > 0 and a_j "
                      f"divided by s.")


def recover_net_public(recover_net) -> None:
    """Check recover_net(f, 2, 6000) on the small public net: a net that agrees with f on 500 fresh
    points in the disc of radius 3, within the budget."""
    from autograder.checking import Callback

    oracle = public_oracle()
    got = student(recover_net, "recover_net")(Callback(oracle, "f"), 2, oracle.budget)
    net = expect_net(got, 2, "recover_net(f, 2, 6000)")
    points = np.random.default_rng(20260320).uniform(-3.0, 3.0, (500, 2))
    judge_net(oracle, net, points, "recover_net(f, 2, 6000)")
