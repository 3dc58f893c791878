r"""First-order round-off analysis of one run of the training contract (tests only; torch float64).

A correct implementation executes the contract in float32. Every floating-point operation it makes
rounds; the standard model (Higham, Accuracy and Stability of Numerical Algorithms, ch. 2-3) bounds
each rounding site of the run by a multiple of u = 2^-24 times the size of what is computed there:

* forward: pre = x W1^T + b1 off by gamma_{d+1} (|x| |W1|^T + |b1|); out = h W2^T + b2 off by
  gamma_{w+1} (|h| |W2|^T + |b2|) (any summation order; gamma_n = n u / (1 - n u));
* the output gradient d (softmax minus one-hot, or 2 (out - target), over the batch size) off by
  6 u times the sum of the absolute values it is made of;
* each gradient entry, a sum over the batch of products, off by gamma_{n + w + 2} times the sum of
  the absolute values of its terms;
* Adam's moments m <- 0.9 m + 0.1 g and v <- 0.999 v + 0.001 g^2 off by 3 u (0.9 |m| + 0.1 |g|) and
  3 u (0.999 v + 0.001 g^2), each update (five operations) off by 8 u |update|, each parameter
  rounded to float32 after the step (u |theta|); the recorded loss off by gamma_{n + K + 4} |loss|.

:func:`trace` runs the contract with an input e in [-1, 1] added at every one of these sites (times
its bound), so that autograd gives the exact derivative of every output (recorded losses,
parameters and gradients after each step) with respect to every rounding; the sum of their absolute
values is the first-order worst case over all round-off patterns. First order is the whole story
when no ReLU kink and no Adam step sits within reach of the perturbations: :func:`certify` checks
that too (kink ratio: |pre-activation| over its deviation bound, at every step and training input;
smoothness ratio: sqrt of Adam's second moment over the deviation bound of the gradient entry).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from autograder.assignments.mimic.public import Instance, held_out

U = 2.0 ** -24


def gamma(n: int) -> float:
    return n * U / (1.0 - n * U)


SITES = ("pre", "out", "d", "g", "m", "v", "upd", "p", "loss")


def trace(inst: Instance, scales: dict = None, e: dict = None, masks: list = None) -> dict:
    r"""One run of the contract from ``inst`` in float64, for a one-hidden-layer ReLU net.

    Without ``e``: the nominal run; returns its values and the bound of every rounding site
    (``scales``). With ``e`` (site -> list over steps of tensors shaped like ``scales``): each site
    gets ``e * scale`` added; ``masks`` fixes the ReLU pattern of every step (first-order analysis)
    or, if None, lets it follow the perturbed pre-activations (the nonlinear run).

    Returns:
        dict with losses (T,), params (list over steps of [W1, b1, W2, b2] after the step), grads (list
        over steps), v_hat (Adam's bias-corrected second moment at each step), pres, masks, scales.
    """
    layers = inst.init.linear_layers
    assert len(layers) == 2, "the certified instances are one-hidden-layer nets"
    params = [torch.tensor(a) for layer in layers for a in (layer.weight, layer.bias)]
    x = torch.tensor(inst.x)
    n, epochs, cross_entropy = x.shape[0], inst.epochs, inst.loss == "cross_entropy"
    targets = torch.tensor(inst.targets)
    onehot = torch.nn.functional.one_hot(targets, 2).double() if cross_entropy else None
    nominal = e is None
    if nominal:
        scales = {site: [] for site in SITES}
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    out_all = {"losses": [], "params": [], "grads": [], "v_hat": [], "pres": [], "masks": []}

    def site(name: str, k: int, value, bound=None, i: int = None):
        if nominal:
            if i is None:
                scales[name].append(bound.detach())
            else:
                if i == 0:
                    scales[name].append([])
                scales[name][k].append(bound.detach())
            return value
        return value + (e[name][k] if i is None else e[name][k][i]) * (scales[name][k] if i is None
                                                                       else scales[name][k][i])

    for k in range(epochs):
        lr_k = inst.lr * (1.0 + math.cos(math.pi * k / epochs)) / 2.0
        w1, b1, w2, b2 = params
        width = w1.shape[0]
        pre = site("pre", k, x @ w1.T + b1, gamma(x.shape[1] + 1) * (x.abs() @ w1.abs().T + b1.abs()))
        mask = (pre > 0).double() if masks is None else masks[k]
        h = pre * mask
        out = site("out", k, h @ w2.T + b2, gamma(width + 1) * (h.abs() @ w2.abs().T + b2.abs()))
        if cross_entropy:
            logp = torch.log_softmax(out, dim=1)
            loss = -logp[torch.arange(n), targets].mean()
            prob = logp.exp()
            d, d_abs = (prob - onehot) / n, (prob + onehot) / n
        else:
            diff = out - targets
            loss = (diff ** 2).mean()
            d, d_abs = 2.0 * diff / diff.numel(), 2.0 * (out.abs() + targets.abs()) / diff.numel()
        d = site("d", k, d, 6 * U * d_abs)
        loss = site("loss", k, loss, gamma(n + 2 + 4) * loss.abs())
        dh = (d @ w2) * mask
        grads = [dh.T @ x, dh.sum(0), d.T @ h, d.sum(0)]
        dh_abs = (d_abs @ w2.abs()) * mask
        grads_abs = [dh_abs.T @ x.abs(), dh_abs.sum(0), d_abs.T @ h.abs(), d_abs.sum(0)]
        grads = [site("g", k, g, gamma(n + width + 2) * a, i) for i, (g, a) in enumerate(zip(grads, grads_abs))]
        t = k + 1
        new, v_hats = [], []
        for i, p in enumerate(params):
            m_abs, v_abs = 0.9 * m[i].abs() + 0.1 * grads[i].abs(), 0.999 * v[i] + 0.001 * grads[i] ** 2
            m[i] = site("m", k, 0.9 * m[i] + 0.1 * grads[i], 3 * U * m_abs, i)
            v[i] = site("v", k, 0.999 * v[i] + 0.001 * grads[i] ** 2, 3 * U * v_abs, i)
            v_hat = v[i] / (1.0 - 0.999 ** t)
            update = lr_k * (m[i] / (1.0 - 0.9 ** t)) / (torch.sqrt(v_hat.clamp(min=1e-300)) + 1e-8)
            update = site("upd", k, update, 8 * U * update.abs(), i)
            new.append(site("p", k, p - update, U * (p - update).abs(), i))
            v_hats.append(v_hat)
        params = new
        for key, value in (("losses", loss), ("params", params), ("grads", grads), ("v_hat", v_hats),
                           ("pres", pre), ("masks", mask)):
            out_all[key].append(value)
    out_all["scales"] = scales
    return out_all


def _zeros_like(scales: dict) -> dict:
    e = {}
    for name, rows in scales.items():
        e[name] = [[torch.zeros_like(a, requires_grad=True) for a in row] if isinstance(row, list)
                   else torch.zeros_like(row, requires_grad=True) for row in rows]
    return e


def _leaves(e: dict) -> list:
    return [a for rows in e.values() for row in rows for a in (row if isinstance(row, list) else [row])]


@dataclass
class Certificate:
    loss_rel: float        # worst relative deviation of a recorded loss
    logit_abs: float       # worst deviation of a logit on the grader's held-out inputs, any epoch
    kink_ratio: float      # min |pre-activation| / its deviation bound (> 1: no ReLU can flip)
    smooth_ratio: float    # min sqrt(v_hat) / gradient deviation bound (>> 1: Adam steps are smooth)
    nominal: dict          # the nominal run
    probes: dict           # name -> Jacobian row of a probe output over all sites ("where": which): the
                           # worst recorded loss and the logits at the worst held-out input


def _final_logits(params: list, x: torch.Tensor) -> torch.Tensor:
    w1, b1, w2, b2 = params
    return torch.relu(x @ w1.T + b1) @ w2.T + b2


def certify(inst: Instance, chunk: int = 128) -> Certificate:
    """The first-order worst case of the round-off of any float32 implementation, and the
    certificates that first order is exact enough (see the module doc)."""
    nominal = trace(inst)
    epochs = inst.epochs
    x_check = held_out()
    losses = np.array([float(v) for v in nominal["losses"]])
    n_params = sum(p.numel() for p in nominal["params"][0])

    e = _zeros_like(nominal["scales"])
    run = trace(inst, nominal["scales"], e, nominal["masks"])
    outputs = torch.cat([torch.stack(run["losses"])]
                        + [p.reshape(-1) for step in run["params"] for p in step]
                        + [g.reshape(-1) for step in run["grads"] for g in step])
    leaves = _leaves(e)
    bound = np.zeros(len(outputs))
    for start in range(0, len(outputs), chunk):
        rows = torch.eye(len(outputs), dtype=torch.float64)[start:start + chunk]
        grads = torch.autograd.grad(outputs, leaves, grad_outputs=rows, is_grads_batched=True,
                                    allow_unused=True, retain_graph=True)
        bound[start:start + len(rows)] = sum(g.abs().reshape(len(rows), -1).sum(dim=1) for g in grads
                                             if g is not None).numpy()
    loss_bound = bound[:epochs]
    param_bound = bound[epochs:epochs + epochs * n_params].reshape(epochs, n_params)
    grad_bound = bound[epochs + epochs * n_params:].reshape(epochs, n_params)

    logit_abs, kink_ratio, smooth_ratio, worst = 0.0, np.inf, np.inf, 0
    x = inst.x
    for k in range(epochs):
        w1, b1, w2, b2 = [p.detach().numpy() for p in nominal["params"][k]]
        dw1, db1, dw2, db2 = np.split(param_bound[k], np.cumsum([w1.size, b1.size, w2.size]))
        dw1, dw2 = dw1.reshape(w1.shape), dw2.reshape(w2.shape)
        # logits after epoch k + 1 on the held-out inputs: first order in the parameters, with the
        # units within reach of their kink counted as active
        pre = x_check @ w1.T + b1
        dpre = np.abs(x_check) @ np.abs(dw1).T + np.abs(db1)
        reach = pre > -dpre
        dz = (dpre * reach) @ np.abs(w2).T + (np.maximum(pre, 0) + dpre * reach) @ np.abs(dw2).T + np.abs(db2)
        logit_abs = max(logit_abs, float(dz.max()))
        if k == epochs - 1:
            worst = int(np.argmax(dz.max(axis=1)))
        # kinks at the training inputs of the next step (step k + 1 uses the parameters after step k)
        if k + 1 < epochs:
            reach_next = (np.abs(x) @ np.abs(dw1).T + np.abs(db1) + nominal["scales"]["pre"][k + 1].numpy())
            kink_ratio = min(kink_ratio, float(np.min(np.abs(nominal["pres"][k + 1].detach().numpy()) / reach_next)))
        # Adam's step k: the gradient's deviation against the size of its running second moment
        v_hat = np.concatenate([a.detach().reshape(-1).numpy() for a in nominal["v_hat"][k]])
        live = v_hat > 0
        smooth_ratio = min(smooth_ratio, float(np.min(np.sqrt(v_hat[live]) / np.maximum(grad_bound[k][live], 1e-300))))
    kink_ratio = min(kink_ratio, float(np.min(np.abs(nominal["pres"][0].detach().numpy())
                                              / nominal["scales"]["pre"][0].numpy())))

    # probes for the nonlinear check: the worst recorded loss, the logits at the worst held-out input
    probes = {}
    for name, out in (("loss", probe_output(run, "loss", inst, cert_loss=int(np.argmax(loss_bound / losses)),
                                            at=worst)),
                      ("logit 0", probe_output(run, "logit 0", inst, at=worst)),
                      ("logit 1", probe_output(run, "logit 1", inst, at=worst))):
        row = torch.autograd.grad(out, leaves, allow_unused=True, retain_graph=True)
        probes[name] = torch.cat([(g if g is not None else torch.zeros_like(leaf)).reshape(-1)
                                  for g, leaf in zip(row, leaves)]).numpy()
    probes["where"] = {"loss": int(np.argmax(loss_bound / losses)), "at": worst}
    return Certificate(float(np.max(loss_bound / losses)), logit_abs, kink_ratio, smooth_ratio, nominal, probes)


def perturbed(inst: Instance, cert: Certificate, signs: np.ndarray) -> dict:
    """The nonlinear run (ReLU patterns follow the perturbed values) with every rounding site set to
    ``signs`` (one entry per site entry, in [-1, 1]) times its bound."""
    e = _zeros_like(cert.nominal["scales"])
    offset = 0
    with torch.no_grad():
        for leaf in _leaves(e):
            size = leaf.numel()
            leaf.copy_(torch.as_tensor(signs[offset:offset + size]).reshape(leaf.shape))
            offset += size
    return trace(inst, cert.nominal["scales"], {k: [[a.detach() for a in row] if isinstance(row, list)
                                                    else row.detach() for row in rows] for k, rows in e.items()})


def probe_output(run: dict, name: str, inst: Instance, cert_loss: int = 0, at: int = 0) -> torch.Tensor:
    """A probe output of a run: the recorded loss of epoch ``cert_loss``, or a logit of the final
    model at held-out input number ``at``."""
    if name == "loss":
        return run["losses"][cert_loss]
    x = torch.tensor(held_out()[at:at + 1])
    return _final_logits(run["params"][-1], x)[0, int(name[-1])]
