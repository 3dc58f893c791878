r"""Public checks of `backprop` (students run them with ``grader.check``): existence, types, shapes.

They are worth no points on their own: they are the first rungs of each question's ladder, so a
student sees the most basic problem first. The theory checks are hidden (``hidden.py``).
"""
from __future__ import annotations

import math

import numpy as np

from autograder.checking import (
    CheckFailed, Handle, LayerSpec, LibraryCall, NetSpec, TensorArg, TensorValue, as_array, as_net, describe, expect,
    expect_shape, student,
)

LAB = "shared.backprop_lab"
J_KEYS = ("t", "u1", "u2", "u", "J", "dJ_du", "dJ_du1", "dJ_du2", "dJ_dt", "dJ_dx")


def as_number(value, what: str) -> float:
    """A Python/numpy number or a one-element tensor/array as a float; fail on anything else."""
    if isinstance(value, bool):
        raise CheckFailed(f"{what} should be a number, but it is {describe(value)}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (np.ndarray, TensorValue)):
        array = as_array(value, what)
        if array.size == 1:
            return float(array.reshape(-1)[0])
    raise CheckFailed(f"{what} should be a number (a float), but it is {describe(value)}")


# -- backprop_q1: bumps -------------------------------------------------------------------------
def bumps_shapes(sigmoid_bump, cybenko_approx) -> None:
    """Check that sigmoid_bump maps an array to an array of its shape and that cybenko_approx
    returns a function of arrays."""
    x = np.linspace(-1.0, 1.0, 7)
    out = as_array(student(sigmoid_bump, "sigmoid_bump")(x, -0.5, 0.5, 10.0), "sigmoid_bump(x, -0.5, 0.5, 10)")
    expect_shape(out, x.shape, "sigmoid_bump(x, -0.5, 0.5, 10) for x of shape (7,)")
    g = student(cybenko_approx, "cybenko_approx")(LibraryCall(LAB, "bump_target", ("cos",)), 0.0, 1.0, 4, 20.0)
    expect(isinstance(g, Handle),
           f"cybenko_approx(f, 0, 1, 4, 20) should return a function (a def or lambda), but returned {describe(g)}")
    y = as_array(student(g, "cybenko_approx(f, 0, 1, 4, 20)")(np.linspace(0.0, 1.0, 5)), "g(x)")
    expect_shape(y, (5,), "g(x) for x of shape (5,), g = cybenko_approx(f, 0, 1, 4, 20)")


# -- backprop_q2: J by hand ---------------------------------------------------------------------
def forward_backward_J_keys(forward_backward_J) -> None:
    """Check that forward_backward_J(0.7) returns a dict of the ten named numbers."""
    got = student(forward_backward_J, "forward_backward_J")(0.7)
    expect(isinstance(got, dict),
           f"forward_backward_J(0.7) should return a dict, but returned {describe(got)}")
    missing = [k for k in J_KEYS if k not in got]
    expect(not missing, f"forward_backward_J(0.7) is missing the keys {missing}; it should have exactly "
                        f"{list(J_KEYS)}.")
    for key in J_KEYS:
        value = as_number(got[key], f"forward_backward_J(0.7)[{key!r}]")
        expect(math.isfinite(value), f"forward_backward_J(0.7)[{key!r}] is {value}, not a finite number.")


# -- backprop_q3: Value -------------------------------------------------------------------------
# One tiny program per operation (x0 = 0.8, x1 = -1.3): each must run and give numbers.
OP_PROGRAMS = [
    [("add", 0, 1)], [("sub", 0, 1)], [("mul", 0, 1)], [("div", 0, 1)], [("neg", 0)], [("pow", 0, 2.0)],
    [("add_c", 0, 2.0)], [("radd_c", 0, 2.0)], [("sub_c", 0, 2.0)], [("rsub_c", 0, 2.0)],
    [("mul_c", 0, 2.0)], [("rmul_c", 0, 2.0)], [("div_c", 0, 2.0)], [("rdiv_c", 0, 2.0)],
    [("sin", 0)], [("cos", 0)], [("exp", 0)], [("tanh", 0)], [("relu", 0)], [("sigmoid", 0)],
]


def run_value_program(Value, inputs, program) -> dict:
    """Run ``program`` with the student's Value class on the student side; fail with the step's error."""
    f = student(Value, "Value")
    result = f.library(LibraryCall(LAB, "run_program", (Value, list(inputs), [tuple(s) for s in program])))
    expect(isinstance(result, dict) and "ok" in result,
           f"shared.backprop_lab.run_program returned {describe(result)} (was shared/ modified?)")
    if not result["ok"]:
        raise CheckFailed(f"Building a graph with your Value class failed: {result['error']}")
    return result


def value_ops_run(Value) -> None:
    """Check that every operation of Value runs (+, -, *, / with Values and numbers on either side,
    ** a number, unary -, sin, cos, exp, tanh, relu, sigmoid) and that backward() runs."""
    for program in OP_PROGRAMS:
        run_value_program(Value, [0.8, -1.3], program)


# -- backprop_q4: gradient norms ----------------------------------------------------------------
def gradient_norms_shape(gradient_norms_by_layer) -> None:
    """Check that gradient_norms_by_layer(3, 4, act, init, 0) is a list of 3 positive numbers."""
    f = student(gradient_norms_by_layer, "gradient_norms_by_layer")
    for activation, init in (("sigmoid", "default"), ("relu", "he")):
        call = f"gradient_norms_by_layer(3, 4, {activation!r}, {init!r}, 0)"
        got = f(3, 4, activation, init, 0)
        expect(isinstance(got, (list, tuple)) and len(got) == 3,
               f"{call} should return a list of 3 numbers (one per layer), but returned {describe(got)}")
        norms = [as_number(v, f"{call}[{i}]") for i, v in enumerate(got)]
        expect(all(math.isfinite(v) and v > 0 for v in norms),
               f"{call} returned {norms}: gradient norms are positive and finite.")


# -- backprop_q5: pretraining -------------------------------------------------------------------
def small_codes() -> np.ndarray:
    return np.random.default_rng(7).uniform(0.0, 1.0, (40, 6))


def expect_encoder(net, kinds_widths: list, what: str) -> None:
    """net is Linear/Sigmoid pairs with the given (in, out) shapes."""
    kinds = [layer.kind for layer in net.layers]
    expect(kinds == ["linear", "sigmoid"] * len(kinds_widths),
           f"{what} should be (Linear, Sigmoid) x {len(kinds_widths)}; its layers are {kinds}.")
    shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
    want = [(o, i) for i, o in kinds_widths]
    expect(shapes == want, f"{what} should have weights of shapes {want}; got {shapes}.")


def pretrain_types(train_autoencoder_layer, greedy_pretrain) -> None:
    """Check that train_autoencoder_layer returns (encoder, decoder, losses) with the right shapes and
    that greedy_pretrain returns an nn.Sequential of (Linear, Sigmoid) pairs."""
    codes = TensorArg(small_codes(), "float32")
    call = "train_autoencoder_layer(codes of shape (40, 6), 3, 2, 0)"
    got = student(train_autoencoder_layer, "train_autoencoder_layer")(codes, 3, 2, 0)
    expect(isinstance(got, (tuple, list)) and len(got) == 3,
           f"{call} should return a tuple (encoder, decoder, losses), but returned {describe(got)}")
    encoder, decoder, losses = got
    expect_encoder(as_net(encoder, f"{call}[0] (the encoder)"), [(6, 3)], f"{call}[0] (the encoder)")
    decoder = as_net(decoder, f"{call}[1] (the decoder)")
    expect([layer.kind for layer in decoder.layers] == ["linear"] and decoder.layers[0].weight.shape == (6, 3),
           f"{call}[1] should be one nn.Linear(3, 6) (the decoder); got {[l.kind for l in decoder.layers]}.")
    expect(isinstance(losses, (list, tuple)) and len(losses) == 3,
           f"{call}[2] should be a list of 3 losses (before training, then after each of the 2 epochs); "
           f"got {describe(losses)}")
    for i, value in enumerate(losses):
        as_number(value, f"{call}[2][{i}]")
    net = as_net(student(greedy_pretrain, "greedy_pretrain")(codes, [4, 2], 1, 0),
                 "greedy_pretrain(codes of shape (40, 6), [4, 2], 1, 0)")
    expect_encoder(net, [(6, 4), (4, 2)], "greedy_pretrain(codes of shape (40, 6), [4, 2], 1, 0)")


# -- backprop_q6: fine-tuning -------------------------------------------------------------------
def finetune_types(finetune) -> None:
    """Check that finetune returns (model, accuracy): encoder layers + Linear(width, 10), and a
    number in [0, 1]."""
    rng = np.random.default_rng(3)
    encoder = NetSpec([
        _linear(rng.uniform(-0.125, 0.125, (5, 64)), rng.uniform(-0.125, 0.125, 5)), _sigmoid()])
    call = "finetune(encoder Linear(64, 5) + Sigmoid, load_digits_split(), 20, 1, 0)"
    got = student(finetune, "finetune")(encoder, LibraryCall(LAB, "load_digits_split", ()), 20, 1, 0)
    expect(isinstance(got, (tuple, list)) and len(got) == 2,
           f"{call} should return a tuple (model, test accuracy), but returned {describe(got)}")
    model, accuracy = got
    model = as_net(model, f"{call}[0]")
    kinds = [layer.kind for layer in model.layers]
    expect(kinds == ["linear", "sigmoid", "linear"] and model.layers[-1].weight.shape == (10, 5),
           f"{call}[0] should be the encoder's layers followed by nn.Linear(5, 10); its layers are {kinds}.")
    accuracy = as_number(accuracy, f"{call}[1]")
    expect(0.0 <= accuracy <= 1.0, f"{call}[1] is {accuracy}: an accuracy is a fraction in [0, 1].")


def _linear(weight: np.ndarray, bias: np.ndarray) -> LayerSpec:
    return LayerSpec("linear", "Linear", np.asarray(weight, dtype=np.float64), np.asarray(bias, dtype=np.float64),
                     "torch.float32")


def _sigmoid() -> LayerSpec:
    return LayerSpec("sigmoid", "Sigmoid")
