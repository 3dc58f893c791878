r"""Hidden checks of `backprop`: every answer is compared with theory, never with our solution.

Oracles (all computed here with numpy/scipy, independently of the student's code and of the
reference solution; the grading process never imports torch):

* bumps (q1): the bump formula with scipy's ``expit``; for the sums of bumps, the bounds and rates
  derived in ``bumps.py`` (a pointwise error bound, the 1/n rate when k h is fixed with a lower bound
  from the first-order error at the interval's end, the plateau when k is fixed with the limit
  computed by Gauss-Legendre quadrature);
* J by hand (q3): the generalised lecture graph as an expression program, differentiated by the
  forward-mode oracle (``oracle.py``), for several parameters;
* Value (q4): random expression programs differentiated by forward mode (``oracle.py``);
  tests/backprop checks that oracle against torch.autograd in float64;
* gradient norms (q5): slopes of log-norms per layer against the theory of |sigma'| <= 1/4 and He init;
* pretraining / fine-tuning (q6-q8): the digits read here from the file scikit-learn ships, networks
  evaluated with our own float64 forward pass, a closed-form ridge probe, bit-for-bit comparisons of
  parameters, and the caller's encoder inspected on the student side after the call.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from autograder.checking import (
    CheckFailed, Handle, LayerSpec, LibraryCall, NetSpec, PiecewiseLinear, TensorArg, as_array, as_net, expect,
    expect_close, forward, student,
)
from autograder.assignments.backprop import adam, bumps, oracle
from autograder.assignments.backprop.public import (
    J_KEYS, LAB, LOSS_RTOL, as_number, as_sent, autoencoder_parts, expect_encoder, expect_encoder_kept, reconstruction_mse,
    run_value_program, same_layer, small_encoder,
)
from shared.backprop_lab import digits_arrays

# == backprop_q1: bumps ===========================================================================
# The bump formula is evaluated in float64 on both sides; any correct formula (expit, 1/(1+e^-z),
# (1 + tanh(z/2))/2) agrees to ~1e-16. A wrong sign, a missing k or a shifted bump is off by > 0.1.
# Deterministic: false-fail probability 0.
BUMP_ATOL = 1e-12
# Targets (the same formulas as shared.backprop_lab.bump_target): f, f', lo, hi, L = sup |f'|,
# M2 = sup |f''| on [lo, hi].
TARGETS = {
    "cos": (lambda x: np.cos(2.0 * np.pi * x), lambda x: -2.0 * np.pi * np.sin(2.0 * np.pi * x),
            0.0, 1.0, 2.0 * np.pi, 4.0 * np.pi ** 2),
    "wave": (lambda x: np.sin(3.0 * x) + 0.5 * x, lambda x: 3.0 * np.cos(3.0 * x) + 0.5,
             -2.0, 2.0, 3.5, 9.0),                                      # |3 cos 3x + 1/2| <= 3.5
    "gauss": (lambda x: np.exp(-x ** 2) + 0.5, lambda x: -2.0 * x * np.exp(-x ** 2),
              -2.0, 2.0, math.sqrt(2.0 / math.e), 2.0),                 # max |2x e^{-x^2}|, |f''(0)| = 2
}
# Every check below compares with a bound that is a theorem for the construction the prompt asks
# for (autograder/assignments/backprop/bumps.py derives each); ROUND_OFF only absorbs float64
# round-off of sums of up to 1024 bumps (< 1e-12). Deterministic: false-fail probability 0.
ROUND_OFF = 1e-9
# Steep bumps (k h = 60): at a centre every other bump weighs at most 2 e^{-30} in all, so
# g(c_i) = f(c_i) to ~1e-12. Heights taken at the left edges are off by > 0.05; n_bumps - 1 bumps
# by > 0.05; a k that is not the given one (a fixed k = 50 where k = 180 is asked) by 7e-4.
CENTRE_KH = 60.0
# Pointwise bound |g - f| <= L (|x - c_j| + h sum_i sigma(-k |x - e_i|)) on this grid of n and k h.
# Closed outer edges (sigma(k(x - lo)) = 1/2 at x = lo) are off by |f(lo)|/2 at x = lo: above the
# bound on every target at n = 64, k h = 32.
BOUND_GRID = ((4, 16, 64), (0.5, 2.0, 8.0, 32.0))
BOUND_POINTS = 2001
# "k must grow at least in proportion to n": with k h = 2 fixed the sup error is between
# h (|f'(lo)| A_n(2) - M2 h B(2)) (the first-order error at x = lo) and L h (3/2 + ln 2): it falls
# exactly like 1/n (the wave target: f'(lo) = 3.38; n err = 8.6 against bounds 8.45 and 30.7 at
# n = 256). Catches a k rescaled by n inside cybenko_approx (steeper bumps: n err = 6.8 < 8.45).
RATE_TARGET, RATE_KH, RATE_NS = "wave", 2.0, (16, 64, 256)
# "With k fixed the error plateaus": |sup err - sup |g_inf - f|| <= L h (1 + k (hi - lo)/16), and
# sup |g_inf - f| = 0.41 for the wave target at k = 5 (g_inf by 400-node Gauss-Legendre).
PLATEAU_TARGET, PLATEAU_K, PLATEAU_NS = "wave", 5.0, (256, 1024)
PLATEAU_POINTS = 801


def sigmoid_bump_formula(sigmoid_bump) -> None:
    """Check sigmoid_bump(x, a, b, k) against sigma(k(x - a)) - sigma(k(x - b)) on a grid of [-3, 3]
    for several (a, b, k), including open edges a = -inf and b = +inf."""
    f = student(sigmoid_bump, "sigmoid_bump")
    x = np.linspace(-3.0, 3.0, 241)
    for a, b, k in ((-0.5, 0.5, 1.0), (-1.0, 2.0, 10.0), (0.25, 0.75, 200.0), (-math.inf, 0.3, 5.0),
                    (-0.3, math.inf, 5.0), (-math.inf, math.inf, 3.0)):
        call = f"sigmoid_bump(x, {a}, {b}, {k})"
        got = as_array(f(x, a, b, k), call)
        want = expit(k * (x - a)) - expit(k * (x - b))
        if got.shape == want.shape and not np.all(np.isfinite(got)):
            raise CheckFailed(f"{call} contains NaN/inf values. With a = -inf (or b = +inf) the sigmoid "
                              "must give 1 (or 0): 1 / (1 + np.exp(-z)) does; np.exp(z) / (1 + np.exp(z)) "
                              "gives inf/inf = nan. scipy.special.expit is safe too.")
        if got.shape == want.shape and not np.allclose(got, want, atol=BUMP_ATOL, rtol=0):
            if np.allclose(got, expit(k * (x - a)) + expit(k * (x - b)), atol=1e-9):
                raise CheckFailed(f"{call} adds the two sigmoids. A bump is a step up at a minus a step "
                                  "up at b.")
            if np.allclose(got, expit(x - a) - expit(x - b), atol=1e-9):
                raise CheckFailed(f"{call} ignores k: the steepness multiplies the distance to the edge, "
                                  "so the ramps have width about 1/k.")
        expect_close(got, want, BUMP_ATOL, call, x,
                     hint="a bump is the difference of two sigmoid units of input weight k, one switching on "
                          "(value 1/2) at a, the other at b.")


def _approximation(cybenko_approx, name: str, n: int, k: float):
    """g = cybenko_approx(target, lo, hi, n, k), as a callable, and the call's text."""
    lo, hi = TARGETS[name][2:4]
    call = f"cybenko_approx(f, {lo}, {hi}, n_bumps={n}, k={k:.6g})"
    g = student(cybenko_approx, "cybenko_approx")(LibraryCall(LAB, "bump_target", (name,)), lo, hi, n, k)
    expect(isinstance(g, Handle), f"{call} should return a function of x, but returned {g!r:.80}")
    return student(g, call), call


def _errors(g, call: str, f, x: np.ndarray) -> np.ndarray:
    got = as_array(g(x), f"{call}(x)")
    expect(got.shape == x.shape and bool(np.all(np.isfinite(got))),
           f"{call}(x) should be finite with x's shape {x.shape}; got shape {got.shape}.")
    return np.abs(got - f(x))


