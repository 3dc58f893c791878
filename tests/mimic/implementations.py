r"""Independent correct implementations of the mimic notebook's functions, and plausible slips.

Correct ones are not edits of the reference: each takes another route to the same contract (torch's
optimizer and scheduler vs a hand-written Adam and cosine schedule, float32 vs float64, other loss
expressions, other orders of operations and of concatenation, searches vs closed forms). Slips are
one mistake each, installed into a reference namespace by ``tests.mimic.conftest.reference_with``:
``name(ns) -> {notebook name: object}``.
"""
from __future__ import annotations

import copy
import math
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn


# == correct alternatives ========================================================================
def count_params_named(ns):
    def count_params(model):
        return int(sum(p.numel() for _, p in model.named_parameters() if p.requires_grad))
    return {"count_params": count_params}


def count_params_shapes(ns):
    def count_params(model):
        total = 0
        for p in model.parameters():
            if p.requires_grad:
                total += math.prod(p.shape)
        return total
    return {"count_params": count_params}


def count_params_state(ns):
    """Walk the Linear layers and read requires_grad tensor by tensor."""
    def count_params(model):
        total = 0
        for module in model.modules():
            for p in module.parameters(recurse=False):
                total += p.numel() if p.requires_grad else 0
        return total
    return {"count_params": count_params}


def mlp_ordered(ns):
    def mlp(in_features, hidden, out_features):
        sizes = [in_features, *hidden, out_features]
        layers = OrderedDict()
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers[f"fc{i}"] = nn.Linear(a, b)
            if i < len(sizes) - 2:
                layers[f"act{i}"] = nn.ReLU()
        return nn.Sequential(layers)
    return {"mlp": mlp}


def mlp_appended(ns):
    def mlp(in_features, hidden, out_features):
        model = nn.Sequential()
        width = in_features
        for h in hidden:
            model.append(nn.Linear(width, h))
            model.append(nn.ReLU(inplace=True))
            width = h
        model.append(nn.Linear(width, out_features))
        return model
    return {"mlp": mlp}


def mlp_nested(ns):
    """Blocks of (Linear, ReLU) as nested Sequentials: the same layers in the same order."""
    def mlp(in_features, hidden, out_features):
        blocks, width = [], in_features
        for h in hidden:
            blocks.append(nn.Sequential(nn.Linear(width, h), nn.ReLU()))
            width = h
        return nn.Sequential(*blocks, nn.Linear(width, out_features))
    return {"mlp": mlp}


def _count(in_features, out_features, depth, w):
    return (in_features + 1) * w + (depth - 1) * (w + 1) * w + (w + 1) * out_features


def width_bisection(ns):
    def width_for_budget(in_features, out_features, depth, budget):
        lo, hi = 1, 2
        while _count(in_features, out_features, depth, hi) <= budget:
            lo, hi = hi, 2 * hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _count(in_features, out_features, depth, mid) <= budget:
                lo = mid
            else:
                hi = mid
        return lo
    return {"width_for_budget": width_for_budget}


def width_loop(ns):
    """Try every width from 1 up: slow for huge budgets, exact everywhere."""
    def width_for_budget(in_features, out_features, depth, budget):
        w = 1
        while _count(in_features, out_features, depth, w + 1) <= budget:
            w += 1
        return w
    return {"width_for_budget": width_for_budget}


def width_float(ns):
    """The floor of the float root, corrected by one step either way (exact at these sizes)."""
    def width_for_budget(in_features, out_features, depth, budget):
        a, b, c = depth - 1, in_features + depth + out_features, out_features - budget
        w = int(-c / b) if a == 0 else int((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a))
        while _count(in_features, out_features, depth, w) > budget:
            w -= 1
        while _count(in_features, out_features, depth, w + 1) <= budget:
            w += 1
        return w
    return {"width_for_budget": width_for_budget}


def _history(model):
    return {"model": model, "loss": [], "epoch": [], "test_acc": []}


