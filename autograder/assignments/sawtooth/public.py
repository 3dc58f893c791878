r"""Public checks of `sawtooth` (students run them with ``grader.check``): existence, types, shapes,
and one cheap property per question that catches its most common mistake without giving the answer
away (``sawtooth(x, 1) == tri(x)``, a bump that is ``h`` in its middle, ...).

They are worth no points on their own: they are the first rungs of each question's ladder, so a
student sees the most basic problem first. The theory checks are hidden (``hidden.py``).
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    NetSpec, PiecewiseLinear, TensorArg, TensorValue, as_array, as_net, describe, expect, expect_close,
    expect_layer_kinds, expect_shape, forward, student,
)

X_SMALL = np.array([[-1.5, -0.25, 0.0], [0.25, 0.5, 2.0]])
# Points where every quantity checked publicly is a small dyadic number, computed exactly in float64.
X_DYADIC = np.array([-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5])
# Public checks of numpy functions compare exact values (dyadic inputs, dyadic answers, exact in
# float32 too); 1e-9 only forgives a different order of float operations. Odds of a false fail: 0.
PUBLIC_ATOL = 1e-9
# Public checks of small nets (at most 12 parameters of size <= 8 at inputs in [0, 1]): float32
# rounding of parameters that are not dyadic moves the output by < 12 * 8 * 2^-24 < 6e-6; every
# mistake these checks catch is off by >= 1/8. Odds of a false fail: 0.
PUBLIC_NET_ATOL = 1e-5
# sin nets hold float32 parameters: rounding moves their outputs by < 2e-5 (see hidden.SIN_ATOL).
PUBLIC_SIN_ATOL = 1e-4


def expect_int(value, what: str) -> None:
    expect(isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)),
           f"{what} should return an int, got {describe(value)}")


def torch_dtype(net: NetSpec) -> str:
    """The dtype of the net's parameters without the ``torch.`` prefix, to feed it matching inputs."""
    return (net.linear_layers[0].dtype or "torch.float32").replace("torch.", "") if net.linear_layers else "float32"


def expect_relu_form(net: NetSpec, inputs: int, what: str) -> int:
    """Fail unless ``net`` is Linear, (ReLU, Linear) * d with ``inputs`` inputs and 1 output; return d."""
    expect_layer_kinds(net, {"linear", "relu"}, what)
    kinds = [layer.kind for layer in net.layers]
    depth = (len(kinds) - 1) // 2
    expect(kinds == ["linear", "relu"] * depth + ["linear"],
           f"{what} should be Linear, then (ReLU, Linear) repeated: one ReLU after each hidden layer and a "
           f"Linear output layer; got {kinds}.")
    first, last = net.linear_layers[0], net.linear_layers[-1]
    expect(first.weight.shape[1] == inputs and last.weight.shape[0] == 1,
           f"{what} should take {inputs} input{'s' if inputs > 1 else ''} and give 1 output; its first layer "
           f"takes {first.weight.shape[1]} and its last gives {last.weight.shape[0]}.")
    return depth


# -- sawtooth_q1 ---------------------------------------------------------------------------------
def relu_types(relu) -> None:
    """Check that relu maps a numpy array to a numpy array and a torch tensor to a torch tensor
    of the same shape and dtype, with the values max(x, 0)."""
    f = student(relu, "relu")
    out = f(X_SMALL)
    expect(isinstance(out, np.ndarray),
           f"relu(numpy array) should return a numpy array, got {describe(out)}")
    expect_shape(out, X_SMALL.shape, "relu(x)")
    expect_close(out, np.maximum(X_SMALL, 0.0), 0.0, "relu(x)", hint="relu(x) is x where x > 0 and 0 elsewhere.")
    out = f(TensorArg(X_SMALL, "float32"))
    expect(isinstance(out, TensorValue),
           "relu(torch tensor) should return a torch tensor (use operations that work on both, "
           "like x.clip(min=0) or x * (x > 0); np.where and np.asarray turn tensors into arrays).")
    expect(out.shape == X_SMALL.shape and out.dtype == "torch.float32",
           f"relu(tensor of shape {X_SMALL.shape}, float32) returned shape {out.shape}, dtype {out.dtype}.")


