r"""Oracles of `augmentation`, computed with numpy/scipy only (the grading process never imports
torch or torchvision), independently of the student's code and of the reference solution.

* Data statistics: the toy faces come from :func:`shared.afhq.make_images` (numpy), the same
  pixels the student side reads back from lossless PNG files.
* Labels of augmented probe faces: the fixed face classifier of ``face_oracle.py``.
* Naming what a label-breaking pipeline did (:func:`diagnose`): an augmented grey test image is
  correlated with every candidate ``rotate(mirror^m(x), a)`` (m in {0, 1}, a in {-180, ..., 179}
  degrees, ``scipy.ndimage.rotate``) on the disk of radius 13 px around the centre (the corners of
  a rotated image are fill, whatever the convention).
* The augmentation experiment's inputs, streamed (:func:`gap_parts`, :func:`gap_accuracies`).
"""
from __future__ import annotations

import functools
import itertools

import numpy as np

SIDE = 32
DISK_RADIUS = 13.0
ANGLES = np.arange(-180.0, 180.0, 1.0)


# -- the registration test image ----------------------------------------------------------------
def centre() -> float:
    return SIDE / 2 - 0.5


@functools.lru_cache(maxsize=1)
def test_image() -> np.ndarray:
    r"""A smooth, asymmetric uint8 image (3, 32, 32): a coloured ramp, four Gaussian blobs of
    different colours and sizes at asymmetric places (no reflection or rotation maps it onto
    itself), and a constant 8x8 patch of colour CENTRE_RGB around the centre."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    image = np.array([0.35, 0.30, 0.25]) + 0.25 * (xx / (SIDE - 1))[..., None] * np.array([1.0, 0.2, -0.5])
    blobs = [((7.0, 9.0), 3.5, (0.6, -0.2, -0.1)), ((23.0, 6.5), 3.0, (-0.2, 0.5, 0.0)),
             ((21.0, 24.0), 4.0, (-0.2, -0.1, 0.6)), ((8.5, 23.0), 2.5, (0.4, 0.4, -0.2))]
    for (cx, cy), sigma, colour in blobs:
        image = image + np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma ** 2))[..., None] * np.array(colour)
    patch = (np.abs(xx - centre()) < 3.6) & (np.abs(yy - centre()) < 3.6)
    image[patch] = np.array(CENTRE_RGB) / 255.0
    out = np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8).transpose(2, 0, 1)
    out.setflags(write=False)
    return out


CENTRE_RGB = (204, 64, 128)


def disk_mask() -> np.ndarray:
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    return (xx - centre()) ** 2 + (yy - centre()) ** 2 <= DISK_RADIUS ** 2


@functools.lru_cache(maxsize=1)
def grey_test_image() -> np.ndarray:
    r"""The test image in grey (the same value in the three channels), its contrast stretched to
    [0.1, 0.9]: colour changes (hue, saturation, channel order) leave it grey, so what remains of
    an augmentation on it is geometry, brightness and contrast, and inversion. uint8 (3, 32, 32)."""
    g = test_image().astype(np.float64).mean(axis=0)
    g = 0.1 + 0.8 * (g - g.min()) / (g.max() - g.min())
    out = np.repeat(np.round(255.0 * g)[None], 3, axis=0).astype(np.uint8)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=1)
def _grey_candidates() -> tuple:
    """The grey test image mirrored (or not) and rotated by every whole angle, on the disk, each with
    its mean removed and scaled to norm 1: (720, D) and the angles (720,)."""
    from scipy import ndimage        # only when a pipeline failed and its cause is named

    x = grey_test_image()[0].astype(np.float64) / 255.0
    mask = disk_mask()
    vectors, angles = [], []
    for mirror in (0, 1):
        base = x[:, ::-1] if mirror else x
        for angle in ANGLES:
            rotated = ndimage.rotate(base, angle, axes=(1, 0), reshape=False, order=1, mode="constant", cval=0.0)
            vectors.append(rotated[mask])
            angles.append(angle)
    vectors = np.array(vectors)
    vectors -= vectors.mean(axis=1, keepdims=True)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, np.array(angles)


def diagnose(outputs: np.ndarray, min_correlation: float = 0.5) -> dict:
    r"""How augmented copies of the test image were changed, as far as flips, turns and inversions
    go (to name the cause when a pipeline loses labels; never a pass/fail criterion).

    Each output's channel mean on the disk is correlated (after removing its mean) with every
    candidate of the grey test image (mirror x angle): the best |correlation| gives the angle; a
    negative best means inverted colours. Outputs whose best |correlation| is below
    ``min_correlation`` (cut, zoomed, erased beyond recognition) are counted in none of the three.

    Args:
        outputs: (N, 3, 32, 32) augmented copies of :func:`grey_test_image` in pixel units [0, 1].
    Returns:
        dict of counts: ``upside_down`` (|angle| >= 135 degrees: a vertical flip or half turn),
        ``turned`` (45 < |angle| < 135), ``inverted``.
    """
    lum, angles = _grey_candidates()
    mask = disk_mask()
    flat = np.stack([np.asarray(o, dtype=np.float64).mean(axis=0)[mask] for o in outputs])
    flat = flat - flat.mean(axis=1, keepdims=True)
    flat /= np.linalg.norm(flat, axis=1, keepdims=True) + 1e-12
    corr = flat @ lum.T
    best = np.argmax(np.abs(corr), axis=1)
    strength = corr[np.arange(len(flat)), best]
    angle = np.abs(angles[best])
    clear = np.abs(strength) >= min_correlation
    return {"upside_down": int(np.sum(clear & (angle >= 135))),
            "turned": int(np.sum(clear & (angle > 45) & (angle < 135))),
            "inverted": int(np.sum(clear & (strength < 0)))}


# -- the probe faces ----------------------------------------------------------------------------
PROBES_PER_CLASS = 50
PROBE_SEED = 0


@functools.lru_cache(maxsize=1)
def probes() -> tuple:
    """(uint8 images (150, 3, 32, 32), labels (150,)): shared.afhq.probe_faces(50, PROBE_SEED),
    channels first, read-only."""
    from shared.afhq import probe_faces

    images, labels = probe_faces(PROBES_PER_CLASS, PROBE_SEED)
    images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    images.setflags(write=False)
    return images, labels


# -- the toy data set ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def images(split: str, mini: bool = False) -> tuple:
    """(float64 images (N, 3, 32, 32) in [0, 1], int labels (N,)) of the toy faces (``mini``: the
    first images of each class, as in ``shared.afhq.offline_root(mini=True)``)."""
    from shared.afhq import make_images

    raw, labels = make_images(split, mini)
    return _unit(raw), np.array(labels)


def _unit(raw: np.ndarray) -> np.ndarray:
    """uint8 images (N, H, W, 3) -> float64 (N, 3, H, W) in [0, 1], with no temporary copies."""
    x = raw.transpose(0, 3, 1, 2).astype(np.float64)
    x /= 255.0
    return x


def _pixels(source) -> np.ndarray:
    """Images (N, 3, H, W) in [0, 1]: a split's faces, or ``shared.afhq.random_images(*source)``."""
    if isinstance(source, str):
        return images(source)[0]
    from shared.afhq import random_images

    return random_images(*source).astype(np.float64) / 255.0