def cybenko_interpolates_centres(cybenko_approx) -> None:
    """Check that with steep bumps (k h = 60) the approximation equals f at every bump centre
    (the height that makes the worst-case error of steep bumps smallest)."""
    for name, (f, _, lo, hi, lipschitz, _) in TARGETS.items():
        for n in (3, 8, 20, 1):      # n = 1 last: its left and right edges may give the same f
            h = (hi - lo) / n
            g, call = _approximation(cybenko_approx, name, n, CENTRE_KH / h)
            centres = lo + h * (np.arange(n) + 0.5)
            got = as_array(g(centres), f"{call}(centres)")
            tol = float(bumps.error_bound(centres, lo, hi, n, CENTRE_KH / h, lipschitz).max()) + ROUND_OFF
            left, right = f(lo + h * np.arange(n)), f(lo + h * np.arange(1, n + 1))
            for edge, heights in (("left edge lo + i h", left), ("right edge lo + (i + 1) h", right)):
                if (got.shape == centres.shape and np.allclose(got, heights, atol=1e-6)
                        and not np.allclose(left, right, atol=1e-6)):
                    raise CheckFailed(f"{call} takes the height of bump i at its {edge}. For steep bumps g is "
                                      "f(p_i) on the whole cell i, so the worst error is L max |x - p_i| over the "
                                      "cell: which point p_i makes that smallest?")
            expect_close(got, f(centres), tol, f"{call} at the bump centres lo + (i + 1/2) h", centres,
                         hint=f"with k h = {CENTRE_KH:g} the bumps are steep, so g is f(p_i) on cell i; the "
                              "error L max |x - p_i| is smallest at the cell's centre. Use n_bumps bumps of "
                              "width h = (hi - lo) / n_bumps and the given k.")


def _partition_hint(cybenko_approx, lo: float, hi: float, n: int, k: float) -> str:
    """If the bumps do not sum to 1 at the ends of [lo, hi], say so (with the sums)."""
    one = PiecewiseLinear(np.array([lo - 1.0, hi + 1.0]), np.array([1.0, 1.0]))
    call = f"cybenko_approx(f = 1, {lo}, {hi}, {n}, {k:.6g})"
    g = student(cybenko_approx, "cybenko_approx")(one, lo, hi, n, k)
    ends = as_array(student(g, call)(np.array([lo, hi])), f"{call}(x)") if isinstance(g, Handle) else None
    if ends is None or ends.shape != (2,) or np.allclose(ends, 1.0, atol=1e-6):
        return ""
    return (f" Your bumps sum to {ends[0]:.4g} at x = lo and {ends[1]:.4g} at x = hi instead of 1: the first bump "
            "must never switch on and the last never switch off (an edge at lo gives sigma(0) = 1/2 at x = lo).")


def cybenko_error_bound(cybenko_approx) -> None:
    """Check the derived pointwise bound |g(x) - f(x)| <= L (|x - c_j| + h sum_i sigma(-k |x - e_i|))
    on [lo, hi] for n_bumps in (4, 16, 64) and k h in (0.5, 2, 8, 32), on three smooth targets."""
    for name, (f, _, lo, hi, lipschitz, _) in TARGETS.items():
        x = np.linspace(lo, hi, BOUND_POINTS)
        for n in BOUND_GRID[0]:
            h = (hi - lo) / n
            for kh in BOUND_GRID[1]:
                g, call = _approximation(cybenko_approx, name, n, kh / h)
                err = _errors(g, call, f, x)
                bound = bumps.error_bound(x, lo, hi, n, kh / h, lipschitz) + ROUND_OFF
                if np.all(err <= bound):
                    continue
                worst = int(np.argmax(err - bound))
                raise CheckFailed(
                    f"{call} is off by {err[worst]:.4g} at x = {x[worst]:.6g}, above the bound "
                    f"L (|x - c_j| + h sum_i sigma(-k |x - e_i|)) = {bound[worst]:.4g} (h = {h:.4g}, k h = {kh:g}, "
                    f"L = {lipschitz:.4g}) that every sum of bumps with these edges and centre heights obeys."
                    + _partition_hint(cybenko_approx, lo, hi, n, kh / h))


def cybenko_error_falls_like_1_over_n(cybenko_approx) -> None:
    """Check that with k h = 2 fixed (k growing in proportion to n_bumps) the sup error falls like
    1/n_bumps: between the derived first-order error at x = lo and L h (3/2 + ln 2), at n = 16, 64, 256."""
    f, fprime, lo, hi, lipschitz, curvature = TARGETS[RATE_TARGET]
    x = np.linspace(lo, hi, BOUND_POINTS)
    errors = []
    for n in RATE_NS:
        h = (hi - lo) / n
        g, call = _approximation(cybenko_approx, RATE_TARGET, n, RATE_KH / h)
        err = float(_errors(g, call, f, x).max())
        errors.append(err)
        lower = bumps.end_error_lower_bound(float(fprime(lo)), curvature, lo, hi, n, RATE_KH)
        upper = bumps.sup_bound(h, RATE_KH / h, lipschitz) + ROUND_OFF
        expect(lower - ROUND_OFF <= err <= upper,
               f"With k h = {RATE_KH:g} fixed (k grows in proportion to n_bumps), {call} has sup error {err:.5g}; "
               f"theory puts it between {lower:.5g} (the first-order error at x = lo, f'(lo) h (1/2 + sum_m "
               f"sigma(-{RATE_KH:g} m)) minus the remainder) and {upper:.5g} = L (3h/2 + 2 ln 2 / k): it falls like "
               f"1/n_bumps, no faster and no slower. Errors so far for n_bumps = {list(RATE_NS[:len(errors)])}: "
               f"{[f'{e:.4g}' for e in errors]}. Use the k you are given for every bump (not one rescaled with n).")


def cybenko_error_plateaus(cybenko_approx) -> None:
    """Check that with k fixed the sup error does not go to 0 as n_bumps grows: it is within
    L h (1 + k (hi - lo)/16) of sup |g_inf - f|, g_inf(x) = f(lo) + int f'(e) sigma(k (x - e)) de."""
    f, fprime, lo, hi, lipschitz, _ = TARGETS[PLATEAU_TARGET]
    x = np.linspace(lo, hi, PLATEAU_POINTS)
    limit = float(np.max(np.abs(bumps.smoothed_limit(x, float(f(lo)), fprime, lo, hi, PLATEAU_K) - f(x))))
    for n in PLATEAU_NS:
        g, call = _approximation(cybenko_approx, PLATEAU_TARGET, n, PLATEAU_K)
        err = float(_errors(g, call, f, x).max())
        slack = bumps.plateau_distance(lo, hi, n, PLATEAU_K, lipschitz) + ROUND_OFF
        expect(abs(err - limit) <= slack,
               f"With k = {PLATEAU_K:g} fixed, {call} has sup error {err:.5g}. As n_bumps grows with k fixed the sum "
               f"of bumps tends to a smoothed f, g_inf(x) = f(lo) + int f'(e) sigma(k (x - e)) de, whose error is "
               f"{limit:.5g}: the error should plateau within {slack:.3g} of it (the bumps' ramps, of width about "
               "1/k, do not get narrower). Use the k you are given for every bump, whatever n_bumps is.")


# == backprop_q3: J by hand =======================================================================
# The graph t = x^2, u1 = sin t, u2 = a t, u = u1 + u2, J = cos u + b t as an expression program
# (node 0 = x, 1 = t, 2 = u1, 3 = u2, 4 = u, 5 = cos u, 6 = b t, 7 = J), evaluated and
# differentiated by the forward-mode oracle (oracle.py; tests/backprop checks it against
# torch.autograd). Float64 on both sides: agreement to ~1e-15 relative; 1e-10 (relative to
# max(1, |value|)) leaves five orders of magnitude. Every listed mistake is off by > 1e-3 at some
# graded point. Deterministic: false-fail probability 0.
J_RTOL = 1e-10
J_NODES = {"t": 1, "u1": 2, "u2": 3, "u": 4, "J": 7}
J_ADJOINTS = {"dJ_du": 4, "dJ_du1": 2, "dJ_du2": 3, "dJ_dt": 1, "dJ_dx": 0}
# (a, b): the lecture's graph, then two others, so that neither 3 nor the missing t -> J edge can
# be hard-coded; x on both sides of 0 and at 0.
J_PARAMETERS = ((3.0, 0.0), (1.5, 0.7), (-2.0, 1.3))
J_POINTS = (-2.1, -1.3, -0.4, 0.0, 0.3, 0.9, 1.7, 2.4)