# -- sawtooth_q2 ---------------------------------------------------------------------------------
def rect_shape(rect) -> None:
    """Check that rect returns an array of the input's shape, h in the middle of [a, b] and 0 far
    away from it."""
    x = np.array([-1.0, 0.5, 2.0])
    out = as_array(student(rect, "rect")(x, 0.0, 1.0, 2.0), "rect(x, 0, 1, 2)")
    expect_shape(out, (3,), "rect(x, 0, 1, 2) for x of shape (3,)")
    expect_close(out, np.array([0.0, 2.0, 0.0]), 1e-6, "rect(x, a=0, b=1, h=2) at x = -1, 0.5, 2", x,
                 hint="the bump is h on [a, b] and 0 once x is more than eps away from it: check the signs "
                      "of your four ReLUs and their common scale.")


# -- sawtooth_q3 ---------------------------------------------------------------------------------
def sawtooth_shape(tri, sawtooth) -> None:
    """Check that tri(x) and sawtooth(x, n) return arrays of x's shape, that tri is the triangle at a
    few points (also outside [0, 1]), and that sawtooth(., 0) is x and sawtooth(., 1) is tri."""
    x = X_DYADIC
    t = as_array(student(tri, "tri")(x), "tri(x)")
    expect_shape(t, x.shape, "tri(x)")
    expect_close(t, np.array([0.0, 0.0, 0.5, 1.0, 0.5, 0.0, 0.0]), PUBLIC_ATOL, "tri(x)", x,
                 hint="tri rises from 0 at x = 0 to 1 at x = 1/2, falls back to 0 at x = 1, and is 0 "
                      "outside [0, 1] (also for x > 1).")
    f = student(sawtooth, "sawtooth")
    for n in (0, 1, 2):
        expect_shape(as_array(f(x, n), f"sawtooth(x, {n})"), x.shape, f"sawtooth(x, {n})")
    expect_close(as_array(f(x, 0), "sawtooth(x, 0)"), x, PUBLIC_ATOL, "sawtooth(x, 0)", x,
                 hint="no composition at all: sawtooth(x, 0) = x. Is your loop off by one?")
    expect_close(as_array(f(x, 1), "sawtooth(x, 1)"), t, PUBLIC_ATOL, "sawtooth(x, 1) compared with tri(x)", x,
                 hint="one composition: sawtooth(x, 1) = tri(x). Is your loop off by one?")


# -- sawtooth_q4 ---------------------------------------------------------------------------------
def deep_net_runs(deep_sawtooth_net) -> None:
    """Check that deep_sawtooth_net(2) is an nn.Sequential of Linear/ReLU mapping (B, 1) -> (B, 1),
    and that deep_sawtooth_net(1) is the triangle at x = 0, 1/4, 1/2, 3/4, 1."""
    f = student(deep_sawtooth_net, "deep_sawtooth_net")
    net = as_net(f(2), "deep_sawtooth_net(2)")
    expect_layer_kinds(net, {"linear", "relu"}, "deep_sawtooth_net(2)")
    out = student(net.handle, "deep_sawtooth_net(2)")(TensorArg(np.linspace(0, 1, 5).reshape(5, 1), torch_dtype(net)))
    expect(isinstance(out, TensorValue) and out.shape == (5, 1),
           f"deep_sawtooth_net(2) applied to a (5, 1) batch should give a (5, 1) tensor, got {describe(out)}")
    x = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    one = as_net(f(1), "deep_sawtooth_net(1)")
    expect_close(forward(one, x[:, None])[:, 0], np.array([0.0, 0.5, 1.0, 0.5, 0.0]), PUBLIC_NET_ATOL,
                 "deep_sawtooth_net(1)(x), which should be tri(x)", x,
                 hint="with one hidden layer of width 2 the net is tri itself: which two ReLUs does tri "
                      "use, and how does the output layer combine them?")


