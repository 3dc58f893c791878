r"""Hidden checks of `mimic`: answers are compared with closed forms, exact integer searches and the
grader's own float64 execution of the training contract, never with our solution.

Oracles (all computed here in numpy, independently of the student's code and of the reference):

* parameters of Linear(a, b): a b + b; the largest width within a budget by an exact integer search
  over P(w), the parameter count of ``depth`` hidden layers of width w, which increases with w;
* the mimic loss (Ba & Caruana 2014): mean over the B x K entries of (student - teacher logit)^2;
* training: :func:`public.contract_run` executes the contract (full batch, Adam, cosine schedule)
  exactly from grader-drawn weights (PyTorch's default initialisation, drawn with numpy). Nothing in
  the contract is random, so every correct implementation follows the same trajectory up to
  round-off; TRAJ_LOSS_RTOL and TRAJ_LOGIT_ATOL (public.py) bound that round-off, with the
  derivation next to them and in tests/mimic/test_contract.py. The graded runs are short (10 epochs
  of a width-8 net) because the contract's loop is fully exercised after a few epochs: every slip
  departs from the exact run by 40x the tolerance or more within 10 epochs, and a short run keeps
  the round-off far from the ReLU kinks (certified per instance).
* accuracies a student reports: recomputed here from the returned weights; only inputs whose logit
  margin lies within the float32 evaluation error (public.float32_error_bound) may differ.

Every check is deterministic; none has a false-fail probability above 0 for a correct answer.

What the notebook's experiment shows (a width-256 mimic beats the same net trained on 128 labels,
on every seed) is not graded by rerunning it: it follows from the contract, which is graded here, and
tests/mimic/test_experiment.py checks it for the reference.
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    CheckFailed, LibraryCall, TensorArg, as_array, as_net, count_parameters, expect, forward,
    hidden_widths, student,
)
from autograder.assignments.mimic.public import (
    Instance, ambiguous, data_arg, expect_follows_contract, expect_history, expect_largest_width,
    expect_learning_curve, f32, float32_error_bound, init_mlp, labels, log_softmax, mlp_kinds_hint, run_training,
    split, tiny_instance,
)

# -- the graded training runs (instances fixed before measuring; certified in test_contract.py) --
GRADED_SEED = 7        # data split(7): 128 labelled points, 512 test points; init_mlp([1, 8, 2], seed=7)
GRADED_WIDTH = 8
GRADED_EPOCHS = 10     # one Adam step per epoch; cosine schedule over these epochs
LR = 1e-2
EXTRA_SEED, N_EXTRA = 8, 64     # unlabelled inputs U[-1, 1] for train_mimic's extra_inputs
# The learning-curve runs (public.tiny_instance, longer): their bookkeeping only. The contract records
# after every max(1, E // 40) epochs and after the last; the graded 10-epoch run has stride 1, so these
# runs choose E where the usual slips record other epochs (exact integer arithmetic, false-fail
# probability 0): E = 81 (stride 2; 81 // 41 = 1, 81 / 40 = 2.025, and 81 is odd, so a loop that forgets
# "after the last" stops at 80) and E = 273 (stride 6; 273 // 39 = 7, 273 / 40 = 6.825, 273 = 6 * 45 + 3,
# and 273 > 256, so `epoch is epochs` is False in CPython: it caches only small ints). 81 and 273 are the
# shortest such runs: a stride that differs from E // 41 needs E in {80, 81}; from E // 39 and above 256,
# E >= 273. Caught: E // 39, E // 41, E / 40, the last epoch not recorded (or only when the stride divides
# E), `epoch is epochs`.
CURVE_EPOCHS = (81, 273)

# depth_sweep at an equal budget (deterministic, false-fail probability 0): every model has the
# largest width within the budget (exact integer search) and reports its exact parameter count.
# While mimic_q6 is graded, width_for_budget, mlp, count_params and train_on_labels are our reference
# definitions (SUBSTITUTES), so a mistake in one of those costs only its own question. The budget-700
# models of depths 1, 2, 4 have 698, 698 and 688 parameters, within 1.7% of each other. Caught: one
# width for all depths, a hard-coded width, [w] instead of [w] * depth, counts or accuracies that are
# not those of the returned models. 3 epochs: the sweep's bookkeeping is graded here, its training
# is train_on_labels' (mimic_q4).
DEPTH_BUDGET = 700
DEPTH_DEPTHS = [1, 2, 4]
DEPTH_EPOCHS = 3

# mimic_loss on float64 inputs (70 entries at most): the mean of squares is exact up to gamma_72 = 4.3e-6
# relative even if the student's code computes in float32 (any summation order), and up to 1e-14 in
# float64; 1e-5 covers both (false-fail probability 0). Every other objective named below differs by
# more than 10% on these inputs.
MIMIC_LOSS_RTOL = 1e-5


def graded_instance(loss: str, extra: bool = False) -> Instance:
    """The 10-epoch graded run of train_on_labels (cross_entropy) or train_mimic (mse, with or
    without extra inputs)."""
    x_train, x_test = split(GRADED_SEED)
    more = f32(np.random.default_rng(EXTRA_SEED).uniform(-1.0, 1.0, (N_EXTRA, 1))) if extra else None
    return Instance(init_mlp([1, GRADED_WIDTH, 2], seed=GRADED_SEED), x_train, x_test, more, loss, GRADED_EPOCHS, LR)


def curve_instances(loss: str) -> list:
    """The learning-curve runs (CURVE_EPOCHS): the public checks' tiny run, longer."""
    return [tiny_instance(loss, epochs=epochs) for epochs in CURVE_EPOCHS]