def j_program(a: float, b: float) -> list:
    return [("pow", 0, 2.0), ("sin", 1), ("mul_c", 1, float(a)), ("add", 2, 3), ("cos", 4),
            ("mul_c", 1, float(b)), ("add", 5, 6)]


def j_oracle(x: float, a: float = 3.0, b: float = 0.0) -> dict:
    """Forward values and adjoints of the graph, from the forward-mode oracle."""
    program = j_program(a, b)
    values, adjoints = oracle.evaluate([x], program), oracle.adjoints([x], program)
    return {**{k: float(values[i]) for k, i in J_NODES.items()},
            **{k: float(adjoints[i]) for k, i in J_ADJOINTS.items()}}


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= J_RTOL * max(1.0, abs(want))


def _j_values(forward_backward_J, x: float, a: float, b: float) -> dict:
    call = f"forward_backward_J({x:.6g}, a={a:g}, b={b:g})"
    got = student(forward_backward_J, "forward_backward_J")(float(x), a=float(a), b=float(b))
    expect(isinstance(got, dict) and all(k in got for k in J_KEYS),
           f"{call} should return a dict with keys {list(J_KEYS)}.")
    return {k: as_number(got[k], f"{call}[{k!r}]") for k in J_KEYS}


def forward_values_J(forward_backward_J) -> None:
    """Check t, u1, u2, u, J at 8 points for 3 parameter pairs (a, b), to 1e-10."""
    for a, b in J_PARAMETERS:
        for x in J_POINTS:
            got, want = _j_values(forward_backward_J, x, a, b), j_oracle(x, a, b)
            for key in J_NODES:
                expect(_close(got[key], want[key]),
                       f"forward_backward_J({x:.6g}, a={a:g}, b={b:g})[{key!r}] should be {want[key]:.12g}, got "
                       f"{got[key]:.12g}. Forward pass: t = x^2, u1 = sin t, u2 = a t, u = u1 + u2, J = cos u + b t.")


def _adjoint_slip(key: str, got: float, want: dict, x: float, a: float, b: float) -> str:
    """A hint naming the usual slip, when the wrong number matches one."""
    t, u = want["t"], want["u"]
    contributions = {"u1": want["dJ_du1"] * math.cos(t), "u2": want["dJ_du2"] * a, "J": b}
    if key == "dJ_du" and _close(got, math.sin(u)):
        return " The derivative of cos is -sin: the sign is missing."
    if key in ("dJ_du1", "dJ_du2") and (_close(got, want["dJ_du"] * math.cos(t)) or _close(got, a * want["dJ_du"])):
        return (" The factor cos(t) or a is the local derivative of an edge leaving t, so it belongs to dJ/dt; "
                "u = u1 + u2 has local derivative 1 on both edges.")
    if key == "dJ_dt":
        for used in (("u1",), ("u2",), ("J",), ("u1", "u2"), ("u1", "J"), ("u2", "J")):
            if _close(got, sum(contributions[n] for n in used)) and not _close(got, want[key]):
                return (f" t is used by three nodes (u1, u2 and J); your number is the contribution of "
                        f"{' and '.join(used)} only: the adjoint of a node used several times is the SUM of one "
                        "contribution per use (accumulate with +=, not =).")
    if key == "dJ_dx" and _close(got, x * want["dJ_dt"]):
        return " dt/dx = 2x, not x."
    return ""


def adjoints_J(forward_backward_J) -> None:
    """Check the adjoints in reverse order (dJ/du, dJ/du1, dJ/du2, dJ/dt, dJ/dx) at 8 points for 3
    parameter pairs against the oracle's forward-mode derivatives, to 1e-10, naming the usual slip."""
    for a, b in J_PARAMETERS:
        for x in J_POINTS:
            got, want = _j_values(forward_backward_J, x, a, b), j_oracle(x, a, b)
            for key in J_ADJOINTS:
                if not _close(got[key], want[key]):
                    raise CheckFailed(
                        f"forward_backward_J({x:.6g}, a={a:g}, b={b:g})[{key!r}] should be {want[key]:.12g} "
                        f"(d J / d {key[3:]}), got {got[key]:.12g}." + _adjoint_slip(key, got[key], want, x, a, b))


# == backprop_q4: Value ===========================================================================
# Relative tolerance 1e-10 (issue): float64 on both sides; the programs keep |values| and |local
# derivatives| <= 30 and at most ~35 nodes, so round-off differences between any two correct
# implementations stay below 1e-13 relative (measured against torch.autograd in tests/backprop:
# max 4e-15). Every mistake tested is off by more than 1e-3 on some program.
VALUE_RTOL = 1e-10
UNARY_POINTS = (-1.2, -0.3, 0.4, 1.1)
BINARY_POINTS = ((0.8, -1.3), (-0.6, 0.7), (1.5, 2.0))
CONSTANT_POINTS = ((0.7, 2.0), (-1.1, -0.5), (1.6, 3.0))
POW_POINTS = ((0.7, 2.0), (1.6, 3.0), (-1.2, 2.0), (0.8, -1.0), (1.3, 0.5), (0.6, 1.5))
RANDOM_PROGRAMS = 30
# The edge points the docstrings fix: Value.relu "the derivative at 0 is taken as 0", Value.sigmoid
# "without overflow for large |self|". Exact for any implementation that follows them: relu(0) = 0,
# relu'(0) = 0; sigma(1000) = 1.0, sigma(-1000) = 0.0 and sigma' = 0.0 after float64 rounding
# (e^{-1000} underflows to 0). Deterministic: false-fail probability 0. Catches relu'(0) = 1 (> 0
# instead of >= 0), and a sigmoid that evaluates e^{-z} for very negative z or e^{z} for very large z
# (math.exp(1000) raises OverflowError): one formula for all z, or the two stable branches swapped.
SIGMOID_OVERFLOW_HINT = (" Value.sigmoid must not overflow for large |self|: math.exp(1000) raises OverflowError. "
                         "Only ever take the exponential of -|z| (1 / (1 + e^{-z}) for z >= 0, and an equivalent "
                         "form for z < 0).")
EDGE_CASES = (([0.0], [("relu", 0)], " Value.relu's docstring takes the derivative at 0 as 0 (1 only for "
                                     "self.data > 0)."),
              ([1000.0], [("sigmoid", 0)], SIGMOID_OVERFLOW_HINT),
              ([-1000.0], [("sigmoid", 0)], SIGMOID_OVERFLOW_HINT))
RANDOM_SEED = 20261201


def _mismatch(got: list, want: np.ndarray) -> list:
    got = np.asarray(got, dtype=np.float64)
    return [i for i in range(len(want)) if not abs(got[i] - want[i]) <= VALUE_RTOL * max(1.0, abs(want[i]))]


