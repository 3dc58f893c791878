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


def _transform_output(factory, name: str) -> None:
    """``name(mean, std, size)`` maps uint8 (3, H, W) images to float32 (3, size, size):
    32 -> 32, 48 -> 32, 32 -> 24."""
    f = student(factory, name)
    for (height, size) in ((32, 32), (48, 32), (32, 24)):
        what = f"{name}(mean, std, size={size})"
        transform = transform_callable(f(*mean_std_args(), size=size), what)
        out = apply_transform(transform, plain_image(height, height), what)
        expect_image_shape(out, (3, size, size), f"{what} applied to a ({3}, {height}, {height}) image")


# -- augmentation_q2: train_transform -----------------------------------------------------------
def train_transform_output(train_transform) -> None:
    """Check that train_transform(mean, std, size) maps uint8 (3, H, W) images to float32
    (3, size, size): 32 -> 32, 48 -> 32, 32 -> 24."""
    _transform_output(train_transform, "train_transform")


# -- augmentation_q3: eval_transform ------------------------------------------------------------
def eval_transform_output(eval_transform) -> None:
    """Check that eval_transform(mean, std, size) maps uint8 (3, H, W) images to float32
    (3, size, size): 32 -> 32, 48 -> 32, 32 -> 24."""
    _transform_output(eval_transform, "eval_transform")


# -- augmentation_q4: make_loaders --------------------------------------------------------------
def loaders_types(make_loaders) -> None:
    """Check that make_loaders(root, 16, 0) returns a pair of DataLoaders."""
    root = LibraryCall("shared.afhq", "offline_root")
    result = student(make_loaders, "make_loaders")(root, 16, 0)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"make_loaders should return a pair (train_loader, val_loader), got {describe(result)}")
    for name, value in zip(("train_loader", "val_loader"), result):
        type_name = getattr(value, "type_name", type(value).__name__)
        expect(type_name == "DataLoader",
               f"{name} should be a torch.utils.data.DataLoader, got {describe(value)}")


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
    as_array(out, "first_layer_images(...)")
