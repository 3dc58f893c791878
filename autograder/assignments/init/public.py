r"""Public checks of `init` (students run them with ``grader.check``): existence, types, shapes, and
one cheap property per question that catches its most common mistake without giving the answer away
(He's ReLU values from the lecture, exact values on tiny inputs, invariances).

They are worth no points on their own: they are the first rungs of each question's ladder, so a
student sees the most basic problem first. The theory checks are hidden (``hidden.py``,
``hidden_depth.py``).
"""
from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

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


# He et al. (the lecture): for ReLU the weight scale that keeps E[z^2] constant is std = sqrt(2 / fan_in).
HE_RELU_SCALE = math.sqrt(2.0)
# A weight matrix of N >= 8192 iid Gaussian entries: the relative error of its sample RMS is about
# 1/sqrt(2N) <= 0.8%, so a 5% window is more than 6 standard errors wide (false fail < 1e-9), while a
# missing square root, a squared gain, a variance passed as std or fan_out for fan_in are off by 30% or more.
SCALE_RTOL = 0.05


def rms_scale(weight: np.ndarray) -> float:
    """sqrt(mean(W^2)) * sqrt(fan_in) for a weight of shape (fan_out, fan_in)."""
    return float(np.sqrt(np.mean(np.asarray(weight, dtype=np.float64) ** 2)) * math.sqrt(weight.shape[1]))


def scale_hint(scale: float, want: float, fan_in: int) -> str:
    """The common mistake a measured std x sqrt(fan_in) points to, if any."""
    if abs(scale - want * want) <= SCALE_RTOL * want * want:
        return " That is the square of the expected value: is the variance used as the standard deviation?"
    if abs(scale * math.sqrt(fan_in) - want) <= SCALE_RTOL * want:
        return " Is a square root missing on fan_in (std = gain / sqrt(fan_in), not gain / fan_in)?"
    if abs(scale - 1 / math.sqrt(3)) <= SCALE_RTOL:
        return " That is PyTorch's default init of nn.Linear: the weights were not re-drawn."
    return ""


def expect_independent_entries(weight: np.ndarray, what: str) -> None:
    """Fail when two rows or two columns of ``weight`` are equal. One row (or column) drawn and then
    expanded or repeated has the right variance entry by entry, so a scale test passes or fails it
    by chance; but its entries are not independent, and the theory needs them to be (z_i sums fan_in
    independent products). Deterministic. For a correct init the false-fail probability is below
    1e-60: no float32 value has probability above 2e-7 under a normal or uniform draw at these
    scales, so two rows or columns of m independent entries coincide with probability <= (2e-7)^m;
    the checks' weights have m >= 64 (fan_in and fan_out of 64 to 256), and fewer than 1e5 pairs."""
    w = np.asarray(weight)
    for axis, name in ((0, "rows"), (1, "columns")):
        distinct = np.unique(w, axis=axis).shape[axis]
        expect(distinct == w.shape[axis],
               f"{what}: only {distinct} of the {w.shape[axis]} {name} of the weight are different. Every weight "
               "should be its own independent draw (weight.normal_(0, std) fills each entry independently); one "
               f"row or column drawn and then expanded or repeated has the right variance entry by entry, but not "
               "the independence the variance-preservation argument needs.")


# -- init_q1 -------------------------------------------------------------------------------------
def gain_type(leaky_relu_gain) -> None:
    """Check that leaky_relu_gain returns a positive float, He's sqrt(2) for ReLU (a = 0, b = 1), and
    scales like 1/c when both slopes are multiplied by c (E[phi^2] scales by c^2)."""
    f = student(leaky_relu_gain, "leaky_relu_gain")
    value = expect_real(f(0.2), "leaky_relu_gain(0.2)")
    expect(value > 0, f"leaky_relu_gain(0.2) should be positive (it multiplies a standard deviation), got {value}.")
    relu = expect_real(f(0.0), "leaky_relu_gain(0.0)")
    expect(abs(relu - HE_RELU_SCALE) <= 1e-6,
           f"leaky_relu_gain(0.0) is the ReLU gain of the lecture (He et al.): sqrt(2) = 1.41421356; got {relu:.8g}."
           + (" 2 is the variance factor sigma_w^2 = fan_in Var[W]; the gain is the factor of the standard deviation."
              if abs(relu - 2.0) <= 1e-6 else ""))
    base = expect_real(f(0.3, positive_slope=1.0), "leaky_relu_gain(0.3, positive_slope=1.0)")
    scaled = expect_real(f(0.6, positive_slope=2.0), "leaky_relu_gain(0.6, positive_slope=2.0)")
    expect(abs(scaled - base / 2) <= 1e-6 * base,
           f"Doubling both slopes doubles phi, multiplies E[phi(z)^2] by 4 and so must halve the gain: "
           f"leaky_relu_gain(0.6, positive_slope=2.0) should be leaky_relu_gain(0.3) / 2 = {base / 2:.8g}, got "
           f"{scaled:.8g}. Do both slopes enter squared, and is positive_slope used?")


