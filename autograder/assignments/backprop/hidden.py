r"""Hidden checks of `backprop`: every answer is compared with theory, never with our solution.

Oracles (all computed here with numpy/scipy, independently of the student's code and of the
reference solution; the grading process never imports torch):

* bumps: sigma(k(x - a)) - sigma(k(x - b)) with scipy's ``expit``; for the sum of bumps with
  open outer edges, sup |g - f| <= omega_f(h) + osc_f * 2 e^{-kh/2} / (1 - e^{-kh}) on [lo, hi]
  (derived in the notebook), with omega_f(h) <= L h for an L-Lipschitz f and osc_f <= L (hi - lo);
* J = cos(sin(x^2) + 3x^2): forward values and adjoints from the closed forms
  dJ/du = -sin u, dJ/du1 = dJ/du2 = dJ/du, dJ/dt = dJ/du (cos t + 3), dJ/dx = 2x dJ/dt;
* Value: random expression programs differentiated by forward mode (``oracle.py``);
  tests/backprop checks that oracle against torch.autograd in float64;
* gradient norms: slopes of log-norms per layer against the theory of |sigma'| <= 1/4 and He init;
* pretraining / fine-tuning: digits loaded here from scikit-learn, networks evaluated with our own
  float64 forward pass, a closed-form ridge probe, and bit-for-bit comparisons of parameters.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from autograder.checking import (
    CheckFailed, Handle, LayerSpec, LibraryCall, NetSpec, TensorArg, as_array, as_net, expect, expect_close,
    forward, student,
)
from autograder.assignments.backprop import oracle
from autograder.assignments.backprop.public import J_KEYS, LAB, as_number, expect_encoder, run_value_program

# == backprop_q1: bumps ===========================================================================
# The bump formula is evaluated in float64 on both sides; any correct formula (expit, 1/(1+e^-z),
# (1 + tanh(z/2))/2) agrees to ~1e-16. A wrong sign, a missing k or a shifted bump is off by > 0.1.
BUMP_ATOL = 1e-12
# Targets (the same formulas as shared.backprop_lab.bump_target): f, lo, hi, Lipschitz constant L.
TARGETS = {
    "cos": (lambda x: np.cos(2.0 * np.pi * x), 0.0, 1.0, 2.0 * np.pi),
    "wave": (lambda x: np.sin(3.0 * x) + 0.5 * x, -2.0, 2.0, 3.5),             # |3 cos 3x + 1/2| <= 3.5
    "gauss": (lambda x: np.exp(-x ** 2) + 0.5, -2.0, 2.0, math.sqrt(2.0 / math.e)),  # max |2x e^{-x^2}|
}
# At the centres with kh = 60 every other bump contributes at most osc * 2 e^{-30} / (1 - e^{-60})
# (< 1e-11 here); 1e-9 forgives float round-off of sums of up to 20 bumps. Heights taken at the
# left edges or n_bumps - 1 bumps are off by > 0.05; a k that is not used (a fixed k = 50 where
# k = 180 is asked) by 7e-4. Deterministic: false-fail probability 0.
CENTRE_KH = 60.0
CENTRE_ATOL = 1e-9
# The bound is proved for every x in [lo, hi]; 1e-9 only absorbs round-off. The reference stays a
# factor 2 or more below it (kh >= 16) and far below it for small kh (the tail term is loose there).
# Closed outer edges (sigma(k(x - lo)) = 1/2 at x = lo) are off by |f(lo)|/2 >= 0.25 at x = lo,
# above the bound for every target at n = 64, kh = 64 (bound <= 0.22).
BOUND_SLACK = 1e-9
BOUND_GRID = ((4, 16, 64), (1.0, 4.0, 16.0, 64.0))
# Along k h = 20 the error is omega(h)-like: log-log slope -1 in theory; the reference measures
# -0.96 (cos), -0.86 (wave, n = 4 is pre-asymptotic), -1.00 (gauss) on n = 4..128. Deterministic.
RATE_KH = 20.0
RATE_NS = (4, 8, 16, 32, 64, 128)
RATE_WINDOW = (-1.3, -0.7)


def _tail(kh: float) -> float:
    """sum over far bumps: 2 e^{-kh/2} / (1 - e^{-kh})."""
    return 2.0 * math.exp(-kh / 2.0) / (-math.expm1(-kh))


def sigmoid_bump_formula(sigmoid_bump) -> None:
    """Check sigmoid_bump(x, a, b, k) = sigma(k(x - a)) - sigma(k(x - b)) on a grid of [-3, 3] for
    several (a, b, k), including open edges a = -inf and b = +inf."""
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
                                  "up at b: sigma(k(x - a)) - sigma(k(x - b)).")
            if np.allclose(got, expit(x - a) - expit(x - b), atol=1e-9):
                raise CheckFailed(f"{call} ignores k: the steepness multiplies the shift, "
                                  "sigma(k (x - a)), so the ramps have width about 1/k.")
        expect_close(got, want, BUMP_ATOL, call, x,
                     hint="sigmoid_bump(x, a, b, k) = sigma(k(x - a)) - sigma(k(x - b)), "
                          "sigma(z) = 1 / (1 + e^{-z}).")


def _approximation(cybenko_approx, name: str, n: int, kh: float):
    """g = cybenko_approx(target, lo, hi, n, k) with k = kh / h, as a callable."""
    f, lo, hi, lipschitz = TARGETS[name]
    k = kh * n / (hi - lo)
    call = f"cybenko_approx(f, {lo}, {hi}, n_bumps={n}, k={k:.6g})"
    g = student(cybenko_approx, "cybenko_approx")(LibraryCall(LAB, "bump_target", (name,)), lo, hi, n, k)
    expect(isinstance(g, Handle), f"{call} should return a function of x, but returned {g!r:.80}")
    return student(g, call), call


def cybenko_interpolates_centres(cybenko_approx) -> None:
    """Check that with steep bumps (k h = 60) the approximation equals f at every bump centre
    lo + (i + 1/2) h, i = 0..n_bumps - 1 (heights are f at the centres, n_bumps bumps of width h)."""
    for name, (f, lo, hi, lipschitz) in TARGETS.items():
        for n in (1, 3, 8, 20):
            g, call = _approximation(cybenko_approx, name, n, CENTRE_KH)
            h = (hi - lo) / n
            centres = lo + h * (np.arange(n) + 0.5)
            got = as_array(g(centres), f"{call}(centres)")
            tol = lipschitz * (hi - lo) * _tail(CENTRE_KH) + CENTRE_ATOL
            if got.shape == centres.shape and np.allclose(got, f(lo + h * np.arange(n)), atol=1e-6):
                raise CheckFailed(f"{call} takes the height of bump i at its left edge lo + i h. Take it at "
                                  "the centre, f(lo + (i + 1/2) h): then |f(c_i) - f(x)| <= omega(h/2) on the "
                                  "whole bump instead of omega(h).")
            expect_close(got, f(centres), tol, f"{call} at the bump centres lo + (i + 1/2) h", centres,
                         hint=f"with k h = {CENTRE_KH:g} the bumps are steep, so g(c_i) must equal f(c_i): "
                              "use n_bumps bumps with edges lo + i h (h = (hi - lo) / n_bumps), the outer "
                              "edges opened to -inf and +inf, heights f(c_i), and the given k.")


def cybenko_error_bound(cybenko_approx) -> None:
    """Check sup |g - f| on [lo, hi] <= L h + osc 2 e^{-kh/2} / (1 - e^{-kh}) for n_bumps in
    (4, 16, 64) and k h in (1, 4, 16, 64), on three smooth targets."""
    for name, (f, lo, hi, lipschitz) in TARGETS.items():
        x = np.linspace(lo, hi, 4001)
        for n in BOUND_GRID[0]:
            for kh in BOUND_GRID[1]:
                g, call = _approximation(cybenko_approx, name, n, kh)
                h = (hi - lo) / n
                got = as_array(g(x), f"{call}(x)")
                expect(got.shape == x.shape and bool(np.all(np.isfinite(got))),
                       f"{call}(x) should be finite with x's shape {x.shape}; got shape {got.shape}.")
                err = np.abs(got - f(x))
                bound = lipschitz * h + lipschitz * (hi - lo) * _tail(kh) + BOUND_SLACK
                if err.max() > bound:
                    worst = int(np.argmax(err))
                    hint = ""
                    if worst in (0, len(x) - 1) and abs(got[worst] - f(x[worst]) / 2) < 0.1 * abs(f(x[worst])):
                        hint = (f" At x = {x[worst]:g} (an end of the interval) g is about f/2: the bumps must "
                                "sum to 1 on all of [lo, hi], so open the first bump to the left (a = -inf) "
                                "and the last to the right (b = +inf); with an edge at lo, sigma(k(x - lo)) "
                                "is only 1/2 at x = lo.")
                    raise CheckFailed(
                        f"{call} is off by {err.max():.4g} at x = {x[worst]:.6g}, above the bound "
                        f"omega(h) + osc * 2e^(-kh/2)/(1 - e^(-kh)) = {bound:.4g} (h = {h:.4g}, k h = {kh:g}, "
                        f"omega(h) <= L h with L = {lipschitz:.4g})." + hint)


def cybenko_error_falls(cybenko_approx) -> None:
    """Check that with k = 20 / h the sup error falls at every doubling of n_bumps (4..128) and
    like 1/n_bumps (log-log slope in RATE_WINDOW)."""
    for name, (f, lo, hi, lipschitz) in TARGETS.items():
        x = np.linspace(lo, hi, 8001)
        errors = []
        for n in RATE_NS:
            g, call = _approximation(cybenko_approx, name, n, RATE_KH)
            errors.append(float(np.max(np.abs(as_array(g(x), f"{call}(x)") - f(x)))))
        expect(all(b < a for a, b in zip(errors, errors[1:])),
               f"On f = {name}, with k = 20/h, the sup error should fall each time n_bumps doubles; "
               f"errors for n_bumps = {list(RATE_NS)}: {[f'{e:.3g}' for e in errors]}.")
        slope = float(np.polyfit(np.log(RATE_NS), np.log(errors), 1)[0])
        expect(RATE_WINDOW[0] <= slope <= RATE_WINDOW[1],
               f"On f = {name}, with k = 20/h the sup error should fall like h ~ 1/n_bumps (log-log slope -1); "
               f"measured slope {slope:.2f} (errors {[f'{e:.3g}' for e in errors]}).")


# == backprop_q2: J by hand =======================================================================
# Closed forms in float64 against the student's float64 arithmetic: agreement to ~1e-15 relative;
# 1e-10 (relative to max(1, |value|)) as the issue asks. Every listed mistake is off by > 1e-3.
J_RTOL = 1e-10
J_POINTS = np.concatenate([np.linspace(-2.5, 2.5, 41), [0.0, 0.3, -1.7]])


def j_oracle(x: float) -> dict:
    t = x * x
    u1, u2 = math.sin(t), 3.0 * t
    u = u1 + u2
    dj_du = -math.sin(u)
    dj_dt = dj_du * (math.cos(t) + 3.0)
    return {"t": t, "u1": u1, "u2": u2, "u": u, "J": math.cos(u), "dJ_du": dj_du, "dJ_du1": dj_du,
            "dJ_du2": dj_du, "dJ_dt": dj_dt, "dJ_dx": 2.0 * x * dj_dt}


J_FORMULAS = {"t": "t = x^2", "u1": "u1 = sin(t)", "u2": "u2 = 3t", "u": "u = u1 + u2", "J": "J = cos(u)",
              "dJ_du": "dJ/du = -sin(u)", "dJ_du1": "dJ/du1 = dJ/du * du/du1 = dJ/du (u = u1 + u2)",
              "dJ_du2": "dJ/du2 = dJ/du * du/du2 = dJ/du",
              "dJ_dt": "dJ/dt = dJ/du1 * cos(t) + dJ/du2 * 3 (t feeds u1 AND u2: both contributions add up)",
              "dJ_dx": "dJ/dx = dJ/dt * 2x"}


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= J_RTOL * max(1.0, abs(want))


def _j_values(forward_backward_J, x: float) -> dict:
    got = student(forward_backward_J, "forward_backward_J")(float(x))
    expect(isinstance(got, dict) and all(k in got for k in J_KEYS),
           f"forward_backward_J({x:.6g}) should return a dict with keys {list(J_KEYS)}.")
    return {k: as_number(got[k], f"forward_backward_J({x:.6g})[{k!r}]") for k in J_KEYS}


def forward_values_J(forward_backward_J) -> None:
    """Check t, u1, u2, u, J against the closed forms at 44 points of [-2.5, 2.5], to 1e-10."""
    for x in J_POINTS:
        got, want = _j_values(forward_backward_J, x), j_oracle(float(x))
        for key in ("t", "u1", "u2", "u", "J"):
            expect(_close(got[key], want[key]),
                   f"forward_backward_J({x:.6g})[{key!r}] should be {want[key]:.12g} ({J_FORMULAS[key]}), "
                   f"got {got[key]:.12g}.")


def adjoints_J(forward_backward_J) -> None:
    """Check the adjoints in reverse order (dJ/du, dJ/du1, dJ/du2, dJ/dt, dJ/dx) against the closed
    forms at 44 points, to 1e-10, and name the usual slip when one is off."""
    for x in J_POINTS:
        got, want = _j_values(forward_backward_J, x), j_oracle(float(x))
        t, u = want["t"], want["u"]
        for key in ("dJ_du", "dJ_du1", "dJ_du2", "dJ_dt", "dJ_dx"):
            if _close(got[key], want[key]):
                continue
            message = (f"forward_backward_J({x:.6g})[{key!r}] should be {want[key]:.12g} ({J_FORMULAS[key]}), "
                       f"got {got[key]:.12g}.")
            if key == "dJ_du" and _close(got[key], math.sin(u)):
                message += " The derivative of cos is -sin: the sign is missing."
            elif key in ("dJ_du1", "dJ_du2") and (_close(got[key], want["dJ_du"] * math.cos(t))
                                                  or _close(got[key], 3.0 * want["dJ_du"])):
                message += (" The factor cos(t) or 3 is the local derivative of the edge from t, so it belongs "
                            "to dJ/dt; since u = u1 + u2, du/du1 = du/du2 = 1.")
            elif key == "dJ_dt" and (_close(got[key], want["dJ_du"] * math.cos(t))
                                     or _close(got[key], 3.0 * want["dJ_du"])):
                message += (" Only one of the two paths from t to J is counted: t is used by u1 and by u2, so "
                            "its adjoint is the SUM of both contributions (accumulate with +=, not =).")
            elif key == "dJ_dx" and _close(got[key], x * want["dJ_dt"]):
                message += " dt/dx = 2x, not x."
            raise CheckFailed(message)


# == backprop_q3: Value ===========================================================================
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


def _check_program(Value, inputs, program, hint: str) -> None:
    result = run_value_program(Value, inputs, program)
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
    against the local rules, at several points."""
    cases = [([a], [("pow", 0, c)]) for a, c in POW_POINTS]      # first: other rules may be built on it
    for op in oracle.UNARY_OPS:
        cases += [([a], [(op, 0)]) for a in UNARY_POINTS]
    for op in oracle.BINARY_OPS:
        cases += [([a, b], [(op, 0, 1)]) for a, b in BINARY_POINTS]
    for op in oracle.CONSTANT_OPS[1:]:
        cases += [([a], [(op, 0, c)]) for a, c in CONSTANT_POINTS]
    for inputs, program in cases:
        _check_program(Value, inputs, program, f" The local rule: {oracle.RULES[program[0][0]]}." + COMPOSED_HINT)


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


