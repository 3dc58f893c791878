r"""The sawtooth graders, in process: correct answers written independently of the reference keep
full marks, each plausible mistake loses exactly the points of its own question with a message
that names the theory, the public rungs alone catch each question's most common mistake, and a
wrong helper costs only its own question. (Whole notebooks through the sandbox: test_end_to_end.py.)
"""
from __future__ import annotations

import numpy as np
import pytest
from torch import nn

from autograder.assignments.sawtooth import hidden, public
from autograder.checking import CheckFailed
from autograder.grading.engine import grade_namespace
from tests.sawtooth import variants
from tests.support import with_replacement

pytestmark = pytest.mark.sawtooth

CORRECT = [(q, v) for q, vs in variants.CORRECT.items() for v in vs]


def graded(suite, namespace) -> tuple:
    """(question -> score, question -> first failure message) from one grading run, in process."""
    results = grade_namespace(suite, namespace)
    return {q.name: q.score for q in results}, {q.name: q.first_failure() for q in results if not q.passed}


@pytest.fixture(scope="module")
def full(suite, reference) -> dict:
    """The reference's scores (every point)."""
    scores, failed = graded(suite, reference)
    assert failed == {}
    return scores


def _name(variant) -> str:
    return variant.__name__ if variant.__name__ != "<lambda>" else "lambda"


@pytest.mark.parametrize("question, variant", CORRECT, ids=[f"{q}-{_name(v)}" for q, v in CORRECT])
def test_independent_correct_answer_keeps_full_marks(suite, reference, question, variant):
    """Check that a correct answer written differently from the reference gets every point."""
    answer = with_replacement(reference, **variant(reference))
    assert graded(suite, answer)[1] == {}


def test_three_correct_answers_per_graded_question(suite):
    """Check that every autograded question has at least three independent correct answers."""
    assert {q.name for q in suite.questions} == set(variants.CORRECT)
    assert all(len(vs) >= 3 for vs in variants.CORRECT.values())


MISTAKES = variants.MISTAKES


@pytest.mark.parametrize("question, words, mistake", MISTAKES,
                         ids=[f"{q}-{_name(m)}-{i}" for i, (q, _, m) in enumerate(MISTAKES)])
def test_mistake_loses_exactly_its_question(suite, reference, full, question, words, mistake):
    """Check that a plausible wrong answer loses its question's points, and only those."""
    got, failed = graded(suite, with_replacement(reference, **mistake(reference)))
    assert {q for q in full if got[q] != full[q]} == {question}, failed
    assert got[question] == 0.0
    assert words in failed[question]


def test_five_mistakes_per_graded_question(suite):
    """Check that every autograded question is tested with at least five plausible mistakes."""
    counts = {q.name: sum(1 for m in MISTAKES if m[0] == q.name) for q in suite.questions}
    assert min(counts.values()) >= 5, counts


# -- early signal (issue 12): the public rungs alone catch each question's most common mistake ----
EARLY_SIGNAL = [
    (public.relu_types, ("relu",), lambda ns: {"relu": lambda x: np.where(x > 0, x, 0.0)}),
    (public.rect_shape, ("rect",), variants.rect_without_last_relu),
    (public.sawtooth_shape, ("tri", "sawtooth"), variants.sawtooth_off_by_one),
    (public.sawtooth_shape, ("tri", "sawtooth"), variants.tri_without_outer_relu),
    (public.deep_net_runs, ("deep_sawtooth_net",), variants.deep_net_wrong_bias),
    (public.shallow_net_runs, ("shallow_sawtooth_net", "min_shallow_width"), variants.shallow_width_off_by_one),
    (public.count_pieces_line, ("count_pieces",), variants.count_pieces_linspace),
    (public.sin_net_shape, ("sin_relu_net", "interpolation_error_bound"), variants.sin_net_n_knots),
    (public.square_net_runs, ("square_net",), variants.square_weights_off_by_one),
    (public.product_net_runs, ("product_net",), variants.product_without_rescaling),
    (public.product_of_n_runs, ("product_of_n",), variants.product_of_n_drops_odd_one),
]


@pytest.mark.parametrize("check, names, mistake", EARLY_SIGNAL,
                         ids=[f"{c.__name__}-{_name(m)}" for c, _, m in EARLY_SIGNAL])
def test_public_check_catches_the_common_mistake(reference, check, names, mistake):
    """Check that the public rung (what `grader.check` runs before the deadline) fails for the
    question's most common mistake and passes for the reference."""
    check(*(reference[n] for n in names))
    wrong = with_replacement(reference, **mistake(reference))
    with pytest.raises(CheckFailed):
        check(*(wrong[n] for n in names))