def channel_stats(source, ddof: int = 0) -> tuple:
    r"""Per-channel mean and std over all pixels of all images (population std):
    mean_c = E[x_c], std_c = sqrt(E[x_c^2] - mean_c^2), expectations over images and pixels;
    ``ddof=1``: the sample std, std_c * sqrt(P / (P - 1)) for P pixels per channel.
    ``source``: a split name or the arguments of ``shared.afhq.random_images``."""
    x = _pixels(source)
    return x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3), ddof=ddof)


def mean_of_image_stds(source) -> np.ndarray:
    """The common mistake: the average over images of each image's own per-channel std."""
    return _pixels(source).std(axis=(2, 3)).mean(axis=0)


def affine_fit(outputs: np.ndarray, raw: np.ndarray) -> tuple:
    r"""Per channel least squares ``outputs[:, c] ~ a_c raw[:, c] + b_c``.

    Args:
        outputs: (N, 3, P) what a loader returned; raw: (N, 3, P) pixels in [0, 1].
    Returns:
        a (3,), b (3,), the largest absolute residual.
    """
    a, b, worst = np.zeros(3), np.zeros(3), 0.0
    for c in range(3):
        design = np.stack([raw[:, c].ravel(), np.ones(raw[:, c].size)], axis=1)
        (a[c], b[c]), *_ = np.linalg.lstsq(design, outputs[:, c].ravel(), rcond=None)
        worst = max(worst, float(np.abs(design @ np.array([a[c], b[c]]) - outputs[:, c].ravel()).max()))
    return a, b, worst