# == backprop_q4: vanishing gradients =============================================================
DEPTH, WIDTH, GRADIENT_SEEDS = 12, 32, tuple(range(8))   # 32 calls of ~5 ms
# Slopes of ln ||dL/dW_l|| per layer going from the output towards the input (shared.backprop_lab.
# log_slope), mean over the 8 GRADIENT_SEEDS. Reference, 300 seeds of one call each (depth 12, width 32):
#   sigmoid/default -1.979 +- 0.029 (range -2.06 .. -1.89)   sigmoid/he -1.207 +- 0.036
#   relu/default    -0.758 +- 0.042 (range -0.95 .. -0.63)   relu/he    -0.014 +- 0.027 (range -0.08 .. 0.10)
# Each threshold is more than 8 standard deviations of ONE call from the reference mean, 23 of the
# 8-seed mean (false-fail probability < 1e-15 under a normal approximation; 0 of 300 seeds close). Theory: the backward
# signal is multiplied per layer by W^T diag(sigma'), |sigma'| <= 1/4 and ||W||_op ~ 2/sqrt(3) at
# default init, so sigmoid/default falls by at least ln(0.29) = -1.24 per layer.
SIGMOID_DEFAULT_MAX_SLOPE = -1.25   # catches: activation ignored (relu: -0.76), order reversed (+1.98)
SIGMOID_HE_MAX_SLOPE = -0.6         # He init does not rescue sigmoid (2 E[sigma'^2] <= 1/8)
RELU_HE_MAX_ABS_SLOPE = 0.25        # catches: 'he' ignored (-0.76), std 2/n instead of sqrt(2/n)
RELU_DEFAULT_MAX_SLOPE = -0.4       # catches: He init used for 'default' (about 0)
# Mean over layers of ln ||dL/dW_l||, He minus default, ReLU: reference 9.40 +- 1.12 per seed (400
# seeds, min 6.25, skewness 0.0); the mean over the 8 graded seeds: 9.40 +- 0.41 (50 groups, min 8.06).
# Theory: default init shrinks the forward and the backward signal by about sqrt(1/6) per layer, He
# keeps both. The limit 6.0 is 8.2 standard deviations (of the 8-seed mean) below the reference.
# Catches a mis-scaled He init (std 2/fan_in instead of sqrt(2/fan_in): gap about -6; Xavier's
# Var 1/fan_in: gap 3.4 +- 0.35 per seed): without biases every layer's gradient shrinks by the
# same factor, so the slope stays near 0 and only the scale shows it. A loss scaled by a constant
# (sum instead of mean) scales every norm alike and cancels in both slopes and gaps.
RELU_HE_MIN_LOG_GAP = 6.0