def _program_text(inputs, program, limit: int = 40) -> str:
    from shared.backprop_lab import describe_program

    lines = describe_program(inputs, program).splitlines()
    if len(lines) > limit:
        lines = lines[:limit // 2] + [f"... ({len(lines) - limit} lines)"] + lines[-limit // 2:]
    return "\n    ".join(lines)


def _uses(program, node: int) -> int:
    return sum(1 for step in program for k, operand in enumerate(step[1:]) if isinstance(operand, int)
               and (k == 0 or step[0] in oracle.BINARY_OPS) and operand == node)


TOPOLOGICAL_HINT = (" A node used several times gets one contribution per use: accumulate with += in every "
                    "local rule (never =), and let backward() run each node's local rule exactly once, after "
                    "every node that uses it (reverse topological order of a depth-first search from the "
                    "output); visiting a shared node twice, or before all its users are done, gives wrong grads.")
COMPOSED_HINT = (" If this operation is built from others (a - b = a + (-b), a / b = a * b**-1), their nodes must "
                 "pass their grads on too: backward() runs every node's rule in reverse topological order.")


def _check_program(Value, inputs, program, hint: str, failed_hint: str = "") -> None:
    result = run_value_program(Value, inputs, program, hint=failed_hint)
    n = len(inputs)
    data, grads = oracle.evaluate(inputs, program), oracle.adjoints(inputs, program)
    text = _program_text(inputs, program)
    bad = _mismatch(result["data"], data)
    if bad:
        k = bad[0]
        raise CheckFailed(f"In the graph\n    {text}\nthe value of {_name(k, n)} should be {data[k]:.12g}, "
                          f"got {result['data'][k]:.12g}. Check the forward computation of that operation.")
    bad = _mismatch(result["grad"], grads)
    if bad:
        k = max(bad)   # the wrong node closest to the output
        if all(g == 0 for g in result["grad"]):
            hint = " backward() must start with the output's grad = 1, then run the local rules."
        elif _uses(program, k) > 1:
            hint = f" {_name(k, n)} is used {_uses(program, k)} times." + hint
        raise CheckFailed(f"In the graph\n    {text}\nafter {_name(len(data) - 1, n)}.backward(), "
                          f"{_name(k, n)}.grad should be {grads[k]:.12g}, got {result['grad'][k]:.12g}." + hint)


def _name(k: int, n: int) -> str:
    return f"x{k}" if k < n else f"v{k}"


def value_local_rules(Value) -> None:
    """Check each operation alone (inputs used once): the output's data and every input's grad
    against the local rules, at several points, and at the edge points the docstrings name (relu at 0,
    sigmoid at -1000 and 1000)."""
    cases = [([a], [("pow", 0, c)]) for a, c in POW_POINTS]      # first: other rules may be built on it
    for op in oracle.UNARY_OPS:
        cases += [([a], [(op, 0)]) for a in UNARY_POINTS]
    for op in oracle.BINARY_OPS:
        cases += [([a, b], [(op, 0, 1)]) for a, b in BINARY_POINTS]
    for op in oracle.CONSTANT_OPS[1:]:
        cases += [([a], [(op, 0, c)]) for a, c in CONSTANT_POINTS]
    for inputs, program in cases:
        _check_program(Value, inputs, program, f" The local rule: {oracle.RULES[program[0][0]]}." + COMPOSED_HINT)
    for inputs, program, hint in EDGE_CASES:
        _check_program(Value, inputs, program, hint, failed_hint=hint)


SHARED_PROGRAMS = [
    ([1.5], [("mul", 0, 0)]),                                                   # x * x: 2x
    ([-0.7], [("add", 0, 0)]),                                                  # x + x: 2
    ([0.9], [("mul", 0, 0), ("sin", 1), ("cos", 1), ("add", 2, 3)]),            # diamond, shared interior node
    ([0.5, -0.8], [("tanh", 0), ("mul", 2, 1), ("add", 3, 2), ("mul", 4, 2), ("exp", 5)]),  # used three times
    ([0.6], [("exp", 0), ("sin", 1), ("cos", 2), ("mul", 3, 1)]),               # paths of lengths 1 and 3
    ([0.4, 1.3], [("sin", 0)]),                                                 # x1 unused: grad 0
    ([0.3], [("mul_c", 0, 0.5)] + [("add", k, 0) for k in range(1, 151)]),      # x used 151 times, depth 151
]


def value_shared_nodes(Value) -> None:
    """Check graphs where a node is used several times (x*x, x+x, a diamond, paths of different
    lengths, a deep chain) and an unused input (grad stays 0)."""
    for inputs, program in SHARED_PROGRAMS:
        _check_program(Value, inputs, program, TOPOLOGICAL_HINT)


def value_random_graphs(Value) -> None:
    """Check 30 random programs (1-3 inputs, 8-30 steps, shared subexpressions): every node's data
    and grad against forward-mode derivatives, to 1e-10 relative."""
    rng = np.random.default_rng(RANDOM_SEED)
    for _ in range(RANDOM_PROGRAMS):
        inputs, program = oracle.random_program(rng, int(rng.integers(1, 4)), int(rng.integers(8, 31)))
        _check_program(Value, inputs, program, TOPOLOGICAL_HINT)


# == backprop_q5: vanishing gradients =============================================================
DEPTH, WIDTH, GRADIENT_SEEDS = 12, 32, tuple(range(8))   # 32 calls of ~5 ms
# Slopes of ln ||dL/dW_l|| per layer going from the output towards the input (shared.backprop_lab.
# log_slope), mean over the 8 GRADIENT_SEEDS. The contract fixes every distribution (init, data), so
# every correct implementation draws the slope from the same law; another one, or another RNG
# order, is another draw. Per seed, over 400 seeds for each of the reference and three independent
# implementations (tests/backprop/records.py, alternatives.py), mean +- sd (worst seed of 1600):
#   sigmoid/default -1.98 +- 0.030 (-1.87)    sigmoid/he -1.20 +- 0.037 (-1.09)
#   relu/default    -0.758 +- 0.045 (-0.607)   relu/he    -0.014 +- 0.028 (+0.100)
# Each limit is more than 7.9 per-seed standard deviations from the mean, 22 for the 8-seed mean:
# false-fail odds < 1e-100 under a normal approximation (and no single seed of 1600 is within 3 sd
# of a limit). Theory: the backward signal is multiplied per layer by W^T diag(sigma'),
# |sigma'| <= 1/4 and ||W||_op ~ 2/sqrt(3) at default init, so sigmoid/default falls by at least
# ln(0.29) = -1.24 per layer.
SIGMOID_DEFAULT_MAX_SLOPE = -1.25   # catches: activation ignored (relu: -0.76), order reversed (+1.98)
SIGMOID_HE_MAX_SLOPE = -0.6         # He init does not rescue sigmoid (2 E[sigma'^2] <= 1/8)
RELU_HE_MAX_ABS_SLOPE = 0.25        # catches: 'he' ignored (-0.76), std 2/n instead of sqrt(2/n)
RELU_DEFAULT_MAX_SLOPE = -0.4       # catches: He init used for 'default' (about 0)
# Mean over layers of ln ||dL/dW_l||, He minus default, ReLU: per seed 9.31 .. 9.40 +- 1.03 .. 1.12
# for the four implementations (worst seed of 1600: 6.25); the 8-seed mean has sd <= 0.40, so the
# limit 5.5 is 9.5 of its standard deviations below: false-fail odds < 1e-20 (normal
# approximation; the per-seed distribution is symmetric, skewness 0.0). Theory: default init
# shrinks the forward and the backward signal by about sqrt(1/6) per layer, He keeps both.
# Catches a mis-scaled He init (std 2/fan_in instead of sqrt(2/fan_in): gap about -6; Xavier's
# Var 1/fan_in: gap 3.4 +- 0.35 per seed, 3.4 +- 0.12 for 8 seeds): without biases every layer's
# gradient shrinks by the same factor, so the slope stays near 0 and only the scale shows it. A loss
# scaled by a constant (sum instead of mean) scales every norm alike and cancels in slopes and gaps.
RELU_HE_MIN_LOG_GAP = 5.5


def _slopes(gradient_norms_by_layer, activation: str, init: str) -> tuple:
    f = student(gradient_norms_by_layer, "gradient_norms_by_layer")
    slopes, means, first = [], [], None
    for seed in GRADIENT_SEEDS:
        call = f"gradient_norms_by_layer({DEPTH}, {WIDTH}, {activation!r}, {init!r}, {seed})"
        got = f(DEPTH, WIDTH, as_sent(activation), as_sent(init), seed)
        expect(isinstance(got, (list, tuple)) and len(got) == DEPTH,
               f"{call} should return a list of {DEPTH} norms (one per layer); got {got!r:.100}.")
        norms = np.array([as_number(v, f"{call}[{i}]") for i, v in enumerate(got)])
        expect(bool(np.all(np.isfinite(norms) & (norms > 0))),
               f"{call} returned {np.round(norms, 6).tolist()}: norms must be positive and finite.")
        logs = np.log(norms)
        slopes.append(float(np.polyfit(np.arange(DEPTH)[::-1].astype(float), logs, 1)[0]))
        means.append(float(logs.mean()))
        first = first if first is not None else norms
    return float(np.mean(slopes)), first, float(np.mean(means))


def _norms_text(norms: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:.2e}" for v in norms) + "]"