# -- init_q3 -------------------------------------------------------------------------------------
def init_returns_linear(init_leaky_relu_) -> None:
    """Check that init_leaky_relu_(Linear(3, 5), 0.2) returns an nn.Linear(3, 5) with new weights, and that
    for ReLU (a = 0) the weights have He's scale std = sqrt(2 / fan_in) for fan_in 64 and 256."""
    f = student(init_leaky_relu_, "init_leaky_relu_")
    expected = "the nn.Linear it was given (changed in place)"
    net = as_net(f(linear_spec(np.ones((5, 3)), np.ones(5)), 0.2), "init_leaky_relu_(layer, 0.2)", expected)
    expect(net.type_name == "Linear" and len(net.layers) == 1 and net.layers[0].kind == "linear",
           f"init_leaky_relu_(layer, 0.2) should return {expected}, got a {net.type_name}.")
    weight = net.layers[0].weight
    expect(weight.shape == (5, 3), f"the layer should keep its shape (out, in) = (5, 3), got {weight.shape}.")
    expect(not np.all(weight == 1.0), "init_leaky_relu_ left the weights as they were (all ones): "
                                      "draw new ones, in place (e.g. with layer.weight.normal_ under torch.no_grad()).")
    for fan_in in (64, 256):
        call = f"init_leaky_relu_(Linear({fan_in}, 128), 0.0)"
        layer = as_net(f(linear_spec(np.ones((128, fan_in)), np.ones(128)), 0.0), call, expected).layers[0]
        expect_independent_entries(layer.weight, call)
        scale = rms_scale(layer.weight)
        expect(abs(scale - HE_RELU_SCALE) <= SCALE_RTOL * HE_RELU_SCALE,
               f"For ReLU (negative_slope = 0) the lecture's He initialisation has std = sqrt(2 / fan_in), i.e. "
               f"std x sqrt(fan_in) = 1.414; {call} gave weights with std x sqrt(fan_in) = {scale:.4g} "
               f"(sample root mean square)." + scale_hint(scale, HE_RELU_SCALE, fan_in))


# -- init_q4 -------------------------------------------------------------------------------------
def mlp_structure(deep_mlp) -> None:
    """Check that deep_mlp(3, 16, 0.2) is Linear(64, 16), LeakyReLU, (Linear(16, 16), LeakyReLU) x 2,
    Linear(16, 10), and that every Linear layer of deep_mlp(2, 256, 0.0, sigma_w2=s2, 128, 64) has
    std x sqrt(fan_in) = sqrt(s2) (s2 = 8), and sqrt(2) (He, ReLU) when sigma_w2 is None."""
    f = student(deep_mlp, "deep_mlp")
    net = as_net(f(3, 16, 0.2), "deep_mlp(3, 16, 0.2)")
    expect_layer_kinds(net, {"linear", "leaky_relu"}, "deep_mlp(3, 16, 0.2)")
    kinds = [layer.kind for layer in net.layers]
    expect(kinds == ["linear", "leaky_relu"] * 3 + ["linear"],
           f"deep_mlp(3, 16, 0.2) should be (Linear, LeakyReLU) x 3, then a Linear readout; got {kinds}.")
    shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
    expect(shapes == [(16, 64), (16, 16), (16, 16), (10, 16)],
           f"deep_mlp(3, 16, 0.2) should have weights of shapes [(16, 64), (16, 16), (16, 16), (10, 16)] "
           f"(in_features=64, out_features=10 by default), got {shapes}.")
    for sigma_w2, want in ((8.0, math.sqrt(8.0)), (None, HE_RELU_SCALE)):
        call = f"deep_mlp(2, 256, 0.0, sigma_w2={sigma_w2}, in_features=128, out_features=64)"
        net = as_net(f(2, 256, 0.0, sigma_w2=sigma_w2, in_features=128, out_features=64), call)
        for i, layer in enumerate(net.linear_layers):
            expect_independent_entries(layer.weight, f"{call}: Linear layer {i + 1} of {len(net.linear_layers)}")
            scale = rms_scale(layer.weight)
            rule = ("sqrt(sigma_w2) (Var[W] = sigma_w2 / fan_in)" if sigma_w2 is not None else
                    "He's sqrt(2) for ReLU (sigma_w2=None means the critical value)")
            expect(abs(scale - want) <= SCALE_RTOL * want,
                   f"{call}: Linear layer {i + 1} of {len(net.linear_layers)} ({layer.weight.shape[1]} -> "
                   f"{layer.weight.shape[0]}) has std x sqrt(fan_in) = {scale:.4g}; it should be {rule} = {want:.4g}. "
                   "Every Linear layer, the readout included, is drawn at this scale."
                   + scale_hint(scale, want, layer.weight.shape[1]))


