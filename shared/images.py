r"""Show image tensors/arrays as a grid (matplotlib only)."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np


def to_hwc(image: Any) -> np.ndarray:
    r"""A (C, H, W) or (H, W, C) image (numpy or torch, uint8 or float) as float (H, W, C) in [0, 1]
    for ``imshow``: uint8 is divided by 255, floats are clipped to [0, 1]."""
    a = np.asarray(image.detach().cpu() if hasattr(image, "detach") else image)
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
        a = a.transpose(1, 2, 0)
    a = a.astype(np.float64) / 255.0 if a.dtype == np.uint8 else a.astype(np.float64)
    return np.clip(a[..., 0] if a.shape[-1] == 1 else a, 0.0, 1.0)


def show_images(images: Sequence[Any], titles: Optional[Sequence[str]] = None, ncols: int = 10,
                size: float = 1.2, title: str = ""):
    r"""Draw ``images`` in a grid with ``ncols`` columns (each ``size`` inches); returns the figure.

    Args:
        images: a sequence (or a batch tensor/array) of images, see :func:`to_hwc`.
        titles: optional text above each image.
        ncols: images per row.
        size: inches per image.
        title: the figure's title.
    """
    images = list(images)
    ncols = max(1, min(ncols, len(images)))
    nrows = (len(images) + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.3 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(to_hwc(images[i]), cmap="gray", interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
