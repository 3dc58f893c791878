r"""Random deep tanh networks at a chosen point (sigma_w^2, sigma_b^2) of the mean-field phase diagram
(assignment `init`, question 10).

``tanh_net(depth, width, sigma_w2, sigma_b2, in_features)`` is ``depth`` blocks (Linear, Tanh) with
weights W ~ N(0, sigma_w2 / fan_in) and biases b ~ N(0, sigma_b2), drawn from torch's global generator
(seed it first). ``tanh_net_factory(...)`` returns the same construction as a function of the depth
alone, the ``net_factory`` that ``trajectory_lengths`` receives.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable, Optional

import torch
from torch import nn


def tanh_net(depth: int, width: int, sigma_w2: float, sigma_b2: float,
             in_features: Optional[int] = None) -> nn.Sequential:
    r"""``depth`` blocks (Linear, Tanh); W ~ N(0, sigma_w2 / fan_in), b ~ N(0, sigma_b2), float32.

    Args:
        depth: number of (Linear, Tanh) blocks, >= 1.
        width: units per layer.
        sigma_w2, sigma_b2: weight variance times fan_in, and bias variance (>= 0).
        in_features: input size (default: width).
    Returns:
        nn.Sequential of 2 depth modules; the weights come from torch's global generator.
    """
    sizes = [in_features or width] + [width] * depth
    modules = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layer = nn.Linear(fan_in, fan_out)
        with torch.no_grad():
            layer.weight.normal_(0.0, math.sqrt(sigma_w2 / fan_in))
            if sigma_b2 > 0:
                layer.bias.normal_(0.0, math.sqrt(sigma_b2))
            else:
                layer.bias.zero_()
        modules += [layer, nn.Tanh()]
    return nn.Sequential(*modules)


def tanh_net_factory(width: int, sigma_w2: float, sigma_b2: float,
                     in_features: Optional[int] = None) -> Callable[[int], nn.Sequential]:
    r"""``depth -> tanh_net(depth, width, sigma_w2, sigma_b2, in_features)``: a fresh random net per call."""
    return partial(tanh_net, width=width, sigma_w2=sigma_w2, sigma_b2=sigma_b2, in_features=in_features)
