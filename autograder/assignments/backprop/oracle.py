r"""Independent oracles of `backprop` (autograder only; numpy, no torch).

Expression programs (the format of ``shared.backprop_lab.run_program``): a list of steps over
nodes 0 .. n_inputs - 1 (the inputs) and one new node per step. This module

* evaluates a program in float64 (:func:`evaluate`),
* differentiates it by **forward mode**: the adjoint dJ/dv_k of node k (J the last node) is the
  tangent of J when node k's value is perturbed with tangent 1 and the perturbation is pushed
  forward through every later step (:func:`adjoints`). This is a different algorithm from the
  reverse-mode pass students write (no topological sort, no accumulation order), so it cannot share
  their bugs; tests/backprop compares it with torch.autograd in float64;
* draws random programs whose values stay in a safe range (:func:`random_program`), with shared
  subexpressions (operands are often recent nodes, sometimes the same node twice).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

UNARY_OPS = ("neg", "sin", "cos", "exp", "tanh", "relu", "sigmoid")
BINARY_OPS = ("add", "sub", "mul", "div")
CONSTANT_OPS = ("pow", "add_c", "radd_c", "sub_c", "rsub_c", "mul_c", "rmul_c", "div_c", "rdiv_c")
ALL_OPS = UNARY_OPS + BINARY_OPS + CONSTANT_OPS

# Local derivative rules, written out for messages (d out / d a, and d out / d b where there is one).
RULES = {
    "neg": "d(-a)/da = -1", "sin": "d sin(a)/da = cos(a)", "cos": "d cos(a)/da = -sin(a)",
    "exp": "d exp(a)/da = exp(a)", "tanh": "d tanh(a)/da = 1 - tanh(a)^2",
    "relu": "d relu(a)/da = 1 if a > 0 else 0", "sigmoid": "d sigmoid(a)/da = sigmoid(a) (1 - sigmoid(a))",
    "add": "d(a + b)/da = 1, d(a + b)/db = 1", "sub": "d(a - b)/da = 1, d(a - b)/db = -1",
    "mul": "d(ab)/da = b, d(ab)/db = a", "div": "d(a/b)/da = 1/b, d(a/b)/db = -a/b^2",
    "pow": "d(a^p)/da = p a^(p-1)", "add_c": "d(a + c)/da = 1", "radd_c": "d(c + a)/da = 1",
    "sub_c": "d(a - c)/da = 1", "rsub_c": "d(c - a)/da = -1", "mul_c": "d(a c)/da = c",
    "rmul_c": "d(c a)/da = c", "div_c": "d(a/c)/da = 1/c", "rdiv_c": "d(c/a)/da = -c/a^2",
}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def apply_step(step: Sequence, values: Sequence[float]) -> float:
    """The value of one step given the values of earlier nodes."""
    op, a = step[0], float(values[int(step[1])])
    if op in BINARY_OPS:
        b = float(values[int(step[2])])
        return {"add": a + b, "sub": a - b, "mul": a * b}[op] if op != "div" else a / b
    if op in UNARY_OPS:
        return {"neg": lambda: -a, "sin": lambda: math.sin(a), "cos": lambda: math.cos(a),
                "exp": lambda: math.exp(a), "tanh": lambda: math.tanh(a), "relu": lambda: max(a, 0.0),
                "sigmoid": lambda: _sigmoid(a)}[op]()
    c = float(step[2])
    return {"pow": lambda: a ** c, "add_c": lambda: a + c, "radd_c": lambda: c + a, "sub_c": lambda: a - c,
            "rsub_c": lambda: c - a, "mul_c": lambda: a * c, "rmul_c": lambda: c * a, "div_c": lambda: a / c,
            "rdiv_c": lambda: c / a}[op]()


def partials(step: Sequence, values: Sequence[float]) -> list:
    """[(operand index, d step / d operand)] (an operand used twice appears twice)."""
    op, i = step[0], int(step[1])
    a = float(values[i])
    if op in BINARY_OPS:
        j = int(step[2])
        b = float(values[j])
        da, db = {"add": lambda: (1.0, 1.0), "sub": lambda: (1.0, -1.0), "mul": lambda: (b, a),
                  "div": lambda: (1.0 / b, -a / (b * b))}[op]()   # lazily: an operand may be 0
        return [(i, da), (j, db)]
    if op in UNARY_OPS:
        d = {"neg": lambda: -1.0, "sin": lambda: math.cos(a), "cos": lambda: -math.sin(a), "exp": lambda: math.exp(a),
             "tanh": lambda: 1.0 - math.tanh(a) ** 2, "relu": lambda: 1.0 if a > 0 else 0.0,
             "sigmoid": lambda: _sigmoid(a) * (1.0 - _sigmoid(a))}[op]()
        return [(i, d)]
    c = float(step[2])
    d = {"pow": lambda: c * a ** (c - 1.0), "add_c": lambda: 1.0, "radd_c": lambda: 1.0, "sub_c": lambda: 1.0,
         "rsub_c": lambda: -1.0, "mul_c": lambda: c, "rmul_c": lambda: c, "div_c": lambda: 1.0 / c,
         "rdiv_c": lambda: -c / (a * a)}[op]()
    return [(i, d)]


def evaluate(inputs: Sequence[float], program: Sequence[Sequence]) -> np.ndarray:
    """Every node's value, inputs first (float64)."""
    values = [float(x) for x in inputs]
    for step in program:
        values.append(float(apply_step(step, values)))
    return np.array(values)


