r"""The init graders, in process: independent correct implementations keep full marks, and each
plausible mistake loses exactly the points of its own question, with a message that names the theory
(both lists: variants.py). The reference and the stub: tests/test_graders_common.py; calibration of
the statistical checks: test_statistics.py.

A check receives only the notebook names in its signature, so a replacement of some names can only
change the questions whose checks take one of them: each test asserts that this is exactly its own
question and grades that question alone (grading all of them for each of ~80 variants would cost
minutes; the reference test grades them all).
"""
from __future__ import annotations

import dataclasses
import math

import pytest
from torch import nn

from autograder.assignments.init import hidden
from autograder.grading.suite import Suite
from tests.init.variants import ALTERNATIVES, MISTAKES, _mlp, _right_std
from tests.support import REPO, failures, namespace_from, scores, solution_sources, with_replacement


def only(suite: Suite, *questions: str) -> Suite:
    """The suite restricted to some questions (limits, experiments and substitutions kept)."""
    return dataclasses.replace(suite, questions=[q for q in suite.questions if q.name in questions])


def touched_questions(suite: Suite, names) -> set:
    return {q.name for q in suite.questions if any(set(c.params) & set(names) for c in q.cases)}


def _id(i, entry):
    question, words, factory = entry
    name = factory.__name__ if factory.__name__ != "<lambda>" else words[:24]
    return f"{question}-{i}-{name}"


@pytest.mark.parametrize("question, label, factory", ALTERNATIVES, ids=[_id(i, m) for i, m in enumerate(ALTERNATIVES)])
def test_alternative_keeps_full_marks(suite, reference, question, label, factory):
    """Check that an independent correct implementation passes every rung of its question."""
    replacements = factory(reference)
    assert touched_questions(suite, replacements) == {question}
    assert failures(only(suite, question), with_replacement(reference, **replacements)) == {}


@pytest.mark.parametrize("question, words, mistake", MISTAKES, ids=[_id(i, m) for i, m in enumerate(MISTAKES)])
def test_mistake_loses_exactly_its_question(suite, reference, question, words, mistake):
    """Check that a plausible wrong answer loses its question's points, and only those."""
    replacements = mistake(reference)
    assert touched_questions(suite, replacements) == {question}, "the replaced names are checked by other questions too"
    own = only(suite, question)
    wrong = with_replacement(reference, **replacements)
    assert scores(own, wrong) == {question: 0.0}
    message = failures(own, wrong)[question]
    assert words in message, message


# -- no double jeopardy: a wrong helper costs its own question only (SUBSTITUTES) -----------------
WRONG_HELPERS = [
    # (question of the helper, helper, wrong definition, a later function that calls it, or "" when the
    # reference's own functions do)
    ("init_q1", "leaky_relu_gain", "def leaky_relu_gain(negative_slope, positive_slope=1.0):\n"
                                   "    return math.sqrt(2.0 / (negative_slope + positive_slope))\n", ""),
    ("init_q3", "init_leaky_relu_", "def init_leaky_relu_(layer, negative_slope):\n"
                                    "    nn.init.normal_(layer.weight, 0.0, leaky_relu_gain(negative_slope) / layer.in_features)\n"
                                    "    nn.init.zeros_(layer.bias)\n"
                                    "    return layer\n", ""),
    ("init_q4", "deep_mlp", "_right_deep_mlp = deep_mlp\n"
                            "def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):\n"
                            "    return _right_deep_mlp(depth, width, negative_slope, None, in_features, out_features)\n", ""),
    ("init_q5", "layer_second_moments", "def layer_second_moments(net, x):\n"
                                        "    out = []\n"
                                        "    with torch.no_grad():\n"
                                        "        for module in net:\n"
                                        "            x = module(x)\n"
                                        "            if isinstance(module, nn.Linear):\n"
                                        "                out.append(float(x.abs().mean()))\n"
                                        "    return out\n", ""),
    ("init_q6", "critical_sigma_w2", "def critical_sigma_w2(negative_slope):\n    return 2.0 / (1.0 + negative_slope)\n",
     # a student's deep_mlp that takes the critical scale from critical_sigma_w2
     "_right_deep_mlp = deep_mlp\n"
     "def deep_mlp(depth, width, negative_slope, sigma_w2=None, in_features=64, out_features=10):\n"
     "    s2 = critical_sigma_w2(negative_slope) if sigma_w2 is None else sigma_w2\n"
     "    return _right_deep_mlp(depth, width, negative_slope, s2, in_features, out_features)\n"),
]


def _questions_using(suite: Suite, name: str) -> set:
    return {q for q, sub in suite.substitutes.items() if name in sub.names}


@pytest.mark.parametrize("question, name, source, user", WRONG_HELPERS, ids=[w[1] for w in WRONG_HELPERS])
def test_a_wrong_helper_costs_only_its_own_question(suite, question, name, source, user):
    """Check that a notebook whose helper ``name`` is wrong (defined after the right one, so that every
    later function calls the wrong one by its global name) loses exactly the helper's question among the
    questions whose functions may call it, and that without the substitution it would lose more."""
    sources = solution_sources("init")
    at = next(i for i, text in enumerate(sources) if f"def {name}(" in text)
    extra = [source] + ([user] if user else [])
    namespace = namespace_from(sources[:at + 1] + extra + sources[at + 1:], REPO / "solutions" / "init")
    users = _questions_using(suite, name)
    assert users, f"no question substitutes {name}"
    affected = only(suite, question, *users)
    assert {q for q, s in scores(affected, namespace).items() if s == 0} == {question}
    unprotected = dataclasses.replace(affected, substitutes={})
    lost = {q for q, s in scores(unprotected, namespace).items() if s == 0}
    assert question in lost and len(lost) > 1, lost


