r"""Helpers that change which parameters of a network train, not what it computes."""
from __future__ import annotations

from typing import Iterable

from torch import nn


def freeze(module: nn.Module, layers: Iterable[int] = ()) -> nn.Module:
    r"""Freeze some layers of an ``nn.Sequential``: ``requires_grad = False`` for every parameter
    of ``module[i]``, ``i in layers`` (a fixed feature extractor, fine-tuning only the head).

    Args:
        module: an ``nn.Sequential``.
        layers: indices into ``module``.
    Returns:
        the same module (changed in place), so calls can be chained.
    """
    for i in layers:
        for p in module[i].parameters():
            p.requires_grad_(False)
    return module
