r"""The grader's fixed face classifier (numpy only): is an augmented probe face still a face of
its class?

A small convolutional network with four outputs, cat (0), dog (1), wild (2) and *not a face of the
data* (3), applied to the channel mean of the image standardised per image (so brightness,
contrast and colour changes cannot matter; what is dark stays dark, so inverted colours can).
Architecture (valid convolutions, ReLU after every layer but the last)::

    (1, 32, 32) -> conv 5x5, 16 -> max-pool 2 -> conv 3x3, 32 -> max-pool 2 -> conv 3x3, 16
                -> flatten (256) -> linear 32 -> linear 4

Its weights were trained once by ``train_face_oracle.py`` (torch, offline) on probe faces under
random label-preserving augmentations (``envelope.legit``, bounds widened by 15 %) and on
label-breaking ones (``envelope.breaking``: vertical flips, turns by 60-300 degrees, inverted
colours, zooms into part of the image, big shifts), and are stored, float16, in
``face_oracle_weights.py``. Its error rates, measured on fresh draws, are stated next to the
thresholds that use them (``hidden.py``) and re-measured by ``tests/augmentation/test_face_oracle.py``.
"""
from __future__ import annotations

import base64
import functools
import io

import numpy as np

NOT_A_FACE = 3
LAYERS = ("conv1", "conv2", "conv3", "fc1", "fc2")


@functools.lru_cache(maxsize=1)
def weights() -> dict:
    """name -> float32 array: ``<layer>.weight`` and ``<layer>.bias`` for each of :data:`LAYERS`."""
    from autograder.assignments.augmentation.face_oracle_weights import WEIGHTS_NPZ_BASE64

    with np.load(io.BytesIO(base64.b64decode(WEIGHTS_NPZ_BASE64)), allow_pickle=False) as archive:
        return {name: archive[name].astype(np.float32) for name in archive.files}


def features(images: np.ndarray) -> np.ndarray:
    r"""The classifier's input: z = (g - mean(g)) / (std(g) + 1e-3) with g the channel mean.

    Args:
        images: (N, 3, 32, 32) pixels in [0, 1] (values outside are clipped).
    Returns:
        float32 (N, 1, 32, 32).
    """
    g = np.clip(np.asarray(images, dtype=np.float64), 0.0, 1.0).mean(axis=1, keepdims=True)
    g = g - g.mean(axis=(2, 3), keepdims=True)
    return (g / (g.std(axis=(2, 3), keepdims=True) + 1e-3)).astype(np.float32)


def _conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation: x (N, C, H, W), weight (O, C, k, k) -> (N, O, H-k+1, W-k+1)."""
    k = weight.shape[-1]
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))   # (N, C, H', W', k, k)
    out = np.tensordot(windows, weight, axes=([1, 4, 5], [1, 2, 3]))              # (N, H', W', O)
    return out.transpose(0, 3, 1, 2) + bias[None, :, None, None]


def _pool(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def logits(images: np.ndarray, batch: int = 64) -> np.ndarray:
    """The classifier's four logits for each image (N, 3, 32, 32) in [0, 1]: (N, 4) float32."""
    p = weights()
    out = []
    for start in range(0, len(images), batch):
        x = features(images[start:start + batch])
        x = _pool(np.maximum(_conv(x, p["conv1.weight"], p["conv1.bias"]), 0.0))
        x = _pool(np.maximum(_conv(x, p["conv2.weight"], p["conv2.bias"]), 0.0))
        x = np.maximum(_conv(x, p["conv3.weight"], p["conv3.bias"]), 0.0).reshape(len(x), -1)
        x = np.maximum(x @ p["fc1.weight"].T + p["fc1.bias"], 0.0)
        out.append(x @ p["fc2.weight"].T + p["fc2.bias"])
    return np.concatenate(out).astype(np.float32)


def classify(images: np.ndarray) -> np.ndarray:
    """The class the classifier sees in each image: 0 cat, 1 dog, 2 wild, 3 not a face (N,) int."""
    return np.argmax(logits(images), axis=1)
