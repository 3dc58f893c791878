r"""Hidden checks of `mimic`: answers are compared with closed forms and with the grader's own
evaluation of the returned weights, never with our solution.

Oracles (all computed here in numpy, independently of the student's code and of the reference):

* parameters of Linear(a, b): a b + b; of an MLP with ``depth`` hidden layers of width w,
  P(w) = (in + 1) w + (depth - 1)(w + 1) w + (w + 1) out, increasing in w, so the largest width
  within a budget is found exactly by an integer search here;
* the mimic loss (Ba & Caruana 2014): mean over the B x K entries of (student - teacher logit)^2;
* the first recorded training loss is the loss of the untouched initial weights, which the grader
  drew itself (PyTorch's default initialisation, with numpy) and evaluates with its float64 forward;
* held-out accuracy: the returned weights evaluated by the grader's float64 forward pass on its own
  4096 inputs (fixed seed), labels from the closed form of the sawtooth (see public.py).

Deterministic checks (count_params, mlp, width_for_budget, mimic_loss, first losses) have
false-fail probability 0: their tolerances only absorb float32 round-off. The training checks
depend on a real training run; each of their thresholds is set below the worst value of a correct
answer in an empirical record, stated next to the constant (the false-fail odds come from that
record, not from a bound). Training in the checks is full-batch and starts from grader-drawn
weights, so a correct answer gives the same numbers as the reference up to float round-off.
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    CheckFailed, LibraryCall, TensorArg, as_array, as_net, count_parameters, expect, forward, hidden_widths,
    student,
)
from autograder.assignments.mimic.public import (
    data_arg, expect_history, f32, held_out, init_mlp, labels, log_softmax, mlp_kinds_hint, split, teacher_logits,
    teacher_spec,
)

# -- the experiment's settings (the same as the notebook's: width-256 student, 2000 full-batch
#    Adam steps with lr 1e-2 and cosine decay, 128 labelled points) ------------------------------
WIDTH = 256
EPOCHS = 2000
LR = 1e-2
GRADED_SEEDS = (0, 1)         # data and initialisation of the graded runs (fixed before measuring)

# Relative tolerance of a recorded first loss against the grader's float64 value: float32 forward
# passes and means over <= 256 x 2 entries are off by < 1e-6 relative (measured: at most 1.2e-7 for
# the reference, 5 seeds, width 256). The first loss of a wrong objective differs by far more than
# 1e-3 relative (MSE on one-hot targets, sums instead of means, KL or cross-entropy instead of
# squared error, extra inputs left out: > 10% on the graded inputs).
LOSS_RTOL = 1e-4
# mimic_loss on float64 inputs: exact up to summation order.
MIMIC_LOSS_RTOL = 1e-9
# Reported accuracy (float32 forward in student code) vs the grader's float64 evaluation of the same
# weights on the same 512 test inputs: they differ only where two logits tie to within float32
# round-off (measured: identical in all 6 full runs checked, seeds 0-2 of both students). 2 / 512
# forgives two such points; a wrong report (training accuracy, accuracy before training) is off by
# more (training accuracy of the graded labels run: 1.0 vs 0.977 on the test split).
REPORT_ATOL = 2.0 / 512

# The record behind the three training thresholds below: the graded pipeline (grader-drawn data and
# PyTorch-default initial weights for seeds 0..99, the reference train_on_labels and train_mimic, one
# thread; script: tests/mimic/test_experiment.py runs seeds 0..4 of it on every test run):
#   labels-trained student: held-out accuracy 0.936 to 0.987 (mean 0.967);
#   mimic student:          0.9978 to 1.0000 (mean 0.9998);
#   margin mimic - labels:  +1.27 to +6.4 points (mean +3.3); seeds 0 and 1 give +1.93 and +2.25.
# The thresholds are empirical (no bound): each sits below the worst of 100 seeds. The graded seeds
# are fixed, so an answer that matches the reference up to round-off passes deterministically; a
# correct answer whose round-off differs (another but equivalent loss expression) follows another
# trajectory, i.e. in effect another draw from the record, where 0 of 100 seeds came within 0.7
# points of any threshold: false-fail odds below about 1% per graded seed.
#
# Held-out accuracy of the student trained on the labels. It is limited by the 128 labels, which only
# say where the 8 class boundaries are to within the gaps between training points. 0.90 is 3.6 points
# below the worst of 100. Caught: forgetting optimizer.zero_grad() (gradients accumulate: 0.49-0.50
# on 4 seeds), a model returned untrained (about 0.5). Not caught, and not meant to be: ignoring lr
# (Adam at 1e-3: 0.94-0.96) or the cosine decay (0.97-0.98), which only train a little differently.
LABELS_MIN_ACC = 0.90
# Held-out accuracy of the mimic student (same net, same initial weights): the logits locate every
# boundary by linear interpolation. 0.99 is 4.5 times the worst error of 100 seeds (0.22%). Caught:
# forgetting zero_grad (0.49-0.50 on 6 seeds), training on the teacher's argmax labels (0.936-0.981,
# the same as label training: the teacher's labels are the true ones). Regressing softmax outputs (KL)
# reaches 0.999-1.000 here and is caught by the first-loss and mimic_loss rungs instead.
MIMIC_MIN_ACC = 0.99
# Margin mimic - labels (accuracy points) on EACH graded seed; 0.5 points is 0.77 below the worst of
# 100 seeds. Caught: any mimic that learns no more than the labels say (argmax targets: margin 0).
MARGIN = 0.005
# Extra inputs: 64 labelled points in [-1, 0] only, 128 unlabelled inputs in [0, 1]; accuracy on
# held-out inputs of [0, 1]. With the extra inputs the reference reached 1.0000 there on 12 of 12
# seeds; ignoring them leaves the student to extrapolate beyond 0: 0.508 on all 12. Deterministic
# up to round-off (one fixed seed), with 5 points of room below the record.
EXTRA_MIN_ACC = 0.95
# depth_sweep at an equal budget: every model must use the width the student's own width_for_budget
# gives and report what the student's own count_params says (deterministic, false-fail probability
# 0). With exact widths the budget-700 models of depths 1, 2, 4 have 698, 698 and 688 parameters,
# within 1.7% of each other and of the budget (the criterion is 5%). Checking consistency
# rather than the exact widths and counts keeps a wrong width_for_budget or count_params from costing
# this question too (they lose mimic_q3, mimic_q1); a sweep that ignores width_for_budget (one width
# for all depths, a hard-coded width, [w] instead of [w] * depth) fails here.
DEPTH_BUDGET = 700
DEPTH_DEPTHS = [1, 2, 4]


def accuracy(net, x: np.ndarray) -> float:
    """Fraction of inputs x (B, 1) where the net's argmax is the true label (float64 forward)."""
    return float(np.mean(np.argmax(forward(net, x), axis=1) == labels(x)))


