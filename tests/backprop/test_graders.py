r"""The backprop graders, in process: the reference scores full marks, the stub scores zero, and
each plausible mistake loses exactly the points of its own question, with a message that teaches.
(Whole notebooks through the sandbox: test_end_to_end.py; oracles against torch: test_oracles.py.)

A mistake is the master notebook with ONE edit in ONE solution cell (old text -> new text), the
whole notebook re-executed, as a student's notebook would be. Only the questions whose test cells
take a name defined in the edited cell are graded again: the other questions receive the very same
code as the reference, whose full marks test_reference_scores_full_marks establishes.
"""
from __future__ import annotations

import ast
from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy.special import expit

from tests.backprop.alternatives import ALTERNATIVES, MAKERS
from tests.support import REPO, failures, namespace_from, scores, solution_sources

pytestmark = pytest.mark.backprop

ASSIGNMENT = "backprop"
POINTS = {"backprop_q1": 2, "backprop_q3": 2, "backprop_q4": 3, "backprop_q5": 2, "backprop_q6": 1,
          "backprop_q7": 1, "backprop_q8": 2}


# -- plausible mistakes: (question, words expected in the message, label, cell edits) -------------
# Each edit is (old, new): `old` must occur exactly once in exactly one solution cell.
MISTAKES = [
    # q1: bumps (the public property check catches the first four)
    ("backprop_q1", "two sigmoids added", "bump_sum",
     [("expit(k * (x - a)) - expit(k * (x - b))", "expit(k * (x - a)) + expit(k * (x - b))")]),
    ("backprop_q1", "multiply the distance", "bump_without_k",
     [("expit(k * (x - a)) - expit(k * (x - b))", "expit(x - a) - expit(x - b)")]),
    ("backprop_q1", "NaN", "bump_nan_at_open_edges",
     [("    return expit(k * (x - a)) - expit(k * (x - b))",
       "    s = lambda z: np.exp(z) / (1 + np.exp(z))\n    return s(k * (x - a)) - s(k * (x - b))")]),
    ("backprop_q1", "sum to 1", "closed_outer_edges",
     [("    edges[0], edges[-1] = -np.inf, np.inf\n", "")]),
    ("backprop_q1", "left edge", "heights_at_left_edges",
     [("f(lo + step * (np.arange(n_bumps) + 0.5))", "f(lo + step * np.arange(n_bumps))")]),
    ("backprop_q1", "right edge", "heights_at_right_edges",
     [("f(lo + step * (np.arange(n_bumps) + 0.5))", "f(lo + step * (np.arange(n_bumps) + 1.0))")]),
    ("backprop_q1", "n_bumps bumps", "one_bump_short",
     [("    step = (hi - lo) / n_bumps\n", "    n_bumps = max(n_bumps - 1, 1)\n    step = (hi - lo) / n_bumps\n")]),
    ("backprop_q1", "the given k", "fixed_steepness",
     [("sigmoid_bump(x, edges[i], edges[i + 1], k)", "sigmoid_bump(x, edges[i], edges[i + 1], 50.0)")]),
    ("backprop_q1", "rescaled with n", "k_rescaled_with_n",
     [("sigmoid_bump(x, edges[i], edges[i + 1], k)", "sigmoid_bump(x, edges[i], edges[i + 1], k * n_bumps)")]),
    # q3: J by hand (the public slope check catches the adjoint slips that change dJ/dx)
    ("backprop_q3", "your own J", "u2_from_x", [("    u2 = a * t\n", "    u2 = a * x\n")]),
    ("backprop_q3", "your own J", "cos_derivative_sign", [("dJ_du = -math.sin(u)", "dJ_du = math.sin(u)")]),
    ("backprop_q3", "belongs to dJ/dt", "local_factor_on_wrong_node",
     [("dJ_du1 = dJ_du * 1.0 ", "dJ_du1 = dJ_du * math.cos(t)"),
      ("dJ_dt += dJ_du1 * math.cos(t)", "dJ_dt += dJ_du1")]),
    ("backprop_q3", "every path", "assign_instead_of_accumulate",
     [("dJ_dt += dJ_du2 * a ", "dJ_dt = dJ_du2 * a ")]),
    ("backprop_q3", "every path", "skip_edge_forgotten", [("    dJ_dt += 1.0 * b                # edge t -> J: a third\n", "")]),
    ("backprop_q3", "your own J", "chain_without_2", [("dJ_dx = dJ_dt * 2.0 * x", "dJ_dx = dJ_dt * x")]),
    ("backprop_q3", "Forward pass", "u_reported_as_u1",
     [('"u2": u2, "u": u, "J": J', '"u2": u2, "u": u1, "J": J')]),
    # q4: Value (the public slope check catches = for +=, a missing seed and a wrong order)
    ("backprop_q4", "(+=)", "assign_in_local_rules",
     [("            self.grad += out.grad\n            other.grad += out.grad",
       "            self.grad = out.grad\n            other.grad = out.grad"),
      ("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
       "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad")]),
    ("backprop_q4", "after every node that uses it", "backward_without_topological_sort",
     [("        order, seen = [], set()\n", "        self.grad = 1.0\n\n        def spread(node):\n"
       "            node._backward()\n            for parent in node._parents:\n                spread(parent)\n"
       "        spread(self)\n        return\n        order, seen = [], set()\n")]),
    ("backprop_q4", "after every node that uses it", "backward_in_forward_order",
     [("for node in reversed(order):", "for node in order:")]),
    ("backprop_q4", "reverse topological order", "backward_breadth_first",
     [("        order, seen = [], set()\n", "        self.grad = 1.0\n        queue, seen = [self], {id(self)}\n"
       "        while queue:\n            node = queue.pop(0)\n            node._backward()\n"
       "            for parent in node._parents:\n                if id(parent) not in seen:\n"
       "                    seen.add(id(parent))\n                    queue.append(parent)\n"
       "        return\n        order, seen = [], set()\n")]),
    ("backprop_q4", "grad = 1", "backward_without_seed", [("        self.grad = 1.0\n        for node", "        for node")]),
    ("backprop_q4", "1 - tanh(a)^2", "tanh_rule", [("(1.0 - out.data ** 2) * out.grad", "(1.0 - out.data) * out.grad")]),
    ("backprop_q4", "sigmoid(a) (1 - sigmoid(a))", "sigmoid_rule", [("s * (1.0 - s) * out.grad", "s * out.grad")]),
    ("backprop_q4", "p a^(p-1)", "pow_rule", [("p * self.data ** (p - 1.0) * out.grad", "p * self.data ** p * out.grad")]),
    ("backprop_q4", "the value of v1", "rsub_reversed", [("return Value.lift(other) + (-self)", "return self - other")]),
    ("backprop_q4", "d cos(a)/da = -sin(a)", "cos_rule_sign",
     [("self.grad -= math.sin(self.data) * out.grad", "self.grad += math.sin(self.data) * out.grad")]),
    ("backprop_q4", "derivative at 0 as 0", "relu_derivative_one_at_zero",
     [("(1.0 if self.data > 0 else 0.0) * out.grad", "(1.0 if self.data >= 0 else 0.0) * out.grad")]),
    ("backprop_q4", "must not overflow", "sigmoid_one_formula_overflows",
     [("s = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))",
       "s = 1.0 / (1.0 + math.exp(-z))")]),
    ("backprop_q4", "must not overflow", "sigmoid_stable_branches_swapped",
     [("if z >= 0 else math.exp(z)", "if z < 0 else math.exp(z)")]),
    # q5: gradient norms
    ("backprop_q5", "right order", "norms_output_first",
     [("for layer in net if isinstance(layer, nn.Linear)]", "for layer in net if isinstance(layer, nn.Linear)][::-1]")]),
    ("backprop_q5", "kaiming_normal_", "he_ignored", [('        if init == "he":', '        if init == "He":')]),
    ("backprop_q5", "kaiming_normal_", "init_compared_by_identity", [('        if init == "he":', '        if init is "he":')]),
    ("backprop_q5", "Sigmoid net", "activation_ignored",
     [('make_activation = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[activation]', "make_activation = nn.ReLU")]),
    ("backprop_q5", "std sqrt(2/fan_in)", "he_std_instead_of_variance",
     [('nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")',
       "nn.init.normal_(linear.weight, std=2.0 / width)")]),
    ("backprop_q5", "std sqrt(2/fan_in)", "xavier_for_he",
     [('nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")', "nn.init.xavier_normal_(linear.weight)")]),
    ("backprop_q5", "default init", "he_for_default",
     [('        if init == "he":', '        if True:')]),
    ("backprop_q5", "none after the last", "activation_after_the_last_layer",
     [("        if index < depth - 1:\n", "        if True:\n")]),
    ("backprop_q5", "a sum instead of the mean", "loss_summed",
     [("((net(inputs) - targets) ** 2).mean()", "((net(inputs) - targets) ** 2).sum()")]),
    ("backprop_q5", "((net(x) - y) ** 2).mean()", "absolute_error_loss",
     [("((net(inputs) - targets) ** 2).mean()", "(net(inputs) - targets).abs().mean()")]),
    # q6: one autoencoder stage
    ("backprop_q6", "ALL the codes", "loss_of_last_minibatch",
     [("        losses.append(full_loss())", "        losses.append(float(loss))")]),
    ("backprop_q6", "ALL the codes", "loss_summed",
     [("return float(((decoder(encoder(codes)) - codes) ** 2).mean())",
       "return float(((decoder(encoder(codes)) - codes) ** 2).sum())")]),
    ("backprop_q6", "lower its own reconstruction loss", "optimizer_never_steps",
     [("            optimizer.step()\n        losses", "        losses")]),
    ("backprop_q6", "Train encoder AND decoder", "decoder_trained_alone",
     [("torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-2)",
       "torch.optim.Adam(decoder.parameters(), lr=1e-2)")]),
    ("backprop_q6", "Train encoder AND decoder", "plain_sgd",
     [("torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-2)",
       "torch.optim.SGD([*encoder.parameters(), *decoder.parameters()], lr=1e-2)")]),
    ("backprop_q6", "every example once", "last_partial_minibatch_dropped",
     [("for start in range(0, n, 64):", "for start in range(0, n - 63, 64):")]),
    ("backprop_q6", "no empty minibatch", "empty_minibatch_stepped",
     [("for start in range(0, n, 64):", "for start in range(0, n + 64, 64):")]),
    # q7: the stack
    ("backprop_q7", "never change earlier layers", "stack_retrained_end_to_end",
     [("        layers += list(encoder)\n",
       "        layers += list(encoder)\n        if stage > 0:   # refresh the whole stack on the data\n"
       "            stack, head = nn.Sequential(*layers), nn.Linear(width, data.shape[1])\n"
       "            opt = torch.optim.Adam([*stack.parameters(), *head.parameters()], lr=1e-2)\n"
       "            for _ in range(epochs):\n                loss = ((head(stack(data)) - data) ** 2).mean()\n"
       "                opt.zero_grad(); loss.backward(); opt.step()\n")]),
    ("backprop_q7", "weights of shapes", "codes_never_updated",
     [("        with torch.no_grad():   # fixed codes: the earlier layers stay frozen\n            codes = encoder(codes)\n",
       "")]),
    ("backprop_q7", "seed + s", "one_seed_for_the_whole_stack",
     [("encoder, _, _ = train_autoencoder_layer(codes, width, epochs, seed + stage)",
       "encoder, _, _ = train_autoencoder_layer(codes, width, epochs, seed + 1)")]),
    ("backprop_q7", "uses the seed seed + s", "stage_seeds_counting_down",
     [("train_autoencoder_layer(codes, width, epochs, seed + stage)",
       "train_autoencoder_layer(codes, width, epochs, seed - stage)")]),
    ("backprop_q7", "(Linear, Sigmoid) x 2", "only_the_last_encoder",
     [("return nn.Sequential(*layers)  # every stage's encoder, in order", "return nn.Sequential(*encoder)")]),
    ("backprop_q7", "seed + s", "untrained_layers_returned",
     [("        layers += list(encoder)\n",
       "        layers += [nn.Linear(codes.shape[1], width), nn.Sigmoid()]\n")]),
    # q8: fine-tuning
    ("backprop_q8", "first 100", "all_labels_used", [('x, y = data["X_train"][:n_labels], data["y_train"][:n_labels]',
                                                        'x, y = data["X_train"], data["y_train"]\n    n_labels = len(y)')]),
    ("backprop_q8", "only the new head", "freeze_flag_ignored",
     [("trained = model.parameters() if train_encoder else model[-1].parameters()", "trained = model.parameters()")]),
    ("backprop_q8", "reports test accuracy", "training_accuracy_reported",
     [('(model(data["X_test"]).argmax(dim=1) == data["y_test"])', "(model(x).argmax(dim=1) == y)")]),
    ("backprop_q8", "should reach", "head_never_trained",
     [("trained = model.parameters() if train_encoder else model[-1].parameters()",
       "trained = model[:-1].parameters() if train_encoder else model[-1].parameters()")]),
    ("backprop_q8", "changed the encoder it was given", "trains_the_callers_encoder",
     [("    body = copy.deepcopy(encoder)\n", "    body = encoder\n")]),
    ("backprop_q8", "returned the encoder object", "head_appended_to_the_encoder",
     [("    model = nn.Sequential(*body, nn.Linear(width, 10))\n",
       "    model = encoder\n    model.append(nn.Linear(width, 10))\n")]),
    ("backprop_q8", "every example once", "last_partial_minibatch_dropped",
     [("for start in range(0, n_labels, 32):", "for start in range(0, n_labels - 31, 32):")]),
]