# -- early signal (issue 12): each question's public rung catches its most common mistake ---------
EARLY_SIGNAL = [
    ("init_q1", "2 is the variance factor"),                 # the square root missing
    ("init_q3", "square root missing on fan_in"),            # std = gain / fan_in
    ("init_q4", "square of the expected value"),             # sigma_w2 used as the standard deviation
    ("init_q5", "not the variance"),                         # the variance instead of the second moment
    ("init_q6", "sqrt(2) is the gain"),                      # the gain, not its square
    ("init_q7", "before building each net"),                 # one seed for the whole scan
    ("init_q8", "should be a fixed point"),                  # one step of the length map
    ("init_q9", "square root of its squared length"),        # squared segment lengths
    ("init_q10", "seed torch once"),                         # the same net every time
]


@pytest.mark.parametrize("question, words", EARLY_SIGNAL, ids=[q for q, _ in EARLY_SIGNAL])
def test_public_rung_catches_the_most_common_mistake(suite, reference, question, words):
    """Check that the most common mistake of each question fails its first, public rung (what a student
    sees with grader.check before the deadline), with the intended hint."""
    from autograder.grading.engine import grade_namespace

    factory = next(m for q, w, m in MISTAKES if q == question and w == words)
    result = grade_namespace(only(suite, question), with_replacement(reference, **factory(reference)))[0]
    first = next(r for r in result.rungs if r.status == "failed")
    assert not first.hidden and words in first.message, (first.name, first.message)


def test_as_net_names_the_expected_type():
    """Check the shared helper's message: the default still names nn.Sequential (backward compatible), and
    init's checks name the nn.Linear an in-place initialiser must return."""
    from autograder.checking import CheckFailed, as_net

    with pytest.raises(CheckFailed, match="should return a torch.nn.Sequential, but returned None"):
        as_net(None, "f()")
    with pytest.raises(CheckFailed, match="should return the nn.Linear it was given"):
        as_net(1.0, "init_leaky_relu_(layer, 0.2)", "the nn.Linear it was given")


@pytest.mark.parametrize("a", [0.0, 0.01, 0.1, 0.2, 1 / 3, 0.5, 0.75, 1.0, 2.0])
def test_gain_oracle_agrees_with_torch(reference, a):
    """Check that the reference gain, the graders' quadrature oracle and
    torch.nn.init.calculate_gain('leaky_relu', a) agree (the check module cannot import torch)."""
    torch_gain = nn.init.calculate_gain("leaky_relu", a)
    assert reference["leaky_relu_gain"](a) == pytest.approx(torch_gain, rel=1e-12)
    assert 1 / math.sqrt(hidden.second_moment_ratio(a)) == pytest.approx(torch_gain, rel=1e-12)
    assert reference["critical_sigma_w2"](a) == pytest.approx(torch_gain ** 2, rel=1e-12)


# -- each statistical rung on its own: the later rungs catch what they claim ----------------------
def test_weight_rung_catches_the_relu_gain_that_the_public_rung_lets_through():
    """Check that the public He-scale rung (tested at a = 0) passes the ReLU gain, and the hidden chi^2
    rung catches it at a = 0.2."""
    from autograder.assignments.init import public
    from tests.init.variants import _normal_init
    relu_gain = _normal_init(lambda a, fi, fo: math.sqrt(2 / fi))
    public.init_returns_linear(relu_gain)
    with pytest.raises(AssertionError, match="the ReLU gain"):
        hidden.init_weight_statistics(relu_gain)


def test_signal_rung_catches_relu_gain_and_wrong_slope(reference):
    """Check that the propagation rung alone catches the ReLU gain at a = 0.2 (+1.9 in log ratio)
    and sqrt(2/(1+a)), which the weight rung catches first in the ladder."""
    for std in (lambda a, fi, fo, s2: _right_std(0.0, fi, fo, s2),
                lambda a, fi, fo, s2: math.sqrt((2 / (1 + a) if s2 is None else s2) / fi)):
        with pytest.raises(AssertionError, match="per layer instead of 1"):
            hidden.mlp_signal_preserved(_mlp(std))
    hidden.mlp_signal_preserved(reference["deep_mlp"])


def test_rate_rung_catches_ignored_sigma_w2(reference):
    """Check that the vanish/explode rung alone catches a deep_mlp that ignores sigma_w2."""
    with pytest.raises(AssertionError, match=r"factor of about (0\.9[89]\d|1\.0[01]\d) per layer"):
        hidden.mlp_signal_rate(_mlp(lambda a, fi, fo, s2: _right_std(a, fi, fo, None)))
    hidden.mlp_signal_rate(reference["deep_mlp"])