def _expect_run(result, inst: Instance, what: str) -> None:
    """The whole graded run: history, contract trajectory, learning curve."""
    net = expect_history(result, inst.epochs, what)
    run = expect_follows_contract(result, net, inst, what, snapshots=range(1, inst.epochs + 1))
    expect_learning_curve(result, run, inst.x_test, inst.epochs, what)


def _expect_curve_bookkeeping(result, inst: Instance, what: str) -> None:
    """The learning-curve run: every max(1, epochs // 40) epochs and the last recorded, and the last
    accuracy is that of the returned weights (up to inputs whose class float32 evaluation can flip)."""
    net = expect_history(result, inst.epochs, what)
    stride = max(1, inst.epochs // 40)
    want = sorted(set(range(stride, inst.epochs + 1, stride)) | {inst.epochs})
    got = result["epoch"]
    expect(got == want,
           f"{what}['epoch'] should be [{', '.join(map(str, want[:3]))}, ..., {', '.join(map(str, want[-2:]))}]: test "
           f"accuracy after every max(1, epochs // 40) = {stride} epochs and after the last; got "
           f"{got[:3]}...{got[-2:]} ({len(got)} entries).")
    z = forward(net, inst.x_test)
    sure = ~ambiguous(z[:, 1] - z[:, 0], float32_error_bound(net, inst.x_test).sum(axis=1))
    correct = np.argmax(z, axis=1) == labels(inst.x_test)
    lo, hi = np.mean(correct & sure), np.mean(correct | ~sure)
    got = result["test_acc"][-1]
    expect(lo - 1e-12 <= got <= hi + 1e-12,
           f"{what}['test_acc'][-1] = {got:.4f}, but the returned model classifies {np.mean(correct):.4f} of "
           "data['x_test'] correctly. Report accuracy(model, data['x_test'], data['y_test']) after the last epoch.")


def width_hint(in_features: int, out_features: int, depth: int, budget: int, got) -> str:
    """Why width_for_budget(...) = got is wrong (got != the largest width), as a sentence."""
    want = largest_width(in_features, out_features, depth, budget)
    call = f"width_for_budget({in_features}, {out_features}, {depth}, {budget})"
    if not isinstance(got, int) or isinstance(got, bool):
        return f"{call} should return an int; got {got!r}."
    if got > want:
        text = (f"{call} returned {got}, but {depth} hidden layer(s) of width {got} have "
                f"P({got}) = {params_of(in_features, out_features, depth, got)} > {budget} parameters")
    else:
        text = (f"{call} returned {got}, but width {want} fits: P({want}) = "
                f"{params_of(in_features, out_features, depth, want)} <= {budget} (the largest width is asked)")
    text += (f", with P(w) = (in + 1) w + (depth - 1)(w + 1) w + (w + 1) out = "
             f"(depth - 1) w^2 + (in + depth + out) w + out. Expected {want}.")
    if got == want + 1 and params_of(in_features, out_features, depth, want + 0.5) <= budget:   # root >= want + 1/2
        return text + " Take the floor of the positive root of P(w) = budget, not the nearest integer."
    if got == largest_width(in_features, out_features, depth, budget, _weights_only):
        return text + " Your width ignores the biases (w + 1 per hidden unit of the next layer, out at the end)."
    if got in (largest_width(in_features, out_features, depth + 1, budget),
               largest_width(in_features, out_features, max(depth - 1, 1), budget)):
        return text + " There are depth - 1 hidden-to-hidden layers of (w + 1) w parameters each."
    return text + " The largest width is the floor of the positive root of P(w) = budget."


def params_of(in_features: int, out_features: int, depth: int, width) -> int:
    """P(w) = (in + 1) w + (depth - 1)(w + 1) w + (w + 1) out, in exact integers."""
    return (in_features + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * out_features


def largest_width(in_features: int, out_features: int, depth: int, budget: int, count=params_of) -> int:
    """The largest w >= 0 with count(w) <= budget, by doubling and bisection (integers only)."""
    lo, hi = 0, 1
    while count(in_features, out_features, depth, hi) <= budget:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if count(in_features, out_features, depth, mid) <= budget else (lo, mid)
    return lo


def _weights_only(in_features: int, out_features: int, depth: int, width: int) -> int:
    return in_features * width + (depth - 1) * width * width + width * out_features


# -- mimic_q1: count_params ----------------------------------------------------------------------
def count_params_theory(count_params) -> None:
    """Check count_params against sum(a b + b) over the Linear layers of 12 random MLPs (some
    layers without bias), and that frozen parameters (requires_grad False) are not counted."""
    f = student(count_params, "count_params")
    rng = np.random.default_rng(11)
    for trial in range(12):
        sizes = [int(v) for v in rng.integers(1, 40, int(rng.integers(2, 6)))]
        net = init_mlp(sizes, seed=trial)
        if trial % 3 == 1:
            first = net.linear_layers[0]
            net.layers[0] = type(first)(first.kind, first.type_name, first.weight, None, first.dtype)
        want = count_parameters(net)
        got = f(net)
        weights = sum(layer.weight.size for layer in net.linear_layers)
        hint = (" That is the number of weights only: each Linear(a, b) also has b biases (if it has a bias)."
                if got == weights else
                " That is the number of parameter tensors; count their entries (p.numel())."
                if got == sum(1 + (layer.bias is not None) for layer in net.linear_layers) else
                " That is twice the count: model.modules() includes the Sequential itself, whose parameters() "
                "are all of them; use model.parameters() once." if got == 2 * want else "")
        expect(got == want, f"count_params of an MLP with layer sizes {sizes}"
                            f"{' (first layer without bias)' if trial % 3 == 1 else ''} should be {want}; got {got!r}.{hint}")
    net = init_mlp([10, 20, 20, 3], seed=5)
    want = 20 * 20 + 20 + 20 * 3 + 3
    got = f(LibraryCall("shared.modules", "freeze", (net, [0])))
    expect(got == want, f"count_params of MLP [10, 20, 20, 3] whose first Linear is frozen (requires_grad False) "
                        f"should be {want}, the trainable parameters; got {got!r}."
                        + (" You counted the frozen ones too: keep only p.requires_grad." if got == want + 220 else ""))


# -- mimic_q2: mlp -------------------------------------------------------------------------------
def mlp_architecture(mlp) -> None:
    """Check mlp(in, hidden, out) is Linear/ReLU alternating with no ReLU after the last Linear,
    the right shapes, random (not constant) initial weights, and that its forward is its layers."""
    f = student(mlp, "mlp")
    for in_f, hidden, out_f in ((1, [256], 2), (784, [100, 50, 25], 10), (5, [], 3), (2, [7] * 6, 1), (3, [1], 1)):
        call = f"mlp({in_f}, {hidden}, {out_f})"
        net = as_net(f(in_f, hidden, out_f), call)
        kinds = [layer.kind for layer in net.layers]
        want = ["linear", "relu"] * len(hidden) + ["linear"]
        hint = mlp_kinds_hint(kinds, want)
        expect(kinds == want, f"{call} should be {' - '.join(k.capitalize() for k in want)}; got {kinds}.{hint}")
        sizes = [in_f, *hidden, out_f]
        shapes = [tuple(layer.weight.shape) for layer in net.linear_layers]
        want_shapes = [(b, a) for a, b in zip(sizes[:-1], sizes[1:])]
        expect(shapes == want_shapes, f"{call} should have weights of shapes {want_shapes}; got {shapes}.")
        expect(all(layer.bias is not None for layer in net.linear_layers),
               f"{call}: every Linear layer should have a bias (the parameter budget counts them).")
        for layer in net.linear_layers:
            if layer.weight.size > 1:
                expect(float(np.std(layer.weight)) > 0,
                       f"{call}: a weight matrix of shape {layer.weight.shape} is constant; keep nn.Linear's "
                       "random initialisation (equal weights make every unit of a layer compute the same thing).")
        x = f32(np.random.default_rng(0).normal(size=(4, in_f)))
        out = as_array(student(net.handle, call)(TensorArg(x, "float32")), f"{call}(x)")
        expect(out.shape == (4, out_f), f"{call} applied to a (4, {in_f}) batch should give (4, {out_f}); got {out.shape}.")
        # The module runs in float32: it may differ from the float64 layers by the float32 error
        # bound (derived, public.float32_error_bound), plus 1e-12 for the bound's own round-off.
        gap = np.abs(out - forward(net, x)) - float32_error_bound(net, x)
        expect(gap.max() <= 1e-12, f"{call}(x) does not equal its layers applied in order; use nn.Sequential of "
                                   "the layers.")


# -- mimic_q3: width_for_budget ------------------------------------------------------------------
def width_exact(width_for_budget) -> None:
    """Check width_for_budget against the largest width found by an exact integer search, for 30
    shapes (in, out, depth) and budgets at P(1), at P(w) - 1, P(w), P(w) + 1 (the boundaries) and
    random, with widths up to 3000 (a loop over w answers all of them in about a second)."""
    f = student(width_for_budget, "width_for_budget")
    rng = np.random.default_rng(5)
    for in_f, out_f in ((1, 2), (1, 1), (3, 10), (64, 10), (784, 10), (2, 1)):
        for depth in (1, 2, 3, 5, 8):
            budgets = [params_of(in_f, out_f, depth, 1)]
            for w in (int(rng.integers(2, 300)), int(rng.integers(300, 3000))):
                budgets += [params_of(in_f, out_f, depth, w) + k for k in (-1, 0, 1)]
            budgets.append(int(rng.integers(budgets[0], params_of(in_f, out_f, depth, 3000))))
            for budget in budgets:
                want = largest_width(in_f, out_f, depth, budget)
                got = f(in_f, out_f, depth, budget)
                if got == want:
                    continue
                if isinstance(got, int) and not isinstance(got, bool) and got >= 1:
                    expect_largest_width(got, in_f, out_f, depth, budget)   # says which side is violated
                raise CheckFailed(width_hint(in_f, out_f, depth, budget, got))


# -- mimic_q4: train_on_labels -------------------------------------------------------------------
def labels_follow_contract(train_on_labels) -> None:
    """Check the graded 10-epoch run of train_on_labels (width-8 net, 128 labelled points) against
    the contract's exact run from the same weights: loss[0] is the mean cross-entropy of the initial
    model, every recorded loss and the returned model's logits agree up to round-off
    (TRAJ_LOSS_RTOL, TRAJ_LOGIT_ATOL), and the learning curve is the test accuracy after each epoch."""
    inst = graded_instance("cross_entropy")
    _expect_run(run_training(train_on_labels, inst), inst, inst.describe("train_on_labels"))


def labels_learning_curve(train_on_labels) -> None:
    """Check 81- and 273-epoch runs record the test accuracy every max(1, epochs // 40) epochs (2 and
    6) and after the last, and that the last one is the accuracy of the returned weights."""
    for inst in curve_instances("cross_entropy"):
        _expect_curve_bookkeeping(run_training(train_on_labels, inst), inst, inst.describe("train_on_labels"))


# -- mimic_q5: mimic_loss and train_mimic --------------------------------------------------------
def _softmax(z: np.ndarray) -> np.ndarray:
    return np.exp(log_softmax(z))


def mimic_loss_exact(mimic_loss) -> None:
    """Check mimic_loss(s, t) = mean over all B x K entries of (s - t)^2 on float64 logits of
    shapes (5, 2), (7, 10), (1, 3); name the objective when it is a known other one."""
    f = student(mimic_loss, "mimic_loss")
    rng = np.random.default_rng(17)
    for b, k in ((5, 2), (7, 10), (1, 3)):
        s, t = 3.0 * rng.normal(size=(b, k)), 3.0 * rng.normal(size=(b, k))
        got = as_array(f(TensorArg(s, "float64", requires_grad=True), TensorArg(t, "float64")),
                       f"mimic_loss(student_logits of shape {(b, k)}, teacher_logits)")
        expect(got.size == 1, f"mimic_loss should return a scalar; got shape {got.shape}.")
        got = float(got.reshape(-1)[0])
        want = float(np.mean((s - t) ** 2))
        if abs(got - want) <= MIMIC_LOSS_RTOL * want:
            continue
        p, log_q = _softmax(t), log_softmax(s)
        kl = np.sum(p * (np.log(p) - log_q), axis=1)
        why_logits = ("Ba & Caruana regress the logits themselves: softmax forgets the logits' scale (it "
                      "saturates once the teacher is confident, so the gradient vanishes) and anything "
                      "common to all logits, while the logits carry the teacher's evidence linearly. Here "
                      "the teacher's logit difference 2(s(x) - 1/2) is a straight line between kinks whose "
                      "zero is the class boundary; regressing it, the student finds each boundary exactly "
                      "from the training points around it.")
        known = [
            ("the KL divergence between the softmax outputs (Hinton's distillation at temperature 1)",
             [kl.mean(), kl.sum(), np.mean(p * (np.log(p) - log_q))], why_logits),
            ("the cross-entropy between the softmax outputs (soft targets)", [-(p * log_q).sum(1).mean()], why_logits),
            ("the squared error between softmax probabilities, not logits", [np.mean((_softmax(s) - p) ** 2)], why_logits),
            ("the cross-entropy with the teacher's argmax labels",
             [-log_q[np.arange(b), np.argmax(t, axis=1)].mean()],
             "The argmax keeps only the teacher's label: that is label training again, and the student "
             "learns nothing about where a boundary lies between two training points. The mimic's "
             "advantage comes from the real-valued logits; regress them with squared error."),
            ("a sum instead of a mean", [np.sum((s - t) ** 2)], "Use the mean over all B x K entries (F.mse_loss)."),
            ("the squared error summed over the logits and averaged over the batch (times 1 or 1/2)",
             [np.mean(np.sum((s - t) ** 2, axis=1)), 0.5 * np.mean(np.sum((s - t) ** 2, axis=1))],
             "Use the mean over all B x K entries (F.mse_loss); Ba & Caruana's 1/(2T) sum over the batch "
             "is the same up to the factor K/2, which only the learning rate notices."),
            ("the root of the mean squared error", [np.sqrt(want)], "Do not take the square root."),
            ("the mean absolute error", [np.mean(np.abs(s - t))], "Square the differences."),
        ]
        for name, values, why in known:
            if any(abs(got - v) <= 1e-6 * abs(v) for v in values):
                raise CheckFailed(f"mimic_loss is {name}: for logits of shape {(b, k)} it returned {got:.6g}, but "
                                  f"the mean squared error on logits is {want:.6g}. {why}")
        raise CheckFailed(f"mimic_loss(student_logits, teacher_logits) for shape {(b, k)} should be the mean over "
                          f"all entries of (student - teacher)^2 = {want:.6g}; got {got:.6g}.")


def mimic_follows_contract(train_mimic) -> None:
    """Check the graded 10-epoch runs of train_mimic (width-8 student, the sawtooth teacher, 128
    training inputs, then with 64 extra inputs) against the contract's exact runs from the same
    weights: loss[0] is mimic_loss of the initial student on all inputs, every recorded loss and the
    returned model's logits agree up to round-off, and the learning curve is the test accuracy
    after each epoch."""
    for extra in (False, True):
        inst = graded_instance("mse", extra=extra)
        _expect_run(run_training(train_mimic, inst), inst, inst.describe("train_mimic"))


def mimic_learning_curve(train_mimic) -> None:
    """Check 81- and 273-epoch runs record the test accuracy every max(1, epochs // 40) epochs (2 and
    6) and after the last, and that the last one is the accuracy of the returned weights."""
    for inst in curve_instances("mse"):
        _expect_curve_bookkeeping(run_training(train_mimic, inst), inst, inst.describe("train_mimic"))


# -- mimic_q6: depth_sweep -----------------------------------------------------------------------
def depth_sweep_equal_budget(depth_sweep) -> None:
    """Check depth_sweep(700, [1, 2, 4], data, 0, epochs=3, lr=0.01): each model has the asked depth,
    every hidden layer of the largest width within the budget, the reported width and parameter count
    are the model's, and the reported test accuracies are those of the returned weights.

    How well the models learned is not graded here: that is train_on_labels' job (mimic_q4)."""
    x_train, x_test = split(GRADED_SEED)
    call = f"depth_sweep({DEPTH_BUDGET}, {DEPTH_DEPTHS}, data, seed=0, epochs={DEPTH_EPOCHS}, lr={LR})"
    got = student(depth_sweep, "depth_sweep")(DEPTH_BUDGET, DEPTH_DEPTHS, data_arg(x_train, x_test), 0,
                                               DEPTH_EPOCHS, LR)
    keys = ("depths", "widths", "params", "test_acc", "models")
    expect(isinstance(got, dict) and all(isinstance(got.get(k), list) and len(got[k]) == len(DEPTH_DEPTHS)
                                         for k in keys),
           f"{call} should return a dict of the lists {keys}, one entry per depth; got {got!r:.200}")
    expect(got["depths"] == DEPTH_DEPTHS, f"{call}['depths'] should be {DEPTH_DEPTHS}; got {got['depths']}.")
    for i, depth in enumerate(DEPTH_DEPTHS):
        net = as_net(got["models"][i], f"{call}['models'][{i}]")
        widths = hidden_widths(net)
        expect(len(widths) == depth, f"{call}['models'][{i}] should have {depth} hidden layers; it has "
                                     f"{len(widths)} (build mlp(1, [w] * depth, 2)).")
        lin = net.linear_layers
        expect(lin[0].weight.shape[1] == 1 and lin[-1].weight.shape[0] == 2,
               f"{call}['models'][{i}] should map 1 input to 2 logits (num_classes).")
        want = largest_width(1, 2, depth, DEPTH_BUDGET)
        expect(widths == [want] * depth,
               f"At an equal budget the depth-{depth} model should have {depth} hidden layers of the largest width "
               f"that fits {DEPTH_BUDGET} parameters, width_for_budget(1, 2, {depth}, {DEPTH_BUDGET}) = {want}; its "
               f"widths are {widths}.")
        expect(got["widths"][i] == want, f"{call}['widths'][{i}] = {got['widths'][i]!r}, but the model's width is {want}.")
        n = count_parameters(net)
        expect(got["params"][i] == n, f"{call}['params'][{i}] = {got['params'][i]!r}, but count_params of the "
                                      f"model is {n}.")
        z = forward(net, x_test)
        sure = ~ambiguous(z[:, 1] - z[:, 0], float32_error_bound(net, x_test).sum(axis=1))
        correct = np.argmax(z, axis=1) == labels(x_test)
        reported = got["test_acc"][i]
        expect(isinstance(reported, float) and np.mean(correct & sure) - 1e-12 <= reported
               <= np.mean(correct | ~sure) + 1e-12,
               f"{call}['test_acc'][{i}] = {reported!r}, but the returned depth-{depth} model classifies "
               f"{np.mean(correct):.4f} of data['x_test'] correctly: report the test accuracy of the trained model.")