@functools.lru_cache(maxsize=2)
def _split_stats(split: str) -> tuple:
    r""":func:`channel_stats` of a split (population std), computed once, in pieces of GAP_PIECE
    images (two passes: the mean, then the mean squared deviation; the same numbers as
    ``channel_stats`` up to the order of summation, ~1e-14), so the float64 split is never held
    whole. Read-only arrays."""
    from shared.afhq import make_images

    raw = make_images(split)[0]
    pieces = np.array_split(np.arange(len(raw)), -(-len(raw) // GAP_PIECE))
    count = raw.shape[0] * raw.shape[1] * raw.shape[2]
    mean = sum(_unit(raw[piece]).sum(axis=(0, 2, 3)) for piece in pieces) / count
    var = sum(((_unit(raw[piece]) - mean[None, :, None, None]) ** 2).sum(axis=(0, 2, 3)) for piece in pieces) / count
    std = np.sqrt(var)
    mean.setflags(write=False)
    std.setflags(write=False)
    return mean, std


def normalised(images01: np.ndarray, split_for_stats: str = "train") -> np.ndarray:
    """(images - mean) / std per channel with the channel statistics of a split, flattened (N, 3*H*W)."""
    mean, std = _split_stats(split_for_stats)
    out = images01 - mean[None, :, None, None]
    out /= std[None, :, None, None]
    return out.reshape(len(images01), -1)


GAP_PARTS = ("train", "val", "variants", "heldout")
GAP_PIECE = 120                      # images per piece: 3 MB of float64 inputs


def gap_parts(per_class: int):
    r"""The inputs of the augmentation experiment, as the networks see them (normalised with the
    training split's channel statistics, flattened (N, 3072), float64), streamed in pieces of at
    most a few hundred images so that the grader never holds them all (issue 15: memory):
    yields ``(parts, x, y)`` where ``parts`` names the parts the piece belongs to, of

    * ``train``: the first ``per_class`` training images of each class (what the models train on);
    * ``val``: all validation images;
    * ``variants``: the training images under each of the 12 elements of the reference
      augmentation's group (identity or a mirror, times the 6 orders of the colour channels), one
      element per piece;
    * ``heldout``: every image the models never saw, the rest of the training split and the
      validation split (435 images for per_class = 15: a less noisy measure of generalisation);
      the validation piece is yielded once, for ``val`` and ``heldout`` together.

    A part's accuracy is the hits of all its pieces over its images (:func:`gap_accuracies`).
    """
    from shared.afhq import make_images

    raw, labels = make_images("train")        # uint8, cached by shared.afhq: pieces become float64 one by one
    picks = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(3)])
    rest = np.setdiff1d(np.arange(len(labels)), picks)
    train, y = _unit(raw[picks]), labels[picks]
    val, val_y = images("val")
    yield ("train",), normalised(train), y
    yield ("val", "heldout"), normalised(val), val_y
    for mirror in (False, True):
        for order in itertools.permutations(range(3)):
            variant = train[:, list(order)][..., ::-1] if mirror else train[:, list(order)]
            yield ("variants",), normalised(variant), y
    for piece in np.array_split(rest, -(-len(rest) // GAP_PIECE)):
        yield ("heldout",), normalised(_unit(raw[piece])), labels[piece]


def gap_accuracies(predict, per_class: int) -> dict:
    r"""part -> (share of the part's images whose predicted class is their label, number of images),
    for every part of :func:`gap_parts`; ``predict(x)`` maps inputs (n, 3072) to classes (n,)."""
    hits, counts = dict.fromkeys(GAP_PARTS, 0), dict.fromkeys(GAP_PARTS, 0)
    for parts, x, y in gap_parts(per_class):
        hit = int(np.sum(predict(x) == y))
        for part in parts:
            hits[part] += hit
            counts[part] += len(y)
    return {part: (hits[part] / counts[part], counts[part]) for part in GAP_PARTS}


HISTORY_FIT_EVERY = 4      # fitted on every 4th training image (90: a 90 x 90 system, and errors on the rest)
HISTORY_RIDGE = 1e3        # ridge penalty
HISTORY_SCALE = 4.0        # logits scaled to a mean cross-entropy of about 0.6 (no integer nearby)


@functools.lru_cache(maxsize=1)
def history_classifier() -> tuple:
    r"""A fixed linear classifier of the plain toy faces (``shared.afhq.plain_arrays``), for checking
    a training history with lr = 0: ridge regression of the centred one-hot labels on every
    HISTORY_FIT_EVERY-th training image, in dual form (n equations instead of 3073),

        [W b] = s X^T (X X^T + lam I)^{-1} (Y - 1/3),   X = [flatten(x) 1],

    with lam = HISTORY_RIDGE and s = HISTORY_SCALE, rounded to float32 (so the student side holds the
    very same weights). It classifies 0.80 of the training and 0.72 of the validation faces, with
    errors towards smaller and larger labels. Returns ``(W (3, 3072), b (3,))`` float64, read-only.
    """
    from shared.afhq import plain_arrays

    x, labels = plain_arrays("train")
    x, labels = x[::HISTORY_FIT_EVERY], labels[::HISTORY_FIT_EVERY]
    design = np.concatenate([x.reshape(len(x), -1).astype(np.float64), np.ones((len(x), 1))], axis=1)
    targets = np.eye(3)[labels] - 1.0 / 3.0
    dual = np.linalg.solve(design @ design.T + HISTORY_RIDGE * np.eye(len(design)), targets)
    coef = (HISTORY_SCALE * (design.T @ dual)).astype(np.float32).astype(np.float64)
    weight, bias = np.ascontiguousarray(coef[:-1].T), coef[-1].copy()
    weight.setflags(write=False)
    bias.setflags(write=False)
    return weight, bias


def classifier_scores(weight: np.ndarray, bias: np.ndarray, split: str, tie_margin: float) -> dict:
    r"""What a linear classifier scores on a split of the plain toy faces, in float64: ``loss`` the
    mean cross-entropy per image, ``correct`` the number of images whose largest logit is their label
    (an image whose two largest logits are within ``tie_margin`` counts in neither), ``ties`` the
    number of such images, ``n`` the number of images."""
    from shared.afhq import plain_arrays

    x, labels = plain_arrays(split)
    logits = x.reshape(len(x), -1).astype(np.float64) @ weight.T + bias
    top = np.sort(logits, axis=1)
    tie = top[:, -1] - top[:, -2] < tie_margin
    correct = (np.argmax(logits, axis=1) == labels) & ~tie
    return {"loss": softmax_cross_entropy(logits, labels), "correct": int(correct.sum()), "ties": int(tie.sum()),
            "n": len(labels)}


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean over samples of -log softmax(logits)[label], in float64."""
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), labels].mean())


def first_layer_oracle(weight: np.ndarray, in_shape: tuple) -> np.ndarray:
    r"""W (hidden, prod(in_shape)) -> (hidden, *in_shape), each unit scaled to [0, 1]:
    (w - min_unit) / (max_unit - min_unit)."""
    w = weight.reshape(weight.shape[0], -1)
    lo, hi = w.min(axis=1, keepdims=True), w.max(axis=1, keepdims=True)
    return ((w - lo) / (hi - lo)).reshape(weight.shape[0], *in_shape)