def params_of(in_features: int, out_features: int, depth: int, width: int) -> int:
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
        return text + (" Take the floor of the positive root of P(w) = budget, not the nearest integer "
                       "(math.isqrt keeps it exact).")
    if got == largest_width(in_features, out_features, depth, budget, _weights_only):
        return text + " Your width ignores the biases (w + 1 per hidden unit of the next layer, out at the end)."
    if got in (largest_width(in_features, out_features, depth + 1, budget),
               largest_width(in_features, out_features, max(depth - 1, 1), budget)):
        return text + " There are depth - 1 hidden-to-hidden layers of (w + 1) w parameters each."
    return text + " Take the floor of the positive root of P(w) = budget (math.isqrt keeps it exact)."


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
                if got == sum(1 + (layer.bias is not None) for layer in net.linear_layers) else "")
        expect(got == want, f"count_params of an MLP with layer sizes {sizes}"
                            f"{' (first layer without bias)' if trial % 3 == 1 else ''} should be {want}; got {got!r}.{hint}")
    net = init_mlp([10, 20, 20, 3], seed=5)
    frozen = LibraryCall("shared.modules", "freeze", (net, [0]))
    want = 20 * 20 + 20 + 20 * 3 + 3
    got = f(frozen)
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
        x = np.random.default_rng(0).normal(size=(4, in_f))
        out = as_array(student(net.handle, call)(TensorArg(x, "float32")), f"{call}(x)")
        expect(out.shape == (4, out_f), f"{call} applied to a (4, {in_f}) batch should give (4, {out_f}); got {out.shape}.")
        expect(np.allclose(out, forward(net, f32(x)), atol=1e-4, rtol=1e-4),
               f"{call}(x) does not equal its layers applied in order; use nn.Sequential of the layers.")


