r"""Public checks of `mimic` (students run them with ``grader.check``): existence, types, shapes,
and what a tiny run returns. They are the first rungs of each question's ladder; the checks against
theory and the experiment are hidden (``hidden.py``).

This module also holds the grader's own copy of the task, in numpy only (the grading process never
imports torch), so that the public checks can build small inputs and the hidden ones can measure
held-out accuracy independently of the student's code:

Task: x ~ U[-1, 1] (centred, so that PyTorch's default initialisation puts many of the ReLU kinks
of a wide first layer inside the data), s(x) = sawtooth((x + 1) / 2, 3) with
sawtooth(u, n) = 1 - |(2^n u mod 2) - 1| on [0, 1], label y = 1[s(x) > 1/2] (8 intervals, 4 per
class). The teacher is the exact deep ReLU net of assignment `sawtooth` (depth 3, width 2) with two
logits z(x) = (1/2 - s(x), s(x) - 1/2), whose softmax log-odds are 2 (s(x) - 1/2). Everything is
built from the closed form, never from the reference solution.
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    LayerSpec, NetSpec, TensorArg, TensorValue, as_net, describe, expect, expect_layer_kinds, student,
)

SAW_N = 3            # sawtooth(., 3): 8 linear pieces, 8 class intervals on [-1, 1]
N_TRAIN = 128        # labelled training points
N_TEST = 512         # the test split handed to student code (their learning curves)
N_HELD_OUT = 4096    # the grader's own held-out inputs (accuracy is measured on these)
HELD_OUT_SEED = 20261124
CLASSES = 2


def f32(x: np.ndarray) -> np.ndarray:
    """x rounded to float32 (what a float32 tensor made from x holds), as float64."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def sawtooth_centred(x: np.ndarray, n: int = SAW_N) -> np.ndarray:
    """s(x) = sawtooth((x + 1) / 2, n) for x in [-1, 1]."""
    u = (np.asarray(x, dtype=np.float64) + 1.0) / 2.0
    return 1.0 - np.abs(np.mod(2.0 ** n * u, 2.0) - 1.0)


def teacher_logits(x: np.ndarray) -> np.ndarray:
    """The teacher's logits (1/2 - s, s - 1/2) for inputs x of shape (B, 1): shape (B, 2)."""
    s = sawtooth_centred(x[:, 0])
    return np.stack([0.5 - s, s - 0.5], axis=1)


def labels(x: np.ndarray) -> np.ndarray:
    """y = 1[s(x) > 1/2] for inputs x of shape (B, 1): int64 of shape (B,)."""
    return (sawtooth_centred(x[:, 0]) > 0.5).astype(np.int64)


def _linear(weight, bias) -> LayerSpec:
    return LayerSpec("linear", "Linear", np.asarray(weight, dtype=np.float64),
                     np.asarray(bias, dtype=np.float64), "torch.float32")


RELU = LayerSpec("relu", "ReLU")


def teacher_spec(n: int = SAW_N) -> NetSpec:
    """The exact deep sawtooth teacher on centred inputs: hidden layer 1 holds
    (relu(x + 1), relu(2x)) = (relu(2u), relu(4u - 2)) with u = (x + 1)/2; each further hidden layer
    maps the previous tri value t = h1 - h2 to (relu(2t), relu(4t - 2)); the output is
    (1/2 - t, t - 1/2). Depth n, width 2, 6n + 4 parameters."""
    layers = [_linear([[1.0], [2.0]], [1.0, 0.0]), RELU]
    for _ in range(n - 1):
        layers += [_linear([[2.0, -2.0], [4.0, -4.0]], [0.0, -2.0]), RELU]
    layers.append(_linear([[-1.0, 1.0], [1.0, -1.0]], [0.5, -0.5]))
    return NetSpec(layers)


def init_mlp(sizes: list, seed: int) -> NetSpec:
    """An MLP with PyTorch's default initialisation, drawn with numpy: for Linear(a, b) weight and
    bias are U(-1/sqrt(a), 1/sqrt(a)). ``sizes`` = [in, hidden..., out]; ReLU between layers."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = 1.0 / np.sqrt(a)
        layers.append(_linear(f32(rng.uniform(-bound, bound, (b, a))), f32(rng.uniform(-bound, bound, b))))
        if i < len(sizes) - 2:
            layers.append(RELU)
    return NetSpec(layers)


def split(seed: int, n_train: int = N_TRAIN, lo: float = -1.0, hi: float = 1.0) -> tuple:
    """Training inputs U[lo, hi] and the student-visible test inputs U[-1, 1], float32-rounded."""
    rng = np.random.default_rng(seed)
    return f32(rng.uniform(lo, hi, (n_train, 1))), f32(rng.uniform(-1.0, 1.0, (N_TEST, 1)))


def data_arg(x_train: np.ndarray, x_test: np.ndarray) -> dict:
    """The `data` argument of the student's functions: float32 inputs, int64 labels."""
    return {"x_train": TensorArg(x_train, "float32"), "y_train": TensorArg(labels(x_train), "int64"),
            "x_test": TensorArg(x_test, "float32"), "y_test": TensorArg(labels(x_test), "int64"),
            "num_classes": CLASSES}