# -- init_q5 -------------------------------------------------------------------------------------
_MOMENT_NET = NetSpec([LayerSpec("linear", "Linear", np.array([[1.0, -1.0, 0.5], [0.0, 2.0, 1.0]]),
                                 np.array([0.5, -1.0]), "torch.float32"),
                       LayerSpec("leaky_relu", "LeakyReLU", negative_slope=0.2),
                       LayerSpec("linear", "Linear", np.array([[1.0, 1.0]]), np.array([0.25]), "torch.float32")])
_MOMENT_X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])


def moments_list(layer_second_moments) -> None:
    """Check layer_second_moments on a tiny net with biases (so that the mean of z is not 0): one value per
    Linear layer, each mean(z**2) of that layer's output, exactly (float32 round-off)."""
    got = student(layer_second_moments, "layer_second_moments")(_MOMENT_NET, TensorArg(_MOMENT_X, "float32"))
    values = as_float_list(got, 2, "layer_second_moments(net, x) for a net with 2 Linear layers")
    expect(bool(np.all(np.isfinite(values) & (values >= 0))),
           f"mean squared pre-activations are finite and >= 0; got {values}.")
    first = _MOMENT_X @ _MOMENT_NET.layers[0].weight.T + _MOMENT_NET.layers[0].bias
    second = np.where(first > 0, first, 0.2 * first) @ _MOMENT_NET.layers[2].weight.T + _MOMENT_NET.layers[2].bias
    want = np.array([np.mean(first ** 2), np.mean(second ** 2)])
    expect(bool(np.all(np.abs(values - want) <= 1e-5 * want)),
           f"For x of shape (4, 3) through Linear(3, 2) (with bias), LeakyReLU(0.2), Linear(2, 1) (with bias), "
           f"layer_second_moments should be [mean(z_1**2), mean(z_2**2)] = {np.round(want, 6).tolist()} "
           f"(z_l the output of the l-th Linear, the mean over the batch and the units); got {np.round(values, 6).tolist()}. "
           "The second moment, not the variance; before the activation, not after.")


# -- init_q6 -------------------------------------------------------------------------------------
def critical_type(critical_sigma_w2) -> None:
    """Check that critical_sigma_w2 returns a positive float, and He's 2 for ReLU (a = 0)."""
    f = student(critical_sigma_w2, "critical_sigma_w2")
    value = expect_real(f(0.2), "critical_sigma_w2(0.2)")
    expect(value > 0, f"critical_sigma_w2(0.2) is a variance factor, so positive; got {value}.")
    relu = expect_real(f(0.0), "critical_sigma_w2(0.0)")
    expect(abs(relu - 2.0) <= 1e-6,
           f"critical_sigma_w2(0.0) is the ReLU value of the lecture (He et al.): sigma_w^2 = fan_in Var[W] = 2; got "
           f"{relu:.8g}." + (" sqrt(2) is the gain, the factor of the standard deviation; sigma_w^2 is its square."
                             if abs(relu - math.sqrt(2.0)) <= 1e-6 else ""))


# -- init_q7 -------------------------------------------------------------------------------------
def scan_shape(scan_init) -> None:
    """Check that scan_init([1.0, 1.0], steps=2) returns two finite losses, and equal ones: every scale
    starts from the same seed, so the same scale twice gives the same run."""
    got = student(scan_init, "scan_init")([1.0, 1.0], steps=2)
    losses = as_float_list(got, 2, "scan_init([1.0, 1.0], steps=2) (one final loss per scale)")
    expect(bool(np.all(np.isfinite(losses))) and bool(np.all(losses > 0)),
           f"cross-entropy losses are finite and positive; got {losses}.")
    expect(abs(losses[0] - losses[1]) <= 1e-6 * abs(losses[1]),
           f"scan_init([1.0, 1.0], steps=2) gave {losses[0]:.6g} and {losses[1]:.6g} for the same scale: seed torch "
           "with `seed` before building each net (inside the loop over scales), so that every scale starts from the "
           "same draw and sees the same mini-batches.")


# -- init_q8 -------------------------------------------------------------------------------------
_GH_Z, _GH_W = hermegauss(201)
_GH_W = _GH_W / _GH_W.sum()


