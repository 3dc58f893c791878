r"""Public checks of `init` (students run them with ``grader.check``): existence, types, shapes.

They are worth no points on their own: they are the first rungs of each question's ladder, so a
student sees the most basic problem first. The theory checks are hidden (``hidden.py``).
"""
from __future__ import annotations

import math

import numpy as np

from autograder.checking import (
    CheckFailed, LayerSpec, NetSpec, TensorArg, TensorValue, as_array, as_net, describe, expect, expect_layer_kinds,
    student,
)


def expect_real(value, what: str) -> float:
    """A Python float (numpy floats arrive as floats); fail on anything else or on NaN/inf."""
    expect(isinstance(value, float),
           f"{what} should return a float (e.g. `return float(...)`), got {describe(value)}")
    expect(math.isfinite(value), f"{what} returned {value}, which is not a finite number.")
    return value


def as_float_list(value, length: int, what: str) -> np.ndarray:
    """A list/tuple of numbers (or 0-d tensors), or a 1-D array/tensor, of ``length`` entries, as float64."""
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                items.append(float(item))
            elif isinstance(item, (np.ndarray, TensorValue)) and as_array(item, what).size == 1:
                items.append(float(as_array(item, what).reshape(-1)[0]))
            else:
                raise CheckFailed(f"{what} should be a list of floats, but one entry is {describe(item)}")
        array = np.array(items, dtype=np.float64)
    elif isinstance(value, (np.ndarray, TensorValue)) and as_array(value, what).ndim == 1:
        array = as_array(value, what)
    else:
        raise CheckFailed(f"{what} should be a list of floats, got {describe(value)}")
    expect(array.shape == (length,), f"{what} should have {length} entries (one per Linear layer / per value "
                                     f"asked for), got {array.shape[0]}.")
    return array


def linear_spec(weight: np.ndarray, bias) -> NetSpec:
    """A bare nn.Linear (float32) with the given parameters, to pass into student code."""
    return NetSpec([LayerSpec("linear", "Linear", np.asarray(weight, dtype=np.float64),
                              None if bias is None else np.asarray(bias, dtype=np.float64), "torch.float32")],
                   type_name="Linear")


# -- init_q1 -------------------------------------------------------------------------------------
def gain_type(leaky_relu_gain) -> None:
    """Check that leaky_relu_gain(0.2) returns a positive float."""
    value = expect_real(student(leaky_relu_gain, "leaky_relu_gain")(0.2), "leaky_relu_gain(0.2)")
    expect(value > 0, f"leaky_relu_gain(0.2) should be positive (it multiplies a standard deviation), got {value}.")


# -- init_q3 -------------------------------------------------------------------------------------
def init_returns_linear(init_leaky_relu_) -> None:
    """Check that init_leaky_relu_(Linear(3, 5), 0.2) returns an nn.Linear(3, 5) with new weights."""
    got = student(init_leaky_relu_, "init_leaky_relu_")(linear_spec(np.ones((5, 3)), np.ones(5)), 0.2)
    net = as_net(got, "init_leaky_relu_(layer, 0.2)")
    expect(net.type_name == "Linear" and len(net.layers) == 1 and net.layers[0].kind == "linear",
           f"init_leaky_relu_(layer, 0.2) should return the nn.Linear it was given, got a {net.type_name}.")
    weight = net.layers[0].weight
    expect(weight.shape == (5, 3), f"the layer should keep its shape (out, in) = (5, 3), got {weight.shape}.")
    expect(not np.all(weight == 1.0), "init_leaky_relu_ left the weights as they were (all ones): "
                                      "draw new ones, in place (e.g. with layer.weight.normal_ under torch.no_grad()).")


