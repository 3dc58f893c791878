r"""An independent float64 oracle for the training loops of questions 6 and 8: Adam when every
training example is the same.

When all n training examples are one example e, every minibatch, whatever its size and whichever
examples the permutation puts in it, has the loss and the gradient of e alone. One epoch in
minibatches of m is then exactly ceil(n / m) Adam steps on that single loss, so the whole run is a
deterministic function of the initial parameters, computed here in float64 with torch.optim.Adam's
update (defaults betas = (0.9, 0.999), eps = 1e-8):

    m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2,
    p <- p - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps).

Losses (parameters are lists of float64 arrays, weights (out, in) as in nn.Linear):

* :func:`autoencoder_loss`: [W, b, D, d], l = mean_j (D sigma(W c + b) + d - c)_j^2;
* :func:`classifier_loss`: [W_1, b_1, ..., W_k, b_k, W_head, b_head], sigmoid after every layer but
  the head, l = cross-entropy of softmax(logits) at the label.

The gradients are written out by hand (backpropagation through the few layers); tests/backprop
checks them against torch.autograd and central differences.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from scipy.special import expit, logsumexp

BETAS, EPS = (0.9, 0.999), 1e-8


def autoencoder_loss(params: list, c: np.ndarray) -> tuple:
    r"""(l, [dl/dW, dl/db, dl/dD, dl/dd]) for one code c (dim,):

    r = D h + d - c, h = sigma(W c + b):  dl/dD = (2/dim) r h^T,  dl/dd = (2/dim) r,
    dl/dW = a c^T,  dl/db = a,  a = (D^T (2/dim) r) * h (1 - h).
    """
    w, b, dec_w, dec_b = params
    h = expit(w @ c + b)
    r = dec_w @ h + dec_b - c
    dr = 2.0 * r / c.size
    a = (dec_w.T @ dr) * h * (1.0 - h)
    return float(np.mean(r ** 2)), [np.outer(a, c), a, np.outer(dr, h), dr]


def classifier_loss(params: list, x: np.ndarray, label: int) -> tuple:
    r"""(l, gradients) for one example x (dim,) with class ``label``: h_0 = x,
    h_i = sigma(W_i h_{i-1} + b_i) for the encoder layers, z = W_head h_k + b_head,
    l = logsumexp(z) - z[label];  dl/dz = softmax(z) - onehot(label), then for each layer from the
    head down: dl/dW = delta h^T, dl/db = delta, delta_below = (W^T delta) * h (1 - h).
    """
    hidden = [np.asarray(x, dtype=np.float64)]
    for k in range(0, len(params) - 2, 2):
        hidden.append(expit(params[k] @ hidden[-1] + params[k + 1]))
    logits = params[-2] @ hidden[-1] + params[-1]
    loss = float(logsumexp(logits) - logits[label])
    delta = np.exp(logits - logsumexp(logits))
    delta[label] -= 1.0
    grads = [None] * len(params)
    for k in range(len(params) - 2, -1, -2):
        below = hidden[k // 2]
        grads[k], grads[k + 1] = np.outer(delta, below), delta.copy()
        if k > 0:
            delta = (params[k].T @ delta) * below * (1.0 - below)
    return loss, grads


def adam_run(params: list, loss: Callable[[list], tuple], steps: int, lr: float) -> list:
    """The parameters after ``steps`` Adam steps on ``loss`` (float64; the input is not modified)."""
    params = [np.array(p, dtype=np.float64) for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t in range(1, steps + 1):
        _, grads = loss(params)
        for k, g in enumerate(grads):
            m[k] = BETAS[0] * m[k] + (1.0 - BETAS[0]) * g
            v[k] = BETAS[1] * v[k] + (1.0 - BETAS[1]) * g * g
            params[k] = params[k] - lr * (m[k] / (1.0 - BETAS[0] ** t)) / (
                np.sqrt(v[k] / (1.0 - BETAS[1] ** t)) + EPS)
    return params


def steps_per_epoch(n: int, batch: int) -> int:
    """Minibatches of ``batch`` in one pass over n examples: ceil(n / batch)."""
    return math.ceil(n / batch)


def equal_examples_epoch(start: list, trained: list, loss: Callable[[list], tuple], n: int, batch: int,
                         lr: float = 1e-2) -> tuple:
    r"""With n equal examples every minibatch has the loss and gradient of that one example, so one
    epoch in minibatches of ``batch`` is exactly ceil(n / batch) Adam steps (``lr``) on ``loss``.

    Returns (steps, first, want, got, decrease): first = loss(start), want = the loss after those
    steps replayed here in float64 from ``start``, got = loss(trained), and decrease =
    max(first - want, 1e-3 first), the scale a tolerance on |got - want| is a fraction of.
    """
    steps = steps_per_epoch(n, batch)
    first, want, got = loss(start)[0], loss(adam_run(start, loss, steps, lr))[0], loss(trained)[0]
    return steps, first, want, got, max(first - want, 1e-3 * first)