def _handwritten_adam(model, x, loss_of, data, epochs, lr, seed, accuracy):
    """Adam and the cosine schedule written out by hand on float32 tensors (no torch.optim)."""
    torch.manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    history = _history(model)
    every = max(1, epochs // 40)
    for k in range(epochs):
        rate = 0.5 * lr * (1.0 + math.cos(math.pi * k / epochs))
        loss = loss_of(model(x))
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g, mi, vi in zip(params, grads, m, v):
                mi.mul_(0.9).add_(0.1 * g)
                vi.mul_(0.999).add_(0.001 * g * g)
                m_hat = mi / (1.0 - 0.9 ** (k + 1))
                v_hat = vi / (1.0 - 0.999 ** (k + 1))
                p.sub_(rate * m_hat / (v_hat.sqrt() + 1e-8))
        history["loss"].append(loss.item())
        if (k + 1) % every == 0 or k + 1 == epochs:
            history["epoch"].append(k + 1)
            history["test_acc"].append(accuracy(model, data["x_test"], data["y_test"]))
    return history


def _float64_shadow(model, x, loss_of, data, epochs, lr, seed, accuracy):
    """A float64 copy of the model trained (Adam without foreach, a LambdaLR schedule, gradients
    zeroed after the step) and written back into the float32 model after every step."""
    torch.manual_seed(seed)
    shadow = copy.deepcopy(model).double()
    x = x.double()
    optimizer = torch.optim.Adam(shadow.parameters(), lr=lr, foreach=False)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: 0.5 * (1.0 + math.cos(math.pi * k / epochs)))
    history = _history(model)
    every = max(1, epochs // 40)
    optimizer.zero_grad()
    for epoch in range(1, epochs + 1):
        loss = loss_of(shadow(x))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
        scheduler.step()
        with torch.no_grad():
            for p, q in zip(model.parameters(), shadow.parameters()):
                p.copy_(q)
        history["loss"].append(loss.item())
        if epoch % every == 0 or epoch == epochs:
            history["epoch"].append(epoch)
            history["test_acc"].append(accuracy(model, data["x_test"], data["y_test"]))
    return history


def _foreach_closure(model, x, loss_of, data, epochs, lr, seed, accuracy):
    """torch's Adam (foreach) stepped with a closure, the scheduler's closed form read back."""
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, foreach=True)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    history = _history(model)
    evaluate_at = {e for e in range(1, epochs + 1) if e % max(1, epochs // 40) == 0} | {epochs}

    def closure():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(model(x))
        loss.backward()
        return loss

    for epoch in range(1, epochs + 1):
        loss = optimizer.step(closure)
        scheduler.step()
        history["loss"].append(float(loss.detach()))
        if epoch in evaluate_at:
            history["epoch"].append(epoch)
            history["test_acc"].append(accuracy(model, data["x_test"], data["y_test"]))
    return history


LOOPS = {"handwritten_adam": _handwritten_adam, "float64_shadow": _float64_shadow,
         "foreach_closure": _foreach_closure}


def labels_impl(loop: str):
    """train_on_labels through another loop and another expression of the mean cross-entropy."""
    def make(ns):
        def train_on_labels(model, data, epochs, lr, seed):
            y = data["y_train"]
            if loop == "handwritten_adam":
                def loss_of(out):
                    return -(out.log_softmax(dim=1).gather(1, y[:, None])).sum() / len(y)
            elif loop == "float64_shadow":
                def loss_of(out):
                    return F.nll_loss(F.log_softmax(out, dim=1), y)
            else:
                def loss_of(out):
                    return (torch.logsumexp(out, dim=1) - out[torch.arange(len(y)), y]).mean()
            return LOOPS[loop](model, data["x_train"], loss_of, data, epochs, lr, seed, ns["accuracy"])
        return {"train_on_labels": train_on_labels}
    return make


def mimic_impl(loop: str):
    """train_mimic through another loop, another loss expression, and another input order."""
    def make(ns):
        def train_mimic(student, teacher, data, epochs, lr, seed, extra_inputs=None):
            parts = [data["x_train"]] if extra_inputs is None else [extra_inputs, data["x_train"]]
            x = torch.cat(parts)
            if loop == "float64_shadow":
                teacher = copy.deepcopy(teacher).double()
                with torch.no_grad():
                    target = teacher(x.double())
            else:
                with torch.no_grad():
                    target = teacher(x)

            def loss_of(out):
                if loop == "handwritten_adam":
                    return F.mse_loss(out, target)
                if loop == "float64_shadow":
                    return ((out - target) ** 2).sum() / target.numel()
                return ns["mimic_loss"](out, target)
            return LOOPS[loop](student, x, loss_of, data, epochs, lr, seed, ns["accuracy"])
        return {"train_mimic": train_mimic}
    return make


def mimic_loss_builtin(ns):
    return {"mimic_loss": lambda s, t: F.mse_loss(s, t)}


def mimic_loss_pow(ns):
    return {"mimic_loss": lambda s, t: torch.mean(torch.pow(s - t, 2))}


def mimic_loss_einsum(ns):
    def mimic_loss(s, t):
        diff = s - t
        return torch.einsum("bk,bk->", diff, diff) / diff.numel()
    return {"mimic_loss": mimic_loss}


def mimic_loss_float32(ns):
    """Computes in float32 whatever the inputs' dtype (the float64 checks must allow its round-off)."""
    return {"mimic_loss": lambda s, t: (s.float() - t.float()).square().sum() / s.numel()}


def sweep_impl(ns):
    """depth_sweep collecting per-depth records, then transposing them into lists."""
    def depth_sweep(budget, depths, data, seed, epochs, lr):
        records = []
        d, k = data["x_train"].shape[-1], int(data["num_classes"])
        for depth in depths:
            width = ns["width_for_budget"](d, k, depth, budget)
            torch.manual_seed(seed)
            model = ns["mlp"](d, [width] * depth, k)
            ns["train_on_labels"](model, data, epochs, lr, seed)
            records.append((depth, width, ns["count_params"](model),
                            ns["accuracy"](model, data["x_test"], data["y_test"]), model))
        return {key: [r[i] for r in records] for i, key in enumerate(("depths", "widths", "params", "test_acc",
                                                                      "models"))}
    return {"depth_sweep": depth_sweep}


def sweep_dict_first(ns):
    """depth_sweep building the models first, then training each (same seed before each build)."""
    def depth_sweep(budget, depths, data, seed, epochs, lr):
        d, k = data["x_train"].shape[1], data["num_classes"]
        widths = [ns["width_for_budget"](d, k, depth, budget) for depth in depths]
        models = []
        for depth, width in zip(depths, widths):
            torch.manual_seed(seed)
            models.append(ns["mlp"](d, [width] * depth, k))
        for model in models:
            ns["train_on_labels"](model, data, epochs, lr, seed)
        return {"depths": list(depths), "widths": widths, "params": [ns["count_params"](m) for m in models],
                "test_acc": [ns["accuracy"](m, data["x_test"], data["y_test"]) for m in models], "models": models}
    return {"depth_sweep": depth_sweep}


CORRECT = {
    "mimic_q1": [count_params_named, count_params_shapes, count_params_state],
    "mimic_q2": [mlp_ordered, mlp_appended, mlp_nested],
    "mimic_q3": [width_bisection, width_loop, width_float],
    "mimic_q4": [labels_impl(loop) for loop in LOOPS],
    "mimic_q5": [mimic_impl(loop) for loop in LOOPS] + [mimic_loss_builtin, mimic_loss_pow, mimic_loss_einsum,
                                                        mimic_loss_float32],
    "mimic_q6": [sweep_impl, sweep_dict_first],
}


# == slips =======================================================================================
def slipped_loop(model, x, loss_of, data, epochs, lr, seed, accuracy, zero_grad=True, schedule="cosine",
                 optimizer="adam", use_lr=True, record="before", every=None, eval_on="test", last="=="):
    """The reference loop with one thing changed (each keyword names a slip). ``every``: the stride,
    or a function of epochs giving it; ``last``: how the last epoch is recognised ("==", "is", or
    None: not at all, only when the stride divides epochs)."""
    torch.manual_seed(seed)

    def make_optimizer(rate):
        if optimizer == "sgd":
            return torch.optim.SGD(model.parameters(), lr=rate)
        if optimizer == "adamw":
            return torch.optim.AdamW(model.parameters(), lr=rate)
        return torch.optim.Adam(model.parameters(), lr=rate) if use_lr else torch.optim.Adam(model.parameters())

    opt = make_optimizer(lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    history = _history(model)
    every = max(1, epochs // 40) if every is None else every(epochs) if callable(every) else every
    for epoch in range(1, epochs + 1):
        if optimizer == "fresh_adam":
            opt = torch.optim.Adam(model.parameters(), lr=0.5 * lr * (1 + math.cos(math.pi * (epoch - 1) / epochs)))
        if schedule == "early":
            scheduler.step()
        loss = loss_of(model(x))
        if zero_grad:
            opt.zero_grad()
        loss.backward()
        opt.step()
        if schedule == "cosine" and optimizer != "fresh_adam":
            scheduler.step()
        history["loss"].append(loss_of(model(x)).item() if record == "after" else loss.item())
        is_last = epoch == epochs if last == "==" else epoch is epochs if last == "is" else False
        if epoch % every == 0 or is_last:
            history["epoch"].append(epoch)
            history["test_acc"].append(accuracy(model, data[f"x_{eval_on}"], data[f"y_{eval_on}"]))
    return history


def labels_slip(loss=None, **options):
    """train_on_labels with one slip in its loop, or another loss (out, y) -> scalar."""
    def make(ns):
        def train_on_labels(model, data, epochs, lr, seed):
            y = data["y_train"]
            loss_fn = loss or F.cross_entropy
            return slipped_loop(model, data["x_train"], lambda out: loss_fn(out, y), data, epochs, lr, seed,
                                ns["accuracy"], **options)
        return {"train_on_labels": train_on_labels}
    return make


def mimic_slip(target_of=None, loss=None, use_extra=True, **options):
    """train_mimic with another target or loss, ignoring extra_inputs, or one slip in its loop."""
    def make(ns):
        def train_mimic(student, teacher, data, epochs, lr, seed, extra_inputs=None):
            x = data["x_train"]
            if use_extra and extra_inputs is not None:
                x = torch.cat([x, extra_inputs])
            with torch.no_grad():
                z = teacher(x)
            target = target_of(z, data) if target_of else z
            loss_fn = loss or ns["mimic_loss"]
            return slipped_loop(student, x, lambda out: loss_fn(out, target), data, epochs, lr, seed,
                                ns["accuracy"], **options)
        return {"train_mimic": train_mimic}
    return make
