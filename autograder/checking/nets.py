r"""Networks as the checks see them: structure checks and an independent float64 forward pass.

``forward(net, x)`` evaluates a :class:`NetSpec` with numpy in float64:
``h <- h W^T + b`` for linear layers, ``max(h, 0)`` for ReLU, ``where(h > 0, h, a h)`` for leaky
ReLU, ``tanh``, ``1 / (1 + exp(-h))``. It never calls the student's module, so a module whose
``forward`` does something other than its layers cannot fool a check that uses it; checks that
also want the module to run (shapes, dtypes) call ``net.handle`` on the student side.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .failures import CheckFailed, expect
from .values import NetSpec, describe


def as_net(value: Any, what: str, expected: str = "a torch.nn.Sequential") -> NetSpec:
    """Fail unless the student returned a torch module; ``expected`` names what ``what`` should return
    in the message (e.g. "the nn.Linear it was given" for an in-place initialiser)."""
    if not isinstance(value, NetSpec):
        raise CheckFailed(f"{what} should return {expected}, but returned {describe(value)}")
    return value


def expect_layer_kinds(net: NetSpec, allowed: Iterable[str], what: str) -> None:
    allowed = set(allowed)
    bad = [layer.type_name for layer in net.layers if layer.kind not in allowed]
    expect(not bad, f"{what} may only contain {', '.join(sorted(allowed))} layers, but it contains "
                    f"{', '.join(sorted(set(bad)))}.")


def hidden_widths(net: NetSpec) -> list:
    """Output sizes of every Linear layer but the last (the hidden layer widths)."""
    return [int(layer.weight.shape[0]) for layer in net.linear_layers[:-1]]


def count_parameters(net: NetSpec) -> int:
    return sum(int(layer.weight.size) + (0 if layer.bias is None else int(layer.bias.size))
               for layer in net.linear_layers)


def forward(net: NetSpec, x: np.ndarray) -> np.ndarray:
    """Evaluate the layers in float64 on a batch ``x`` of shape (B, d_in)."""
    h = np.asarray(x, dtype=np.float64)
    for i, layer in enumerate(net.layers):
        if layer.kind == "linear":
            if h.shape[-1] != layer.weight.shape[1]:
                raise CheckFailed(f"layer {i} ({layer.type_name}) expects {layer.weight.shape[1]} inputs "
                                  f"but receives {h.shape[-1]}: the layer sizes do not chain.")
            h = h @ layer.weight.T + (0.0 if layer.bias is None else layer.bias)
        elif layer.kind == "relu":
            h = np.maximum(h, 0.0)
        elif layer.kind == "leaky_relu":
            h = np.where(h > 0, h, layer.negative_slope * h)
        elif layer.kind == "tanh":
            h = np.tanh(h)
        elif layer.kind == "sigmoid":
            h = 1.0 / (1.0 + np.exp(-h))
        elif layer.kind in ("identity", "flatten"):
            h = h.reshape(h.shape[0], -1) if layer.kind == "flatten" else h
        else:
            raise CheckFailed(f"layer {i} is a {layer.type_name}, which this question does not use.")
    return h