# -- mimic_q3: width_for_budget ------------------------------------------------------------------
def width_exact(width_for_budget) -> None:
    """Check width_for_budget against the largest width found by an exact integer search, for 30
    shapes (in, out, depth) and budgets at P(1), at P(w) - 1, P(w), P(w) + 1 (the boundaries) and
    random, up to 10^13 parameters."""
    f = student(width_for_budget, "width_for_budget")
    rng = np.random.default_rng(5)
    for in_f, out_f in ((1, 2), (1, 1), (3, 10), (64, 10), (784, 10), (2, 1)):
        for depth in (1, 2, 3, 5, 8):
            budgets = [params_of(in_f, out_f, depth, 1)]
            for w in (int(rng.integers(2, 300)), int(rng.integers(10_000, 1_000_000))):
                budgets += [params_of(in_f, out_f, depth, w) + k for k in (-1, 0, 1)]
            budgets.append(int(rng.integers(budgets[0], 10 ** 6)))
            for budget in budgets:
                want = largest_width(in_f, out_f, depth, budget)
                got = f(in_f, out_f, depth, budget)
                if got == want:
                    continue
                raise CheckFailed(width_hint(in_f, out_f, depth, budget, got))


# -- mimic_q4: train_on_labels -------------------------------------------------------------------
def _graded_data(seed: int) -> tuple:
    x_train, x_test = split(seed)
    return x_train, x_test, data_arg(x_train, x_test)


def _expect_first_loss(got: float, want: float, what: str, alternatives: dict, advice: str) -> None:
    if abs(got - want) <= LOSS_RTOL * abs(want):
        return
    for name, value in alternatives.items():
        if abs(got - value) <= LOSS_RTOL * abs(value):
            raise CheckFailed(f"{what}['loss'][0] = {got:.6g} is {name}, not the loss asked for ({want:.6g}). {advice}")
    raise CheckFailed(f"{what}['loss'][0] should be the loss of the untouched initial model, {want:.6g}; got "
                      f"{got:.6g}. {advice} Record loss.item() of the loss you step on, before the step.")


def labels_loss_is_cross_entropy(train_on_labels) -> None:
    """Check that the first recorded loss of train_on_labels is the cross-entropy of the initial
    weights on the 128 training points, mean over the batch (5 epochs of a width-32 net)."""
    x_train, _, data = _graded_data(GRADED_SEEDS[0])
    init = init_mlp([1, 32, 2], seed=7)
    what = "train_on_labels(model, data, epochs=5, lr=0.01, seed=0)"
    result = student(train_on_labels, "train_on_labels")(init, data, 5, LR, 0)
    expect_history(result, 5, what)
    logits, y = forward(init, x_train), labels(x_train)
    ce = -log_softmax(logits)[np.arange(len(y)), y]
    onehot = np.eye(2)[y]
    _expect_first_loss(float(result["loss"][0]), float(ce.mean()), what, {
        "the mean squared error against one-hot labels": float(np.mean((logits - onehot) ** 2)),
        "the cross-entropy summed (not averaged) over the batch": float(ce.sum()),
        "the negative log-likelihood of the raw logits (without log_softmax)":
            float(-logits[np.arange(len(y)), y].mean()),
    }, "Train with the cross-entropy of the logits and the labels, averaged over the batch "
       "(F.cross_entropy(model(x_train), y_train)).")