def held_out(lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    """The grader's held-out inputs U[lo, hi] (fixed seed), float32-rounded, shape (N_HELD_OUT, 1)."""
    return f32(np.random.default_rng(HELD_OUT_SEED).uniform(lo, hi, (N_HELD_OUT, 1)))


def log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> float:
    """mean_b -log softmax(logits_b)[y_b]."""
    return float(-log_softmax(logits)[np.arange(len(y)), y].mean())


# == hints shared with hidden.py ==============================================================
def mlp_kinds_hint(kinds: list, want: list) -> str:
    """Why an mlp's layer kinds are wrong, as a sentence (empty if they are right)."""
    if kinds == want + ["relu"]:
        return (" Remove the ReLU after the last Linear: the outputs are logits, which must be able to be "
                "negative (cross-entropy and the mimic regression of the teacher's logits need that).")
    if "relu" not in kinds and "relu" in want:
        return " Put a ReLU after every hidden Linear: without them the whole net is one affine map."
    return ""


# == public checks ================================================================================
def _tiny_data(seed: int = 3, n_train: int = 16) -> dict:
    x_train, x_test = split(seed, n_train)
    return data_arg(x_train, x_test[:32])


def expect_history(result, epochs: int, what: str) -> NetSpec:
    """The dict every training function returns: model, loss (one per epoch), epoch/test_acc."""
    expect(isinstance(result, dict),
           f"{what} should return a dict with keys 'model', 'loss', 'epoch', 'test_acc'; got {describe(result)}")
    missing = [k for k in ("model", "loss", "epoch", "test_acc") if k not in result]
    expect(not missing, f"{what} returned a dict without {', '.join(repr(k) for k in missing)}.")
    net = as_net(result["model"], f"{what}['model']")
    loss = result["loss"]
    expect(isinstance(loss, list) and len(loss) == epochs and all(isinstance(v, float) for v in loss),
           f"{what}['loss'] should be a list of {epochs} floats (one per epoch, e.g. loss.item()); "
           f"got {describe(loss)}")
    expect(all(np.isfinite(v) for v in loss), f"{what}['loss'] contains NaN or inf: {loss[:5]}...")
    ep, acc = result["epoch"], result["test_acc"]
    expect(isinstance(ep, list) and isinstance(acc, list) and len(ep) == len(acc) >= 1,
           f"{what}['epoch'] and ['test_acc'] should be lists of the same length (at least 1); "
           f"got {describe(ep)} and {describe(acc)}")
    expect(ep[-1] == epochs, f"{what}['epoch'] should end with the last epoch, {epochs}; it ends with {ep[-1]!r}.")
    expect(all(isinstance(a, float) and 0.0 <= a <= 1.0 for a in acc),
           f"{what}['test_acc'] should hold accuracies (floats in [0, 1]); got {acc[:5]}...")
    return net


def count_params_small(count_params) -> None:
    """Check count_params(Linear(3, 4), ReLU, Linear(4, 2)) is the int 26 = 3*4 + 4 + 4*2 + 2."""
    net = init_mlp([3, 4, 2], seed=0)
    got = student(count_params, "count_params")(net)
    expect(isinstance(got, int) and not isinstance(got, bool),
           f"count_params should return an int (use int(...) or .numel()), got {describe(got)}")
    expect(got == 26, f"count_params(Linear(3, 4), ReLU, Linear(4, 2)) should be 3*4 + 4 + 4*2 + 2 = 26; got {got}.")


def mlp_shapes(mlp) -> None:
    """Check mlp(3, [5, 4], 2) is Linear(3, 5), ReLU, Linear(5, 4), ReLU, Linear(4, 2)."""
    net = as_net(student(mlp, "mlp")(3, [5, 4], 2), "mlp(3, [5, 4], 2)")
    expect_layer_kinds(net, {"linear", "relu"}, "mlp(3, [5, 4], 2)")
    kinds = [layer.kind for layer in net.layers]
    want = ["linear", "relu", "linear", "relu", "linear"]
    expect(kinds == want, f"mlp(3, [5, 4], 2) should be Linear, ReLU, Linear, ReLU, Linear; got {kinds}."
                          + mlp_kinds_hint(kinds, want))
    shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
    expect(shapes == [(5, 3), (4, 5), (2, 4)],
           f"mlp(3, [5, 4], 2) should have weights of shapes [(5, 3), (4, 5), (2, 4)]; got {shapes}.")


def width_small(width_for_budget) -> None:
    """Check width_for_budget(1, 2, 1, 1026) is the int 256 (4 w + 2 <= 1026) and
    width_for_budget(1, 2, 3, 1026) is 21 (2 w^2 + 6 w + 2 <= 1026)."""
    f = student(width_for_budget, "width_for_budget")
    cases = (
        (1, 256, "Linear(1, w) and Linear(w, 2) have 2w + 2w + 2 = 4w + 2 parameters: P(256) = 1026",
         {342: " Your width ignores the biases (w + 1 per hidden unit of the next layer, out at the end).",
          29: " There are depth - 1 hidden-to-hidden layers of (w + 1) w parameters each (none for depth 1)."}),
        (3, 21, "P(w) = 2w^2 + 6w + 2: P(21) = 1010 <= 1026 < P(22) = 1102",
         {17: " There are depth - 1 hidden-to-hidden layers of (w + 1) w parameters each.",
          22: " Take the floor of the positive root of P(w) = budget, not the nearest integer."}),
    )
    for depth, want, why, hints in cases:
        got = f(1, 2, depth, 1026)
        expect(isinstance(got, int) and not isinstance(got, bool),
               f"width_for_budget should return an int, got {describe(got)}")
        expect(got == want, f"width_for_budget(1, 2, {depth}, 1026) should be {want}: {why}; got {got}."
                            + hints.get(got, ""))


def train_on_labels_runs(train_on_labels) -> None:
    """Check that a 3-epoch run on 16 points returns the history dict and the model."""
    result = student(train_on_labels, "train_on_labels")(init_mlp([1, 8, 2], seed=1), _tiny_data(), 3, 1e-2, 0)
    expect_history(result, 3, "train_on_labels(model, data, epochs=3, lr=0.01, seed=0)")


def mimic_loss_scalar(mimic_loss) -> None:
    """Check mimic_loss returns a 0-dim torch tensor that carries gradient to the student logits."""
    s = np.array([[0.5, -1.0], [2.0, 0.0], [0.0, 1.5]])
    t = np.array([[0.0, 0.0], [1.0, -1.0], [0.5, 0.5]])
    got = student(mimic_loss, "mimic_loss")(TensorArg(s, "float32", requires_grad=True), TensorArg(t, "float32"))
    expect(isinstance(got, TensorValue),
           f"mimic_loss should return a torch tensor (so that .backward() works), got {describe(got)}")
    # A 0-dim array arrives as shape (1,) from the grading worker (np.ascontiguousarray in the wire
    # format makes arrays at least 1-d), so a scalar is recognised by its single element.
    expect(got.array.size == 1, f"mimic_loss should return a scalar (0-dim) tensor, got shape {got.shape}. "
                                "Average over the batch and the logits.")
    expect(got.requires_grad, "mimic_loss(student_logits, teacher_logits) does not depend on student_logits "
                              "through torch operations (requires_grad is False): training could not use it. "
                              "Avoid .item(), .detach() or numpy on the student's logits.")


def train_mimic_runs(train_mimic) -> None:
    """Check that a 3-epoch run on 16 points (and with 8 extra inputs) returns the history dict."""
    f = student(train_mimic, "train_mimic")
    call = "train_mimic(student, teacher, data, epochs=3, lr=0.01, seed=0{})"
    result = f(init_mlp([1, 8, 2], seed=1), teacher_spec(), _tiny_data(), 3, 1e-2, 0)
    expect_history(result, 3, call.format(""))
    extra = TensorArg(f32(np.linspace(-1.0, 1.0, 8)[:, None]), "float32")
    result = f(init_mlp([1, 8, 2], seed=1), teacher_spec(), _tiny_data(), 3, 1e-2, 0, extra_inputs=extra)
    expect_history(result, 3, call.format(", extra_inputs=<8 inputs>"))


def depth_sweep_runs(depth_sweep) -> None:
    """Check depth_sweep(60, [1, 2], data, 0) returns the five lists, one entry per depth."""
    got = student(depth_sweep, "depth_sweep")(60, [1, 2], _tiny_data(), 0)
    what = "depth_sweep(60, [1, 2], data, seed=0)"
    keys = ("depths", "widths", "params", "test_acc", "models")
    expect(isinstance(got, dict), f"{what} should return a dict with keys {keys}; got {describe(got)}")
    for key in keys:
        expect(key in got and isinstance(got[key], list) and len(got[key]) == 2,
               f"{what}[{key!r}] should be a list with one entry per depth (2); got "
               f"{describe(got.get(key)) if key in got else 'no such key.'}")
    expect(got["depths"] == [1, 2], f"{what}['depths'] should be [1, 2]; got {got['depths']}.")
    for model in got["models"]:
        as_net(model, f"{what}['models'][i]")