def chi1_types(tanh_q_star, tanh_chi1, tanh_critical_sigma_w2) -> None:
    """Check that tanh_q_star(2.0, 0.2) is a fixed point of the length map (evaluated here by 201-node
    quadrature), that tanh_chi1(0.5, 0.0) is 0.5 (zero bias, ordered phase: q* = 0 and tanh'(0) = 1) and
    that tanh_critical_sigma_w2(0.05) returns a float."""
    q = expect_real(student(tanh_q_star, "tanh_q_star")(2.0, 0.2), "tanh_q_star(2.0, 0.2)")
    expect(q > 0, f"tanh_q_star(2.0, 0.2) is a mean squared pre-activation, so positive; got {q}.")
    image = 2.0 * float(_GH_W @ np.tanh(math.sqrt(q) * _GH_Z) ** 2) + 0.2
    expect(abs(image - q) <= 1e-6,
           f"q* = tanh_q_star(2.0, 0.2) = {q:.8f} should be a fixed point of the length map "
           f"q -> 2.0 E[tanh(sqrt(q) z)^2] + 0.2, but the map sends it to {image:.8f}. Solve q = map(q) to full "
           "precision (a bracketing root finder), rather than iterating the map a few times.")
    chi = expect_real(student(tanh_chi1, "tanh_chi1")(0.5, 0.0), "tanh_chi1(0.5, 0.0)")
    if abs(chi - 0.5) > 1e-6:
        raise CheckFailed(f"tanh_chi1(0.5, 0.0) should be 0.5: without bias and with sigma_w^2 < 1 the length "
                          f"map q -> sigma_w^2 E[tanh(sqrt(q) z)^2] has the fixed point q* = 0, where tanh'(0) = 1, "
                          f"so chi_1 = sigma_w^2. Got {chi:.6g}.")
    expect_real(student(tanh_critical_sigma_w2, "tanh_critical_sigma_w2")(0.05), "tanh_critical_sigma_w2(0.05)")


# -- init_q9 -------------------------------------------------------------------------------------
def circle_polygon_length(n_in: int, n_points: int) -> float:
    """Length of the closed regular polygon of n_points on a circle of radius sqrt(n_in): 2 n r sin(pi / n)."""
    return 2.0 * n_points * math.sqrt(n_in) * math.sin(math.pi / n_points)


def trajectory_shape(trajectory_lengths) -> None:
    """Check that trajectory_lengths(small tanh factory, depth=3, n_points=16, seed=0) returns 4 positive lengths,
    the first the closed 16-gon on the circle of radius sqrt(6) (in_features = 6)."""
    from autograder.checking import LibraryCall

    factory = LibraryCall("shared.random_nets", "tanh_net_factory", (8, 1.5, 0.1, 6))
    call = "trajectory_lengths(tanh_net_factory(8, 1.5, 0.1, in_features=6), depth=3, n_points=16, seed=0)"
    lengths = as_float_list(student(trajectory_lengths, "trajectory_lengths")(factory, 3, 16, 0), 4,
                            f"{call} (the input circle and the curve after each of the 3 Linear layers)")
    expect(bool(np.all(np.isfinite(lengths)) and np.all(lengths > 0)),
           f"{call}: lengths are finite and positive; got {np.round(lengths, 5).tolist()}.")
    want = circle_polygon_length(6, 16)
    chord = want / 16
    hints = {16 * chord * chord: " That is the sum of the squared distances: the length of a segment is the square "
                                 "root of its squared length.",
             want / math.sqrt(6): " That is the polygon on the unit circle: the radius is sqrt(n_in), so that the "
                                  "points have mean squared coordinate 1.",
             want * 15 / 16: " That polygon is not closed: add the segment from the last point back to the first.",
             2 * 15 * math.sqrt(6) * math.sin(math.pi / 15): " Those are 15 distinct points: the angles are "
                                                              "2 pi k / n_points for k = 0..n_points-1."}
    hint = next((text for value, text in hints.items() if abs(lengths[0] - value) <= 1e-4 * value), "")
    expect(abs(lengths[0] - want) <= 1e-5 * want,
           f"{call}: lengths[0] should be the length of the closed polygon through 16 equally spaced points of the "
           f"circle of radius sqrt(6) in input space, {want:.6f}; got {lengths[0]:.6f}." + hint)


# -- init_q10 ------------------------------------------------------------------------------------
def log_variance_type(log_signal_variance) -> None:
    """Check that log_signal_variance([4, 8, 8, 8], 0.2, n_nets=10, seed=0) is a positive finite float."""
    call = "log_signal_variance([4, 8, 8, 8], 0.2, n_nets=10, seed=0)"
    value = expect_real(student(log_signal_variance, "log_signal_variance")([4, 8, 8, 8], 0.2, 10, 0), call)
    expect(value > 0, f"{call} should be the positive spread of log(q_3 / q_1) over 10 different random nets; got "
                      f"{value}." + (" All nets were the same: seed torch once, before the loop over the nets, not "
                                     "before each net." if value == 0 else ""))