def _slopes(gradient_norms_by_layer, activation: str, init: str) -> tuple:
    f = student(gradient_norms_by_layer, "gradient_norms_by_layer")
    slopes, means, first = [], [], None
    for seed in GRADIENT_SEEDS:
        call = f"gradient_norms_by_layer({DEPTH}, {WIDTH}, {activation!r}, {init!r}, {seed})"
        got = f(DEPTH, WIDTH, activation, init, seed)
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


# == backprop_q5: pretraining =====================================================================
N_TRAIN = 1297
PRETRAIN_EPOCHS = 10
# Reconstruction MSE after 10 epochs relative to the variance baseline (predicting the mean),
# reference over 30 seeds: stage 1 (64 -> 32) 0.205 +- 0.014 (max 0.244); stage 2 (32 -> 16 on the
# codes) 0.363 +- 0.069 (max 0.567). The limits are 21 and 7 standard deviations away. Catches:
# training the decoder only (ratio 0.84 on stage 1), plain SGD at lr 1e-2 (1.9), no training (> 1).
STAGE_MAX_RATIO = (0.5, 0.85)
# Each stage must at least halve its own loss (reference: 0.34 -> 0.008 and 0.42 -> 0.01).
STAGE_MAX_FRACTION_OF_START = 0.5
# The reported final loss must be the returned autoencoder's: our float64 recomputation differs
# from the student's float32 mean by ~1e-6 relative (measured < 1e-5); 1e-3 catches a loss
# reported on the last minibatch (off by 5-30%) or summed instead of averaged (x 64).
LOSS_RTOL = 1e-3
# Ridge probe (closed form, lambda = 1e-2) on the first 50 labelled codes, test on the last 500.
# Reference over 30 seeds: pretrained codes 0.734 +- 0.027, gap to random sigmoid encoders (mean of 3)
# 0.356 +- 0.037 (min 0.279). The limit 0.1 is 6.9 standard deviations away. Catches an encoder
# that never learned (default-init layers: gap about 0, tests/backprop). A safety net: the mistakes
# we tried (pre-activation codes, one seed for all stages, one epoch for stage 2) still give good codes.
PROBE_LABELS = 50
PROBE_RIDGE = 1e-2
MIN_PROBE_GAP = 0.1