def sigmoid_gradients_vanish(gradient_norms_by_layer) -> None:
    """Check that for sigmoid nets (depth 12, width 32) ln ||dL/dW_l|| falls by more than 1.25 per
    layer going from the output back to the input at default init, and by more than 0.6 at He init."""
    for init, limit in (("default", SIGMOID_DEFAULT_MAX_SLOPE), ("he", SIGMOID_HE_MAX_SLOPE)):
        slope, norms, _ = _slopes(gradient_norms_by_layer, "sigmoid", init)
        hint = ""
        if slope > 0:
            hint = (" Your norms grow towards the input: return them in layer order, the layer next to the input "
                    "first and the output layer last.")
        expect(slope <= limit,
               f"Sigmoid net, {init} init: ln ||dL/dW|| should fall by more than {-limit} per layer going from the "
               f"output back to the input (each layer multiplies the backward signal by W^T diag(sigma'), with "
               f"|sigma'| <= 1/4); measured slope {slope:.3f} per layer. Norms (seed 0, input layer first): "
               f"{_norms_text(norms)}." + hint)


def relu_he_gradients_steady(gradient_norms_by_layer) -> None:
    """Check that for ReLU nets the log-norm slope per layer is within 0.25 of 0 at He init and
    below -0.4 at default init, and that He init's gradients are larger than default init's by a
    factor of at least e^6 (mean of ln-norms over the layers, 8 seeds)."""
    he_slope, he_norms, he_mean = _slopes(gradient_norms_by_layer, "relu", "he")
    expect(abs(he_slope) <= RELU_HE_MAX_ABS_SLOPE,
           f"ReLU net, He init: gradient norms should stay level across layers (He init makes "
           f"Var(w) = 2/fan_in, which cancels E[relu'^2] = 1/2); measured slope {he_slope:.3f} per layer. "
           f"Norms (seed 0): {_norms_text(he_norms)}. Hint: nn.init.kaiming_normal_(weight, nonlinearity='relu') "
           "(std sqrt(2/fan_in)) and zero biases; 'default' is PyTorch's own nn.Linear init.")
    slope, norms, mean = _slopes(gradient_norms_by_layer, "relu", "default")
    expect(slope <= RELU_DEFAULT_MAX_SLOPE,
           f"ReLU net, default init: PyTorch's nn.Linear init has Var(w) = 1/(3 fan_in), so the backward signal "
           f"shrinks by about sqrt(1/6) per layer; the log-norm should fall by more than {-RELU_DEFAULT_MAX_SLOPE} "
           f"per layer towards the input, measured {slope:.3f}. Norms (seed 0): {_norms_text(norms)}. "
           "Keep PyTorch's init for 'default'.")
    expect(he_mean - mean >= RELU_HE_MIN_LOG_GAP,
           f"ReLU net: with He init the forward and backward signals keep their size, with the default init "
           f"both shrink layer after layer, so He init's gradients should be far larger: the mean of "
           f"ln ||dL/dW_l|| is {he_mean:.2f} (He) vs {mean:.2f} (default), a gap of {he_mean - mean:.2f} < "
           f"{RELU_HE_MIN_LOG_GAP}. He init: weights N(0, 2/fan_in), i.e. std sqrt(2/fan_in) "
           "(nn.init.kaiming_normal_(weight, nonlinearity='relu')), and zero biases. Norms with He init "
           f"(seed 0): {_norms_text(he_norms)}.")


# The whole law at depth 2 (sigmoid, default init, width 32): the mean over the 8 GRADIENT_SEEDS of
# ln ||dL/dW_1|| and of ln ||dL/dW_2||. The contract fixes every distribution, so every correct
# implementation draws these from one law, sampled independently in numpy by gradients.log_norms
# (400000 draws; records.py and test_oracles.py check it against torch: the reference and three
# independent implementations agree with it within 1 standard error over 400 seeds each): per draw
# -3.3057 +- 0.0558 and -1.1120 +- 0.1260 (skewness 0.26 and -0.23, excess kurtosis 0.27 and 0.10).
# The tolerances are 7.6 and 7.4 standard deviations of the 8-seed mean (0.0197, 0.0446; the largest
# of 50000 simulated 8-seed means is 4.8 sd away): false-fail odds < 1e-9 (normal approximation with
# an Edgeworth skewness factor < 10, both layers). The depth-12 slopes above do not see what the
# level sees: catches an activation after the last Linear layer (layer 1 -1.4 from the mean), the
# activation before the last layer left out (+1.6), a loss that is not mean((net(x) - y)^2): a sum
# (both + 7.6), mean(net(x) - y) or any loss linear in the output (-0.78), cubes (+0.97),
# mean((net(x) y)^2) (-0.46), residuals modulo y (-0.54) or divided by y (+9.8).
LEVEL_DEPTH = 2
LEVEL_MEAN = (-3.3057, -1.1120)
LEVEL_SD = (0.0558, 0.1260)
LEVEL_TOLERANCE = (0.15, 0.33)


def gradient_norms_match_law(gradient_norms_by_layer) -> None:
    """Check the level of the norms, not only their slope: for a depth-2 sigmoid net (width 32,
    default init) the mean over 8 seeds of ln ||dL/dW_l|| is where the contract's law puts it
    (sampled independently in numpy), for both layers."""
    f = student(gradient_norms_by_layer, "gradient_norms_by_layer")
    logs = []
    for seed in GRADIENT_SEEDS:
        call = f"gradient_norms_by_layer({LEVEL_DEPTH}, {WIDTH}, 'sigmoid', 'default', {seed})"
        got = f(LEVEL_DEPTH, WIDTH, as_sent("sigmoid"), as_sent("default"), seed)
        expect(isinstance(got, (list, tuple)) and len(got) == LEVEL_DEPTH,
               f"{call} should return a list of {LEVEL_DEPTH} norms (one per layer); got {got!r:.100}.")
        norms = np.array([as_number(v, f"{call}[{i}]") for i, v in enumerate(got)])
        expect(bool(np.all(np.isfinite(norms) & (norms > 0))),
               f"{call} returned {norms.tolist()}: norms must be positive and finite.")
        logs.append(np.log(norms))
    mean = np.mean(logs, axis=0)
    off = mean - np.array(LEVEL_MEAN)
    if np.all(np.abs(off) <= np.array(LEVEL_TOLERANCE)):
        return
    hint = (" Build Linear, Sigmoid, Linear (an activation between Linear layers, none after the last) and "
            "take the loss ((net(x) - y) ** 2).mean() over all 64 x width entries, x and y drawn with "
            "torch.randn(64, width) after the net.")
    if abs(off[0] - off[1]) < 0.3 and abs(off[0]) > 1.0:
        hint = (f" Both layers are off by the same factor e^{off[0]:.2f}: is the loss scaled (a sum instead of "
                "the mean over the 64 x width entries)?" + hint)
    raise CheckFailed(
        f"For gradient_norms_by_layer({LEVEL_DEPTH}, {WIDTH}, 'sigmoid', 'default', seed), seeds 0-7, the mean "
        f"of ln ||dL/dW_l|| is {mean[0]:.3f} (layer 1) and {mean[1]:.3f} (layer 2). For the net and loss of the "
        f"contract it is {LEVEL_MEAN[0]:.3f} and {LEVEL_MEAN[1]:.3f} (simulated independently; a mean of 8 "
        f"seeds lies within {LEVEL_TOLERANCE[0]} and {LEVEL_TOLERANCE[1]} of them).{hint}")


# == backprop_q6, backprop_q7: pretraining ========================================================
N_TRAIN = 1297
PRETRAIN_EPOCHS = 10
# Reconstruction MSE after 10 epochs relative to the variance baseline (predicting the mean). Per
# seed, 40 seeds for each of the reference and three independent implementations (records.py):
# stage 1 (64 -> 32) 0.204 +- 0.015 (worst 0.246), stage 2 (32 -> 16 on the codes) 0.35 +- 0.055
# (worst 0.479). The limits are >= 19.6 and >= 8.9 standard deviations away: false-fail odds
# < 1e-18 (normal approximation). Catches: training the decoder only (ratio 0.84 on stage 1), plain
# SGD at lr 1e-2 (1.9), no training (> 1).
STAGE_MAX_RATIO = (0.5, 0.85)
# Each stage must at least halve its own loss: every recorded run ends at 0.053 of its start or less
# (mean 0.045 +- 0.003, > 100 sd from 0.5).
STAGE_MAX_FRACTION_OF_START = 0.5
# Structural checks of the stack (freezing, seeds) compare parameters bit for bit: 2 epochs are enough.
FREEZE_EPOCHS = 2
# Ridge probe (closed form, lambda = 1e-2) on the first 50 labelled codes, test on the last 500:
# the gap between the pretrained codes and random sigmoid encoders (mean of 3). Over 40 seeds of the
# reference: 0.369 +- 0.034 (worst 0.296); the limit 0.1 is 7.8 sd away (odds < 1e-14, normal
# approximation). Moreover, while q7 is graded the grader's own train_autoencoder_layer is
# substituted, so a correct greedy_pretrain reproduces the reference stack at the graded seed (up to
# float32 round-off in the codes) and the gap is the reference's there. Catches an encoder that
# never learned (default-init layers: gap about 0, tests/backprop).
PROBE_LABELS = 50
PROBE_RIDGE = 1e-2
MIN_PROBE_GAP = 0.1


