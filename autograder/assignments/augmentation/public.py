r"""Public checks of `augmentation` (students run them with ``grader.check``): existence, types,
shapes, dtypes. They are the first rungs of each question's ladder; the statistical and exact
checks are hidden (``hidden.py``). Every check here is deterministic (false-fail probability 0).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checking import (
    CheckFailed, Handle, LibraryCall, NetSpec, StudentError, TensorArg, TensorValue, as_array, as_net,
    describe, expect, student,
)

# mean/std handed to the transforms by the checks: distinct per channel, so that a pipeline that
# ignores its arguments (or swaps mean and std) shows.
CHECK_MEAN = np.array([0.45, 0.40, 0.35])
CHECK_STD = np.array([0.22, 0.24, 0.26])

NORMALIZE_ORDER_HINT = ("v2.Normalize works on float images in [0, 1]: put "
                        "v2.ToDtype(torch.float32, scale=True) before v2.Normalize.")


def plain_image(height: int = 32, width: int = 32, seed: int = 0) -> np.ndarray:
    """A uint8 image (3, height, width) of random pixels from a fixed seed."""
    return np.random.default_rng(seed).integers(0, 256, size=(3, height, width), dtype=np.uint8)


def mean_std_args() -> tuple:
    return TensorArg(CHECK_MEAN, "float32"), TensorArg(CHECK_STD, "float32")


def transform_callable(value: Any, what: str) -> Any:
    """The student-side callable behind a returned transform (a v2.Compose, a module, a function)."""
    if isinstance(value, NetSpec) and value.handle is not None:
        return value.handle
    if isinstance(value, Handle):
        return value
    raise CheckFailed(f"{what} should return a transform (a v2.Compose), but returned {describe(value)}")


def apply_transform(transform: Any, image: np.ndarray, what: str) -> TensorValue:
    """``transform(uint8 tensor image)``; a float32 tensor or a failure that says what to fix."""
    try:
        out = student(transform, what)(TensorArg(image, "uint8"))
    except StudentError as exc:
        text = str(exc)
        hint = NORMALIZE_ORDER_HINT if "float tensor" in text else ""
        raise CheckFailed(text + (f"\nHint: {hint}" if hint else "")) from None
    expect(isinstance(out, TensorValue),
           f"{what} applied to a uint8 image tensor should return a tensor, but returned {describe(out)}")
    expect(out.dtype == "torch.float32",
           f"{what} should return float32 images (v2.ToDtype(torch.float32, scale=True)), got {out.dtype}.")
    return out


def expect_image_shape(out: TensorValue, shape: tuple, what: str) -> None:
    expect(out.shape == shape, f"{what} should have shape {shape} (channels, size, size), got {out.shape}. "
                               "Resize with v2.Resize(size) and then v2.CenterCrop(size).")


# -- augmentation_q1: channel_mean_std ----------------------------------------------------------
def mean_std_types(channel_mean_std) -> None:
    """Check that channel_mean_std(val set) returns two float tensors of shape (3,)."""
    result = student(channel_mean_std, "channel_mean_std")(LibraryCall("shared.afhq", "raw_dataset", ("val",)))
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"channel_mean_std should return a pair (mean, std), got {describe(result)}")
    for name, value in zip(("mean", "std"), result):
        expect(isinstance(value, TensorValue),
               f"channel_mean_std should return torch tensors; {name} is {describe(value)}")
        expect(value.shape == (3,), f"{name} should have shape (3,) (one value per channel), got {value.shape}.")
        expect(value.dtype in ("torch.float32", "torch.float64"),
               f"{name} should be a float tensor, got {value.dtype}.")
    mean, std = (value.array for value in result)
    expect(bool(np.all((mean >= 0) & (mean <= 1))) and bool(np.all((std > 0) & (std <= 0.5))),
           f"channel_mean_std(val set) returned mean {np.round(mean, 3)} and std {np.round(std, 3)}: for pixels "
           "scaled to [0, 1] every mean lies in [0, 1] and every std in (0, 0.5]."
           + (" Your values look like 0..255 pixels: divide by 255 first." if np.any(mean > 1) else ""))


def _transform_output(factory, name: str) -> None:
    """``name(mean, std, size)`` maps uint8 (3, H, W) images to float32 (3, size, size):
    32 -> 32, 48 -> 32, 32 -> 24."""
    f = student(factory, name)
    for (height, size) in ((32, 32), (48, 32), (32, 24)):
        what = f"{name}(mean, std, size={size})"
        transform = transform_callable(f(*mean_std_args(), size=size), what)
        out = apply_transform(transform, plain_image(height, height), what)
        expect_image_shape(out, (3, size, size), f"{what} applied to a ({3}, {height}, {height}) image")


# Un-normalised outputs must lie in [0, 1]; interpolation (bicubic on float images) or unclipped noise may
# overshoot a little (noise of std 0.1 would need a 10-sigma draw to leave the range). Pixels left in
# 0..255 give values up to 255: caught with a margin of 100x. Deterministic.
SCALED_RANGE = (-1.0, 2.0)


def _scaled(factory, name: str) -> None:
    """``name(mean, std, size=32)`` applied to three random images: out * std + mean within SCALED_RANGE."""
    what = f"{name}(mean, std, size=32)"
    transform = transform_callable(student(factory, name)(*mean_std_args(), size=32), what)
    for seed in range(3):
        out = as_array(apply_transform(transform, plain_image(seed=seed), what), what)
        z = out * CHECK_STD[:, None, None] + CHECK_MEAN[:, None, None]
        lo, hi = SCALED_RANGE
        if z.min() < lo or z.max() > hi:
            hint = (" They look like 0..255 pixels: v2.ToDtype(torch.float32, scale=True) scales uint8 to [0, 1] "
                    "(without scale=True the values stay 0..255)." if z.max() > 10 else
                    " Normalise with v2.Normalize(mean, std) using the arguments.")
            raise CheckFailed(f"{what}: undoing the normalisation (out * std + mean) should give pixels in [0, 1], "
                              f"got values from {z.min():.3g} to {z.max():.3g}.{hint}")


# -- augmentation_q2: train_transform -----------------------------------------------------------
def train_transform_output(train_transform) -> None:
    """Check that train_transform(mean, std, size) maps uint8 (3, H, W) images to float32
    (3, size, size) (32 -> 32, 48 -> 32, 32 -> 24) whose pixels were scaled to [0, 1] before
    normalising: out * std + mean lies in [0, 1] (up to interpolation overshoot)."""
    _transform_output(train_transform, "train_transform")
    _scaled(train_transform, "train_transform")


# -- augmentation_q3: eval_transform ------------------------------------------------------------
def eval_transform_output(eval_transform) -> None:
    """Check that eval_transform(mean, std, size) maps uint8 (3, H, W) images to float32
    (3, size, size) (32 -> 32, 48 -> 32, 32 -> 24) whose pixels were scaled to [0, 1] before
    normalising: out * std + mean lies in [0, 1]."""
    _transform_output(eval_transform, "eval_transform")
    _scaled(eval_transform, "eval_transform")


# -- augmentation_q4: make_loaders --------------------------------------------------------------
def loaders_types(make_loaders) -> None:
    """Check that make_loaders(root, 16, 0) (root: the mini folder, 24 training and 8 validation
    images per class) returns a pair of DataLoaders whose first batches are float32 (16, 3, 32, 32)
    images with int64 labels, the validation batch in folder order (8 cats, then 8 dogs: a shuffled
    loader gives that order with probability below 1e-6)."""
    root = LibraryCall("shared.afhq", "offline_root", (), {"mini": True})
    f = student(make_loaders, "make_loaders")
    result = f(root, 16, 0)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"make_loaders should return a pair (train_loader, val_loader), got {describe(result)}")
    for name, value in zip(("train_loader", "val_loader"), result):
        type_name = getattr(value, "type_name", type(value).__name__)
        expect(type_name == "DataLoader",
               f"{name} should be a torch.utils.data.DataLoader, got {describe(value)}")
    try:
        first = f.library(LibraryCall("shared.afhq", "first_batches", tuple(result)))
    except StudentError as exc:
        hint = NORMALIZE_ORDER_HINT if "float tensor" in str(exc) else "each batch should be a pair (images, labels)."
        raise CheckFailed(f"Reading the first batch of each loader: {exc}\nHint: {hint}") from None
    expect(first["x_dtype"] == "torch.float32" and first["x_shape"] == [16, 3, 32, 32] and first["y_dtype"] == "torch.int64",
           f"The first training batch of make_loaders(root, 16, 0) should hold float32 images of shape (16, 3, 32, 32) "
           f"and int64 labels; got {first['x_dtype']} images of shape {tuple(first['x_shape'])} and {first['y_dtype']} "
           "labels.")
    expect(list(first["val_y"]) == [0] * 8 + [1] * 8,
           f"The first validation batch has the labels {list(first['val_y'])}; in folder order (shuffle=False) the first "
           "16 validation images of this folder are 8 cats (label 0), then 8 dogs (label 1).")


# -- augmentation_q5: mlp_classifier, train_classifier ------------------------------------------
ALLOWED_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")


def mlp_structure(mlp_classifier) -> None:
    """Check that mlp_classifier((3, 8, 6), 16, 3) is Flatten, Linear(144, 16), a nonlinearity,
    Linear(16, 3), and maps a (5, 3, 8, 6) batch to (5, 3) logits."""
    call = "mlp_classifier((3, 8, 6), 16, 3)"
    net = as_net(student(mlp_classifier, "mlp_classifier")((3, 8, 6), 16, 3), call)
    kinds = [layer.kind for layer in net.layers]
    names = [layer.type_name for layer in net.layers]
    softmax = [name for name in names if name in ("Softmax", "LogSoftmax")]
    expect(not softmax,
           f"{call} contains {softmax[0] if softmax else ''}: the model should output logits "
           "(CrossEntropyLoss applies log-softmax itself, so a softmax layer would be applied twice). "
           "Remove it.")
    expect(kinds[:1] == ["flatten"],
           f"{call} should start with nn.Flatten() (a Linear layer needs one vector per image); got {names}.")
    expect(len(kinds) == 4 and kinds[1] == "linear" and kinds[3] == "linear" and kinds[2] in ALLOWED_ACTIVATIONS,
           f"{call} should be Flatten, Linear, a nonlinearity (ReLU), Linear; got {names}. Without the "
           "nonlinearity two Linear layers collapse into one: a linear classifier.")
    shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
    expect(shapes == [(16, 144), (3, 16)],
           f"{call} should have weights of shapes [(16, 144), (3, 16)] (3*8*6 = 144 inputs, 16 hidden "
           f"units, 3 classes), got {shapes}.")
    x = np.random.default_rng(1).normal(size=(5, 3, 8, 6))
    out = student(net.handle, call)(TensorArg(x, "float32"))
    expect(isinstance(out, TensorValue) and out.shape == (5, 3),
           f"{call} applied to a (5, 3, 8, 6) batch should give (5, 3) logits, got {describe(out)}")


HISTORY_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")


def history_series(history: Any, epochs: int, call: str) -> dict:
    """The four lists of a training history as arrays, after checking keys, lengths and ranges."""
    expect(isinstance(history, dict), f"{call} should return a dict (the history), got {describe(history)}")
    missing = [k for k in HISTORY_KEYS if k not in history]
    expect(not missing, f"The history returned by train_classifier lacks {missing}; it should have the keys "
                        f"{list(HISTORY_KEYS)}, each a list with one value per epoch.")
    series = {}
    for key in HISTORY_KEYS:
        values = history[key]
        expect(isinstance(values, (list, tuple)) and len(values) == epochs,
               f"history[{key!r}] should be a list of {epochs} numbers (one per epoch), got {describe(values)}")
        try:
            series[key] = np.array([float(as_array(v, key)) for v in values])
        except (TypeError, ValueError, CheckFailed):
            raise CheckFailed(f"history[{key!r}] should hold plain numbers (use loss.item()), got "
                              f"{describe(values[0])}") from None
        expect(bool(np.all(np.isfinite(series[key]))), f"history[{key!r}] contains NaN or inf: {series[key]}.")
    for key in ("train_acc", "val_acc"):
        expect(bool(np.all((series[key] >= 0) & (series[key] <= 1))),
               f"history[{key!r}] should hold fractions in [0, 1] (correct / total), got {np.round(series[key], 3)}.")
    return series


def training_history(mlp_classifier, train_classifier) -> None:
    """Check that train_classifier(mlp_classifier((3, 32, 32), 8, 3), plain loaders, epochs=2, lr=1e-3,
    seed=0) returns a history with the four keys, two numbers each, accuracies as fractions."""
    net = as_net(student(mlp_classifier, "mlp_classifier")((3, 32, 32), 8, 3), "mlp_classifier((3, 32, 32), 8, 3)")
    call = "train_classifier(model, loaders, epochs=2, lr=1e-3, seed=0)"
    history = student(train_classifier, "train_classifier")(net.handle, LibraryCall("shared.afhq", "plain_loaders",
                                                                                    (32, 0)), 2, 1e-3, 0)
    history_series(history, 2, call)


# -- augmentation_q6: first_layer_images --------------------------------------------------------
def first_layer_net(in_shape: tuple = (3, 4, 5), hidden: int = 6, seed: int = 3) -> NetSpec:
    """Flatten, Linear(prod(in_shape), hidden), ReLU, Linear(hidden, 2) with float32-exact weights."""
    from autograder.checking import LayerSpec

    rng = np.random.default_rng(seed)
    d = int(np.prod(in_shape))
    w1 = rng.normal(size=(hidden, d)).astype(np.float32).astype(np.float64)
    b1 = rng.normal(size=hidden).astype(np.float32).astype(np.float64)
    w2 = rng.normal(size=(2, hidden)).astype(np.float32).astype(np.float64)
    return NetSpec([LayerSpec("flatten", "Flatten"), LayerSpec("linear", "Linear", w1, b1, "torch.float32"),
                    LayerSpec("relu", "ReLU"), LayerSpec("linear", "Linear", w2, np.zeros(2), "torch.float32")])


def first_layer_shape(first_layer_images) -> None:
    """Check that first_layer_images(net, (3, 4, 5)) for a net whose first Linear layer has 6
    units returns a tensor of shape (6, 3, 4, 5)."""
    out = student(first_layer_images, "first_layer_images")(first_layer_net(), (3, 4, 5))
    expect(isinstance(out, TensorValue),
           f"first_layer_images should return a torch tensor, got {describe(out)}")
    expect(out.shape == (6, 3, 4, 5),
           f"first_layer_images(model, (3, 4, 5)) for a first layer Linear(60, 6) should have shape "
           f"(6, 3, 4, 5) (units, channels, height, width), got {out.shape}.")
    images = as_array(out, "first_layer_images(...)").reshape(6, -1)
    lo, hi = images.min(axis=1), images.max(axis=1)
    expect(bool(np.all(np.abs(lo) <= 1e-6) and np.all(np.abs(hi - 1) <= 1e-6)),
           f"Each unit's image should use the whole range [0, 1] (its smallest value 0, its largest 1); the six "
           f"units have minima {np.round(lo, 3)} and maxima {np.round(hi, 3)}.")


# -- augmentation_q7: augmentation_gap ----------------------------------------------------------
GAP_KINDS = ("plain", "augmented")
GAP_KEYS = ("train_acc", "val_acc", "models")
# The public rung's tiny experiment: on the mini folder, 2 images per class, 1 epoch, 4 hidden units,
# seeds 3, 4, 3.
SMALL_GAP_SEEDS = [3, 4, 3]
SMALL_GAP_ARGS = {"per_class": 2, "epochs": 1, "hidden": 4}


def gap_result(result: Any, seeds: list, hidden: int, what: str) -> dict:
    """The shape of augmentation_gap's result: {kind: {"train_acc": [...], "val_acc": [...], "models":
    [...]}} with one entry per seed, accuracies fractions in [0, 1], models MLPs of the right sizes.
    Returns {kind: {"train_acc": array, "val_acc": array, "models": [NetSpec]}}."""
    expect(isinstance(result, dict) and set(GAP_KINDS) <= set(result),
           f"{what} should return a dict with the keys {list(GAP_KINDS)}, got {describe(result)}")
    out = {}
    for kind in GAP_KINDS:
        part = result[kind]
        expect(isinstance(part, dict) and set(GAP_KEYS) <= set(part),
               f"{what}[{kind!r}] should be a dict with the keys {list(GAP_KEYS)}, got {describe(part)}")
        out[kind] = {}
        for key in GAP_KEYS:
            values = part[key]
            expect(isinstance(values, (list, tuple)) and len(values) == len(seeds),
                   f"{what}[{kind!r}][{key!r}] should be a list with one entry per seed ({len(seeds)}), got "
                   f"{describe(values)}")
        for key in ("train_acc", "val_acc"):
            try:
                values = np.array([float(as_array(v, key)) for v in part[key]])
            except (TypeError, ValueError, CheckFailed):
                raise CheckFailed(f"{what}[{kind!r}][{key!r}] should hold plain numbers (fractions), got "
                                  f"{describe(part[key][0])}") from None
            expect(bool(np.all((values >= 0) & (values <= 1))),
                   f"{what}[{kind!r}][{key!r}] should hold fractions in [0, 1] (correct / total), got "
                   f"{np.round(values, 3)}.")
            out[kind][key] = values
        models = [as_net(m, f"{what}[{kind!r}]['models'][{i}]") for i, m in enumerate(part["models"])]
        for i, net in enumerate(models):
            shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
            expect(shapes == [(hidden, 3 * 32 * 32), (3, hidden)],
                   f"{what}[{kind!r}]['models'][{i}] should be mlp_classifier((3, 32, 32), {hidden}, 3) (weights of "
                   f"shapes [({hidden}, 3072), (3, {hidden})]), got {shapes}.")
        out[kind]["models"] = models
    return out


def _same_weights(a: NetSpec, b: NetSpec) -> bool:
    return all(np.array_equal(x.weight, y.weight) and np.array_equal(x.bias, y.bias)
               for x, y in zip(a.linear_layers, b.linear_layers))


def gap_structure(augmentation_gap) -> None:
    """Check a tiny augmentation_gap run (the mini folder, 2 images per class, 1 epoch, 4 hidden units,
    seeds 3, 4, 3):
    the result's keys, one value per seed, fractions in [0, 1], MLPs of the right sizes; the two runs
    of seed 3 give the same models (reproducible), seeds 3 and 4 different ones (the seeds are used)."""
    seeds, hidden = SMALL_GAP_SEEDS, SMALL_GAP_ARGS["hidden"]
    what = f"augmentation_gap(root, {seeds}, per_class=2, epochs=1, hidden=4)"
    result = student(augmentation_gap, "augmentation_gap")(LibraryCall("shared.afhq", "offline_root", (), {"mini": True}),
                                                           seeds, **SMALL_GAP_ARGS)
    parts = gap_result(result, seeds, hidden, what)
    for kind in GAP_KINDS:
        first, other, again = parts[kind]["models"]
        expect(_same_weights(first, again),
               f"{what}: the two runs with seed 3 gave different {kind} models. The same seed must give the same "
               "result: seed torch (torch.manual_seed(seed)) before building and training each model, and shuffle "
               "with a generator seeded from the seed (the augmentation draws from torch's global generator).")
        expect(not _same_weights(first, other),
               f"{what}: seeds 3 and 4 gave the same {kind} model. Each seed should give its own run (seed the "
               "model, the shuffling and the augmentation with that seed, not with a constant or the first seed).")
