r"""Public checks of `sawtooth` (students run them with ``grader.check``): existence, types, shapes.

They are worth no points on their own: they are the first rungs of each question's ladder, so a
student sees the most basic problem first. The theory checks are hidden (``hidden.py``).
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    TensorArg, TensorValue, as_array, as_net, describe, expect, expect_layer_kinds, expect_shape, student,
)

X_SMALL = np.array([[-1.5, -0.25, 0.0], [0.25, 0.5, 2.0]])


def relu_types(relu) -> None:
    """Check that relu maps a numpy array to a numpy array and a torch tensor to a torch tensor
    of the same shape and dtype."""
    f = student(relu, "relu")
    out = f(X_SMALL)
    expect(isinstance(out, np.ndarray),
           f"relu(numpy array) should return a numpy array, got {describe(out)}")
    expect_shape(out, X_SMALL.shape, "relu(x)")
    out = f(TensorArg(X_SMALL, "float32"))
    expect(isinstance(out, TensorValue),
           "relu(torch tensor) should return a torch tensor (use operations that work on both, "
           "like x.clip(min=0) or x * (x > 0); np.where and np.asarray turn tensors into arrays).")
    expect(out.shape == X_SMALL.shape and out.dtype == "torch.float32",
           f"relu(tensor of shape {X_SMALL.shape}, float32) returned shape {out.shape}, dtype {out.dtype}.")


def rect_shape(rect) -> None:
    """Check that rect returns an array of the input's shape."""
    out = as_array(student(rect, "rect")(np.linspace(-1.0, 2.0, 7), 0.0, 1.0, 2.0), "rect(x, 0, 1, 2)")
    expect_shape(out, (7,), "rect(x, 0, 1, 2) for x of shape (7,)")


def sawtooth_shape(tri, sawtooth) -> None:
    """Check that tri(x) and sawtooth(x, n) return arrays of x's shape."""
    x = np.linspace(0.0, 1.0, 9)
    expect_shape(as_array(student(tri, "tri")(x), "tri(x)"), x.shape, "tri(x)")
    for n in (0, 1, 2):
        expect_shape(as_array(student(sawtooth, "sawtooth")(x, n), f"sawtooth(x, {n})"), x.shape,
                     f"sawtooth(x, {n})")


def deep_net_runs(deep_sawtooth_net) -> None:
    """Check that deep_sawtooth_net(2) is an nn.Sequential of Linear/ReLU mapping (B, 1) -> (B, 1)."""
    net = as_net(student(deep_sawtooth_net, "deep_sawtooth_net")(2), "deep_sawtooth_net(2)")
    expect_layer_kinds(net, {"linear", "relu"}, "deep_sawtooth_net(2)")
    out = student(net.handle, "deep_sawtooth_net(2)")(TensorArg(np.linspace(0, 1, 5).reshape(5, 1), "float32"))
    expect(isinstance(out, TensorValue) and out.shape == (5, 1),
           f"deep_sawtooth_net(2) applied to a (5, 1) batch should give a (5, 1) tensor, got {out}.")


def shallow_net_runs(shallow_sawtooth_net, min_shallow_width) -> None:
    """Check that shallow_sawtooth_net(2) is Linear-ReLU-Linear and min_shallow_width returns an int."""
    net = as_net(student(shallow_sawtooth_net, "shallow_sawtooth_net")(2), "shallow_sawtooth_net(2)")
    expect_layer_kinds(net, {"linear", "relu"}, "shallow_sawtooth_net(2)")
    kinds = [layer.kind for layer in net.layers]
    expect(kinds == ["linear", "relu", "linear"],
           f"shallow_sawtooth_net(2) should be Linear, ReLU, Linear (one hidden layer); got {kinds}.")
    width = student(min_shallow_width, "min_shallow_width")(2)
    expect(isinstance(width, int) and not isinstance(width, bool),
           f"min_shallow_width(2) should return an int, got {describe(width)}")


def count_pieces_line(count_pieces) -> None:
    """Check that a straight line has 1 piece and that the result is an int."""
    from autograder.checking import PiecewiseLinear

    line = PiecewiseLinear(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    got = student(count_pieces, "count_pieces")(line, 0.0, 1.0, 4)
    expect(isinstance(got, int) and not isinstance(got, bool),
           f"count_pieces should return an int, got {describe(got)}")
    expect(got == 1, f"f(x) = x is a single linear piece on [0, 1]; count_pieces returned {got}. "
                     "A grid point where the slope does not change is not a breakpoint.")


def sin_net_shape(sin_relu_net) -> None:
    """Check that sin_relu_net(8, 0, pi) is Linear(1, 8) - ReLU - Linear(8, 1)."""
    net = as_net(student(sin_relu_net, "sin_relu_net")(8, 0.0, float(np.pi)), "sin_relu_net(8, 0, pi)")
    kinds = [layer.kind for layer in net.layers]
    expect(kinds == ["linear", "relu", "linear"],
           f"sin_relu_net should be Linear, ReLU, Linear (one hidden layer); got {kinds}.")
    shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
    expect(shapes == [(8, 1), (1, 8)],
           f"sin_relu_net(8, ...) should have weights of shapes [(8, 1), (1, 8)] (8 hidden units), got {shapes}.")