def digits() -> dict:
    """The digits as the student side receives them (float32 pixels), as float64 numpy arrays."""
    images, labels = digits_arrays()
    x = images.astype(np.float32).astype(np.float64)
    return {"X_train": x[:N_TRAIN], "y_train": labels[:N_TRAIN], "X_test": x[N_TRAIN:], "y_test": labels[N_TRAIN:]}


def _f32(array: np.ndarray) -> np.ndarray:
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def _stage(train_autoencoder_layer, codes: np.ndarray, width: int, seed: int, label: str) -> NetSpec:
    encoder, decoder, losses, call = autoencoder_parts(train_autoencoder_layer, codes, width, PRETRAIN_EPOCHS, seed)
    mse = reconstruction_mse(encoder, decoder, codes)
    expect(abs(mse - losses[-1]) <= LOSS_RTOL * mse,
           f"{label}: the last reported loss is {losses[-1]:.6g}, but the returned encoder and decoder "
           f"reconstruct the codes with mean squared error {mse:.6g}. Report the loss on ALL the codes after "
           "each epoch (mean over samples and coordinates), not the last minibatch's.")
    expect(losses[-1] <= STAGE_MAX_FRACTION_OF_START * losses[0],
           f"{label} should lower its own reconstruction loss: it went from {losses[0]:.4g} (before training) to "
           f"{losses[-1]:.4g}; expected at most half the start after {PRETRAIN_EPOCHS} epochs of Adam (lr 1e-2, "
           "minibatches of 64).")
    baseline = float(np.mean((codes - codes.mean(axis=0)) ** 2))
    limit = STAGE_MAX_RATIO[0 if label.startswith("Stage 1") else 1]
    expect(mse <= limit * baseline,
           f"{label}: reconstruction error {mse:.4g} is more than {limit} x the error of predicting the mean "
           f"code ({baseline:.4g}); after {PRETRAIN_EPOCHS} epochs an autoencoder should do much better. Train "
           "encoder AND decoder with Adam (lr 1e-2), minibatches of 64, MSE loss.")
    return encoder


def autoencoder_stage_losses(train_autoencoder_layer) -> None:
    """Check stage 1 (digits, 64 -> 32) and stage 2 (its codes, 32 -> 16): each lowers its own
    reconstruction loss, far below predicting the mean, and reports the loss of what it returns."""
    x = digits()["X_train"]
    first = _stage(train_autoencoder_layer, x, 32, 11, "Stage 1 (digits, width 32)")
    codes = _f32(forward(first, x))
    _stage(train_autoencoder_layer, codes, 16, 12, "Stage 2 (codes of stage 1, width 16)")


# One epoch over n equal codes c (adam.py): every minibatch has the gradient of c alone, so a correct
# loop makes exactly ceil(n / 64) Adam steps (lr 1e-2) from its initial networks, which the grader
# replays in float64 from train_autoencoder_layer(codes, width, 0, seed) (the same seed gives the same
# networks: they are built before any permutation is drawn). n = 127 and 129 give 2 and 3 steps;
# minibatches of 63 or 65 would give 3 and 2. Compared: the float64 reconstruction MSE of c after the
# student's epoch and after the replay, relative to the replay's decrease. Float32 against float64:
# at most 5.1e-7 of the decrease (tests/backprop/records.py: 40 seeds x both n for the reference and
# three independent implementations; 200 more seeds of the reference: parameters within 7e-8). A
# coordinate whose gradient is within float32 round-off of 0 may take its first Adam step (+-lr) the
# other way, which moves the MSE by about (2 lr)^2 |d2l/dp2| / 2 < 1e-3 of the decrease. So the
# tolerance 0.02 has no false fails (deterministic up to round-off: probability 0). Catches (measured,
# fraction of the decrease): an empty minibatch in the loop (a zero-gradient step still moves Adam:
# 0.16-0.62), a minibatch skipped or added (0.31-0.46), examples left out at the start of each epoch
# (0.31), the last partial minibatch dropped, the optimizer stepping once per epoch.
SAME_CODE_SHAPE = (6, 3)                  # (dim, width)
SAME_CODE_NS = (127, 129)
SAME_CODE_SEED = 13
SAME_CODE_RTOL = 0.02


def _same_code() -> np.ndarray:
    return _f32(np.random.default_rng(8).uniform(0.2, 0.9, SAME_CODE_SHAPE[0]))


def _autoencoder_params(encoder: NetSpec, decoder: NetSpec) -> list:
    return [encoder.linear_layers[0].weight, encoder.linear_layers[0].bias, decoder.layers[0].weight,
            decoder.layers[0].bias]


def autoencoder_adam_steps(train_autoencoder_layer) -> None:
    """Check the training loop exactly: with all n codes equal, one epoch is ceil(n / 64) Adam steps
    (lr 1e-2) on the loss of that one code, replayed here in float64 from the student's own initial
    networks (epochs = 0), for n = 127 and 129."""
    c = _same_code()
    dim, width = SAME_CODE_SHAPE
    loss = lambda params: adam.autoencoder_loss(params, c)
    for n in SAME_CODE_NS:
        codes = np.tile(c, (n, 1))
        start = _autoencoder_params(*autoencoder_parts(train_autoencoder_layer, codes, width, 0, SAME_CODE_SEED)[:2])
        encoder, decoder, _, call = autoencoder_parts(train_autoencoder_layer, codes, width, 1, SAME_CODE_SEED)
        steps, first, want, got, decrease = adam.equal_examples_epoch(
            start, _autoencoder_params(encoder, decoder), loss, n, 64)
        expect(abs(got - want) <= SAME_CODE_RTOL * decrease,
               f"{call} with all {n} codes equal to one vector c: every minibatch then has the loss and gradient of "
               f"c alone, so one epoch in minibatches of 64 is exactly ceil({n}/64) = {steps} Adam steps (lr 1e-2) "
               f"from your initial networks (train_autoencoder_layer(codes, {width}, 0, {SAME_CODE_SEED})). After "
               f"them the reconstruction MSE of c is {want:.6g} (replayed in float64; it starts at {first:.6g}); "
               f"your networks give {got:.6g}. Each epoch must go through one permutation in consecutive "
               "minibatches of 64 (the last one smaller): every example once, no empty minibatch, one "
               "optimizer step per minibatch.")


def pretrain_freezes_earlier_layers(train_autoencoder_layer, greedy_pretrain) -> None:
    """Check that greedy_pretrain's first stage is train_autoencoder_layer(data, widths[0], epochs,
    seed) bit for bit, and that the second stage leaves layer 1 bit-identical (frozen)."""
    data = LibraryCall(LAB, "digits_training_images")
    g = student(greedy_pretrain, "greedy_pretrain")
    seed, epochs = 21, FREEZE_EPOCHS
    one = as_net(g(data, [32], epochs, seed), f"greedy_pretrain(X, [32], {epochs}, {seed})")
    expect_encoder(one, [(64, 32)], f"greedy_pretrain(X, [32], {epochs}, {seed})")
    stage = student(train_autoencoder_layer, "train_autoencoder_layer")(data, 32, epochs, seed)
    expect(isinstance(stage, (tuple, list)) and len(stage) == 3, "train_autoencoder_layer should return 3 things.")
    stage = as_net(stage[0], "train_autoencoder_layer(...)[0]")
    expect(same_layer(one.linear_layers[0], stage.linear_layers[0]),
           f"greedy_pretrain(X, [32], {epochs}, {seed}) should give exactly the encoder of "
           f"train_autoencoder_layer(X, 32, {epochs}, {seed}) (stage s uses seed + s, so stage 0 uses seed), but the "
           "weights differ. Build each layer inside its own stage, with train_autoencoder_layer.")
    two = as_net(g(data, [32, 16], epochs, seed), f"greedy_pretrain(X, [32, 16], {epochs}, {seed})")
    expect_encoder(two, [(64, 32), (32, 16)], f"greedy_pretrain(X, [32, 16], {epochs}, {seed})")
    expect(same_layer(one.linear_layers[0], two.linear_layers[0]),
           "Layer 1 of greedy_pretrain(X, [32, 16], ...) differs from layer 1 of greedy_pretrain(X, [32], ...) with "
           "the same seed: stage 2 changed layer 1 (or stage 1 depends on the later widths). Freeze the earlier "
           "layers: compute the codes once, without tracking gradients, and train only the new layer and its "
           "decoder on them; build the new layer in its own stage, seeded with seed + s.")


