r"""Oracles of `augmentation`, computed with numpy/scipy only (the grading process never imports
torch or torchvision), independently of the student's code and of the reference solution.

* Data statistics: the toy faces come from :func:`shared.afhq.make_images` (numpy), the same
  pixels the student side reads back from lossless PNG files.
* Registration: an augmented output is compared with every candidate ``rotate(mirror^m(x), a)``
  (m in {0, 1}, a in {-180, -179, ..., 179} degrees) made with ``scipy.ndimage.rotate``, on the
  disk of radius 13 px around the centre (the corners of a rotated image are fill, whatever the
  convention). The best candidate gives the mirror flag and the angle.
"""
from __future__ import annotations

import functools

import numpy as np
from scipy import ndimage

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
    itself: every wrong candidate is >= 0.11 RMS away on the disk), and a constant 8x8 patch of
    colour CENTRE_RGB around the centre (any flip or rotation by <= 30 degrees keeps the four
    central pixels inside it, so their normalised value is known exactly)."""
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
CENTRE_PIXELS = (slice(SIDE // 2 - 1, SIDE // 2 + 1), slice(SIDE // 2 - 1, SIDE // 2 + 1))


def disk_mask() -> np.ndarray:
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    return (xx - centre()) ** 2 + (yy - centre()) ** 2 <= DISK_RADIUS ** 2


@functools.lru_cache(maxsize=1)
def candidates() -> tuple:
    """(vectors (720, D) of the candidates on the disk, mirror flags (720,), angles (720,))."""
    x = test_image().astype(np.float64).transpose(1, 2, 0) / 255.0
    mask = disk_mask()
    vectors, mirrors, angles = [], [], []
    for mirror in (0, 1):
        base = x[:, ::-1] if mirror else x
        for angle in ANGLES:
            rotated = ndimage.rotate(base, angle, axes=(1, 0), reshape=False, order=1, mode="constant", cval=0.0)
            vectors.append(rotated[mask].ravel())
            mirrors.append(mirror)
            angles.append(angle)
    return np.array(vectors), np.array(mirrors), np.array(angles)


def register(outputs: np.ndarray) -> tuple:
    r"""Best candidate for each output.

    Args:
        outputs: (N, 3, 32, 32) images in pixel units [0, 1] (normalisation undone).
    Returns:
        mirror (N,) in {0, 1}, angle (N,) in degrees in [-180, 180), rms (N,) the root mean
        square difference to the best candidate on the disk.
    """
    vectors, mirrors, angles = candidates()
    mask = disk_mask()
    flat = np.stack([np.asarray(o, dtype=np.float64).transpose(1, 2, 0)[mask].ravel() for o in outputs])
    d2 = (flat ** 2).sum(1)[:, None] - 2.0 * flat @ vectors.T + (vectors ** 2).sum(1)[None, :]
    best = np.argmin(d2, axis=1)
    rms = np.sqrt(np.maximum(d2[np.arange(len(flat)), best], 0.0) / vectors.shape[1])
    return mirrors[best], angles[best], rms


# -- the toy data set ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def images(split: str) -> tuple:
    """(float64 images (N, 3, 32, 32) in [0, 1], int labels (N,)) of the toy faces."""
    from shared.afhq import make_images

    raw, labels = make_images(split)
    return raw.astype(np.float64).transpose(0, 3, 1, 2) / 255.0, np.array(labels)


def channel_stats(split: str) -> tuple:
    r"""Per-channel mean and std over all pixels of all images (population std):
    mean_c = E[x_c], std_c = sqrt(E[x_c^2] - mean_c^2), expectations over images and pixels."""
    x = images(split)[0]
    return x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))


def mean_of_image_stds(split: str) -> np.ndarray:
    """The common mistake: the average over images of each image's own per-channel std."""
    return images(split)[0].std(axis=(2, 3)).mean(axis=0)


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
