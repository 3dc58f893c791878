r"""Public checks of `mimic` (students run them with ``grader.check``): existence, types, shapes, and
what a tiny run returns. They are the first rungs of each question's ladder; the checks on the
graded instances are hidden (``hidden.py``).

This module also holds the grader's own copy of the task and of the training contract, in numpy
only (the grading process never imports torch), so that the checks can build inputs and compute
what a correct answer returns independently of the student's code and of our solution:

Task: x ~ U[-1, 1] (centred, so that PyTorch's default initialisation puts many of the ReLU kinks
of a wide first layer inside the data), s(x) = sawtooth((x + 1) / 2, 3) with
sawtooth(u, n) = 1 - |(2^n u mod 2) - 1| on [0, 1], label y = 1[s(x) > 1/2] (8 intervals, 4 per
class). The teacher is the exact deep ReLU net of assignment `sawtooth` (depth 3, width 2) with two
logits z(x) = (1/2 - s(x), s(x) - 1/2), whose softmax log-odds are 2 (s(x) - 1/2).

Training contract (``train_on_labels``, ``train_mimic``): from the given weights, full batch, one
Adam step per epoch (betas 0.9, 0.999, eps 1e-8, no weight decay) on the mean loss, learning rate
lr (1 + cos(pi k / epochs)) / 2 at epoch k = 0, 1, ... (CosineAnnealingLR(T_max=epochs) stepped
after each optimizer step), loss[k] recorded before step k. :func:`contract_run` executes it in
float64; a correct float32 run differs from it only by round-off (the bound: hidden.py). Nothing in
the run is random, so every correct implementation, whatever order it draws random numbers in,
follows the same trajectory.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from autograder.checking import (
    CheckFailed, LayerSpec, LibraryCall, NetSpec, TensorArg, TensorValue, as_net, describe, expect,
    expect_layer_kinds, forward, student,
)

SAW_N = 3            # sawtooth(., 3): 8 linear pieces, 8 class intervals on [-1, 1]
N_TRAIN = 128        # labelled training points of the graded runs
N_TEST = 512         # the test split handed to student code (their learning curves)
N_HELD_OUT = 4096    # the grader's own inputs for comparing trained models
HELD_OUT_SEED = 20261124
CLASSES = 2
UNIT_ROUNDOFF = 2.0 ** -24   # float32

# -- Tolerances of a training run against the contract's exact run ------------------------------
# A correct implementation computes the contract in float32 (or float64); it leaves the exact run
# only through round-off. The standard model bounds every rounding of the run: each forward sum and
# each gradient entry (a sum over the batch) off by gamma_n = n u / (1 - n u) times the sum of the
# absolute values of its terms, for n up to the batch size plus the width plus 2 (any summation
# order); the output gradient, Adam's moments and update off by a few u of their size; each
# parameter rounded to float32 after the step; each recorded loss off by gamma_n; u = 2^-24.
# tests/mimic/roundoff.py takes the exact derivative of the run (recorded losses, parameters and
# gradients after every epoch) with respect to every one of these roundings (autograd in float64),
# so the sum of their absolute values is the worst case over all round-off patterns to first order;
# it certifies per instance that first order is the whole story (no ReLU kink within 39x of its
# deviation bound, no Adam step outside its smooth regime, an adversarial nonlinear run equal to
# the prediction). Worst cases over every instance graded (public and hidden): 1.6e-5 relative on a
# recorded loss, 9.3e-6 on a logit of the grader's held-out inputs at any epoch. The tolerances are
# 12x and 10x those: false-fail probability 0 for any correct implementation (deterministic; the
# measured implementations, float32 and float64, torch's Adam or a hand-written one, stay inside
# the worst case, around 1e-7). Each slip in SLIPS departs on every 10-epoch graded run by 90x
# TRAJ_LOGIT_ATOL or more on the logits (recording the loss after the step: 40x TRAJ_LOSS_RTOL on
# the losses; tests/mimic/test_contract.py checks each); another objective, ignored extra inputs or
# a model returned untrained depart by more.
TRAJ_LOSS_RTOL = 2e-4
TRAJ_LOGIT_ATOL = 1e-4


def f32(x: np.ndarray) -> np.ndarray:
    """x rounded to float32 (what a float32 tensor made from x holds), as float64."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def sawtooth_centred(x: np.ndarray, n: int = SAW_N) -> np.ndarray:
    """s(x) = sawtooth((x + 1) / 2, n) for x in [-1, 1]."""
    u = (np.asarray(x, dtype=np.float64) + 1.0) / 2.0
    return 1.0 - np.abs(np.mod(2.0 ** n * u, 2.0) - 1.0)


def teacher_logits(x: np.ndarray) -> np.ndarray:
    """The teacher's logits (1/2 - s, s - 1/2) for inputs x of shape (B, 1): shape (B, 2)."""
    s = sawtooth_centred(x[:, 0])
    return np.stack([0.5 - s, s - 0.5], axis=1)


def labels(x: np.ndarray) -> np.ndarray:
    """y = 1[s(x) > 1/2] for inputs x of shape (B, 1): int64 of shape (B,)."""
    return (sawtooth_centred(x[:, 0]) > 0.5).astype(np.int64)