def labels_learns(train_on_labels) -> None:
    """Check that the width-256 student trained on the labels (2000 full-batch epochs, lr 0.01)
    reaches LABELS_MIN_ACC held-out accuracy, that its loss fell, and that its reported final test
    accuracy is the accuracy of the returned weights."""
    x_train, x_test, data = _graded_data(GRADED_SEEDS[0])
    init = init_mlp([1, WIDTH, 2], seed=GRADED_SEEDS[0])
    what = f"train_on_labels(mlp(1, [{WIDTH}], 2), data, epochs={EPOCHS}, lr={LR}, seed={GRADED_SEEDS[0]})"
    result = student(train_on_labels, "train_on_labels")(init, data, EPOCHS, LR, GRADED_SEEDS[0])
    net = expect_history(result, EPOCHS, what)
    expect([tuple(l.weight.shape) for l in net.linear_layers] == [(WIDTH, 1), (2, WIDTH)],
           f"{what}['model'] should be the model it was given (Linear(1, {WIDTH}), ReLU, Linear({WIDTH}, 2)), trained.")
    acc = accuracy(net, held_out())
    loss = result["loss"]
    expect(acc >= LABELS_MIN_ACC and loss[-1] < loss[0],
           f"{what} reached {acc:.3f} accuracy on held-out inputs (loss {loss[0]:.4g} -> {loss[-1]:.4g}); a "
           f"correct full-batch Adam run with cosine decay reaches at least {LABELS_MIN_ACC} here. Check: "
           "optimizer.zero_grad() before each backward (gradients accumulate otherwise), the lr and the "
           "number of epochs you were given, and scheduler.step() once per epoch.")
    reported, actual = float(result["test_acc"][-1]), accuracy(net, x_test)
    expect(abs(reported - actual) <= REPORT_ATOL,
           f"{what}['test_acc'][-1] = {reported:.4f}, but the returned weights classify {actual:.4f} of "
           "data['x_test'] correctly. Report the accuracy on the test split after the last epoch.")


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
                      "from the training points around it. (This teacher's probabilities stay between 0.27 "
                      "and 0.73, so matching them would happen to work here too; with confident teachers "
                      "and many classes it does not, which is why the paper regresses logits.)")
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


def mimic_first_loss(train_mimic) -> None:
    """Check that the first recorded loss of train_mimic is the mean squared error between the
    initial student's logits and the teacher's on the training inputs, and on training + extra
    inputs when extra_inputs is given (5 epochs of a width-32 net)."""
    x_train, _, data = _graded_data(GRADED_SEEDS[0])
    extra = f32(np.random.default_rng(8).uniform(-1.0, 1.0, (64, 1)))
    init = init_mlp([1, 32, 2], seed=7)
    f = student(train_mimic, "train_mimic")
    advice = ("train_mimic should regress the teacher's logits on the training inputs (and the extra inputs "
              "when given) with mimic_loss.")
    for extra_arg, inputs, label in ((None, x_train, ""), (TensorArg(extra, "float32"), np.vstack([x_train, extra]),
                                                            ", extra_inputs=<64 inputs>")):
        what = f"train_mimic(student, teacher, data, epochs=5, lr=0.01, seed=0{label})"
        kwargs = {} if extra_arg is None else {"extra_inputs": extra_arg}
        result = f(init, teacher_spec(), data, 5, LR, 0, **kwargs)
        expect_history(result, 5, what)
        s, t = forward(init, inputs), teacher_logits(inputs)
        s_train, t_train = forward(init, x_train), teacher_logits(x_train)
        p = _softmax(t)
        alternatives = {
            "the cross-entropy with the teacher's argmax labels, which are the true labels here: label "
            "training, not mimicry": float(-log_softmax(s)[np.arange(len(s)), np.argmax(t, axis=1)].mean()),
            "the KL divergence between softmax outputs": float(np.mean(np.sum(p * (np.log(p) - log_softmax(s)), 1))),
        }
        if extra_arg is not None:
            alternatives["the mean squared error on the training inputs only: the extra inputs were ignored"] = \
                float(np.mean((s_train - t_train) ** 2))
        _expect_first_loss(float(result["loss"][0]), float(np.mean((s - t) ** 2)), what, alternatives, advice)


