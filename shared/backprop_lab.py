r"""Course-library helpers of the `backprop` assignment (deeper networks: bumps, backprop, pretraining).

* :func:`bump_target` — the smooth functions the bump approximations are tried on;
* :func:`run_program` — build a computation graph from a plain list of operations with *your*
  ``Value`` class, call ``backward()`` on its last node, and report every node's ``data`` and
  ``grad`` as plain floats (the graders and your own experiments use it);
* :func:`draw_computation_graph` — a matplotlib picture of a small graph with forward values and
  adjoints;
* :func:`digits_arrays`, :func:`load_digits_split` — scikit-learn's bundled 8x8 digits (offline) as
  numpy arrays, and as torch tensors with a fixed train/test split.

Nothing here computes a derivative: the local rules and the backward pass are yours.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence

import numpy as np

# -- smooth targets for sums of sigmoid bumps ----------------------------------------------------
# name -> (formula, lo, hi): f is evaluated on numpy arrays (or floats) of any shape.
BUMP_TARGETS: Dict[str, tuple] = {
    "cos": ("cos(2 pi x)", 0.0, 1.0),
    "wave": ("sin(3x) + x/2", -2.0, 2.0),
    "gauss": ("exp(-x^2) + 1/2", -2.0, 2.0),
}


def bump_target(name: str) -> Callable[[Any], np.ndarray]:
    r"""The smooth test function ``name`` of :data:`BUMP_TARGETS` as a numpy function.

    Args:
        name: "cos" (cos(2 pi x) on [0, 1]), "wave" (sin(3x) + x/2 on [-2, 2]) or "gauss"
            (exp(-x^2) + 1/2 on [-2, 2]).
    Returns:
        f: float64 array of x's shape (a float for a float).
    """
    formulas = {
        "cos": lambda x: np.cos(2.0 * np.pi * np.asarray(x, dtype=np.float64)),
        "wave": lambda x: np.sin(3.0 * np.asarray(x, dtype=np.float64)) + 0.5 * np.asarray(x, dtype=np.float64),
        "gauss": lambda x: np.exp(-np.asarray(x, dtype=np.float64) ** 2) + 0.5,
    }
    if name not in formulas:
        raise KeyError(f"unknown target {name!r}; choose one of {sorted(formulas)}")
    return formulas[name]


# -- computation graphs from plain descriptions -------------------------------------------------
# A program is a list of steps; nodes 0 .. n_inputs - 1 are Value(inputs[i]), and step j adds node
# n_inputs + j. A step is (op, i) for a unary op, (op, i, j) for two nodes, (op, i, c) for a node
# and a Python float constant c. ``{a}``/``{b}`` name the nodes, ``{c}`` the constant.
UNARY = {"neg": "-{a}", "sin": "{a}.sin()", "cos": "{a}.cos()", "exp": "{a}.exp()",
         "tanh": "{a}.tanh()", "relu": "{a}.relu()", "sigmoid": "{a}.sigmoid()"}
BINARY = {"add": "{a} + {b}", "sub": "{a} - {b}", "mul": "{a} * {b}", "div": "{a} / {b}"}
WITH_CONSTANT = {"pow": "{a} ** {c}", "add_c": "{a} + {c}", "radd_c": "{c} + {a}", "sub_c": "{a} - {c}",
                 "rsub_c": "{c} - {a}", "mul_c": "{a} * {c}", "rmul_c": "{c} * {a}", "div_c": "{a} / {c}",
                 "rdiv_c": "{c} / {a}"}


def node_name(index: int, n_inputs: int) -> str:
    """x0, x1, ... for inputs, v<k> for later nodes."""
    return f"x{index}" if index < n_inputs else f"v{index}"


def describe_step(step: Sequence, index: int, n_inputs: int) -> str:
    """The Python expression of one step, e.g. ``v3 = x0 * v2``."""
    op = step[0]
    a = node_name(int(step[1]), n_inputs)
    if op in UNARY:
        expr = UNARY[op].format(a=a)
    elif op in BINARY:
        expr = BINARY[op].format(a=a, b=node_name(int(step[2]), n_inputs))
    elif op in WITH_CONSTANT:
        expr = WITH_CONSTANT[op].format(a=a, c=repr(float(step[2])))
    else:
        raise ValueError(f"unknown op {op!r}")
    return f"{node_name(index, n_inputs)} = {expr}"


def describe_program(inputs: Sequence[float], program: Sequence[Sequence]) -> str:
    """All lines of a program, inputs first (``x0 = Value(0.5)``)."""
    n = len(inputs)
    lines = [f"x{i} = Value({float(v)!r})" for i, v in enumerate(inputs)]
    lines += [describe_step(step, n + j, n) for j, step in enumerate(program)]
    return "\n".join(lines)


def _apply(step: Sequence, nodes: list) -> Any:
    op, a = step[0], nodes[int(step[1])]
    if op in UNARY:
        return -a if op == "neg" else getattr(a, op)()
    if op in BINARY:
        b = nodes[int(step[2])]
        return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b}[op]()
    c = float(step[2])
    return {"pow": lambda: a ** c, "add_c": lambda: a + c, "radd_c": lambda: c + a, "sub_c": lambda: a - c,
            "rsub_c": lambda: c - a, "mul_c": lambda: a * c, "rmul_c": lambda: c * a, "div_c": lambda: a / c,
            "rdiv_c": lambda: c / a}[op]()


def _number(value: Any) -> Optional[float]:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


_NONE = " Did you replace the `...` with your code and `return` the result?"


def run_program(value_class: Any, inputs: Sequence[float], program: Sequence[Sequence],
                backward: bool = True) -> dict:
    r"""Build the graph of ``program`` with ``value_class``, run ``backward()`` on its last node,
    and read every node's ``data`` and ``grad``.

    Args:
        value_class: the ``Value`` class (called as ``value_class(float)`` for each input).
        inputs: the input values, n_inputs floats.
        program: steps as described above (``describe_program`` prints them as Python).
        backward: call ``backward()`` on the last node (else grads are read as they are).
    Returns:
        ``{"ok": True, "data": [floats], "grad": [floats]}`` with one entry per node (inputs
        first), or ``{"ok": False, "error": message}`` naming the step that failed.
    """
    n = len(inputs)
    nodes = []
    for i, x in enumerate(inputs):
        try:
            nodes.append(value_class(float(x)))
        except Exception as exc:
            return {"ok": False, "error": f"Value({float(x)!r}) raised {type(exc).__name__}: {exc}"}
    for j, step in enumerate(program):
        line = describe_step(step, n + j, n)
        try:
            out = _apply(step, nodes)
        except Exception as exc:
            return {"ok": False, "error": f"`{line}` raised {type(exc).__name__}: {exc}"}
        if out is None:
            return {"ok": False, "error": f"`{line}` returned None." + _NONE}
        if _number(getattr(out, "data", None)) is None:
            return {"ok": False, "error": f"`{line}` returned {type(out).__name__} {out!r:.60}, not a Value "
                                          "with a numeric .data (every operation returns a new Value)."}
        nodes.append(out)
    if backward and nodes:
        last = node_name(len(nodes) - 1, n)
        try:
            method = getattr(nodes[-1], "backward")
            method()
        except Exception as exc:
            return {"ok": False, "error": f"`{last}.backward()` raised {type(exc).__name__}: {exc}"}
    data, grads = [], []
    for k, node in enumerate(nodes):
        d, g = _number(getattr(node, "data", None)), _number(getattr(node, "grad", None))
        if g is None:
            return {"ok": False, "error": f"after backward(), {node_name(k, n)}.grad is "
                                          f"{getattr(node, 'grad', 'missing')!r}, not a number." + _NONE}
        data.append(d)
        grads.append(g)
    return {"ok": True, "data": data, "grad": grads}


# -- drawing a small computation graph ----------------------------------------------------------
def draw_computation_graph(positions: Dict[str, tuple], edges: Sequence[tuple], values: Dict[str, float],
                           adjoints: Dict[str, float], title: str = "", ax=None):
    r"""Draw nodes at ``positions`` with their forward value and adjoint, and labelled edges.

    Args:
        positions: node name -> (x, y) in plot coordinates.
        edges: (parent, child, label) triples; the label is the local derivative d child / d parent.
        values: node name -> forward value; adjoints: node name -> d output / d node.
        title: axes title.
    Returns:
        the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(10, 3.6))[1]
    for parent, child, label in edges:
        (x0, y0), (x1, y1) = positions[parent], positions[child]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="-|>", color="0.4", shrinkA=28, shrinkB=28, lw=1.2))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.08, label, ha="center", va="bottom", fontsize=8,
                color="tab:red")
    for name, (x, y) in positions.items():
        ax.add_patch(plt.Circle((x, y), 0.23, color="tab:blue", alpha=0.15))
        ax.text(x, y + 0.03, name, ha="center", va="center", fontsize=11, weight="bold")
        ax.text(x, y - 0.34, f"value {values[name]:.4g}", ha="center", va="top", fontsize=8)
        ax.text(x, y - 0.50, f"adjoint {adjoints[name]:.4g}", ha="center", va="top", fontsize=8,
                color="tab:red")
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return ax