# -- sawtooth_q5 ---------------------------------------------------------------------------------
def shallow_net_runs(shallow_sawtooth_net, min_shallow_width) -> None:
    """Check that shallow_sawtooth_net(2) is Linear-ReLU-Linear, that shallow_sawtooth_net(1) is the
    triangle at x = 0, 1/2, 1, and that min_shallow_width returns an int that is right for n = 0."""
    f = student(shallow_sawtooth_net, "shallow_sawtooth_net")
    net = as_net(f(2), "shallow_sawtooth_net(2)")
    expect_layer_kinds(net, {"linear", "relu"}, "shallow_sawtooth_net(2)")
    kinds = [layer.kind for layer in net.layers]
    expect(kinds == ["linear", "relu", "linear"],
           f"shallow_sawtooth_net(2) should be Linear, ReLU, Linear (one hidden layer); got {kinds}.")
    x = np.array([0.0, 0.5, 1.0])
    one = as_net(f(1), "shallow_sawtooth_net(1)")
    expect_close(forward(one, x[:, None])[:, 0], np.array([0.0, 1.0, 0.0]), PUBLIC_NET_ATOL,
                 "shallow_sawtooth_net(1)(x), which should be tri(x)", x)
    w = student(min_shallow_width, "min_shallow_width")
    width = w(2)
    expect_int(width, "min_shallow_width(2)")
    zero = w(0)
    expect(zero == 1, f"min_shallow_width(0) returned {zero!r}: sawtooth(., 0) is x, which is not constant on "
                      "[0, 1], so it needs a unit, and one ReLU unit is enough. Count the units, not the kinks.")


# -- sawtooth_q7 ---------------------------------------------------------------------------------
def count_pieces_line(count_pieces) -> None:
    """Check that a straight line has 1 piece, that a hat with its kink at 1/2 has 2, and that the
    result is an int."""
    f = student(count_pieces, "count_pieces")
    line = PiecewiseLinear(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    got = f(line, 0.0, 1.0, 4)
    expect_int(got, "count_pieces")
    expect(got == 1, f"f(x) = x is a single linear piece on [0, 1]; count_pieces returned {got}. "
                     "A grid point where the slope does not change is not a breakpoint.")
    hat = PiecewiseLinear(np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0, 0.0]))
    got = f(hat, 0.0, 1.0, 3)
    expect(got == 2, f"a hat rising on [0, 1/2] and falling on [1/2, 1] has 2 pieces; count_pieces(hat, 0, 1, "
                     f"level=3) returned {got}. Which points may you evaluate the function at?")


# -- sawtooth_q8 ---------------------------------------------------------------------------------
def sin_net_shape(sin_relu_net, interpolation_error_bound) -> None:
    """Check that sin_relu_net(8, 0, pi) is Linear(1, 8) - ReLU - Linear(8, 1), that
    sin_relu_net(4, 0.5, 2.5) equals sin at its five knots, and that a straight line gets the error
    bound 0."""
    f = student(sin_relu_net, "sin_relu_net")
    net = as_net(f(8, 0.0, float(np.pi)), "sin_relu_net(8, 0, pi)")
    kinds = [layer.kind for layer in net.layers]
    expect(kinds == ["linear", "relu", "linear"],
           f"sin_relu_net should be Linear, ReLU, Linear (one hidden layer); got {kinds}.")
    shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
    expect(shapes == [(8, 1), (1, 8)],
           f"sin_relu_net(8, ...) should have weights of shapes [(8, 1), (1, 8)] (8 hidden units), got {shapes}.")
    knots = np.linspace(0.5, 2.5, 5)
    net = as_net(f(4, 0.5, 2.5), "sin_relu_net(4, 0.5, 2.5)")
    expect_close(forward(net, knots[:, None])[:, 0], np.sin(knots), PUBLIC_SIN_ATOL,
                 "sin_relu_net(4, 0.5, 2.5) at its knots 0.5, 1, 1.5, 2, 2.5", knots,
                 hint="4 hidden units, 5 knots: the net must equal sin at both ends too (what is its value "
                      "left of every kink?).")
    bound = student(interpolation_error_bound, "interpolation_error_bound")(1.0, 0.0)
    expect(isinstance(bound, (int, float)) and not isinstance(bound, bool),
           f"interpolation_error_bound(1.0, 0.0) should return a float, got {describe(bound)}")
    expect(bound == 0, f"interpolation_error_bound(h=1, max_abs_f2=0) returned {bound!r}: a function with f'' = 0 "
                       "is a straight line, which its interpolant reproduces exactly.")