# Stage s is train_autoencoder_layer(codes, widths[s], epochs, seed + s). With epochs = 0 nothing is
# trained, so each layer of the stack is the initial encoder drawn after torch.manual_seed(seed + s),
# whatever the codes are: comparable bit for bit with train_autoencoder_layer(any codes of that
# dimension, width, 0, seed + s) (while q7 is graded that is the reference function, so the stack is
# deterministic). Deterministic: false-fail probability 0. Catches every other seed for the later
# stages (seed - s, seed * 2^s, ...; the seed is odd so that seed | 1 and seed ^ 1 differ from seed + 1).
SEED_CHECK_WIDTHS, SEED_CHECK_SEED = (32, 16, 8), 21


def pretrain_stage_seeds(train_autoencoder_layer, greedy_pretrain) -> None:
    """Check that stage s uses seed + s: with epochs = 0 every layer of greedy_pretrain(X, [32, 16, 8],
    0, 21) is bit for bit the initial encoder of train_autoencoder_layer(codes, widths[s], 0, 21 + s)."""
    call = f"greedy_pretrain(X, {list(SEED_CHECK_WIDTHS)}, 0, {SEED_CHECK_SEED})"
    net = as_net(student(greedy_pretrain, "greedy_pretrain")(LibraryCall(LAB, "digits_training_images"),
                                                                list(SEED_CHECK_WIDTHS), 0, SEED_CHECK_SEED), call)
    dims = (64,) + SEED_CHECK_WIDTHS[:-1]
    expect_encoder(net, list(zip(dims, SEED_CHECK_WIDTHS)), call)
    stage = student(train_autoencoder_layer, "train_autoencoder_layer")
    for s, (dim, width) in enumerate(zip(dims, SEED_CHECK_WIDTHS)):
        got = stage(TensorArg(np.full((4, dim), 0.5), "float32"), width, 0, SEED_CHECK_SEED + s)
        expect(isinstance(got, (tuple, list)) and len(got) == 3, "train_autoencoder_layer should return 3 things.")
        initial = as_net(got[0], "train_autoencoder_layer(...)[0]")
        expect(same_layer(net.linear_layers[s], initial.linear_layers[0]),
               f"Layer {s + 1} of {call} (no training: epochs = 0) should be exactly the initial encoder of "
               f"train_autoencoder_layer(codes, {width}, 0, {SEED_CHECK_SEED + s}): stage s uses the seed seed + s "
               f"= {SEED_CHECK_SEED} + {s}, but the weights differ. Call train_autoencoder_layer(codes, widths[s], "
               "epochs, seed + s) for stage s.")


def ridge_probe_accuracy(train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray,
                         test_labels: np.ndarray) -> float:
    """Accuracy of argmax of [codes, 1] W, W = argmin ||[codes, 1] W - onehot||^2 + lambda ||W||^2."""
    a = np.hstack([train_codes, np.ones((len(train_codes), 1))])
    w = np.linalg.solve(a.T @ a + PROBE_RIDGE * np.eye(a.shape[1]), a.T @ np.eye(10)[train_labels])
    scores = np.hstack([test_codes, np.ones((len(test_codes), 1))]) @ w
    return float(np.mean(scores.argmax(axis=1) == test_labels))


def random_sigmoid_encoder(rng: np.random.Generator, widths, dim: int = 64) -> NetSpec:
    """(Linear, Sigmoid) layers with PyTorch's default init U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    parameters rounded to float32."""
    layers = []
    for width in widths:
        bound = 1.0 / math.sqrt(dim)
        layers += [LayerSpec("linear", "Linear", _f32(rng.uniform(-bound, bound, (width, dim))),
                             _f32(rng.uniform(-bound, bound, width)), "torch.float32"),
                   LayerSpec("sigmoid", "Sigmoid")]
        dim = width
    return NetSpec(layers)


def probe_gap(encoder: NetSpec, d: dict, rng: np.random.Generator) -> tuple:
    """(probe accuracy on the encoder's codes, mean probe accuracy on 3 random sigmoid encoders)."""
    def probe(net: NetSpec) -> float:
        return ridge_probe_accuracy(forward(net, d["X_train"][:PROBE_LABELS]), d["y_train"][:PROBE_LABELS],
                                    forward(net, d["X_test"]), d["y_test"])

    widths = [layer.weight.shape[0] for layer in encoder.linear_layers]
    return probe(encoder), float(np.mean([probe(random_sigmoid_encoder(rng, widths)) for _ in range(3)]))


def pretrained_codes_help(greedy_pretrain) -> None:
    """Check that a linear probe (ridge regression, 50 labels) on the codes of greedy_pretrain(X,
    [32, 16], 10, seed) beats the same probe on random sigmoid encoders by at least 0.1 accuracy."""
    seed = 31
    call = f"greedy_pretrain(X, [32, 16], {PRETRAIN_EPOCHS}, {seed})"
    net = as_net(student(greedy_pretrain, "greedy_pretrain")(LibraryCall(LAB, "digits_training_images"), [32, 16],
                                                                PRETRAIN_EPOCHS, seed), call)
    expect_encoder(net, [(64, 32), (32, 16)], call)
    pretrained, random = probe_gap(net, digits(), np.random.default_rng(4242))
    expect(pretrained >= random + MIN_PROBE_GAP,
           f"A linear probe trained on {PROBE_LABELS} labelled digits reaches {pretrained:.3f} test accuracy on the "
           f"codes of your pretrained encoder and {random:.3f} on random sigmoid encoders: pretraining should "
           f"help by at least {MIN_PROBE_GAP} (it typically gives +0.35). Check that each stage trains on the "
           "codes of the layers before it and that the trained encoder layers are the ones returned.")


# == backprop_q8: fine-tuning =====================================================================
# Reported accuracy vs our float64 forward of the returned model: a float32 logit is within ~1e-5 of
# its float64 value here, so only a test digit whose two largest logits are within 2e-5 can change
# its argmax. Over 160 recorded runs (records.py) the smallest top-two gap among the 500 test digits
# averages 0.017, i.e. gaps have a density of about 1/(500 * 0.017) = 0.12 per unit near 0: a digit
# flips with probability < 3e-6, and 3 flips in one run (the tolerance allows 2) have odds < 1e-9.
ACCURACY_ATOL = 2.0 / 500
FINETUNE_LABELS = 100
# Fine-tuning all layers of a random [64 -> 32 -> 16] sigmoid encoder on all 1297 labels for 10
# epochs: test accuracy 0.894 +- 0.011 (worst 0.872) per seed over 40 seeds for each of the reference
# and three independent implementations; the limit 0.7 is 18 sd away (odds < 1e-70, normal
# approximation). Catches a head that does not train (about 0.1), labels misaligned with the images
# (0.1), a wrong loss.
MIN_FULL_ACCURACY = 0.7
DIGITS = LibraryCall(LAB, "load_digits_split")


def _finetune(finetune, encoder, n_labels: int, epochs: int, seed: int, data=DIGITS, **kwargs) -> tuple:
    """(model, accuracy, call) of a student call; ``encoder`` is a NetSpec or a kept handle of one."""
    extra = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    call = f"finetune(encoder, data, {n_labels}, {epochs}, {seed}{extra})"
    got = student(finetune, "finetune")(encoder, data, n_labels, epochs, seed, **kwargs)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (model, accuracy).")
    model = as_net(got[0], f"{call}[0]")
    kinds = [layer.kind for layer in model.layers]
    want = ["linear", "sigmoid", "linear", "sigmoid", "linear"]
    expect(kinds == want and model.layers[-1].weight.shape == (10, 16),
           f"{call}[0] should be the encoder's layers then nn.Linear(16, 10); its layers are {kinds}.")
    return model, as_number(got[1], f"{call}[1]"), call