# -- data ------------------------------------------------------------------------------------------
N_TRAIN = 1297   # digits has 1797 images: the first 1297 train, the last 500 test


def digits_arrays() -> tuple:
    r"""scikit-learn's bundled 8x8 digits (UCI optical digits) as numpy arrays, pixels / 16.

    Reads the copy that ships inside scikit-learn (``sklearn/datasets/data/digits.csv.gz``, the file
    ``sklearn.datasets.load_digits`` reads) without importing scikit-learn, which would cost about
    100 MB of memory for nothing; falls back to ``load_digits`` if that file is not where expected.

    Returns:
        X: float64 array (1797, 64), values in [0, 1] (multiples of 1/16);
        y: int64 array (1797,), the labels 0..9.
    """
    import gzip
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")          # locates the package without importing it
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            with gzip.open(path, "rt") as handle:
                table = np.loadtxt(handle, delimiter=",")
            return table[:, :-1] / 16.0, table[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    return np.asarray(images, dtype=np.float64) / 16.0, np.asarray(labels, dtype=np.int64)


def load_digits_split(scramble_after: Optional[int] = None, scramble_seed: int = 0) -> dict:
    r"""The digits (:func:`digits_arrays`), pixels in [0, 1], split by position.

    Args:
        scramble_after: if given, the training examples from this index on are replaced by uniform
            noise with random labels (numpy seed ``scramble_seed``); the graders use it to check that a
            function reads only the first examples. None (default): the real digits.
        scramble_seed: the seed of that noise.
    Returns:
        dict with "X_train" (1297, 64) float32, "y_train" (1297,) int64, "X_test" (500, 64)
        float32, "y_test" (500,) int64, all torch tensors.
    """
    import torch

    images, labels = digits_arrays()
    if scramble_after is not None:
        rng = np.random.default_rng(scramble_seed)
        images, labels = images.copy(), labels.copy()
        rest = slice(int(scramble_after), N_TRAIN)
        images[rest] = rng.uniform(0.0, 1.0, images[rest].shape)
        labels[rest] = rng.integers(0, 10, labels[rest].shape)
    x = torch.tensor(images, dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.int64)
    return {"X_train": x[:N_TRAIN], "y_train": y[:N_TRAIN], "X_test": x[N_TRAIN:], "y_test": y[N_TRAIN:]}


def digits_training_images() -> Any:
    r"""The training images of :func:`load_digits_split`: a float32 tensor (1297, 64)."""
    return load_digits_split()["X_train"]


def log_slope(values: Sequence[float]) -> float:
    r"""Least-squares slope of ln(values[l]) against the distance from the last entry, depth - 1 - l:
    the change of the log per layer going from the output back towards the input."""
    logs = np.log(np.asarray(values, dtype=np.float64))
    distance = np.arange(len(logs))[::-1].astype(np.float64)
    return float(np.polyfit(distance, logs, 1)[0])


__all__ = ["BUMP_TARGETS", "bump_target", "run_program", "describe_program", "describe_step",
           "draw_computation_graph", "digits_arrays", "digits_training_images", "load_digits_split", "log_slope",
           "N_TRAIN"]
