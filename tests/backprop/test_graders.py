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

import pytest

from tests.support import REPO, failures, namespace_from, scores, solution_sources

pytestmark = pytest.mark.backprop

ASSIGNMENT = "backprop"
POINTS = {"backprop_q1": 2, "backprop_q2": 2, "backprop_q3": 3, "backprop_q4": 2, "backprop_q5": 2,
          "backprop_q6": 2}


# -- plausible mistakes: (question, words expected in the message, cell edits) -------------------
# Each edit is (old, new): `old` must occur exactly once in exactly one solution cell.
MISTAKES = [
    # q1: bumps
    ("backprop_q1", "adds the two sigmoids", "bump_sum",
     [("expit(k * (x - a)) - expit(k * (x - b))", "expit(k * (x - a)) + expit(k * (x - b))")]),
    ("backprop_q1", "ignores k", "bump_without_k",
     [("expit(k * (x - a)) - expit(k * (x - b))", "expit(x - a) - expit(x - b)")]),
    ("backprop_q1", "NaN", "bump_nan_at_open_edges",
     [("    return expit(k * (x - a)) - expit(k * (x - b))",
       "    s = lambda z: np.exp(z) / (1 + np.exp(z))\n    return s(k * (x - a)) - s(k * (x - b))")]),
    ("backprop_q1", "open the first bump", "closed_outer_edges",
     [("    edges[0], edges[-1] = -np.inf, np.inf\n", "")]),
    ("backprop_q1", "left edge", "heights_at_left_edges",
     [("f(lo + step * (np.arange(n_bumps) + 0.5))", "f(lo + step * np.arange(n_bumps))")]),
    ("backprop_q1", "n_bumps bumps", "one_bump_short",
     [("    step = (hi - lo) / n_bumps\n", "    n_bumps = max(n_bumps - 1, 1)\n    step = (hi - lo) / n_bumps\n")]),
    ("backprop_q1", "the given k", "fixed_steepness",
     [("sigmoid_bump(x, edges[i], edges[i + 1], k)", "sigmoid_bump(x, edges[i], edges[i + 1], 50.0)")]),
    # q2: J by hand
    ("backprop_q2", "u2 = 3t", "u2_from_x", [("    u2 = 3.0 * t\n", "    u2 = 3.0 * x\n")]),
    ("backprop_q2", "the sign is missing", "cos_derivative_sign", [("dJ_du = -math.sin(u)", "dJ_du = math.sin(u)")]),
    ("backprop_q2", "belongs to dJ/dt", "local_factor_on_wrong_node",
     [("dJ_du1 = dJ_du * 1.0 ", "dJ_du1 = dJ_du * math.cos(t)"),
      ("dJ_dt += dJ_du1 * math.cos(t)", "dJ_dt += dJ_du1")]),
    ("backprop_q2", "SUM of both contributions", "assign_instead_of_accumulate",
     [("dJ_dt += dJ_du2 * 3.0", "dJ_dt = dJ_du2 * 3.0")]),
    ("backprop_q2", "dt/dx = 2x", "chain_without_2", [("dJ_dx = dJ_dt * 2.0 * x", "dJ_dx = dJ_dt * x")]),
    # q3: Value
    ("backprop_q3", "accumulate with +=", "assign_in_local_rules",
     [("            self.grad += out.grad\n            other.grad += out.grad",
       "            self.grad = out.grad\n            other.grad = out.grad"),
      ("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
       "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad")]),
    ("backprop_q3", "reverse topological order", "backward_without_topological_sort",
     [("        order, seen = [], set()\n", "        self.grad = 1.0\n\n        def spread(node):\n"
       "            node._backward()\n            for parent in node._parents:\n                spread(parent)\n"
       "        spread(self)\n        return\n        order, seen = [], set()\n")]),
    ("backprop_q3", "reverse topological order", "backward_in_forward_order",
     [("for node in reversed(order):", "for node in order:")]),
    ("backprop_q3", "reverse topological order", "backward_breadth_first",
     [("        order, seen = [], set()\n", "        self.grad = 1.0\n        queue, seen = [self], {id(self)}\n"
       "        while queue:\n            node = queue.pop(0)\n            node._backward()\n"
       "            for parent in node._parents:\n                if id(parent) not in seen:\n"
       "                    seen.add(id(parent))\n                    queue.append(parent)\n"
       "        return\n        order, seen = [], set()\n")]),
    ("backprop_q3", "grad = 1", "backward_without_seed", [("        self.grad = 1.0\n        for node", "        for node")]),
    ("backprop_q3", "1 - tanh(a)^2", "tanh_rule", [("(1.0 - out.data ** 2) * out.grad", "(1.0 - out.data) * out.grad")]),
    ("backprop_q3", "sigmoid(a) (1 - sigmoid(a))", "sigmoid_rule", [("s * (1.0 - s) * out.grad", "s * out.grad")]),
    ("backprop_q3", "p a^(p-1)", "pow_rule", [("p * self.data ** (p - 1.0) * out.grad", "p * self.data ** p * out.grad")]),
    ("backprop_q3", "the value of v1", "rsub_reversed", [("return Value.lift(other) + (-self)", "return self - other")]),
    ("backprop_q3", "d cos(a)/da = -sin(a)", "cos_rule_sign",
     [("self.grad -= math.sin(self.data) * out.grad", "self.grad += math.sin(self.data) * out.grad")]),
    # q4: gradient norms
    ("backprop_q4", "next to the input first", "norms_output_first",
     [("for layer in net if isinstance(layer, nn.Linear)]", "for layer in net if isinstance(layer, nn.Linear)][::-1]")]),
    ("backprop_q4", "kaiming_normal_", "he_ignored", [('        if init == "he":', '        if init == "He":')]),
    ("backprop_q4", "Sigmoid net", "activation_ignored",
     [('make_activation = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[activation]', "make_activation = nn.ReLU")]),
    ("backprop_q4", "std sqrt(2/fan_in)", "he_std_instead_of_variance",
     [('nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")',
       "nn.init.normal_(linear.weight, std=2.0 / width)")]),
    ("backprop_q4", "std sqrt(2/fan_in)", "xavier_for_he",
     [('nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")', "nn.init.xavier_normal_(linear.weight)")]),
    ("backprop_q4", "default init", "he_for_default",
     [('        if init == "he":', '        if True:')]),
    # q5: pretraining
    ("backprop_q5", "Freeze the earlier", "stack_retrained_end_to_end",
     [("        layers += list(encoder)\n",
       "        layers += list(encoder)\n        if stage > 0:   # refresh the whole stack on the data\n"
       "            stack, head = nn.Sequential(*layers), nn.Linear(width, data.shape[1])\n"
       "            opt = torch.optim.Adam([*stack.parameters(), *head.parameters()], lr=1e-2)\n"
       "            for _ in range(epochs):\n                loss = ((head(stack(data)) - data) ** 2).mean()\n"
       "                opt.zero_grad(); loss.backward(); opt.step()\n")]),
    ("backprop_q5", "weights of shapes", "codes_never_updated",
     [("        with torch.no_grad():   # fixed codes: the earlier layers stay frozen\n            codes = encoder(codes)\n",
       "")]),
    ("backprop_q5", "ALL the codes", "loss_of_last_minibatch",
     [("        losses.append(full_loss())", "        losses.append(float(loss))")]),
    ("backprop_q5", "lower its own reconstruction loss", "optimizer_never_steps",
     [("            optimizer.step()\n        losses", "        losses")]),
    ("backprop_q5", "Train encoder AND decoder", "decoder_trained_alone",
     [("torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-2)",
       "torch.optim.Adam(decoder.parameters(), lr=1e-2)")]),
    ("backprop_q5", "stage 0 uses", "one_seed_for_the_whole_stack",
     [("encoder, _, _ = train_autoencoder_layer(codes, width, epochs, seed + stage)",
       "encoder, _, _ = train_autoencoder_layer(codes, width, epochs, seed + 1)")]),
    # q6: fine-tuning
    ("backprop_q6", "first 100", "all_labels_used", [('x, y = data["X_train"][:n_labels], data["y_train"][:n_labels]',
                                                        'x, y = data["X_train"], data["y_train"]\n    n_labels = len(y)')]),
    ("backprop_q6", "only the new head", "freeze_flag_ignored",
     [("trained = model.parameters() if train_encoder else model[-1].parameters()", "trained = model.parameters()")]),
    ("backprop_q6", "reports test accuracy", "training_accuracy_reported",
     [('(model(data["X_test"]).argmax(dim=1) == data["y_test"])', "(model(x).argmax(dim=1) == y)")]),
    ("backprop_q6", "should reach", "head_never_trained",
     [("trained = model.parameters() if train_encoder else model[-1].parameters()",
       "trained = model[:-1].parameters() if train_encoder else model[-1].parameters()")]),
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
    message naming the theory."""
    sources, names = mutated_sources(edits)
    touched = [q for q in suite.questions if any(set(case.params) & names for case in q.cases)]
    assert [q.name for q in touched] == [question]
    wrong = namespace_from(sources, REPO / "solutions" / ASSIGNMENT)
    from autograder.grading.suite import Suite

    graded = Suite(suite.assignment, suite.notebook, touched, suite.limits)
    assert scores(graded, wrong) == {question: 0.0}
    message = failures(graded, wrong)[question]
    assert words in message, message


# -- rungs that no listed mistake reaches (an earlier rung catches them first): both sides, directly
def test_error_rate_rung_both_sides(reference):
    """Check that cybenko_error_falls passes the reference and fails an approximation that stops
    improving (it silently caps n_bumps at 16), with the claim in the message."""
    from autograder.assignments.backprop.hidden import cybenko_error_falls
    from autograder.checking import CheckFailed

    cybenko_error_falls(reference["cybenko_approx"])
    capped = lambda f, lo, hi, n, k: reference["cybenko_approx"](f, lo, hi, min(n, 16), k * min(n, 16) / n)
    with pytest.raises(CheckFailed, match="should fall each time n_bumps doubles"):
        cybenko_error_falls(capped)


def test_probe_rung_both_sides(reference):
    """Check that pretrained_codes_help passes the reference and fails an encoder of the right shape
    that was never trained (PyTorch's default init), with the probe accuracies in the message."""
    import torch
    from torch import nn

    from autograder.assignments.backprop.hidden import pretrained_codes_help
    from autograder.checking import CheckFailed

    pretrained_codes_help(reference["greedy_pretrain"])

    def untrained(data, widths, epochs, seed):
        torch.manual_seed(seed)
        layers, dim = [], data.shape[1]
        for width in widths:
            layers += [nn.Linear(dim, width), nn.Sigmoid()]
            dim = width
        return nn.Sequential(*layers)
    with pytest.raises(CheckFailed, match="pretraining should help"):
        pretrained_codes_help(untrained)