def _check_encoder() -> NetSpec:
    return random_sigmoid_encoder(np.random.default_rng(777), [32, 16])


def finetune_reports_accuracy(finetune) -> None:
    """Check that the returned accuracy is the returned model's accuracy on the test digits
    (recomputed here with a float64 forward pass)."""
    d = digits()
    model, accuracy, call = _finetune(finetune, _check_encoder(), FINETUNE_LABELS, 5, 41)
    mine = float(np.mean(forward(model, d["X_test"]).argmax(axis=1) == d["y_test"]))
    expect(abs(mine - accuracy) <= ACCURACY_ATOL,
           f"{call} reports test accuracy {accuracy:.4f}, but the returned model classifies {mine:.4f} of the "
           "500 test digits correctly. Report the accuracy of the returned model on data['X_test'], "
           "data['y_test'] (the fraction of argmax predictions equal to the labels).")


def finetune_uses_first_labels(finetune) -> None:
    """Check that finetune(..., n_labels=100, ...) reads only the first 100 training examples: with
    the rest replaced by noise and random labels it returns the same model and accuracy."""
    encoder = _check_encoder()
    scrambled = LibraryCall(LAB, "load_digits_split", (FINETUNE_LABELS, 99))
    clean_model, clean_acc, call = _finetune(finetune, encoder, FINETUNE_LABELS, 3, 53)
    noisy_model, noisy_acc, _ = _finetune(finetune, encoder, FINETUNE_LABELS, 3, 53, data=scrambled)
    same = clean_acc == noisy_acc and all(same_layer(a, b) for a, b in zip(clean_model.linear_layers,
                                                                            noisy_model.linear_layers))
    expect(same, f"{call} changed when only the training examples after the first {FINETUNE_LABELS} were altered "
                 f"(accuracy {clean_acc:.4f} vs {noisy_acc:.4f}): it must train on data['X_train'][:n_labels] "
                 "and data['y_train'][:n_labels] only (the other examples count as unlabelled), and be "
                 "deterministic for a given seed (torch.manual_seed(seed) first).")


def finetune_freeze_flag(finetune) -> None:
    """Check, on the very encoder object passed in, that train_encoder=False trains the head only
    (the model's encoder layers stay bit-identical) and train_encoder=True fine-tunes them, and that
    the caller's encoder is left unchanged both times."""
    f = student(finetune, "finetune")
    kept = f.keep(_check_encoder())
    before = as_net(f.inspect(kept), "the encoder passed to finetune")
    frozen, _, call = _finetune(finetune, kept, FINETUNE_LABELS, 3, 61, train_encoder=False)
    expect(all(same_layer(a, b) for a, b in zip(before.linear_layers, frozen.linear_layers[:-1])),
           f"{call} changed the encoder's parameters: with train_encoder=False only the new head is trained "
           "(give the optimizer only the head's parameters).")
    expect_encoder_kept(f, kept, before, call)
    tuned, _, call = _finetune(finetune, kept, FINETUNE_LABELS, 3, 61, train_encoder=True)
    expect(not same_layer(before.linear_layers[0], tuned.linear_layers[0]),
           f"{call} left the encoder's first layer unchanged: with train_encoder=True every layer is fine-tuned "
           "(give the optimizer all the model's parameters).")
    expect_encoder_kept(f, kept, before, call)


def finetune_learns(finetune) -> None:
    """Check that fine-tuning a random [64 -> 32 -> 16] sigmoid encoder on all 1297 labels for 10
    epochs reaches at least 0.8 test accuracy."""
    _, accuracy, call = _finetune(finetune, _check_encoder(), N_TRAIN, 10, 71)
    expect(accuracy >= MIN_FULL_ACCURACY,
           f"{call} reaches {accuracy:.3f} test accuracy; with all {N_TRAIN} labels and every layer trained it "
           f"should reach {MIN_FULL_ACCURACY} (typically 0.89). Use cross-entropy on the 10 logits, Adam (lr 1e-2), "
           "minibatches of 32, and the labels of the same examples as the images.")


# One epoch over n_labels equal examples (adam.py): every minibatch has the cross-entropy gradient of
# that one example, so a correct loop makes exactly ceil(n_labels / 32) Adam steps (lr 1e-2) on all
# parameters from its initial model, which the grader replays in float64 from finetune(..., epochs=0,
# seed) (the head is drawn right after torch.manual_seed(seed), before any permutation). n_labels = 64
# and 65 give 2 and 3 steps; minibatches of 31 or 33 would give 3 and 2. Compared: the float64
# cross-entropy of the example after the student's epoch and after the replay, relative to the
# replay's decrease. Float32 against float64: at most 2.6e-7 of the decrease (records.py: 40 seeds x
# both n for the reference and three independent implementations, 200 seeds of the reference);
# a first Adam step taken the other way on a coordinate whose gradient is within round-off of 0 moves
# it by far less than the tolerance (see SAME_CODE_RTOL). Deterministic: false-fail probability 0.
# Catches (fraction of the decrease): an empty minibatch (0.16-0.63), a minibatch skipped or added
# (0.32-0.49), the first example of each permutation left out (0.32).
SAME_EXAMPLE_NS = (64, 65)
SAME_EXAMPLE_SEED = 83
SAME_EXAMPLE_RTOL = 0.02


def _same_example_data(n: int, d: dict) -> dict:
    """n copies of the first training digit (label included), and 20 test digits."""
    return {"X_train": TensorArg(np.tile(d["X_train"][0], (n, 1)), "float32"),
            "y_train": TensorArg(np.full(n, d["y_train"][0], dtype=np.int64), "int64"),
            "X_test": TensorArg(d["X_test"][:20], "float32"), "y_test": TensorArg(d["y_test"][:20], "int64")}


def _model_params(model: NetSpec) -> list:
    return [array for layer in model.linear_layers for array in (layer.weight, layer.bias)]


def finetune_adam_steps(finetune) -> None:
    """Check the training loop exactly: with all n_labels examples equal, one epoch is
    ceil(n_labels / 32) Adam steps (lr 1e-2) on that example's cross-entropy, replayed here in float64
    from the student's own initial model (epochs = 0), for n_labels = 64 and 65."""
    d = digits()
    x, label = d["X_train"][0], int(d["y_train"][0])
    loss = lambda params: adam.classifier_loss(params, x, label)
    f = student(finetune, "finetune")
    for n in SAME_EXAMPLE_NS:
        models = []
        for epochs in (0, 1):
            call = f"finetune(Linear(64, 5) + Sigmoid, {n} copies of one digit, {n}, {epochs}, {SAME_EXAMPLE_SEED})"
            got = f(small_encoder(), _same_example_data(n, d), n, epochs, SAME_EXAMPLE_SEED)
            expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (model, accuracy).")
            model = as_net(got[0], f"{call}[0]")
            expect([layer.kind for layer in model.layers] == ["linear", "sigmoid", "linear"]
                   and model.layers[-1].weight.shape == (10, 5),
                   f"{call}[0] should be the encoder's layers then nn.Linear(5, 10).")
            models.append(_model_params(model))
        steps, first, want, got, decrease = adam.equal_examples_epoch(models[0], models[1], loss, n, 32)
        expect(abs(got - want) <= SAME_EXAMPLE_RTOL * decrease,
               f"{call} with all {n} training examples equal: every minibatch then has the loss and gradient of that "
               f"one example, so one epoch in minibatches of 32 is exactly ceil({n}/32) = {steps} Adam steps (lr 1e-2) "
               f"from your initial model (the same call with epochs = 0). After them the example's cross-entropy is "
               f"{want:.6g} (replayed in float64; it starts at {first:.6g}); your model gives {got:.6g}. Each epoch "
               "must go through one permutation of the n_labels examples in consecutive minibatches of 32 (the last "
               "one smaller): every example once, no empty minibatch, one optimizer step per minibatch.")