# -- init_q4 -------------------------------------------------------------------------------------
def mlp_structure(deep_mlp) -> None:
    """Check that deep_mlp(3, 16, 0.2) is Linear(64, 16), LeakyReLU, (Linear(16, 16), LeakyReLU) x 2,
    Linear(16, 10)."""
    net = as_net(student(deep_mlp, "deep_mlp")(3, 16, 0.2), "deep_mlp(3, 16, 0.2)")
    expect_layer_kinds(net, {"linear", "leaky_relu"}, "deep_mlp(3, 16, 0.2)")
    kinds = [layer.kind for layer in net.layers]
    expect(kinds == ["linear", "leaky_relu"] * 3 + ["linear"],
           f"deep_mlp(3, 16, 0.2) should be (Linear, LeakyReLU) x 3, then a Linear readout; got {kinds}.")
    shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
    expect(shapes == [(16, 64), (16, 16), (16, 16), (10, 16)],
           f"deep_mlp(3, 16, 0.2) should have weights of shapes [(16, 64), (16, 16), (16, 16), (10, 16)] "
           f"(in_features=64, out_features=10 by default), got {shapes}.")


# -- init_q5 -------------------------------------------------------------------------------------
def moments_list(layer_second_moments) -> None:
    """Check that layer_second_moments returns one non-negative number per Linear layer."""
    net = NetSpec([LayerSpec("linear", "Linear", np.array([[1.0, -1.0, 0.5], [0.0, 2.0, 1.0]]), np.zeros(2), "torch.float32"),
                   LayerSpec("leaky_relu", "LeakyReLU", negative_slope=0.2),
                   LayerSpec("linear", "Linear", np.array([[1.0, 1.0]]), np.zeros(1), "torch.float32")])
    x = TensorArg(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]), "float32")
    got = student(layer_second_moments, "layer_second_moments")(net, x)
    values = as_float_list(got, 2, "layer_second_moments(net, x) for a net with 2 Linear layers")
    expect(bool(np.all(np.isfinite(values) & (values >= 0))),
           f"mean squared pre-activations are finite and >= 0; got {values}.")


# -- init_q6 -------------------------------------------------------------------------------------
def critical_type(critical_sigma_w2) -> None:
    """Check that critical_sigma_w2(0.2) returns a positive float."""
    value = expect_real(student(critical_sigma_w2, "critical_sigma_w2")(0.2), "critical_sigma_w2(0.2)")
    expect(value > 0, f"critical_sigma_w2(0.2) is a variance, so positive; got {value}.")


# -- init_q7 -------------------------------------------------------------------------------------
def scan_shape(scan_init) -> None:
    """Check that scan_init([1.0, 2.0], steps=2) returns two finite losses."""
    got = student(scan_init, "scan_init")([1.0, 2.0], steps=2)
    losses = as_float_list(got, 2, "scan_init([1.0, 2.0], steps=2) (one final loss per scale)")
    expect(bool(np.all(np.isfinite(losses))) and bool(np.all(losses > 0)),
           f"cross-entropy losses are finite and positive; got {losses}.")


# -- init_q8 -------------------------------------------------------------------------------------
def chi1_types(tanh_chi1, tanh_critical_sigma_w2) -> None:
    """Check that tanh_chi1(0.5, 0.0) is 0.5 (zero bias, ordered phase: q* = 0 and tanh'(0) = 1) and
    that tanh_critical_sigma_w2(0.05) returns a float."""
    chi = expect_real(student(tanh_chi1, "tanh_chi1")(0.5, 0.0), "tanh_chi1(0.5, 0.0)")
    if abs(chi - 0.5) > 1e-6:
        raise CheckFailed(f"tanh_chi1(0.5, 0.0) should be 0.5: without bias and with sigma_w^2 < 1 the length "
                          f"map q -> sigma_w^2 E[tanh(sqrt(q) z)^2] has the fixed point q* = 0, where tanh'(0) = 1, "
                          f"so chi_1 = sigma_w^2. Got {chi:.6g}.")
    expect_real(student(tanh_critical_sigma_w2, "tanh_critical_sigma_w2")(0.05), "tanh_critical_sigma_w2(0.05)")