# -- sawtooth_q9 ---------------------------------------------------------------------------------
def square_net_runs(square_net) -> None:
    """Check that square_net(1) is Linear, (ReLU, Linear)*d with 1 input and 1 output, runs on a
    (5, 1) batch, and equals x^2 at the knots 0, 1/2, 1."""
    f = student(square_net, "square_net")
    net = as_net(f(1), "square_net(1)")
    expect_relu_form(net, 1, "square_net(1)")
    out = student(net.handle, "square_net(1)")(TensorArg(np.linspace(0, 1, 5).reshape(5, 1), torch_dtype(net)))
    expect(isinstance(out, TensorValue) and out.shape == (5, 1),
           f"square_net(1) applied to a (5, 1) batch should give a (5, 1) tensor, got {describe(out)}")
    x = np.array([0.0, 0.5, 1.0])
    expect_close(forward(net, x[:, None])[:, 0], x ** 2, PUBLIC_NET_ATOL, "square_net(1)(x) at the knots k/2", x,
                 hint="at the knots the net must equal x^2 exactly. Check the weight of each sawtooth term "
                      "and that x itself reaches the output unchanged.")


# -- sawtooth_q10 --------------------------------------------------------------------------------
def product_net_runs(product_net) -> None:
    """Check that product_net(1) is Linear, (ReLU, Linear)*d with 2 inputs and 1 output, and that it
    multiplies the corners of the unit square to within the promised error 2^(-3)."""
    net = as_net(student(product_net, "product_net")(1), "product_net(1)")
    expect_relu_form(net, 2, "product_net(1)")
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    got = forward(net, corners)[:, 0]
    want = corners[:, 0] * corners[:, 1]
    worst = int(np.argmax(np.abs(got - want)))
    expect(np.abs(got - want).max() <= 2.0 ** -3,
           f"product_net(1) at (x, y) = {tuple(float(v) for v in corners[worst])} gives {got[worst]:.6g}, but x*y = {want[worst]:g} "
           f"and the error may be at most 2^(-2m-1) = 0.125. Which squares give x*y, and does every square "
           "net get an input in [0, 1]?")


# -- sawtooth_q11 --------------------------------------------------------------------------------
def product_of_n_runs(product_of_n) -> None:
    """Check that product_of_n(3, 1) has 3 inputs and 1 output and multiplies the corners of the cube
    to within the promised error 2 * 2^(-3)."""
    net = as_net(student(product_of_n, "product_of_n")(3, 1), "product_of_n(3, 1)")
    expect_relu_form(net, 3, "product_of_n(3, 1)")
    corners = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)], dtype=np.float64)
    got = forward(net, corners)[:, 0]
    want = corners.prod(axis=1)
    worst = int(np.argmax(np.abs(got - want)))
    expect(np.abs(got - want).max() <= 2 * 2.0 ** -3,
           f"product_of_n(3, 1) at x = {tuple(float(v) for v in corners[worst])} gives {got[worst]:.6g}, but the product is "
           f"{want[worst]:g} and the error may be at most (n - 1) 2^(-2m-1) = 0.25. Does every input reach the "
           "output, the odd one out too?")
