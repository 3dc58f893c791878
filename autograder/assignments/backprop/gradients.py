r"""The law of the gradient norms of question 5, simulated independently in numpy (float64).

``gradient_norms_by_layer(depth, width, activation, init, seed)`` returns, for one draw of

    net = Linear_1, phi, Linear_2, phi, ..., phi, Linear_depth      (width -> width each)
    x, y ~ N(0, I) of shape (B, width), B = 64,      L = mean((net(x) - y)^2)  (over B * width),

the Frobenius norms ||dL/dW_l||_F, l = 1 .. depth. The contract fixes every distribution: PyTorch's
``nn.Linear`` init draws W_l and b_l from U(-1/sqrt(width), 1/sqrt(width)); "he" redraws W_l from
N(0, 2/width) (``kaiming_normal_``, relu gain) and sets b_l = 0. So every correct implementation,
whatever its RNG order, returns a draw from one law, which this module samples with numpy's RNG and
a hand-written backward pass (no torch, nothing shared with a student's code):

    delta_depth = 2 (out - y) / (B width),   dL/dW_l = delta_l^T h_{l-1},
    delta_{l-1} = (delta_l W_l) * phi'(z_{l-1}),  h_l = phi(z_l),  z_l = h_{l-1} W_l^T + b_l.

``tests/backprop/test_oracles.py`` checks this law against the reference implementation in torch.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

BATCH = 64


def _activation(name: str, z: np.ndarray) -> tuple:
    """(phi(z), phi'(z)) for "sigmoid" or "relu" (relu'(0) = 0)."""
    if name == "sigmoid":
        s = expit(z)
        return s, s * (1.0 - s)
    if name == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(np.float64)
    raise ValueError(f"unknown activation {name!r}")


def log_norms(depth: int, width: int, activation: str, init: str, rng: np.random.Generator,
              draws: int) -> np.ndarray:
    r"""ln ||dL/dW_l||_F for ``draws`` independent nets and batches, layer next to the input first.

    Args:
        depth: number of Linear layers (>= 1); width: their width.
        activation: "sigmoid" or "relu"; init: "default" or "he".
        rng: numpy Generator; draws: number of independent draws.
    Returns:
        float64 array (draws, depth).
    """
    bound = 1.0 / np.sqrt(width)
    weights, biases = [], []
    for _ in range(depth):
        if init == "he":
            weights.append(rng.normal(0.0, np.sqrt(2.0 / width), (draws, width, width)))
            biases.append(np.zeros((draws, 1, width)))
        elif init == "default":
            weights.append(rng.uniform(-bound, bound, (draws, width, width)))
            biases.append(rng.uniform(-bound, bound, (draws, 1, width)))
        else:
            raise ValueError(f"unknown init {init!r}")
    x = rng.standard_normal((draws, BATCH, width))
    y = rng.standard_normal((draws, BATCH, width))
    hidden, slopes = [x], []
    for layer in range(depth):
        z = hidden[-1] @ np.swapaxes(weights[layer], 1, 2) + biases[layer]
        if layer < depth - 1:
            h, slope = _activation(activation, z)
            hidden.append(h)
            slopes.append(slope)
        else:
            out = z
    delta = 2.0 * (out - y) / (BATCH * width)
    logs = np.empty((draws, depth))
    for layer in range(depth - 1, -1, -1):
        grad = np.swapaxes(delta, 1, 2) @ hidden[layer]
        logs[:, layer] = 0.5 * np.log(np.einsum("dij,dij->d", grad, grad))
        if layer > 0:
            delta = (delta @ weights[layer]) * slopes[layer - 1]
    return logs
