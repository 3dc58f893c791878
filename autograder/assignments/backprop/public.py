r"""Public checks of `backprop` (students run them with ``grader.check``): existence, types, shapes.

They are worth no points on their own: they are the first rungs of each question's ladder, so a
student sees the most basic problem first. The theory checks are hidden (``hidden.py``).
"""
from __future__ import annotations

import math

import numpy as np

from autograder.checking import (
    CheckFailed, Handle, LayerSpec, LibraryCall, NetSpec, PiecewiseLinear, TensorArg, TensorValue, as_array, as_net,
    describe, expect, expect_shape, forward, student,
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


# A constant f = 1 must be reproduced exactly on [lo, hi] (the bumps telescope to 1); float64
# round-off of a sum of 16 bumps stays below 1e-14. Deterministic.
UNITY_ATOL = 1e-12


def bumps_properties(sigmoid_bump, cybenko_approx) -> None:
    """Check the properties the prompt states, without the formula: a bump lies in [0, 1]; with
    a = -inf and b = +inf it is 1; its ramps have width about 1/k (6/k inside an edge it is above
    0.99, 6/k outside below 0.01); the bumps of cybenko_approx sum to 1 on all of [lo, hi]."""
    bump = student(sigmoid_bump, "sigmoid_bump")
    for a, b, k in ((-1.0, 1.0, 50.0), (0.2, 3.0, 8.0)):
        call = f"sigmoid_bump(x, {a}, {b}, {k})"
        x = np.array([a - 6.0 / k, a + 6.0 / k, (a + b) / 2, b - 6.0 / k, b + 6.0 / k])
        got = as_array(bump(x, a, b, k), call)
        expect_shape(got, x.shape, f"{call} for x of shape {x.shape}")
        expect(bool(np.all(np.isfinite(got))) and bool(np.all((got >= 0.0) & (got <= 1.0))),
               f"{call} gave {np.round(got, 4).tolist()} at x = a -+ 6/k, (a + b)/2, b -+ 6/k: a bump is the "
               "difference of two sigmoid units (each between 0 and 1), one switching on at a and one at b, "
               "so it lies between 0 and 1. (Values near 2: are the two sigmoids added?)")
        expect(got[0] < 0.01 and got[1] > 0.99 and got[3] > 0.99 and got[4] < 0.01,
               f"{call} gave {np.round(got, 4).tolist()} at x = a - 6/k, a + 6/k, (a + b)/2, b - 6/k, b + 6/k: "
               "with input weight k the ramps have width about 1/k, so 6/k inside an edge the bump should be "
               "above 0.99 and 6/k outside below 0.01. Does k multiply the distance to the edge?")
    x = np.linspace(-2.0, 2.0, 9)
    got = as_array(bump(x, -math.inf, math.inf, 3.0), "sigmoid_bump(x, -inf, inf, 3)")
    expect(got.shape == x.shape and bool(np.all(np.isfinite(got))) and np.allclose(got, 1.0, atol=UNITY_ATOL),
           f"sigmoid_bump(x, -inf, inf, 3) gave {got.tolist() if got.size < 12 else describe(got)}: with both "
           "edges open the bump never switches on or off and is 1 everywhere (sigma(+inf) = 1, sigma(-inf) = 0). "
           "NaN? np.exp(z) / (1 + np.exp(z)) gives inf/inf at z = inf; 1 / (1 + np.exp(-z)) does not.")
    one = PiecewiseLinear(np.array([-10.0, 10.0]), np.array([1.0, 1.0]))
    for lo, hi, n, k in ((0.0, 1.0, 16, 40.0), (-2.0, 2.0, 5, 1.0)):
        call = f"cybenko_approx(f = 1, {lo}, {hi}, {n}, {k})"
        g = student(cybenko_approx, "cybenko_approx")(one, lo, hi, n, k)
        expect(isinstance(g, Handle), f"{call} should return a function, but returned {describe(g)}")
        x = np.linspace(lo, hi, 41)
        y = as_array(student(g, call)(x), f"{call}(x)")
        expect_shape(y, x.shape, f"{call}(x) for x of shape {x.shape}")
        worst = int(np.argmax(np.abs(y - 1.0)))
        expect(bool(np.all(np.isfinite(y))) and abs(y[worst] - 1.0) <= UNITY_ATOL,
               f"{call}(x) should be exactly 1 on all of [{lo}, {hi}] (the bumps must sum to 1 there, so a "
               f"constant is reproduced for every k); at x = {x[worst]:g} it is {y[worst]:.6g}. Near the ends: "
               "what must the first bump's left ramp and the last bump's right ramp be so that no ramp "
               "of the sum lies at lo or hi?")


# -- backprop_q3: J by hand ---------------------------------------------------------------------
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


# Central differences of the student's own J with step 1e-6: truncation error <= eps^2/6 |J'''|
# (|J'''| < 2e3 at these points and parameters) plus round-off 2e-16/eps: below 1e-8, far inside
# 1e-6 relative. A missing or misplaced contribution to dJ/dt is off by > 0.1. Deterministic.
FD_STEP = 1e-6
FD_RTOL = 1e-6


def forward_backward_J_consistent(forward_backward_J) -> None:
    """Check that dJ_dx is the slope of your own J: it equals the central difference
    (J(x + eps) - J(x - eps)) / (2 eps) at three points (a = 1.5, b = 0.7), to 1e-6 relative."""
    f = student(forward_backward_J, "forward_backward_J")
    a, b = 1.5, 0.7

    def value(x: float, key: str) -> float:
        got = f(x, a=a, b=b)
        expect(isinstance(got, dict) and key in got, f"forward_backward_J({x:.8g}, a={a}, b={b}) should return a dict "
                                                     f"with the key {key!r}; got {describe(got)}")
        return as_number(got[key], f"forward_backward_J({x:.8g}, a={a}, b={b})[{key!r}]")

    for x in (0.3, -0.9, 1.2):
        slope = (value(x + FD_STEP, "J") - value(x - FD_STEP, "J")) / (2.0 * FD_STEP)
        got = value(x, "dJ_dx")
        expect(abs(got - slope) <= FD_RTOL * max(1.0, abs(slope)),
               f"forward_backward_J({x}, a={a}, b={b})['dJ_dx'] is {got:.10g}, but your own J changes at the rate "
               f"{slope:.10g} there (a central difference, step {FD_STEP:g}). The adjoints must be the derivatives "
               "of the J you compute: is every path from x to J counted (how many nodes use t)?")


# -- backprop_q4: Value -------------------------------------------------------------------------
# One tiny program per operation (x0 = 0.8, x1 = -1.3): each must run and give numbers.
OP_PROGRAMS = [
    [("add", 0, 1)], [("sub", 0, 1)], [("mul", 0, 1)], [("div", 0, 1)], [("neg", 0)], [("pow", 0, 2.0)],
    [("add_c", 0, 2.0)], [("radd_c", 0, 2.0)], [("sub_c", 0, 2.0)], [("rsub_c", 0, 2.0)],
    [("mul_c", 0, 2.0)], [("rmul_c", 0, 2.0)], [("div_c", 0, 2.0)], [("rdiv_c", 0, 2.0)],
    [("sin", 0)], [("cos", 0)], [("exp", 0)], [("tanh", 0)], [("relu", 0)], [("sigmoid", 0)],
]


def run_value_program(Value, inputs, program, backward: bool = True, hint: str = "") -> dict:
    """Run ``program`` with the student's Value class on the student side; fail with the step's error
    (and ``hint``)."""
    f = student(Value, "Value")
    result = f.library(LibraryCall(LAB, "run_program", (Value, list(inputs), [tuple(s) for s in program]),
                                   {"backward": backward}))
    expect(isinstance(result, dict) and "ok" in result,
           f"shared.backprop_lab.run_program returned {describe(result)} (was shared/ modified?)")
    if not result["ok"]:
        error = str(result["error"])
        raise CheckFailed(f"Building a graph with your Value class failed: {error}"
                          + ("" if not hint or error.endswith(".") else ".") + hint)
    return result


def value_ops_run(Value) -> None:
    """Check that every operation of Value runs (+, -, *, / with Values and numbers on either side,
    ** a number, unary -, sin, cos, exp, tanh, relu, sigmoid) and that backward() runs."""
    for program in OP_PROGRAMS:
        run_value_program(Value, [0.8, -1.3], program)


# x0 feeds v1 = x0 * x0 (twice), v3 = sin(v1) + v1 uses v1 twice, v4 = v3 * x0 uses x0 a third
# time. Central difference of the student's own forward values, step 1e-6: error < 1e-9, far inside
# 1e-6 relative; = instead of += (or a wrong order) is off by > 0.3. Deterministic.
SHARED_NODE_PROGRAM = [("mul", 0, 0), ("sin", 1), ("add", 2, 1), ("mul", 3, 0)]


def value_shared_node_slope(Value) -> None:
    """Check, on a graph where nodes are used several times, that x0.grad after backward() is the
    slope of your own forward values (a central difference), without telling the value."""
    x0 = 0.7
    ahead = run_value_program(Value, [x0 + FD_STEP], SHARED_NODE_PROGRAM, backward=False)["data"][-1]
    behind = run_value_program(Value, [x0 - FD_STEP], SHARED_NODE_PROGRAM, backward=False)["data"][-1]
    slope = (ahead - behind) / (2.0 * FD_STEP)
    grads = run_value_program(Value, [x0], SHARED_NODE_PROGRAM)["grad"]
    got = grads[0]
    expect(any(g != 0 for g in grads),
           f"After v4.backward() every grad is 0 (x0 = Value(0.7), v1 = x0 * x0, ..., v4 = v3 * x0): backward() "
           "must start by setting the output's grad = 1, then run the local rules.")
    expect(abs(got - slope) <= FD_RTOL * max(1.0, abs(slope)),
           "In the graph\n    x0 = Value(0.7)\n    v1 = x0 * x0\n    v2 = v1.sin()\n    v3 = v2 + v1\n    v4 = v3 * x0\n"
           f"after v4.backward(), x0.grad is {got}, but your own v4 changes at the rate {slope:.10g} when x0 "
           "changes (a central difference). x0 is used three times and v1 twice: each use must add its own "
           "contribution to the parent's grad (+=), and backward() must run every node's local rule once, "
           "after every node that uses it.")


# -- backprop_q5: gradient norms ----------------------------------------------------------------
def as_sent(text: str) -> str:
    """``text`` as a new str object, as the grading sandbox delivers every string argument (never
    the interned literal): a student's ``init is "he"`` then fails here too, not only in the sandbox."""
    return "".join(list(text))


def gradient_norms_shape(gradient_norms_by_layer) -> None:
    """Check that gradient_norms_by_layer(3, 4, act, init, 0) is a list of 3 positive numbers."""
    f = student(gradient_norms_by_layer, "gradient_norms_by_layer")
    for activation, init in (("sigmoid", "default"), ("relu", "he")):
        call = f"gradient_norms_by_layer(3, 4, {activation!r}, {init!r}, 0)"
        got = f(3, 4, as_sent(activation), as_sent(init), 0)
        expect(isinstance(got, (list, tuple)) and len(got) == 3,
               f"{call} should return a list of 3 numbers (one per layer), but returned {describe(got)}")
        norms = [as_number(v, f"{call}[{i}]") for i, v in enumerate(got)]
        expect(all(math.isfinite(v) and v > 0 for v in norms),
               f"{call} returned {norms}: gradient norms are positive and finite.")


# Depth 6, width 16, sigmoid, default init: ln(norm of layer 1 / norm of layer 6) is -10.1 +- 0.25
# per seed over 400 seeds for each of four implementations (worst -9.1; tests/backprop/records.py):
# 0 is 36 standard deviations away (false-fail odds < 1e-200, normal approximation). Returning the
# norms in the wrong order flips its sign.
ORDER_CALL = (6, 16, "sigmoid", "default", 0)


def gradient_norms_order(gradient_norms_by_layer) -> None:
    """Check that the norms come input layer first: for a sigmoid net the gradient of the layer
    next to the input is smaller than the last layer's."""
    call = "gradient_norms_by_layer(6, 16, 'sigmoid', 'default', 0)"
    got = student(gradient_norms_by_layer, "gradient_norms_by_layer")(*[as_sent(a) if isinstance(a, str) else a
                                                                       for a in ORDER_CALL])
    expect(isinstance(got, (list, tuple)) and len(got) == 6,
           f"{call} should return a list of 6 numbers (one per layer), but returned {describe(got)}")
    norms = [as_number(v, f"{call}[{i}]") for i, v in enumerate(got)]
    expect(all(math.isfinite(v) and v > 0 for v in norms) and norms[0] < norms[-1],
           f"{call} returned norms whose first entry ({norms[0]:.3g}) is not below the last ({norms[-1]:.3g}). "
           "Through sigmoids the gradient shrinks on its way back to the input, so the list (input layer first, "
           "output layer last) should grow: are the norms returned in the right order?")


# -- backprop_q6, backprop_q7: pretraining -------------------------------------------------------
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


def same_layer(a: LayerSpec, b: LayerSpec) -> bool:
    """Bit-identical parameters (shapes, weights, biases)."""
    return (a.weight.shape == b.weight.shape and np.array_equal(a.weight, b.weight)
            and (a.bias is None) == (b.bias is None) and (a.bias is None or np.array_equal(a.bias, b.bias)))


# The reported final loss must be the returned autoencoder's: our float64 recomputation differs
# from a float32 mean over the codes by ~1e-6 relative (measured < 1e-5 on the digits); 1e-3
# catches a loss reported on the last minibatch (off by 5-30%) or summed instead of averaged (x dim).
# Deterministic up to that round-off: false-fail probability 0.
LOSS_RTOL = 1e-3


def reconstruction_mse(encoder, decoder, codes: np.ndarray) -> float:
    """mean((decoder(encoder(codes)) - codes)^2) by our float64 forward pass."""
    return float(np.mean((forward(NetSpec(encoder.layers + decoder.layers), codes) - codes) ** 2))


def autoencoder_parts(train_autoencoder_layer, codes: np.ndarray, width: int, epochs: int, seed: int) -> tuple:
    """(encoder, decoder, losses, call) of train_autoencoder_layer, with types and shapes checked."""
    dim = codes.shape[1]
    call = f"train_autoencoder_layer(codes of shape {codes.shape}, {width}, {epochs}, {seed})"
    got = student(train_autoencoder_layer, "train_autoencoder_layer")(TensorArg(codes, "float32"), width, epochs, seed)
    expect(isinstance(got, (tuple, list)) and len(got) == 3,
           f"{call} should return a tuple (encoder, decoder, losses), but returned {describe(got)}")
    encoder, decoder, losses = got
    encoder = as_net(encoder, f"{call}[0] (the encoder)")
    expect_encoder(encoder, [(dim, width)], f"{call}[0] (the encoder)")
    decoder = as_net(decoder, f"{call}[1] (the decoder)")
    expect([layer.kind for layer in decoder.layers] == ["linear"] and decoder.layers[0].weight.shape == (dim, width),
           f"{call}[1] should be one nn.Linear({width}, {dim}) (the decoder); got {[l.kind for l in decoder.layers]}.")
    expect(isinstance(losses, (list, tuple)) and len(losses) == epochs + 1,
           f"{call}[2] should be a list of {epochs + 1} losses (before training, then after each of the {epochs} "
           f"epochs); got {describe(losses)}")
    numbers = [as_number(value, f"{call}[2][{i}]") for i, value in enumerate(losses)]
    expect(all(math.isfinite(v) for v in numbers), f"{call}: the losses {numbers} should be finite.")
    return encoder, decoder, numbers, call


def autoencoder_types(train_autoencoder_layer) -> None:
    """Check that train_autoencoder_layer returns (encoder, decoder, losses) with the right shapes,
    and that its last loss is the mean squared reconstruction error of the returned networks on all
    the codes (recomputed here)."""
    codes = small_codes()
    encoder, decoder, losses, call = autoencoder_parts(train_autoencoder_layer, codes, 3, 2, 0)
    mse = reconstruction_mse(encoder, decoder, np.asarray(codes, dtype=np.float32).astype(np.float64))
    expect(abs(mse - losses[-1]) <= LOSS_RTOL * mse,
           f"{call}: the last reported loss is {losses[-1]:.6g}, but the returned encoder and decoder reconstruct "
           f"the codes with mean squared error {mse:.6g}. Report the loss on ALL the codes after each epoch (mean "
           "over samples and coordinates), measured after the epoch's last step, not the last minibatch's.")


def greedy_pretrain_types(train_autoencoder_layer, greedy_pretrain) -> None:
    """Check that greedy_pretrain returns an nn.Sequential of (Linear, Sigmoid) pairs whose first layer
    is exactly the encoder of train_autoencoder_layer(data, widths[0], epochs, seed)."""
    codes = small_codes()
    call = "greedy_pretrain(codes of shape (40, 6), [4, 2], 1, 0)"
    net = as_net(student(greedy_pretrain, "greedy_pretrain")(TensorArg(codes, "float32"), [4, 2], 1, 0), call)
    expect_encoder(net, [(6, 4), (4, 2)], call)
    first = autoencoder_parts(train_autoencoder_layer, codes, 4, 1, 0)[0]
    expect(same_layer(net.linear_layers[0], first.linear_layers[0]),
           f"The first layer of {call} should be exactly the encoder of train_autoencoder_layer(codes, 4, 1, 0) "
           "(stage s calls train_autoencoder_layer(codes, widths[s], epochs, seed + s), and later stages never "
           "change earlier layers), but the weights differ.")


# -- backprop_q8: fine-tuning -------------------------------------------------------------------
def small_encoder() -> NetSpec:
    rng = np.random.default_rng(3)
    return NetSpec([_linear(rng.uniform(-0.125, 0.125, (5, 64)), rng.uniform(-0.125, 0.125, 5)), _sigmoid()])


def finetune_types(finetune) -> None:
    """Check that finetune returns (model, accuracy): encoder layers + Linear(width, 10), and a
    number in [0, 1]."""
    call = "finetune(encoder Linear(64, 5) + Sigmoid, load_digits_split(), 20, 1, 0)"
    got = student(finetune, "finetune")(small_encoder(), LibraryCall(LAB, "load_digits_split", ()), 20, 1, 0)
    expect(isinstance(got, (tuple, list)) and len(got) == 2,
           f"{call} should return a tuple (model, test accuracy), but returned {describe(got)}")
    model, accuracy = got
    model = as_net(model, f"{call}[0]")
    kinds = [layer.kind for layer in model.layers]
    expect(kinds == ["linear", "sigmoid", "linear"] and model.layers[-1].weight.shape == (10, 5),
           f"{call}[0] should be the encoder's layers followed by nn.Linear(5, 10); its layers are {kinds}.")
    accuracy = as_number(accuracy, f"{call}[1]")
    expect(0.0 <= accuracy <= 1.0, f"{call}[1] is {accuracy}: an accuracy is a fraction in [0, 1].")


def expect_encoder_kept(f, kept, before: NetSpec, call: str, returned=None) -> None:
    """The kept encoder is the same object, unchanged layer by layer, and not the returned model."""
    if returned is not None:
        expect(not f.same(returned, kept),
               f"{call} returned the encoder object it was given (with the head added to it?). Build a new "
               "nn.Sequential from a copy of the encoder's layers and the new head.")
    after = as_net(f.inspect(kept), f"the encoder after {call}")
    expect(len(after.layers) == len(before.layers)
           and [l.kind for l in after.layers] == [l.kind for l in before.layers]
           and all(same_layer(a, b) for a, b in zip(after.linear_layers, before.linear_layers)),
           f"{call} changed the encoder it was given (its layers are now "
           f"{[l.kind for l in after.layers]}, or its weights moved). The caller's encoder must come back exactly as "
           "it was: train a copy (copy.deepcopy(encoder)), not the caller's modules; nn.Sequential(*encoder, head) "
           "shares the very same layers.")


def finetune_keeps_encoder(finetune) -> None:
    """Check, on the very encoder object passed to finetune (kept on your side), that fine-tuning
    every layer leaves it unchanged and that the returned model is a new object."""
    f = student(finetune, "finetune")
    before = small_encoder()
    kept = f.keep(before)
    before = as_net(f.inspect(kept), "the encoder passed to finetune")
    call = "finetune(encoder, load_digits_split(), 20, 2, 0, train_encoder=True)"
    got = f(kept, LibraryCall(LAB, "load_digits_split", ()), 20, 2, 0, train_encoder=True)
    expect(isinstance(got, (tuple, list)) and len(got) == 2,
           f"{call} should return a tuple (model, test accuracy), but returned {describe(got)}")
    expect_encoder_kept(f, kept, before, call, returned=got[0])


def _linear(weight: np.ndarray, bias: np.ndarray) -> LayerSpec:
    return LayerSpec("linear", "Linear", np.asarray(weight, dtype=np.float64), np.asarray(bias, dtype=np.float64),
                     "torch.float32")


def _sigmoid() -> LayerSpec:
    return LayerSpec("sigmoid", "Sigmoid")
