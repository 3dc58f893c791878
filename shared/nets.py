r"""Small helpers for networks whose weights are set by hand."""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np
import torch
from torch import nn

ArrayLike = Union[np.ndarray, Sequence, torch.Tensor]


def linear_from(weight: ArrayLike, bias: ArrayLike) -> nn.Linear:
    r"""An ``nn.Linear`` computing ``x W^T + b`` with the given parameters.

    Args:
        weight: (out_features, in_features).
        bias: (out_features,).
    Returns:
        a float32 ``nn.Linear`` holding copies of ``weight`` and ``bias``.
    """
    weight = torch.as_tensor(np.asarray(weight, dtype=np.float64), dtype=torch.float32)
    bias = torch.as_tensor(np.asarray(bias, dtype=np.float64), dtype=torch.float32)
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias.reshape(-1))
    return layer


def count_params(model: nn.Module) -> int:
    r"""Number of trainable parameters: sum of ``p.numel()`` over ``p.requires_grad``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