def _linear(weight, bias) -> LayerSpec:
    return LayerSpec("linear", "Linear", np.asarray(weight, dtype=np.float64),
                     np.asarray(bias, dtype=np.float64), "torch.float32")


RELU = LayerSpec("relu", "ReLU")


def teacher_spec(n: int = SAW_N) -> NetSpec:
    """The exact deep sawtooth teacher on centred inputs: hidden layer 1 holds
    (relu(x + 1), relu(2x)) = (relu(2u), relu(4u - 2)) with u = (x + 1)/2; each further hidden layer
    maps the previous tri value t = h1 - h2 to (relu(2t), relu(4t - 2)); the output is
    (1/2 - t, t - 1/2). Depth n, width 2, 6n + 4 parameters."""
    layers = [_linear([[1.0], [2.0]], [1.0, 0.0]), RELU]
    for _ in range(n - 1):
        layers += [_linear([[2.0, -2.0], [4.0, -4.0]], [0.0, -2.0]), RELU]
    layers.append(_linear([[-1.0, 1.0], [1.0, -1.0]], [0.5, -0.5]))
    return NetSpec(layers)


def init_mlp(sizes: list, seed: int) -> NetSpec:
    """An MLP with PyTorch's default initialisation, drawn with numpy: for Linear(a, b) weight and
    bias are U(-1/sqrt(a), 1/sqrt(a)). ``sizes`` = [in, hidden..., out]; ReLU between layers."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = 1.0 / np.sqrt(a)
        layers.append(_linear(f32(rng.uniform(-bound, bound, (b, a))), f32(rng.uniform(-bound, bound, b))))
        if i < len(sizes) - 2:
            layers.append(RELU)
    return NetSpec(layers)


def split(seed: int, n_train: int = N_TRAIN, lo: float = -1.0, hi: float = 1.0) -> tuple:
    """Training inputs U[lo, hi] and the student-visible test inputs U[-1, 1], float32-rounded."""
    rng = np.random.default_rng(seed)
    return f32(rng.uniform(lo, hi, (n_train, 1))), f32(rng.uniform(-1.0, 1.0, (N_TEST, 1)))


def data_arg(x_train: np.ndarray, x_test: np.ndarray) -> dict:
    """The `data` argument of the student's functions: float32 inputs, int64 labels."""
    return {"x_train": TensorArg(x_train, "float32"), "y_train": TensorArg(labels(x_train), "int64"),
            "x_test": TensorArg(x_test, "float32"), "y_test": TensorArg(labels(x_test), "int64"),
            "num_classes": CLASSES}