def mutated_sources(edits: list) -> tuple:
    """The solution sources with the edits applied (each once, all in one cell), and that cell's names."""
    sources = solution_sources(ASSIGNMENT)
    cells = {i for old, _ in edits for i, s in enumerate(sources) if old in s}
    assert len(cells) == 1, f"edits must hit exactly one cell, hit {cells}"
    index = cells.pop()
    text = sources[index]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    names = {node.name for node in ast.parse(text).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    return sources[:index] + [text] + sources[index + 1:], names


@pytest.mark.parametrize("question, words, label, edits", MISTAKES, ids=[f"{m[0]}-{m[2]}" for m in MISTAKES])
def test_mistake_loses_exactly_its_question(suite, question, words, label, edits):
    """Check that a plausible wrong answer loses its question's points, and only those, with a
    message naming the theory. Every question whose checks take a name the edit changed is graded:
    the others receive the very same code as the reference (full marks, test_graders_common). A
    question that calls the changed helper through the student's own function gets our reference
    helper instead (SUBSTITUTES), so it keeps its points."""
    sources, names = mutated_sources(edits)
    touched = [q for q in suite.questions if any(set(case.params) & names for case in q.cases)]
    assert question in [q.name for q in touched]
    wrong = namespace_from(sources, REPO / "solutions" / ASSIGNMENT)
    graded = replace(suite, questions=touched)
    assert scores(graded, wrong) == {q.name: (0.0 if q.name == question else q.points) for q in touched}
    message = failures(graded, wrong)[question]
    assert words in message, message


def test_every_question_has_five_mistakes():
    """Check that each graded question is tried with at least five plausible mistakes."""
    counts = {q: sum(1 for m in MISTAKES if m[0] == q) for q in POINTS}
    assert min(counts.values()) >= 5, counts


def test_points_match_the_master(suite):
    """Check that POINTS (used above) is what the master notebook gives each graded question."""
    assert {q.name: q.points for q in suite.questions} == POINTS


# -- independent correct implementations keep full marks -------------------------------------------
FAMILIES = [(name, i) for name in ALTERNATIVES for i in range(3)]


@pytest.mark.parametrize("name, index", FAMILIES, ids=[f"{n}-{ALTERNATIVES[n][i].__name__}" for n, i in FAMILIES])
def test_independent_implementation_keeps_full_marks(suite, reference, name, index):
    """Check that an independent correct implementation (another algorithm, formula, RNG order or
    library) of one graded function keeps full marks on every question that uses it."""
    alternative = ALTERNATIVES[name][index]
    namespace = dict(reference)
    namespace[name] = alternative(namespace) if name in MAKERS else alternative
    touched = [q for q in suite.questions if any(name in case.params for case in q.cases)]
    graded = replace(suite, questions=touched)
    assert failures(graded, namespace) == {}


# -- rungs that no listed mistake reaches (an earlier rung catches them first): both sides, directly
def _fails(check, *args, match: str) -> None:
    from autograder.checking import CheckFailed

    with pytest.raises(CheckFailed, match=match):
        check(*args)


def test_bump_rungs_both_sides(reference):
    """Check the hidden bump rungs on the reference and on mistakes the public rung catches first:
    the formula rung names an added sigmoid and an ignored k, the bound rung closed outer edges."""
    from autograder.assignments.backprop import hidden

    hidden.sigmoid_bump_formula(reference["sigmoid_bump"])
    hidden.cybenko_error_bound(reference["cybenko_approx"])
    _fails(hidden.sigmoid_bump_formula, lambda x, a, b, k: expit(k * (x - a)) + expit(k * (x - b)),
           match="adds the two sigmoids")
    _fails(hidden.sigmoid_bump_formula, lambda x, a, b, k: expit(x - a) - expit(x - b), match="ignores k")

    def closed(f, lo, hi, n, k):
        h = (hi - lo) / n
        heights = f(lo + h * (np.arange(n) + 0.5))
        return lambda x: sum(heights[i] * (expit(k * (x - lo - i * h)) - expit(k * (x - lo - (i + 1) * h)))
                             for i in range(n))
    _fails(hidden.cybenko_error_bound, closed, match="Your bumps sum to .* at x = lo")


def test_rate_rungs_both_sides(reference):
    """Check that the 1/n rung fails an approximation that stops improving (n_bumps silently capped at
    16) and the plateau rung one whose k grows with n_bumps, each with its claim in the message."""
    from autograder.assignments.backprop import hidden

    approx = reference["cybenko_approx"]
    hidden.cybenko_error_falls_like_1_over_n(approx)
    hidden.cybenko_error_plateaus(approx)
    capped = lambda f, lo, hi, n, k: approx(f, lo, hi, min(n, 16), k * min(n, 16) / n)
    _fails(hidden.cybenko_error_falls_like_1_over_n, capped, match="falls like 1/n_bumps")
    _fails(hidden.cybenko_error_plateaus, lambda f, lo, hi, n, k: approx(f, lo, hi, n, k * n / 64), match="plateau")


def test_adjoint_slip_messages(reference):
    """Check that adjoints_J names the usual slip when the public slope check is bypassed: one
    contribution to dJ/dt, the sign of cos', and dt/dx = x."""
    from autograder.assignments.backprop import hidden

    right = reference["forward_backward_J"]
    hidden.adjoints_J(right)

    def edited(change):
        def f(x, a=3.0, b=0.0):
            r = dict(right(x, a, b))
            change(r, x, a, b)
            return r
        return f

    def only_u2(r, x, a, b):
        r["dJ_dt"] = r["dJ_du2"] * a
    _fails(hidden.adjoints_J, edited(only_u2), match="SUM of one contribution per use")

    def sign(r, x, a, b):
        r["dJ_du"] = -r["dJ_du"]
    _fails(hidden.adjoints_J, edited(sign), match="sign is missing")

    def half(r, x, a, b):
        r["dJ_dx"] = r["dJ_dt"] * x
    _fails(hidden.adjoints_J, edited(half), match=r"dt/dx = 2x")


def test_finetune_freeze_rung_sees_the_callers_encoder(reference):
    """Check that finetune_freeze_flag, on the kept encoder object, passes the reference and fails a
    finetune that trains the caller's modules in place."""
    from torch import nn

    from autograder.assignments.backprop import hidden

    hidden.finetune_freeze_flag(reference["finetune"])
    ref = reference["finetune"]

    def in_place(encoder, data, n_labels, epochs, seed, train_encoder=True):
        model, _ = ref(encoder, data, n_labels, epochs, seed, train_encoder)
        with torch.no_grad():                     # copy the trained weights back into the caller's layers
            for mine, trained in zip([m for m in encoder if isinstance(m, nn.Linear)],
                                     [m for m in model if isinstance(m, nn.Linear)]):
                mine.weight.copy_(trained.weight)
        return model, _
    _fails(hidden.finetune_freeze_flag, in_place, match="changed the encoder it was given")


def test_probe_rung_both_sides(reference):
    """Check that pretrained_codes_help passes the reference and fails an encoder of the right shape
    that was never trained (PyTorch's default init), with the probe accuracies in the message."""
    from torch import nn

    from autograder.assignments.backprop.hidden import pretrained_codes_help

    pretrained_codes_help(reference["greedy_pretrain"])

    def untrained(data, widths, epochs, seed):
        torch.manual_seed(seed)
        layers, dim = [], data.shape[1]
        for width in widths:
            layers += [nn.Linear(dim, width), nn.Sigmoid()]
            dim = width
        return nn.Sequential(*layers)
    _fails(pretrained_codes_help, untrained, match="pretraining should help")


def test_wrong_helper_costs_only_its_question(suite, reference):
    """Check that a wrong train_autoencoder_layer costs question 6 only: question 7's greedy_pretrain
    calls it by name, and while question 7 is graded the reference helper is substituted."""
    namespace = dict(reference)
    right = reference["train_autoencoder_layer"]

    def lazy(codes, width, epochs, seed):          # trains for no epoch at all
        return right(codes, width, 0, seed)[:2] + ([right(codes, width, 0, seed)[2][0]] * (epochs + 1),)
    namespace["train_autoencoder_layer"] = lazy
    touched = [q for q in suite.questions if q.name in ("backprop_q6", "backprop_q7")]
    graded = replace(suite, questions=touched)
    assert scores(graded, namespace) == {"backprop_q6": 0.0, "backprop_q7": 1.0}