# -- no double jeopardy: a wrong helper costs only its own question ------------------------------
@pytest.mark.parametrize("helper, question", [(variants.square_weights_off_by_one, "sawtooth_q9"),
                                              (variants.product_wrong_factor, "sawtooth_q10")])
def test_wrong_helper_costs_only_its_question(suite, reference, full, helper, question):
    """Check that product_net/product_of_n calling a wrong square_net/product_net by name lose nothing
    (the grader substitutes its reference helper while grading them)."""
    got, failed = graded(suite, with_replacement(reference, **helper(reference)))
    assert {q for q in full if got[q] != full[q]} == {question}, failed


# -- rungs that no listed mistake reaches first ---------------------------------------------------
def test_square_sup_error_sees_a_bump_between_knots(reference):
    """Check that a square net exact at its knots but bent between them fails the sup-error rung."""
    ref = reference["square_net"]

    def bumped(m):
        net = ref(m)
        k = 2 ** m
        hat = variants.sequential([([[1.0], [1.0], [1.0]], [-0.25 / k, -0.5 / k, -0.75 / k]),
                                   ([[1.0, -2.0, 1.0]], [0.0])])        # a hat between two knots
        hat = variants.chain(hat, variants.identity_net(1, m - 1)) if m > 1 else hat
        return variants.chain(variants.affine([[1.0], [1.0]], [0.0, 0.0]), variants.parallel(net, hat),
                              variants.affine([[1.0, 1.0]], [0.0]))
    hidden.square_knots(bumped)
    with pytest.raises(CheckFailed, match="off by"):
        hidden.square_sup_error(bumped)


def test_product_range_rung_sees_values_outside_the_unit_interval(reference):
    """Check that a product net within the error bound but below 0 somewhere fails the range rung."""
    ref = reference["product_net"]

    def shifted(m):
        return variants.chain(ref(m), variants.affine([[1.0]], [-hidden.square_error(m)]))
    with pytest.raises(CheckFailed, match=r"outside \[0, 1\]"):
        hidden.product_error_on_grid(shifted)


def test_sin_interpolation_rung_sees_kinks_off_the_knots(reference):
    """Check that a sin net equal to sin at its knots but bending between them fails."""
    def net(n_hidden, lo, hi):
        t = lo + (hi - lo) * np.arange(n_hidden + 1) / n_hidden
        if n_hidden < 2:
            return reference["sin_relu_net"](n_hidden, lo, hi)
        # kinks moved to the midpoints (except the first): fitted to pass through sin at every knot
        kinks = np.append(t[0], (t[1:-1] + t[2:]) / 2)
        features = np.hstack([np.maximum(t[:, None] - kinks[None, :], 0.0), np.ones((t.size, 1))])
        sol = np.linalg.lstsq(features, np.sin(t), rcond=None)[0]
        return variants.sequential([(np.ones((n_hidden, 1)), -kinks), (sol[None, :-1], [sol[-1]])])
    with pytest.raises(CheckFailed, match="between its knots"):
        hidden.sin_interpolates(net)


# -- the oracles ----------------------------------------------------------------------------------
def test_breakpoints_of_a_deep_net_are_its_kinks(reference):
    """Check that tracing deep_sawtooth_net(5) finds exactly the 2^5 - 1 interior kinks k/32."""
    from autograder.assignments.sawtooth import theory
    from autograder.checking.marshal import marshal

    spec = marshal(reference["deep_sawtooth_net"](5), lambda obj: None)
    x = theory.breakpoints_1d(spec, 0.0, 1.0)
    assert np.array_equal(x, np.arange(33) / 32)


def test_sup_error_vs_square_is_exact():
    """Check the exact sup error of the interpolant of x^2 at k/4: 1/64, at a midpoint."""
    from autograder.assignments.sawtooth import theory

    x = np.arange(5) / 4
    sup, where = theory.sup_error_vs_square(x, x ** 2)
    assert sup == 1 / 64 and where in (1 / 8, 3 / 8, 5 / 8, 7 / 8)


def test_reference_nets_use_the_budgets_they_promise(reference):
    """Check the counts the prompts promise for the reference: 3m, 9m, and the tree's."""
    from shared.netops import hidden_layers, hidden_units

    for m in (1, 4):
        assert (hidden_layers(reference["square_net"](m)), hidden_units(reference["square_net"](m))) == (m, 3 * m)
        assert (hidden_layers(reference["product_net"](m)), hidden_units(reference["product_net"](m))) == (m, 9 * m)
    net = reference["product_of_n"](5, 2)
    assert hidden_layers(net) == 2 * 3 and hidden_units(net) == 9 * 2 * 4 + 2 * 2
    assert isinstance(net, nn.Sequential)