def adjoints(inputs: Sequence[float], program: Sequence[Sequence]) -> np.ndarray:
    """dJ/dv_k for every node k, J the last node, by forward mode (one tangent sweep per node)."""
    values = evaluate(inputs, program)
    n, m = len(inputs), len(values)
    local = [partials(step, values) for step in program]
    out = np.zeros(m)
    for k in range(m):
        tangent = np.zeros(m)
        tangent[k] = 1.0
        for j, parts in enumerate(local):
            node = n + j
            if node > k:
                tangent[node] = sum(d * tangent[i] for i, d in parts)
        out[k] = tangent[-1]
    return out


# Constants and exponents the random programs use.
CONSTANTS = (-2.0, -0.5, 0.5, 1.5, 3.0)
EXPONENTS = (2.0, 3.0, -1.0, 0.5, -0.5, 1.5)
MAX_ABS_VALUE = 30.0


def _safe(step: Sequence, values: Sequence[float]) -> bool:
    """Keep every value and local derivative moderate: no division by near-zero, no relu at 0."""
    op, a = step[0], values[int(step[1])]
    if op == "div" and abs(values[int(step[2])]) < 0.4:
        return False
    if op == "rdiv_c" and abs(a) < 0.4:
        return False
    if op == "pow":
        p = float(step[2])
        if p != int(p) and a < 0.2:
            return False
        if p < 0 and abs(a) < 0.4:
            return False
    if op == "exp" and a > 2.5:
        return False
    if op == "relu" and abs(a) < 1e-3:
        return False
    try:
        v = apply_step(step, values)
        ds = [d for _, d in partials(step, values)]
    except (ValueError, ZeroDivisionError, OverflowError):
        return False
    return all(math.isfinite(x) and abs(x) <= MAX_ABS_VALUE for x in [v, *ds])


def random_program(rng: np.random.Generator, n_inputs: int, n_steps: int) -> tuple:
    """(inputs, program): inputs uniform in [-1.5, 1.5]; each step's operands are one of the last
    three nodes half of the time (so nodes are reused: shared subexpressions), any node otherwise,
    and for two-node ops the same node twice 15% of the time."""
    inputs = [float(v) for v in rng.uniform(-1.5, 1.5, n_inputs)]
    values = list(inputs)
    program: list = []

    def operand() -> int:
        m = len(values)
        return int(rng.integers(max(0, m - 3), m)) if rng.random() < 0.5 else int(rng.integers(0, m))

    while len(program) < n_steps:
        op = ALL_OPS[int(rng.integers(len(ALL_OPS)))]
        i = operand()
        if op in BINARY_OPS:
            step = (op, i, i if rng.random() < 0.15 else operand())
        elif op == "pow":
            step = (op, i, float(EXPONENTS[int(rng.integers(len(EXPONENTS)))]))
        elif op in CONSTANT_OPS:
            step = (op, i, float(CONSTANTS[int(rng.integers(len(CONSTANTS)))]))
        else:
            step = (op, i)
        if _safe(step, values):
            program.append(step)
            values.append(float(apply_step(step, values)))
    return inputs, program