def _mimic_vs_labels(train_on_labels, train_mimic, seed: int) -> dict:
    """One run of the experiment: both students from the same grader-drawn width-256 init, trained
    with the student's functions; held-out accuracies by the grader."""
    _, _, data = _graded_data(seed)
    init = init_mlp([1, WIDTH, 2], seed=seed)
    x = held_out()
    mimic = student(train_mimic, "train_mimic")(init, teacher_spec(), data, EPOCHS, LR, seed)
    mimic_net = expect_history(mimic, EPOCHS, "train_mimic")
    direct = student(train_on_labels, "train_on_labels")(init, data, EPOCHS, LR, seed)
    direct_net = expect_history(direct, EPOCHS, "train_on_labels")
    return {"mimic": accuracy(mimic_net, x), "labels": accuracy(direct_net, x),
            "params": (count_parameters(mimic_net), count_parameters(direct_net), count_parameters(init))}


def mimic_beats_labels(train_on_labels, train_mimic) -> None:
    """Check the experiment on the graded seeds: the mimic student reaches MIMIC_MIN_ACC held-out
    accuracy and beats the label-trained student of identical architecture and initialisation by
    MARGIN on each seed, with equal parameter counts."""
    for seed in GRADED_SEEDS:
        r = _mimic_vs_labels(train_on_labels, train_mimic, seed)
        setting = (f"(seed {seed}: width-{WIDTH} students from the same initial weights, {EPOCHS} epochs, lr {LR}, "
                   f"128 labelled points)")
        expect(len(set(r["params"])) == 1,
               f"The compared students should keep the architecture they were given ({r['params'][2]} parameters); "
               f"train_mimic returned {r['params'][0]} and train_on_labels {r['params'][1]} {setting}.")
        expect(r["mimic"] >= MIMIC_MIN_ACC,
               f"The mimic student reached {r['mimic']:.4f} held-out accuracy {setting}; regressing the exact "
               f"teacher's logits reaches at least {MIMIC_MIN_ACC}. Check that train_mimic regresses "
               "teacher(x) (computed without gradient) with mimic_loss, zeroes the gradients before each "
               "backward, and decays the learning rate with the cosine schedule to 0.")
        expect(r["mimic"] - r["labels"] >= MARGIN,
               f"The mimic student ({r['mimic']:.4f}) should beat the student trained on the labels "
               f"({r['labels']:.4f}) by at least {100 * MARGIN:.1f} accuracy points {setting}. The labels only "
               "say on which side of a boundary each training point lies; the logits also say how far.")