def digits() -> dict:
    """scikit-learn's digits, pixels / 16, rounded to float32 as the student side receives them."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.data / 16.0).astype(np.float32).astype(np.float64)
    y = data.target.astype(np.int64)
    return {"X_train": x[:N_TRAIN], "y_train": y[:N_TRAIN], "X_test": x[N_TRAIN:], "y_test": y[N_TRAIN:]}


def _f32(array: np.ndarray) -> np.ndarray:
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def _stage(train_autoencoder_layer, codes: np.ndarray, width: int, seed: int, label: str) -> NetSpec:
    dim = codes.shape[1]
    call = f"train_autoencoder_layer(codes of shape {codes.shape}, {width}, {PRETRAIN_EPOCHS}, {seed})"
    got = student(train_autoencoder_layer, "train_autoencoder_layer")(
        TensorArg(codes, "float32"), width, PRETRAIN_EPOCHS, seed)
    expect(isinstance(got, (tuple, list)) and len(got) == 3,
           f"{call} should return (encoder, decoder, losses); got {got!r:.100}")
    encoder, decoder, losses = as_net(got[0], f"{call}[0]"), as_net(got[1], f"{call}[1]"), got[2]
    expect_encoder(encoder, [(dim, width)], f"{call}[0] (the encoder)")
    expect([l.kind for l in decoder.layers] == ["linear"] and decoder.layers[0].weight.shape == (dim, width),
           f"{call}[1] should be nn.Linear({width}, {dim}) (the decoder).")
    expect(isinstance(losses, (list, tuple)) and len(losses) == PRETRAIN_EPOCHS + 1,
           f"{call}[2] should hold {PRETRAIN_EPOCHS + 1} losses (before training, then after each epoch).")
    losses = [as_number(v, f"{call}[2][{i}]") for i, v in enumerate(losses)]
    expect(all(math.isfinite(v) for v in losses), f"{call}: the losses {losses} should be finite.")
    mse = float(np.mean((forward(NetSpec(encoder.layers + decoder.layers), codes) - codes) ** 2))
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


def _same_layer(a: LayerSpec, b: LayerSpec) -> bool:
    return (a.weight.shape == b.weight.shape and np.array_equal(a.weight, b.weight)
            and (a.bias is None) == (b.bias is None) and (a.bias is None or np.array_equal(a.bias, b.bias)))


def pretrain_freezes_earlier_layers(train_autoencoder_layer, greedy_pretrain) -> None:
    """Check that greedy_pretrain's first stage is train_autoencoder_layer(data, widths[0], epochs,
    seed) bit for bit, and that the second stage leaves layer 1 bit-identical (frozen)."""
    x = digits()["X_train"]
    data = TensorArg(x, "float32")
    g = student(greedy_pretrain, "greedy_pretrain")
    seed = 21
    one = as_net(g(data, [32], PRETRAIN_EPOCHS, seed), f"greedy_pretrain(X, [32], {PRETRAIN_EPOCHS}, {seed})")
    expect_encoder(one, [(64, 32)], f"greedy_pretrain(X, [32], {PRETRAIN_EPOCHS}, {seed})")
    stage = student(train_autoencoder_layer, "train_autoencoder_layer")(data, 32, PRETRAIN_EPOCHS, seed)
    expect(isinstance(stage, (tuple, list)) and len(stage) == 3, "train_autoencoder_layer should return 3 things.")
    stage = as_net(stage[0], "train_autoencoder_layer(...)[0]")
    expect(_same_layer(one.linear_layers[0], stage.linear_layers[0]),
           f"greedy_pretrain(X, [32], {PRETRAIN_EPOCHS}, {seed}) should give exactly the encoder of "
           f"train_autoencoder_layer(X, 32, {PRETRAIN_EPOCHS}, {seed}) (stage s uses seed + s, so stage 0 uses "
           "seed), but the weights differ. Build each layer inside its own stage, with train_autoencoder_layer.")
    two = as_net(g(data, [32, 16], PRETRAIN_EPOCHS, seed), f"greedy_pretrain(X, [32, 16], {PRETRAIN_EPOCHS}, {seed})")
    expect_encoder(two, [(64, 32), (32, 16)], f"greedy_pretrain(X, [32, 16], {PRETRAIN_EPOCHS}, {seed})")
    expect(_same_layer(one.linear_layers[0], two.linear_layers[0]),
           "Layer 1 of greedy_pretrain(X, [32, 16], ...) differs from layer 1 of greedy_pretrain(X, [32], ...) with "
           "the same seed: stage 2 changed layer 1 (or stage 1 depends on the later widths). Freeze the earlier "
           "layers: compute the codes once, under torch.no_grad(), and train only the new layer and its decoder "
           "on them; build the new layer in its own stage, seeded with seed + s.")


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


def pretrained_codes_help(greedy_pretrain) -> None:
    """Check that a linear probe (ridge regression, 50 labels) on the codes of greedy_pretrain(X,
    [32, 16], 10, seed) beats the same probe on random sigmoid encoders by at least 0.1 accuracy."""
    d = digits()
    seed = 31
    net = as_net(student(greedy_pretrain, "greedy_pretrain")(TensorArg(d["X_train"], "float32"), [32, 16],
                                                                PRETRAIN_EPOCHS, seed),
                 f"greedy_pretrain(X, [32, 16], {PRETRAIN_EPOCHS}, {seed})")
    expect_encoder(net, [(64, 32), (32, 16)], "greedy_pretrain(X, [32, 16], ...)")

    def probe(encoder: NetSpec) -> float:
        return ridge_probe_accuracy(forward(encoder, d["X_train"][:PROBE_LABELS]), d["y_train"][:PROBE_LABELS],
                                    forward(encoder, d["X_test"]), d["y_test"])

    pretrained = probe(net)
    rng = np.random.default_rng(4242)
    random = float(np.mean([probe(random_sigmoid_encoder(rng, [32, 16])) for _ in range(3)]))
    expect(pretrained >= random + MIN_PROBE_GAP,
           f"A linear probe trained on {PROBE_LABELS} labelled digits reaches {pretrained:.3f} test accuracy on the "
           f"codes of your pretrained encoder and {random:.3f} on random sigmoid encoders: pretraining should "
           f"help by at least {MIN_PROBE_GAP} (it typically gives +0.35). Check that each stage trains on the "
           "codes of the layers before it and that the trained encoder layers are the ones returned.")


# == backprop_q6: fine-tuning =====================================================================
# Reported accuracy vs our float64 forward of the returned model: float32 vs float64 logits can
# swap an argmax only for near-ties, which happens for at most one or two of 500 test digits.
ACCURACY_ATOL = 2.0 / 500
FINETUNE_LABELS = 100
# Fine-tuning all layers of a random [64 -> 32 -> 16] sigmoid encoder on all 1297 labels for 10
# epochs: reference 0.899 mean, min 0.890 over 6 encoders/seeds; 0.8 catches a head that does not
# train, a wrong loss (e.g. MSE on class indices) or the labels misaligned with the images.
MIN_FULL_ACCURACY = 0.8


def _data_args(d: dict) -> dict:
    return {"X_train": TensorArg(d["X_train"], "float32"), "y_train": TensorArg(d["y_train"], "int64"),
            "X_test": TensorArg(d["X_test"], "float32"), "y_test": TensorArg(d["y_test"], "int64")}


def _finetune(finetune, encoder: NetSpec, d: dict, n_labels: int, epochs: int, seed: int, **kwargs) -> tuple:
    extra = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    call = f"finetune(encoder, data, {n_labels}, {epochs}, {seed}{extra})"
    got = student(finetune, "finetune")(encoder, _data_args(d), n_labels, epochs, seed, **kwargs)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (model, accuracy).")
    model = as_net(got[0], f"{call}[0]")
    kinds = [layer.kind for layer in model.layers]
    want = [layer.kind for layer in encoder.layers] + ["linear"]
    expect(kinds == want and model.layers[-1].weight.shape == (10, encoder.linear_layers[-1].weight.shape[0]),
           f"{call}[0] should be the encoder's layers then nn.Linear(width, 10); its layers are {kinds}.")
    return model, as_number(got[1], f"{call}[1]"), call


def _check_encoder() -> NetSpec:
    return random_sigmoid_encoder(np.random.default_rng(777), [32, 16])


def finetune_reports_accuracy(finetune) -> None:
    """Check that the returned accuracy is the returned model's accuracy on the test digits
    (recomputed here with a float64 forward pass)."""
    d = digits()
    model, accuracy, call = _finetune(finetune, _check_encoder(), d, FINETUNE_LABELS, 5, 41)
    mine = float(np.mean(forward(model, d["X_test"]).argmax(axis=1) == d["y_test"]))
    expect(abs(mine - accuracy) <= ACCURACY_ATOL,
           f"{call} reports test accuracy {accuracy:.4f}, but the returned model classifies {mine:.4f} of the "
           "500 test digits correctly. Report the accuracy of the returned model on data['X_test'], "
           "data['y_test'] (the fraction of argmax predictions equal to the labels).")


def finetune_uses_first_labels(finetune) -> None:
    """Check that finetune(..., n_labels=100, ...) reads only the first 100 training examples: with
    the rest replaced by noise and random labels it returns the same model and accuracy."""
    d = digits()
    rng = np.random.default_rng(99)
    noisy = dict(d)
    noisy["X_train"] = d["X_train"].copy()
    noisy["X_train"][FINETUNE_LABELS:] = _f32(rng.uniform(0.0, 1.0, noisy["X_train"][FINETUNE_LABELS:].shape))
    noisy["y_train"] = d["y_train"].copy()
    noisy["y_train"][FINETUNE_LABELS:] = rng.integers(0, 10, N_TRAIN - FINETUNE_LABELS)
    encoder = _check_encoder()
    clean_model, clean_acc, call = _finetune(finetune, encoder, d, FINETUNE_LABELS, 3, 53)
    noisy_model, noisy_acc, _ = _finetune(finetune, encoder, noisy, FINETUNE_LABELS, 3, 53)
    same = clean_acc == noisy_acc and all(_same_layer(a, b) for a, b in zip(clean_model.linear_layers,
                                                                             noisy_model.linear_layers))
    expect(same, f"{call} changed when only the training examples after the first {FINETUNE_LABELS} were altered "
                 f"(accuracy {clean_acc:.4f} vs {noisy_acc:.4f}): it must train on data['X_train'][:n_labels] "
                 "and data['y_train'][:n_labels] only (the other examples count as unlabelled), and be "
                 "deterministic for a given seed (torch.manual_seed(seed) first).")


def finetune_freeze_flag(finetune) -> None:
    """Check train_encoder=False leaves the encoder's layers bit-identical (only the head trains) and
    train_encoder=True changes them (fine-tuning)."""
    d = digits()
    encoder = _check_encoder()
    frozen, _, call = _finetune(finetune, encoder, d, FINETUNE_LABELS, 3, 61, train_encoder=False)
    expect(all(_same_layer(a, b) for a, b in zip(encoder.linear_layers, frozen.linear_layers[:-1])),
           f"{call} changed the encoder's parameters: with train_encoder=False only the new head is trained "
           "(give the optimizer only the head's parameters).")
    tuned, _, call = _finetune(finetune, encoder, d, FINETUNE_LABELS, 3, 61, train_encoder=True)
    expect(not _same_layer(encoder.linear_layers[0], tuned.linear_layers[0]),
           f"{call} left the encoder's first layer unchanged: with train_encoder=True every layer is fine-tuned "
           "(give the optimizer all the model's parameters).")


def finetune_learns(finetune) -> None:
    """Check that fine-tuning a random [64 -> 32 -> 16] sigmoid encoder on all 1297 labels for 10
    epochs reaches at least 0.8 test accuracy."""
    d = digits()
    _, accuracy, call = _finetune(finetune, _check_encoder(), d, N_TRAIN, 10, 71)
    expect(accuracy >= MIN_FULL_ACCURACY,
           f"{call} reaches {accuracy:.3f} test accuracy; with all {N_TRAIN} labels and every layer trained it "
           f"should reach {MIN_FULL_ACCURACY} (typically 0.9). Use cross-entropy on the 10 logits, Adam (lr 1e-2), "
           "minibatches of 32, and the labels of the same examples as the images.")
