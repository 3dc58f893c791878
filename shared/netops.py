r"""Building ReLU networks out of smaller ones: side by side, one after another, through affine maps.

Every network here is an ``nn.Sequential`` of the form ``Linear, (ReLU, Linear) * d``: ``d``
hidden layers (``d = 0`` is a single affine map). That form is closed under the operations below,
because an affine map followed by an affine map is one affine map:

* ``chain(f, g, ...)``      x -> ...g(f(x)): the last ``Linear`` of ``f`` and the first of ``g``
                            are merged into one, so the depths add up;
* ``parallel(f, g, ...)``   (x_f, x_g, ...) -> (f(x_f), g(x_g), ...): block-diagonal weights; all
                            parts must have the same depth;
* ``affine(W, b)``          x -> x W^T + b, depth 0 (to feed a net affine functions of the input,
                            or to combine its outputs);
* ``identity_net(k, d)``    x -> x for x >= 0 (each ReLU passes non-negative values unchanged), with
                            ``d`` hidden layers of width ``k``: a value that has to wait while
                            another part of the net works at depth ``d``.

Parameters are combined in float64 and stored in float32 (float64 if every input net is float64).
The counts the course uses: ``hidden_layers(net)`` (the depth ``d``) and ``hidden_units(net)``
(the sum of the hidden widths).
"""
from __future__ import annotations

from typing import List, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

ArrayLike = Union[np.ndarray, Sequence, torch.Tensor]
_Affine = Tuple[np.ndarray, np.ndarray]


def _affine_maps(net: nn.Module) -> List[_Affine]:
    """The (weight, bias) of each Linear of ``net`` (float64), after checking its form."""
    if not isinstance(net, nn.Sequential):
        raise TypeError(f"expected an nn.Sequential of Linear and ReLU layers, got {type(net).__name__}")
    layers = list(net)
    kinds = ["linear" if isinstance(l, nn.Linear) else "relu" if isinstance(l, nn.ReLU) else type(l).__name__
             for l in layers]
    if len(layers) % 2 == 0 or any(k != ("linear" if i % 2 == 0 else "relu") for i, k in enumerate(kinds)):
        raise ValueError(f"expected layers Linear, (ReLU, Linear) * d; got {kinds}")
    maps = []
    for layer in layers[::2]:
        weight = layer.weight.detach().to(torch.float64).numpy().copy()
        bias = (layer.bias.detach().to(torch.float64).numpy().copy() if layer.bias is not None
                else np.zeros(weight.shape[0]))
        maps.append((weight, bias))
    return maps


def _dtype_of(nets: Sequence[nn.Module]) -> torch.dtype:
    dtypes = {p.dtype for net in nets for p in net.parameters()}
    return torch.float64 if dtypes == {torch.float64} else torch.float32


def _build(maps: List[_Affine], dtype: torch.dtype) -> nn.Sequential:
    layers: list = []
    for i, (weight, bias) in enumerate(maps):
        if i:
            layers.append(nn.ReLU())
        layer = nn.Linear(weight.shape[1], weight.shape[0], dtype=dtype)
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(weight, dtype=dtype))
            layer.bias.copy_(torch.as_tensor(bias, dtype=dtype))
        layers.append(layer)
    return nn.Sequential(*layers)


def affine(weight: ArrayLike, bias: ArrayLike) -> nn.Sequential:
    r"""The affine map x -> x W^T + b as a network of depth 0.

    Args:
        weight: (out, in).
        bias: (out,).
    Returns:
        ``nn.Sequential(Linear(in, out))``, float32.
    """
    weight = np.atleast_2d(np.asarray(weight, dtype=np.float64))
    bias = np.asarray(bias, dtype=np.float64).reshape(-1)
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"bias has {bias.size} entries for a weight with {weight.shape[0]} rows")
    return _build([(weight, bias)], torch.float32)


def identity_net(width: int, depth: int) -> nn.Sequential:
    r"""x -> x on inputs x >= 0, through ``depth`` hidden layers of ``width`` ReLUs (identity weights).

    Args:
        width: number of values passed through.
        depth: number of hidden layers, >= 0.
    Returns:
        ``nn.Sequential`` mapping (batch, width) -> (batch, width), float32. Negative inputs come
        out as 0 when depth >= 1.
    """
    eye = (np.eye(width), np.zeros(width))
    return _build([eye] * (depth + 1), torch.float32)


def chain(*nets: nn.Sequential) -> nn.Sequential:
    r"""The composition x -> nets[-1](...nets[1](nets[0](x))), as one network.

    Neighbouring affine maps are merged (W = W_2 W_1, b = W_2 b_1 + b_2), so
    ``hidden_layers(chain(f, g)) == hidden_layers(f) + hidden_layers(g)``.

    Args:
        nets: networks of the form Linear, (ReLU, Linear) * d; each one's output size must be the
            next one's input size.
    Returns:
        ``nn.Sequential`` of the same form.
    """
    if not nets:
        raise ValueError("chain needs at least one network")
    maps = _affine_maps(nets[0])
    for net in nets[1:]:
        nxt = _affine_maps(net)
        (w1, b1), (w2, b2) = maps[-1], nxt[0]
        if w2.shape[1] != w1.shape[0]:
            raise ValueError(f"cannot chain: a net with {w1.shape[0]} outputs into one with {w2.shape[1]} inputs")
        maps = maps[:-1] + [(w2 @ w1, w2 @ b1 + b2)] + nxt[1:]
    return _build(maps, _dtype_of(nets))


def parallel(*nets: nn.Sequential) -> nn.Sequential:
    r"""Networks side by side: (x_1, ..., x_k) -> (nets[0](x_1), ..., nets[k-1](x_k)).

    The input is the concatenation of the parts' inputs (in order), the output the concatenation
    of their outputs; weights are block-diagonal. The same network may appear several times.

    Args:
        nets: networks of the form Linear, (ReLU, Linear) * d, all with the same ``d``.
    Returns:
        ``nn.Sequential`` of the same form, with the parts' hidden widths added up.
    """
    if not nets:
        raise ValueError("parallel needs at least one network")
    parts = [_affine_maps(net) for net in nets]
    depths = sorted({len(p) - 1 for p in parts})
    if len(depths) != 1:
        raise ValueError(f"parallel parts must have the same number of hidden layers; got {depths} "
                         "(pass a value that has to wait through identity_net(width, depth))")
    maps = []
    for level in zip(*parts):
        rows = sum(w.shape[0] for w, _ in level)
        cols = sum(w.shape[1] for w, _ in level)
        weight, r, c = np.zeros((rows, cols)), 0, 0
        for w, _ in level:
            weight[r:r + w.shape[0], c:c + w.shape[1]] = w
            r, c = r + w.shape[0], c + w.shape[1]
        maps.append((weight, np.concatenate([b for _, b in level])))
    return _build(maps, _dtype_of(nets))


def hidden_layers(net: nn.Sequential) -> int:
    r"""Number of hidden (ReLU) layers ``d`` of a network Linear, (ReLU, Linear) * d."""
    return len(_affine_maps(net)) - 1


def hidden_units(net: nn.Sequential) -> int:
    r"""Total number of hidden units: the sum of the widths of the ``d`` hidden layers."""
    return sum(w.shape[0] for w, _ in _affine_maps(net)[:-1])