def mimic_uses_extra_inputs(train_mimic) -> None:
    """Check that extra_inputs are labelled by the teacher and trained on: with 64 labelled points
    in [-1, 0] and 128 extra inputs in [0, 1], the mimic student is accurate on held-out [0, 1]."""
    rng = np.random.default_rng(4)
    x_train = f32(rng.uniform(-1.0, 0.0, (64, 1)))
    extra = f32(rng.uniform(0.0, 1.0, (128, 1)))
    x_test = f32(rng.uniform(-1.0, 1.0, (512, 1)))
    init = init_mlp([1, WIDTH, 2], seed=4)
    result = student(train_mimic, "train_mimic")(init, teacher_spec(), data_arg(x_train, x_test), EPOCHS, LR, 4,
                                                 extra_inputs=TensorArg(extra, "float32"))
    net = expect_history(result, EPOCHS, "train_mimic(..., extra_inputs=...)")
    acc = accuracy(net, held_out(0.0, 1.0))
    expect(acc >= EXTRA_MIN_ACC,
           f"With labelled points only in [-1, 0] and 128 extra inputs in [0, 1], the mimic student should "
           f"learn [0, 1] from the teacher's logits on the extra inputs (>= {EXTRA_MIN_ACC} there); it reached "
           f"{acc:.3f}. Concatenate the extra inputs to x_train and regress the teacher's logits on all of them.")


# -- mimic_q6: depth_sweep -----------------------------------------------------------------------
def depth_sweep_equal_budget(depth_sweep, width_for_budget, count_params) -> None:
    """Check depth_sweep(700, [1, 2, 4], data, 0): each model has the asked depth, every hidden
    layer of the width width_for_budget(1, 2, depth, 700), its parameter count is what count_params
    says (the student's own functions: see DEPTH_BUDGET), and the reported test accuracies are
    those of the returned weights.

    How well the models learned is not graded here: that is train_on_labels' job (mimic_q4), and a
    floor on accuracy would make one mistake in train_on_labels cost this question too."""
    _, x_test, data = _graded_data(GRADED_SEEDS[1])
    call = f"depth_sweep({DEPTH_BUDGET}, {DEPTH_DEPTHS}, data, seed=0)"
    got = student(depth_sweep, "depth_sweep")(DEPTH_BUDGET, DEPTH_DEPTHS, data, 0)
    keys = ("depths", "widths", "params", "test_acc", "models")
    expect(isinstance(got, dict) and all(isinstance(got.get(k), list) and len(got[k]) == len(DEPTH_DEPTHS)
                                         for k in keys),
           f"{call} should return a dict of the lists {keys}, one entry per depth; got {got!r:.200}")
    expect(got["depths"] == DEPTH_DEPTHS, f"{call}['depths'] should be {DEPTH_DEPTHS}; got {got['depths']}.")
    fw = student(width_for_budget, "width_for_budget")
    for i, depth in enumerate(DEPTH_DEPTHS):
        net = as_net(got["models"][i], f"{call}['models'][{i}]")
        widths = hidden_widths(net)
        expect(len(widths) == depth, f"{call}['models'][{i}] should have {depth} hidden layers; it has "
                                     f"{len(widths)} (build mlp(1, [w] * depth, 2)).")
        lin = net.linear_layers
        expect(lin[0].weight.shape[1] == 1 and lin[-1].weight.shape[0] == 2,
               f"{call}['models'][{i}] should map 1 input to 2 logits (num_classes).")
        want = fw(1, 2, depth, DEPTH_BUDGET)
        expect(widths == [want] * depth,
               f"At an equal budget the depth-{depth} model should have {depth} hidden layers of width "
               f"width_for_budget(1, 2, {depth}, {DEPTH_BUDGET}) = {want!r}; its widths are {widths}.")
        expect(got["widths"][i] == want, f"{call}['widths'][{i}] = {got['widths'][i]!r}, but the model's width is {want}.")
        n = student(count_params, "count_params")(net)
        expect(got["params"][i] == n, f"{call}['params'][{i}] = {got['params'][i]!r}, but count_params of the "
                                      f"model is {n!r}.")
        acc = accuracy(net, x_test)
        expect(abs(float(got["test_acc"][i]) - acc) <= REPORT_ATOL,
               f"{call}['test_acc'][{i}] = {got['test_acc'][i]!r}, but the returned depth-{depth} model classifies "
               f"{acc:.4f} of data['x_test'] correctly: report the test accuracy of the trained model.")