def held_out(lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    """The grader's held-out inputs U[lo, hi] (fixed seed), float32-rounded, shape (N_HELD_OUT, 1)."""
    return f32(np.random.default_rng(HELD_OUT_SEED).uniform(lo, hi, (N_HELD_OUT, 1)))


def log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def accuracy(net: NetSpec, x: np.ndarray) -> float:
    """Fraction of inputs x (B, 1) where the net's argmax is the true label (float64 forward)."""
    return float(np.mean(np.argmax(forward(net, x), axis=1) == labels(x)))


def float32_error_bound(net: NetSpec, x: np.ndarray) -> np.ndarray:
    r"""Bound on |float32 logits - exact logits| of an MLP evaluated in float32 at float32 inputs x.

    Each Linear(a, b) adds at most gamma_{a+1} (|W| |h| + |b|) to the error e of its input and
    multiplies e by |W| (first order; ReLU adds nothing): e' = gamma_{a+1} (|W| |h| + |b|) + |W| e,
    gamma_n = n u / (1 - n u), u = 2^-24 (any summation order; FMA only helps).

    Returns:
        float64 array (B, out): the bound per input and logit.
    """
    h = np.asarray(x, dtype=np.float64)
    err = np.zeros_like(h)
    for layer in net.layers:
        if layer.kind == "linear":
            n = layer.weight.shape[1] + 1
            gamma = n * UNIT_ROUNDOFF / (1.0 - n * UNIT_ROUNDOFF)
            bias = 0.0 if layer.bias is None else np.abs(layer.bias)
            err = gamma * (np.abs(h) @ np.abs(layer.weight).T + bias) + err @ np.abs(layer.weight).T
            h = h @ layer.weight.T + (0.0 if layer.bias is None else layer.bias)
        elif layer.kind == "relu":
            h = np.maximum(h, 0.0)
    return err


def ambiguous(margin: np.ndarray, band) -> np.ndarray:
    """Inputs whose predicted class can flip: |logit margin| <= band (the margin's error bound)."""
    return np.abs(margin) <= band


# == the training contract, executed exactly ====================================================
@dataclass(frozen=True)
class Loop:
    r"""How a training loop runs. ``Loop()`` is the contract; the others are common slips, used to
    name the mistake when a run departs from the contract."""

    zero_grad: bool = True          # False: gradients accumulate across epochs
    schedule: str = "cosine"        # "constant": no scheduler; "early": the scheduler stepped before the optimizer
    optimizer: str = "adam"         # "sgd"; "fresh_adam": a new Adam every epoch
    lr: Optional[float] = None      # the learning rate used, if not the one given
    record: str = "before"          # "after": loss recorded after the step
    slip: str = "the contract"      # what a run of this kind does wrong, and the fix


CONTRACT = Loop()
SLIPS = (
    Loop(zero_grad=False, slip="without zeroing the gradients: the gradients of all epochs accumulate. Zero "
                                "them (optimizer.zero_grad) before each backward"),
    Loop(schedule="constant", slip="at a constant learning rate: create CosineAnnealingLR(optimizer, "
                                   "T_max=epochs) and step it once per epoch"),
    Loop(schedule="early", slip="with the scheduler stepped before the optimizer: each epoch uses the next "
                                "epoch's learning rate. Step the optimizer first, then the scheduler (torch warns "
                                "about the other order)"),
    Loop(optimizer="sgd", slip="with plain gradient descent: use torch.optim.Adam(model.parameters(), lr=lr)"),
    Loop(lr=1e-3, slip="at Adam's default learning rate 1e-3: pass lr=lr to the optimizer"),
    Loop(optimizer="fresh_adam", slip="with a new Adam optimizer every epoch (its moment estimates restart "
                                      "each time): create the optimizer once, before the loop"),
    Loop(record="after", slip="recording the loss after the step: record loss.item() of the loss you step "
                              "on, before the optimizer's step"),
)


@dataclass
class Run:
    """A run of the contract: the recorded losses and the model after chosen epochs."""

    losses: np.ndarray   # (epochs,), loss[k] as the loop records it
    nets: dict           # epoch -> NetSpec after that many epochs (the requested ones and the last)


@dataclass(frozen=True)
class Instance:
    """One training run a check makes: the weights it starts from, its data, the loss, its settings."""

    init: NetSpec
    x_train: np.ndarray
    x_test: np.ndarray
    extra: Optional[np.ndarray]
    loss: str            # "cross_entropy" (train_on_labels) or "mse" (train_mimic)
    epochs: int
    lr: float

    @property
    def x(self) -> np.ndarray:
        """Every input trained on (the training inputs, then the extra ones)."""
        return self.x_train if self.extra is None else np.vstack([self.x_train, self.extra])

    @property
    def targets(self) -> np.ndarray:
        return labels(self.x) if self.loss == "cross_entropy" else teacher_logits(self.x)

    def data(self) -> dict:
        return data_arg(self.x_train, self.x_test)

    def describe(self, name: str) -> str:
        extra = "" if self.extra is None else f", extra_inputs=<{len(self.extra)} inputs>"
        width = self.init.linear_layers[0].weight.shape[0]
        return f"{name}(<a width-{width} net>, data, epochs={self.epochs}, lr={self.lr}, seed=0{extra})"

    def first_losses(self) -> dict:
        """loss[0] of the initial model under the objectives a slip might use instead."""
        if self.loss == "cross_entropy":
            return labels_first_losses(self.init, self.x)
        return mimic_first_losses(self.init, self.x_train, self.x)


def tiny_instance(loss: str, extra: bool = False, epochs: int = 3) -> Instance:
    """The public checks' runs: 16 labelled points, 32 test points, a width-8 net, lr 0.01 (and 8
    extra inputs spread over [-1, 1] for train_mimic)."""
    x_train, x_test = split(3, 16)
    more = f32(np.linspace(-1.0, 1.0, 8)[:, None]) if extra else None
    return Instance(init_mlp([1, 8, 2], seed=1), x_train, x_test[:32], more, loss, epochs, 1e-2)


def _loss_and_grads(params: list, x: np.ndarray, targets: np.ndarray, loss: str) -> tuple:
    """The mean loss of an MLP (ReLU between Linear layers) and its gradients, in float64.

    cross_entropy: mean_b -log softmax(out_b)[y_b], d out = (softmax - onehot) / B;
    mse: mean over all B K entries of (out - target)^2, d out = 2 (out - target) / (B K).
    """
    acts, pres = [x], []
    for i, (w, b) in enumerate(params):
        z = acts[-1] @ w.T + b
        if i < len(params) - 1:
            pres.append(z)
            z = np.maximum(z, 0.0)
        acts.append(z)
    out = acts[-1]
    if loss == "cross_entropy":
        logp = log_softmax(out)
        rows = np.arange(len(out))
        value = -logp[rows, targets].mean()
        d = np.exp(logp)
        d[rows, targets] -= 1.0
        d /= len(out)
    else:
        diff = out - targets
        value = np.mean(diff ** 2)
        d = 2.0 * diff / diff.size
    grads = []
    for i in reversed(range(len(params))):
        grads.append((d.T @ acts[i], d.sum(axis=0)))
        if i > 0:
            d = (d @ params[i][0]) * (pres[i - 1] > 0)
    return float(value), grads[::-1]


def _net(params: list) -> NetSpec:
    layers = []
    for i, (w, b) in enumerate(params):
        layers += [_linear(w, b)] + ([RELU] if i < len(params) - 1 else [])
    return NetSpec(layers)


def contract_run(init: NetSpec, x: np.ndarray, targets: np.ndarray, loss: str, epochs: int, lr: float,
                 loop: Loop = CONTRACT, snapshots=()) -> Run:
    r"""Execute a training loop exactly (float64) from the weights ``init``.

    Epoch k = 0..epochs-1: g = gradient of the mean loss at the current weights (full batch);
    Adam, step t = k + 1: m <- 0.9 m + 0.1 g, v <- 0.999 v + 0.001 g^2,
    theta <- theta - lr_k (m / (1 - 0.9^t)) / (sqrt(v / (1 - 0.999^t)) + 1e-8),
    lr_k = lr (1 + cos(pi k / epochs)) / 2. ``loop`` swaps in one of the SLIPS instead.

    Args:
        init: the initial MLP (Linear layers with biases, ReLU between them).
        x: (B, d) float64 inputs (float32 values); targets: (B,) int labels or (B, K) floats.
        loss: "cross_entropy" or "mse".
        snapshots: epochs after which the model is kept (the last epoch always is).
    Returns:
        Run with losses (epochs,) and nets {epoch: NetSpec}.
    """
    params = [(layer.weight.copy(), layer.bias.copy()) for layer in init.linear_layers]
    rate = lr if loop.lr is None else loop.lr
    m = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    v = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    total = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    losses, nets, keep = [], {}, set(snapshots) | {epochs}
    for k in range(epochs):
        if loop.schedule == "constant":
            step_lr = rate
        else:
            step_lr = rate * (1.0 + math.cos(math.pi * (k + (loop.schedule == "early")) / epochs)) / 2.0
        value, grads = _loss_and_grads(params, x, targets, loss)
        if not loop.zero_grad:
            total = [(tw + gw, tb + gb) for (tw, tb), (gw, gb) in zip(total, grads)]
            grads = total
        if loop.optimizer == "sgd":
            params = [(w - step_lr * gw, b - step_lr * gb) for (w, b), (gw, gb) in zip(params, grads)]
        else:
            t = 1 if loop.optimizer == "fresh_adam" else k + 1
            if loop.optimizer == "fresh_adam":
                m = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
                v = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
            m = [(0.9 * mw + 0.1 * gw, 0.9 * mb + 0.1 * gb) for (mw, mb), (gw, gb) in zip(m, grads)]
            v = [(0.999 * vw + 0.001 * gw ** 2, 0.999 * vb + 0.001 * gb ** 2) for (vw, vb), (gw, gb) in zip(v, grads)]
            c1, c2 = 1.0 - 0.9 ** t, 1.0 - 0.999 ** t

            def step(p, mp, vp):
                return p - step_lr * (mp / c1) / (np.sqrt(vp / c2) + 1e-8)

            params = [(step(w, mw, vw), step(b, mb, vb)) for (w, b), (mw, mb), (vw, vb) in zip(params, m, v)]
        if loop.record == "after":
            value = _loss_and_grads(params, x, targets, loss)[0]
        losses.append(value)
        if k + 1 in keep:
            nets[k + 1] = _net(params)
    return Run(np.asarray(losses), nets)


def _relative_gap(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got - want) / np.maximum(np.abs(want), 1e-300)


def expect_follows_contract(result: dict, net: NetSpec, inst: Instance, what: str, snapshots=()) -> Run:
    r"""Check a training run against the contract's exact run from the same weights: loss[0] (named
    when it is another objective), every recorded loss (TRAJ_LOSS_RTOL, relative), the returned
    model's logits on the grader's held-out inputs (TRAJ_LOGIT_ATOL). A run that departs is
    compared with the SLIPS to name the mistake.

    Args:
        result: the student's history dict (already checked by expect_history); net: its model.
        inst: the run that was asked for.
    Returns:
        the contract's Run (with the requested snapshots), for further checks.
    """
    init, x, targets, loss, epochs, lr = inst.init, inst.x, inst.targets, inst.loss, inst.epochs, inst.lr
    want = contract_run(init, x, targets, loss, epochs, lr, snapshots=snapshots)
    got = np.asarray(result["loss"], dtype=np.float64)
    if _relative_gap(got[:1], want.losses[:1])[0] > TRAJ_LOSS_RTOL:
        for name, value in inst.first_losses().items():
            if _relative_gap(got[:1], np.asarray([value]))[0] <= TRAJ_LOSS_RTOL:
                raise CheckFailed(f"{what}['loss'][0] = {got[0]:.6g} is {name}, not the loss asked for "
                                  f"({want.losses[0]:.6g}).")
        after = contract_run(init, x, targets, loss, epochs, lr, SLIPS[-1]).losses
        if np.all(_relative_gap(got, after) <= TRAJ_LOSS_RTOL):
            raise CheckFailed(f"{what}['loss'] matches a run {SLIPS[-1].slip}.")
        what_loss = ("the mean cross-entropy of its logits and the labels" if loss == "cross_entropy" else
                     "mimic_loss of its logits and the teacher's on all the inputs trained on (the mean squared "
                     "error; if your mimic_loss computes something else, fix it first)")
        raise CheckFailed(f"{what}['loss'][0] = {got[0]:.6g}, but the loss of the untouched initial model, "
                          f"{what_loss}, is {want.losses[0]:.6g}. Record the loss you step on, before the step.")
    shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
    want_shapes = [tuple(layer.weight.shape) for layer in init.linear_layers]
    expect(shapes == want_shapes and [layer.kind for layer in net.layers] == [layer.kind for layer in init.layers],
           f"{what}['model'] should be the model it was given (Linear layers {want_shapes} with ReLUs between), "
           f"trained in place; it has Linear layers {shapes}.")
    x_check = held_out()
    logits = forward(net, x_check)

    def departs(run: Run) -> tuple:
        """(first epoch whose recorded loss departs from run's, or None; largest logit gap at the end)."""
        off = np.flatnonzero(_relative_gap(got, run.losses) > TRAJ_LOSS_RTOL)
        return (int(off[0]) if off.size else None,
                float(np.max(np.abs(logits - forward(run.nets[epochs], x_check)))))

    k, gap = departs(want)
    if k is None and gap <= TRAJ_LOGIT_ATOL:
        return want
    if k is not None:
        text = (f"{what}['loss'][{k}] = {got[k]:.6g}, but the contract's run from the same weights records "
                f"{want.losses[k]:.6g} there (a correct run stays within {TRAJ_LOSS_RTOL:g} relative: round-off "
                "only).")
    else:
        text = (f"{what}: the recorded losses follow the contract, but the returned model's logits differ from "
                f"those of the contract's trained model by up to {gap:.3g} (round-off stays below "
                f"{TRAJ_LOGIT_ATOL:g}).")
    for loop in SLIPS:
        slip_k, slip_gap = departs(contract_run(init, x, targets, loss, epochs, lr, loop))
        if slip_k is None and slip_gap <= TRAJ_LOGIT_ATOL:
            raise CheckFailed(f"{text} Your run matches a run {loop.slip}.")
    if k is None:
        untouched = float(np.max(np.abs(logits - forward(init, x_check)))) == 0.0
        raise CheckFailed(text + (" The returned model still has its initial weights: train the model you were "
                                  "given, in place, and return that model." if untouched else
                                  " Return the model you trained (the one you were given, trained in place)."))
    raise CheckFailed(text + " Check: the gradients zeroed before each backward; torch.optim.Adam with lr=lr, "
                             "created once; CosineAnnealingLR(T_max=epochs) stepped once per epoch, after the "
                             "optimizer; the loss recorded before the step.")


def expect_learning_curve(result: dict, run: Run, x_test: np.ndarray, epochs: int, what: str) -> None:
    r"""Check the recorded learning curve: epochs every max(1, epochs // 40) and the last, and at each the
    test accuracy of the contract's model after that many epochs, up to the test inputs whose class the
    round-off of a correct run can flip (margin within 2 TRAJ_LOGIT_ATOL plus float32 evaluation error)."""
    stride = max(1, epochs // 40)
    want_epochs = sorted(set(range(stride, epochs + 1, stride)) | {epochs})
    expect(result["epoch"] == want_epochs,
           f"{what}['epoch'] should list the epochs after which test accuracy was measured: every "
           f"max(1, epochs // 40) = {stride} epochs and after the last, {want_epochs[:4]}...{want_epochs[-2:]}; "
           f"got {result['epoch'][:4]}...{result['epoch'][-2:]} ({len(result['epoch'])} entries).")
    y = labels(x_test)
    for epoch, got in zip(want_epochs, result["test_acc"]):
        net = run.nets[epoch]
        z = forward(net, x_test)
        band = 2.0 * TRAJ_LOGIT_ATOL + float32_error_bound(net, x_test).sum(axis=1)
        sure = ~ambiguous(z[:, 1] - z[:, 0], band)
        correct = np.argmax(z, axis=1) == y
        lo, hi = np.sum(correct & sure) / len(y), np.sum(correct | ~sure) / len(y)
        if not lo - 1e-12 <= got <= hi + 1e-12:
            raise CheckFailed(
                f"{what}['test_acc'] after epoch {epoch} is {got:.4f}, but the model at that epoch classifies "
                f"{np.mean(correct):.4f} of data['x_test'] correctly (round-off can change that only within "
                f"[{lo:.4f}, {hi:.4f}]). Record accuracy(model, data['x_test'], data['y_test']) after that epoch's "
                "step: the test split, not the training split.")


# == hints shared with hidden.py ==============================================================
def mlp_kinds_hint(kinds: list, want: list) -> str:
    """Why an mlp's layer kinds are wrong, as a sentence (empty if they are right)."""
    if kinds == want + ["relu"]:
        return (" Remove the ReLU after the last Linear: the outputs are logits, which must be able to be "
                "negative (cross-entropy and the mimic regression of the teacher's logits need that).")
    if "relu" not in kinds and "relu" in want:
        return " Put a ReLU after every hidden Linear: without them the whole net is one affine map."
    return ""


def param_count(sizes: list) -> int:
    """Parameters of Linear layers of sizes [in, h_1, ..., out] with biases: sum of (a + 1) b."""
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


# == public checks ================================================================================
def expect_history(result, epochs: int, what: str) -> NetSpec:
    """The dict every training function returns: model, loss (one per epoch), epoch/test_acc."""
    expect(isinstance(result, dict),
           f"{what} should return a dict with keys 'model', 'loss', 'epoch', 'test_acc'; got {describe(result)}")
    missing = [k for k in ("model", "loss", "epoch", "test_acc") if k not in result]
    expect(not missing, f"{what} returned a dict without {', '.join(repr(k) for k in missing)}.")
    net = as_net(result["model"], f"{what}['model']")
    loss = result["loss"]
    expect(isinstance(loss, list) and len(loss) == epochs and all(isinstance(v, float) for v in loss),
           f"{what}['loss'] should be a list of {epochs} floats (one per epoch, e.g. loss.item()); "
           f"got {describe(loss)}")
    expect(all(np.isfinite(v) for v in loss), f"{what}['loss'] contains NaN or inf: {loss[:5]}...")
    ep, acc = result["epoch"], result["test_acc"]
    expect(isinstance(ep, list) and isinstance(acc, list) and len(ep) == len(acc) >= 1,
           f"{what}['epoch'] and ['test_acc'] should be lists of the same length (at least 1); "
           f"got {describe(ep)} and {describe(acc)}")
    expect(ep[-1] == epochs, f"{what}['epoch'] should end with the last epoch, {epochs}; it ends with {ep[-1]!r}. "
                             "Record the test accuracy after the last epoch too, whether or not the stride "
                             "max(1, epochs // 40) divides epochs.")
    expect(all(isinstance(a, float) and 0.0 <= a <= 1.0 for a in acc),
           f"{what}['test_acc'] should hold accuracies (floats in [0, 1]); got {acc[:5]}...")
    return net


def count_params_small(count_params) -> None:
    """Check count_params of Linear(3, 4), ReLU, Linear(4, 2) (an int), and of the same net with its
    first Linear frozen (requires_grad False: not trainable, not counted)."""
    f = student(count_params, "count_params")
    net = init_mlp([3, 4, 2], seed=0)
    got = f(net)
    expect(isinstance(got, int) and not isinstance(got, bool),
           f"count_params should return an int (use int(...) or .numel()), got {describe(got)}")
    expect(got == 26, f"count_params(Linear(3, 4), ReLU, Linear(4, 2)) should be 26; got {got}. Count every "
                      "entry of every parameter tensor, weights and biases, once."
                      + (" You counted each parameter twice: model.modules() includes the Sequential itself, "
                         "whose parameters() are all of them." if got == 52 else ""))
    got = f(LibraryCall("shared.modules", "freeze", (net, [0])))
    expect(got == 10, f"count_params of the same net with its first Linear frozen (requires_grad False) should "
                      f"count only the trainable parameters, 10; got {got}."
                      + (" You counted the frozen ones too." if got == 26 else ""))


def mlp_shapes(mlp) -> None:
    """Check mlp(3, [5, 4], 2) is Linear(3, 5), ReLU, Linear(5, 4), ReLU, Linear(4, 2)."""
    net = as_net(student(mlp, "mlp")(3, [5, 4], 2), "mlp(3, [5, 4], 2)")
    expect_layer_kinds(net, {"linear", "relu"}, "mlp(3, [5, 4], 2)")
    kinds = [layer.kind for layer in net.layers]
    want = ["linear", "relu", "linear", "relu", "linear"]
    expect(kinds == want, f"mlp(3, [5, 4], 2) should be Linear, ReLU, Linear, ReLU, Linear; got {kinds}."
                          + mlp_kinds_hint(kinds, want))
    shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
    expect(shapes == [(5, 3), (4, 5), (2, 4)],
           f"mlp(3, [5, 4], 2) should have weights of shapes [(5, 3), (4, 5), (2, 4)]; got {shapes}.")


def expect_largest_width(got, in_features: int, out_features: int, depth: int, budget: int) -> None:
    """Fail unless ``got`` is an int w >= 1 whose MLP fits the budget while width w + 1 does not."""
    call = f"width_for_budget({in_features}, {out_features}, {depth}, {budget})"
    expect(isinstance(got, int) and not isinstance(got, bool), f"{call} should return an int, got {describe(got)}")

    def count(w):
        return param_count([in_features] + [w] * depth + [out_features])

    expect(got >= 1, f"{call} returned {got}; the budget fits width 1 ({count(1)} parameters).")
    expect(count(got) <= budget, f"{call} returned {got}, but {depth} hidden layer(s) of width {got} give an MLP "
                                 f"with {count(got)} > {budget} parameters: the width must fit the budget.")
    expect(count(got + 1) > budget, f"{call} returned {got}, but width {got + 1} fits the budget too "
                                    f"({count(got + 1)} <= {budget} parameters): the largest width is asked.")


def width_small(width_for_budget) -> None:
    """Check the property asked for (the width fits the budget, one more does not) on two shapes,
    one whose exact solution lies above w + 1/2 (so rounding to the nearest integer overshoots)."""
    f = student(width_for_budget, "width_for_budget")
    for depth, budget in ((1, 1026), (3, 1074)):
        expect_largest_width(f(1, 2, depth, budget), 1, 2, depth, budget)


def run_training(fn, inst: Instance) -> dict:
    r"""Call train_on_labels (inst.loss "cross_entropy") or train_mimic ("mse") on ``inst`` with the
    model (and the teacher) kept on the student side, and check the docstrings' promises: the model
    given is trained in place and returned in the history dict; the teacher is only evaluated.

    Returns:
        the marshalled history dict the function returned.
    """
    name = "train_on_labels" if inst.loss == "cross_entropy" else "train_mimic"
    f = student(fn, name)
    what = inst.describe(name)
    model = f.keep(inst.init)
    if inst.loss == "cross_entropy":
        outcome = f(model, inst.data(), inst.epochs, inst.lr, 0)
    else:
        teacher = f.keep(teacher_spec())
        kwargs = {} if inst.extra is None else {"extra_inputs": TensorArg(inst.extra, "float32")}
        outcome = f(model, teacher, inst.data(), inst.epochs, inst.lr, 0, **kwargs)
        after = f.inspect(teacher)
        expect(all(np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
                   for a, b in zip(after.linear_layers, teacher_spec().linear_layers)),
               f"{what} changed the teacher's weights: the teacher is only evaluated (its logits are the targets, "
               "computed once without gradient); optimise the student's parameters only.")
    expect(isinstance(outcome, dict) and "model" in outcome,
           f"{what} should return a dict with keys 'model', 'loss', 'epoch', 'test_acc'; got {describe(outcome)}")
    expect(f.same(outcome["model"], model),
           f"{what}['model'] is not the model it was given: train that model in place and return it (callers such "
           "as depth_sweep and the experiment evaluate the model they passed in), not a copy.")
    return outcome


def train_on_labels_runs(train_on_labels) -> None:
    """Check a 3-epoch run on 16 points: the model trained in place, the history dict, and the
    recorded losses and trained model against the contract's exact run from the same weights
    (zero_grad, Adam, schedule, loss)."""
    inst = tiny_instance("cross_entropy")
    result = run_training(train_on_labels, inst)
    what = inst.describe("train_on_labels")
    expect_follows_contract(result, expect_history(result, inst.epochs, what), inst, what)


def labels_first_losses(init: NetSpec, x: np.ndarray) -> dict:
    """loss[0] of the initial model under objectives that are not the mean cross-entropy."""
    logits, y = forward(init, x), labels(x)
    ce = -log_softmax(logits)[np.arange(len(y)), y]
    return {
        "the mean squared error against one-hot labels (use F.cross_entropy of the logits and the labels)":
            float(np.mean((logits - np.eye(CLASSES)[y]) ** 2)),
        "the cross-entropy summed over the batch, not averaged (F.cross_entropy averages)": float(ce.sum()),
        "the negative log-likelihood of the raw logits, without log_softmax (use F.cross_entropy)":
            float(-logits[np.arange(len(y)), y].mean()),
    }


def mimic_first_losses(init: NetSpec, x_train: np.ndarray, x_all: np.ndarray) -> dict:
    """loss[0] of the initial student under objectives that are not mimic_loss on all inputs."""
    s, t = forward(init, x_all), teacher_logits(x_all)
    p, log_q = np.exp(log_softmax(t)), log_softmax(s)
    known = {
        "the cross-entropy with the teacher's argmax labels, which are the true labels here: label training, "
        "not mimicry. Regress the teacher's logits with mimic_loss":
            float(-log_q[np.arange(len(s)), np.argmax(t, axis=1)].mean()),
        "the KL divergence between softmax outputs: regress the logits themselves with mimic_loss":
            float(np.mean(np.sum(p * (np.log(p) - log_q), axis=1))),
    }
    known.update({
        "the mean absolute error of the logits, not the mean squared error (mimic_loss should square the "
        "differences)": float(np.mean(np.abs(s - t))),
        "the root of the mean squared error (mimic_loss should not take the square root)":
            float(np.sqrt(np.mean((s - t) ** 2))),
    })
    if len(x_all) > len(x_train):
        known["the mean squared error on the training inputs only: the extra inputs were ignored. Train on "
              "torch.cat([data['x_train'], extra_inputs])"] = \
            float(np.mean((forward(init, x_train) - teacher_logits(x_train)) ** 2))
    return known


def mimic_loss_scalar(mimic_loss) -> None:
    """Check mimic_loss returns a 0-dim torch tensor that carries gradient to the student logits, is 0
    for equal logits, sees a shift of every logit (so it compares logits, not softmax outputs), and
    is a mean over the batch and over the logits (unchanged when either is duplicated)."""
    f = student(mimic_loss, "mimic_loss")
    s = np.array([[0.5, -1.0], [2.0, 0.0], [0.0, 1.5]])
    t = np.array([[0.0, 0.0], [1.0, -1.0], [0.5, 0.5]])
    got = f(TensorArg(s, "float32", requires_grad=True), TensorArg(t, "float32"))
    expect(isinstance(got, TensorValue),
           f"mimic_loss should return a torch tensor (so that .backward() works), got {describe(got)}")
    # A 0-dim array arrives as shape (1,) from the grading worker (the wire format makes arrays at
    # least 1-d), so a scalar is recognised by its single element.
    expect(got.array.size == 1, f"mimic_loss should return a scalar (0-dim) tensor, got shape {got.shape}.")
    expect(got.requires_grad, "mimic_loss(student_logits, teacher_logits) does not depend on student_logits "
                              "through torch operations (requires_grad is False): training could not use it. "
                              "Avoid .item(), .detach() or numpy on the student's logits.")

    def value(a, b) -> float:
        out = f(TensorArg(a, "float64", requires_grad=True), TensorArg(b, "float64"))
        expect(isinstance(out, TensorValue) and out.array.size == 1,
               f"mimic_loss should return a scalar tensor for float64 logits too; got {describe(out)}")
        return float(out.array.reshape(-1)[0])

    # Deterministic: a mean of squares of exact zeros is exactly 0 (1e-12 only absorbs a loss written as
    # a difference of equal terms); a shift by 1 gives exactly 1 (> 1e-6), while a loss on softmax
    # outputs gives at most a few ulps; a mean over a duplicated batch or duplicated columns equals
    # the original up to gamma_14 = 8.3e-7 relative even in float32 (any summation order): 1e-5.
    # Caught: KL or cross-entropy on softmax outputs, squared error of probabilities (shift), the
    # teacher's argmax as labels (not 0 at equality), sums over the batch or over the logits.
    base = value(s, t)
    expect(abs(value(t, t)) <= 1e-12, f"mimic_loss(z, z) should be 0 (a student whose logits equal the teacher's "
                                      f"has nothing left to learn); got {value(t, t):.6g}.")
    expect(value(t + 1.0, t) > 1e-6,
           "mimic_loss(z + 1, z) is 0: your loss does not see a shift of every logit by 1. Softmax outputs do not "
           "change under such a shift, but the logits differ: Ba & Caruana regress the logits themselves, not "
           "probabilities.")
    doubled = value(np.vstack([s, s]), np.vstack([t, t]))
    expect(abs(doubled - base) <= 1e-5 * abs(base),
           f"mimic_loss of a batch repeated twice should equal that of the batch ({base:.6g}); got {doubled:.6g}. "
           "Average over the batch, so the loss does not grow with the batch size.")
    wide = value(np.hstack([s, s]), np.hstack([t, t]))
    expect(abs(wide - base) <= 1e-5 * abs(base),
           f"mimic_loss with every logit column repeated twice should equal that of the original ({base:.6g}); got "
           f"{wide:.6g}. Average over the logits as well as over the batch.")


def train_mimic_runs(train_mimic) -> None:
    """Check 3-epoch runs on 16 points, without and with 8 extra inputs: the student trained in place,
    the teacher unchanged, the history dict, and the recorded losses and trained model against the
    contract's exact run from the same weights."""
    for inst in (tiny_instance("mse"), tiny_instance("mse", extra=True)):
        result = run_training(train_mimic, inst)
        what = inst.describe("train_mimic")
        expect_follows_contract(result, expect_history(result, inst.epochs, what), inst, what)


def depth_sweep_runs(depth_sweep) -> None:
    """Check depth_sweep(60, [1, 2], data, 0, epochs=3, lr=0.01) returns the five lists, one entry
    per depth, and that each model has its depth's number of hidden layers, all of the reported
    width, the largest that fits the budget, with the reported parameter count."""
    budget, depths = 60, [1, 2]
    got = student(depth_sweep, "depth_sweep")(budget, depths, tiny_instance("cross_entropy").data(), 0, 3, 1e-2)
    what = f"depth_sweep({budget}, {depths}, data, seed=0, epochs=3, lr=0.01)"
    keys = ("depths", "widths", "params", "test_acc", "models")
    expect(isinstance(got, dict), f"{what} should return a dict with keys {keys}; got {describe(got)}")
    for key in keys:
        expect(key in got and isinstance(got[key], list) and len(got[key]) == 2,
               f"{what}[{key!r}] should be a list with one entry per depth (2); got "
               f"{describe(got.get(key)) if key in got else 'no such key.'}")
    expect(got["depths"] == depths, f"{what}['depths'] should be {depths}; got {got['depths']}.")
    for i, depth in enumerate(depths):
        net = as_net(got["models"][i], f"{what}['models'][{i}]")
        widths = [int(layer.weight.shape[0]) for layer in net.linear_layers[:-1]]
        expect(len(widths) == depth, f"{what}['models'][{i}] should have {depth} hidden layer(s) (depth {depth}); it "
                                     f"has {len(widths)}: build mlp(d, [w] * depth, K).")
        expect(widths == [got["widths"][i]] * depth,
               f"{what}['models'][{i}] has hidden widths {widths}, but the reported width is {got['widths'][i]!r}.")
        sizes = [1, *widths, 2]
        fits = param_count(sizes) <= budget < param_count([1] + [widths[0] + 1] * depth + [2])
        expect(fits, f"{what}: the depth-{depth} model has width {widths[0]} and {param_count(sizes)} parameters; at "
                     f"an equal budget each depth gets the largest width whose net has at most {budget} parameters "
                     "(width_for_budget, question 3).")
        expect(got["params"][i] == param_count(sizes),
               f"{what}['params'][{i}] = {got['params'][i]!r}, but the model has {param_count(sizes)} parameters "
               "(count_params of the model).")
