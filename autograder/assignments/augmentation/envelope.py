r"""What an augmentation of a probe face may do, and what breaks its label (torch/torchvision).

Used offline to train the grader's face classifier (``train_face_oracle.py``) and by the tests
that measure its error rates (``tests/augmentation/test_face_oracle.py``); never imported by the
grading process (which has no torch).

**The envelope** (the contract of ``augmentation_q2``, stated in the notebook): starting from an
upright, centred probe face, a label-preserving augmentation may

* mirror it left-right;
* rotate it by up to ``ROTATE`` degrees either way, shift it by up to ``SHIFT`` pixels in each
  direction, zoom it by a factor in ``ZOOM`` (also as a crop of the image resized back, with an
  aspect ratio in ``RATIO``), shear it by up to ``SHEAR`` degrees, distort its perspective by up to
  ``PERSPECTIVE``; any interpolation, any fill colour for the uncovered corners;
* change its colours in any way that keeps dark things dark: brightness, contrast and saturation
  factors in ``COLOUR_FACTOR`` (saturation down to 0), any hue shift, permuted channels, grey,
  gamma in ``GAMMA``, auto-contrast, equalisation, posterisation to >= ``POSTERIZE_BITS`` bits,
  sharpness in ``SHARPNESS``;
* blur it (Gaussian, sigma <= ``BLUR`` px), add pixel noise (sigma <= ``NOISE``), hide a rectangle
  of at most ``ERASE`` of its area (any fill);

in any combination and order. :func:`legit` draws such an augmentation, each bound widened by
the factor ``margin`` (the classifier is trained with margin 1.15 and measured at 1).

**Breaking the label** (:func:`breaking`): a vertical flip, a rotation by 60-300 degrees, inverted
colours, a zoom by 2-4 into part of the image, a shift by 11-20 pixels (half of the face out).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F

SIDE = 32
ROTATE = 30.0
SHIFT = 4.0
ZOOM = (0.8, 1.25)
RATIO = (3 / 4, 4 / 3)
SHEAR = 10.0
PERSPECTIVE = 0.2
COLOUR_FACTOR = (0.5, 1.5)
GAMMA = (0.7, 1.4)
POSTERIZE_BITS = 4
SHARPNESS = (0.5, 2.0)
BLUR = 1.0
NOISE = 0.1
ERASE = 0.1
BREAKING = ("vflip", "turn", "invert", "zoom", "shift")
_INTERPOLATIONS = (v2.InterpolationMode.NEAREST, v2.InterpolationMode.BILINEAR)   # what affine maps support
_RESIZE_INTERPOLATIONS = _INTERPOLATIONS + (v2.InterpolationMode.BICUBIC,)


def _fill(rng: np.random.Generator) -> list:
    kind = rng.integers(4)
    if kind == 0:
        return [0.0, 0.0, 0.0]
    if kind == 1:
        return [255.0, 255.0, 255.0]
    if kind == 2:
        return [128.0, 128.0, 128.0]
    return [float(c) for c in rng.integers(0, 256, 3)]


def _geometry(x: torch.Tensor, rng: np.random.Generator, m: float) -> torch.Tensor:
    """A rotation/shift/zoom/shear, as an affine map or as a resized crop (+ maybe perspective)."""
    interpolation = _INTERPOLATIONS[rng.integers(2)]
    if rng.random() < 0.3:                                 # RandomResizedCrop-like
        interpolation = _RESIZE_INTERPOLATIONS[rng.integers(3)]
        lo = 1.0 / (ZOOM[1] * m) ** 2
        area = rng.uniform(lo, 1.0) * SIDE * SIDE
        ratio = math.exp(rng.uniform(math.log(RATIO[0] / m), math.log(RATIO[1] * m)))
        h = int(round(min(SIDE, math.sqrt(area / ratio))))
        w = int(round(min(SIDE, math.sqrt(area * ratio))))
        top = int(rng.integers(0, SIDE - h + 1))
        left = int(rng.integers(0, SIDE - w + 1))
        x = F.resized_crop(x, top, left, h, w, [SIDE, SIDE], interpolation=interpolation, antialias=True)
    else:
        zoom = math.exp(rng.uniform(math.log(ZOOM[0] / m), math.log(ZOOM[1] * m)))
        shear = [float(rng.uniform(-SHEAR, SHEAR) * m), 0.0] if rng.random() < 0.3 else [0.0, 0.0]
        x = F.affine(x, angle=float(rng.uniform(-ROTATE, ROTATE) * m),
                     translate=[float(rng.uniform(-SHIFT, SHIFT) * m), float(rng.uniform(-SHIFT, SHIFT) * m)],
                     scale=zoom, shear=shear, interpolation=interpolation, fill=_fill(rng))
    if rng.random() < 0.15:
        d = rng.uniform(0.0, PERSPECTIVE * m) * SIDE / 2
        start = [[0, 0], [SIDE - 1, 0], [SIDE - 1, SIDE - 1], [0, SIDE - 1]]
        end = [[int(round(px + sx * rng.uniform(0, d))), int(round(py + sy * rng.uniform(0, d)))]
               for (px, py), (sx, sy) in zip(start, [(1, 1), (-1, 1), (-1, -1), (1, -1)])]
        x = F.perspective(x, start, end, interpolation=v2.InterpolationMode.BILINEAR, fill=_fill(rng))
    return x


def _colour(x: torch.Tensor, rng: np.random.Generator, m: float) -> torch.Tensor:
    """Colour changes that keep dark things dark, on a uint8 image."""
    lo, hi = COLOUR_FACTOR[0] / m, COLOUR_FACTOR[1] * m
    ops: list = [
        (0.4, lambda t: F.adjust_brightness(t, float(rng.uniform(lo, hi)))),
        (0.4, lambda t: F.adjust_contrast(t, float(rng.uniform(lo, hi)))),
        (0.4, lambda t: F.adjust_saturation(t, float(rng.uniform(0.0, hi)))),
        (0.3, lambda t: F.adjust_hue(t, float(rng.uniform(-0.5, 0.5)))),
        (0.3, lambda t: F.permute_channels(t, [int(i) for i in rng.permutation(3)])),
        (0.15, lambda t: F.rgb_to_grayscale(t, num_output_channels=3)),
        (0.1, lambda t: F.adjust_gamma(t, float(rng.uniform(GAMMA[0] / m, GAMMA[1] * m)))),
        (0.1, F.autocontrast),
        (0.1, F.equalize),
        (0.1, lambda t: F.posterize(t, int(rng.integers(POSTERIZE_BITS, 8)))),
        (0.1, lambda t: F.adjust_sharpness(t, float(rng.uniform(SHARPNESS[0], SHARPNESS[1] * m)))),
    ]
    for index in rng.permutation(len(ops)):
        p, op = ops[index]
        if rng.random() < p:
            x = op(x)
    return x


def _degrade(x: torch.Tensor, rng: np.random.Generator, m: float) -> torch.Tensor:
    """Blur, noise and a small erased rectangle, on a float image in [0, 1]."""
    if rng.random() < 0.25:
        sigma = float(rng.uniform(0.1, BLUR * m))
        x = F.gaussian_blur(x, [int(rng.choice([3, 5, 7]))] * 2, [sigma, sigma])
    if rng.random() < 0.25:
        x = (x + torch.from_numpy(rng.normal(0.0, rng.uniform(0.0, NOISE * m), x.shape)).float()).clamp(0, 1)
    if rng.random() < 0.25:
        area = rng.uniform(0.01, ERASE * m) * SIDE * SIDE
        ratio = math.exp(rng.uniform(math.log(0.3), math.log(3.3)))
        h = int(min(SIDE, max(1, round(math.sqrt(area / ratio)))))
        w = int(min(SIDE, max(1, round(math.sqrt(area * ratio)))))
        top, left = int(rng.integers(0, SIDE - h + 1)), int(rng.integers(0, SIDE - w + 1))
        kind = rng.integers(4)
        value = (torch.zeros(3, 1, 1) if kind == 0 else torch.ones(3, 1, 1) if kind == 1 else
                 x.mean(dim=(1, 2), keepdim=True) if kind == 2 else
                 torch.from_numpy(rng.uniform(0, 1, (3, h, w))).float())
        x = F.erase(x, top, left, h, w, value)
    return x


def legit(image: torch.Tensor, rng: np.random.Generator, margin: float = 1.0) -> torch.Tensor:
    r"""A random label-preserving augmentation of a uint8 image (3, 32, 32) inside the envelope
    (every bound widened by ``margin``); returns float32 (3, 32, 32) in [0, 1]."""
    x = F.horizontal_flip(image) if rng.random() < 0.5 else image
    steps: list = [lambda t: _geometry(t, rng, margin) if rng.random() < 0.8 else t,
                   lambda t: _colour(t, rng, margin)]
    for index in rng.permutation(2):
        x = steps[index](x)
    return _degrade(F.to_dtype(x, torch.float32, scale=True), rng, margin)


def breaking(image: torch.Tensor, rng: np.random.Generator, kind: str) -> torch.Tensor:
    r"""A label-breaking change of a uint8 image (3, 32, 32), after a mild label-preserving one;
    ``kind`` in :data:`BREAKING`. Returns float32 (3, 32, 32) in [0, 1]."""
    x = F.to_dtype(image, torch.uint8, scale=True)
    interpolation = _INTERPOLATIONS[rng.integers(2)]
    if kind == "vflip":
        x = F.affine(F.vertical_flip(x), angle=float(rng.uniform(-20, 20)), translate=[0.0, 0.0], scale=1.0,
                     shear=[0.0, 0.0], interpolation=interpolation, fill=_fill(rng))
    elif kind == "turn":
        x = F.affine(x, angle=float(rng.uniform(60, 300)), translate=[0.0, 0.0], scale=float(rng.uniform(0.9, 1.1)),
                     shear=[0.0, 0.0], interpolation=interpolation, fill=_fill(rng))
    elif kind == "zoom":
        side = int(round(SIDE / rng.uniform(2.0, 4.0)))
        top, left = int(rng.integers(0, SIDE - side + 1)), int(rng.integers(0, SIDE - side + 1))
        x = F.resized_crop(x, top, left, side, side, [SIDE, SIDE], interpolation=interpolation, antialias=True)
    elif kind == "shift":
        angle = rng.uniform(0, 2 * math.pi)
        distance = rng.uniform(11.0, 20.0)
        x = F.affine(x, angle=0.0, translate=[float(distance * math.cos(angle)), float(distance * math.sin(angle))],
                     scale=1.0, shear=[0.0, 0.0], interpolation=interpolation, fill=_fill(rng))
    elif kind != "invert":
        raise ValueError(f"kind should be one of {BREAKING}, got {kind!r}")
    x = _colour(F.horizontal_flip(x) if rng.random() < 0.5 else x, rng, 0.8)
    x = F.to_dtype(x, torch.float32, scale=True)
    if kind == "invert":
        x = 1.0 - x
    return x


def sample(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, margin: float,
           broken_fraction: float) -> tuple:
    r"""One augmented copy of each image: label-preserving (label kept) or, with probability
    ``broken_fraction``, label-breaking (label 3, kind uniform over :data:`BREAKING`).

    Args:
        images: uint8 (N, 32, 32, 3) probe faces; labels: (N,) in 0..2.
    Returns:
        float32 array (N, 3, 32, 32) in [0, 1], int64 labels (N,) in 0..3.
    """
    out = np.empty((len(images), 3, SIDE, SIDE), dtype=np.float32)
    target = np.array(labels, dtype=np.int64)
    for i, image in enumerate(images):
        x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        if rng.random() < broken_fraction:
            out[i] = breaking(x, rng, BREAKING[rng.integers(len(BREAKING))]).numpy()
            target[i] = 3
        else:
            out[i] = legit(x, rng, margin).numpy()
    return out, target


def apply_pipeline(pipeline: Callable, images: np.ndarray) -> np.ndarray:
    """``pipeline`` (uint8 tensor (3, 32, 32) -> float tensor in [0, 1]) on each image, stacked."""
    return np.stack([pipeline(torch.from_numpy(np.ascontiguousarray(im.transpose(2, 0, 1)))).numpy()
                     for im in images]).astype(np.float32)
