r"""The regions graders, in process: each plausible mistake loses exactly the points of its own
question, with a message that names the theory, and independent correct implementations
(tests/regions/alternatives.py) keep full marks. (The reference's full marks and the stub's zero:
tests/test_graders_common.py; whole notebooks through the sandbox: tests/test_notebooks.py.)

A mistake replaces one or two notebook functions; a question whose checks never receive those
names cannot change its score, so each test grades the questions that receive them. One coupling is
by design: question 2b (speed) awards its point only for an exact count, so a mistake of question 2
may cost 2b as well (``COLLATERAL``)."""
from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from autograder.grading.engine import grade_namespace
from tests.regions import alternatives as alt
from tests.regions import recovery_methods as rec
from tests.support import with_replacement

pytestmark = pytest.mark.regions

ASSIGNMENT = "regions"


# -- helpers for the mistakes ---------------------------------------------------------------------
F64 = torch.float64


def _pieces(net, start, end, inclusive=False, tol=1e-10):
    """Knots of the layer-by-layer split (the reference's method); with ``inclusive`` every zero
    in a closed piece is a knot and duplicates are kept (zero-length pieces)."""
    a = start.to(F64).reshape(1, -1)
    b = end.to(F64).reshape(1, -1) - a
    knots = torch.tensor([0.0, 1.0], dtype=F64)
    for layer in net:
        if isinstance(layer, nn.Linear):
            a, b = a @ layer.weight.detach().to(F64).T + layer.bias.detach().to(F64), b @ layer.weight.detach().to(F64).T
        elif isinstance(layer, nn.ReLU):
            cross = -a / torch.where(b == 0, torch.ones_like(b), b)
            lo, hi = knots[:-1, None], knots[1:, None]
            hit = (b != 0) & ((cross >= lo) & (cross <= hi) if inclusive else (cross > lo + tol) & (cross < hi - tol))
            new = torch.sort(torch.cat([knots, cross[hit]])).values
            if not inclusive:
                new = new[torch.cat([torch.tensor([True]), new[1:] - new[:-1] > tol])]
            piece = (torch.searchsorted(knots, (new[:-1] + new[1:]) / 2, right=True) - 1).clamp(0, len(knots) - 2)
            a, b, knots = a[piece], b[piece], new
            on = (a + (knots[:-1] + knots[1:])[:, None] / 2 * b) > 0
            a, b = a * on, b * on
    return knots


def count_grid_1000(ns):
    pattern = ns["activation_pattern"]

    def count(net, start, end):
        t = torch.linspace(0, 1, 1000, dtype=F64)[:, None]
        p = pattern(net, start.to(F64) + t * (end.to(F64) - start.to(F64)))
        return 1 + int((p[1:] != p[:-1]).any(dim=1).sum())
    return {"count_regions_1d": count}


def count_distinct_patterns(ns):
    """Distinct patterns at the breakpoints and midpoints: counts point-only patterns."""
    pattern = ns["activation_pattern"]

    def count(net, start, end):
        knots = _pieces(net, start, end)
        t = torch.sort(torch.cat([knots, (knots[:-1] + knots[1:]) / 2])).values[:, None]
        p = pattern(net, start.to(F64) + t * (end.to(F64) - start.to(F64)))
        return int(torch.unique(p, dim=0).shape[0])
    return {"count_regions_1d": count}


def count_without_last_relu(ns):
    ref = ns["count_regions_1d"]
    return {"count_regions_1d": lambda net, start, end: ref(nn.Sequential(*list(net)[:-2]), start, end)}


def count_zero_length_pieces(ns):
    return {"count_regions_1d": lambda net, start, end: len(_pieces(net, start, end, inclusive=True)) - 1}


def count_coarse_tolerance(ns):
    """Breakpoints closer than 1e-4 (not 1e-10) merged: thin regions disappear."""
    pattern = ns["activation_pattern"]

    def count(net, start, end):
        knots = _pieces(net, start, end, tol=1e-4)
        mids = ((knots[:-1] + knots[1:]) / 2)[:, None]
        p = pattern(net, start.to(F64) + mids * (end.to(F64) - start.to(F64)))
        return 1 + int((p[1:] != p[:-1]).any(dim=1).sum())
    return {"count_regions_1d": count}


def count_breakpoints_only(ns):
    """The number of breakpoints, without the + 1."""
    ref = ns["count_regions_1d"]
    return {"count_regions_1d": lambda net, start, end: ref(net, start, end) - 1}


def _density(ns, segment, layers=None, plus_one=False):
    count, make = ns["count_regions_1d"], ns["random_relu_net"]

    def density(widths, d_in, n_lines, seed, half_length=1.0):
        gen = torch.Generator().manual_seed(int(seed))
        total = 0.0
        for _ in range(n_lines):
            net = make(widths, d_in, gen)
            start, end = segment(d_in, gen, half_length)
            total += (count(net if layers is None else net[:layers], start, end) - 1 + plus_one) / sum(widths)
        return total / n_lines
    return {"region_density": density}


def _orthonormal(d_in, gen, normalise=True):
    x0 = torch.randn(d_in, generator=gen, dtype=F64)
    x0 = x0 / x0.norm() if normalise else x0
    u = torch.randn(d_in, generator=gen, dtype=F64)
    u = u - (u @ x0) / (x0 @ x0) * x0
    return x0, u / u.norm()


def _segment(d_in, gen, T):
    x0, u = _orthonormal(d_in, gen)
    return x0 - T * u, x0 + T * u


def density_first_layer_only(ns):
    return _density(ns, _segment, layers=2)


def density_line_through_origin(ns):
    """Hanin & Rolnick's set-up with zero biases: the segment from -T u to T u."""
    def segment(d_in, gen, T):
        _, u = _orthonormal(d_in, gen)
        return -T * u, T * u
    return _density(ns, segment)


def density_x0_not_normalised(ns):
    def segment(d_in, gen, T):
        x0, u = _orthonormal(d_in, gen, normalise=False)
        return x0 - T * u, x0 + T * u
    return _density(ns, segment)


def density_half_segment(ns):
    """t in [0, T] instead of [-T, T]."""
    def segment(d_in, gen, T):
        x0, u = _orthonormal(d_in, gen)
        return x0, x0 + T * u
    return _density(ns, segment)


def density_ignores_half_length(ns):
    return _density(ns, lambda d_in, gen, T: _segment(d_in, gen, 1.0))


def density_regions_over_n(ns):
    """regions / N instead of (regions - 1) / N."""
    return _density(ns, _segment, plus_one=True)


def density_u_not_orthogonal(ns):
    """u a random unit vector, not made orthogonal to x0 (the line passes nearer the origin or
    farther, and the angle the segment subtends varies from line to line)."""
    def segment(d_in, gen, T):
        x0 = torch.randn(d_in, generator=gen, dtype=F64)
        x0 = x0 / x0.norm()
        u = torch.randn(d_in, generator=gen, dtype=F64)
        u = u / u.norm()
        return x0 - T * u, x0 + T * u
    return _density(ns, segment)


def density_sum_starts_at_one(ns):
    """The running total started at 1 instead of 0: every mean is 1 / n_lines too high."""
    inner = _density(ns, _segment)["region_density"]
    return {"region_density": lambda widths, d_in, n_lines, seed, half_length=1.0:
            inner(widths, d_in, n_lines, seed, half_length) + 1.0 / n_lines}


def density_global_rng(ns):
    """torch's global generator instead of one seeded with `seed`."""
    count, make = ns["count_regions_1d"], ns["random_relu_net"]

    def density(widths, d_in, n_lines, seed, half_length=1.0):
        total = 0.0
        for _ in range(n_lines):
            start, end = _segment(d_in, None, half_length)
            total += (count(make(widths, d_in), start, end) - 1) / sum(widths)
        return total / n_lines
    return {"region_density": density}


def density_typed_in(ns):
    """The wide-limit value typed in instead of simulated (what question 5a derives)."""
    import math

    return {"region_density": lambda widths, d_in, n_lines, seed, half_length=1.0: 2 / math.pi * math.atan(half_length)}


def _distance(norm="l2", first_layer_only=False, weight_rows=False, keep_constant=False):
    def distance(net, x):
        h = x.to(F64)
        jac = torch.eye(h.shape[1], dtype=F64).expand(h.shape[0], -1, -1)
        best = torch.full((h.shape[0],), float("inf"), dtype=F64)
        layers = list(net)[:2] if first_layer_only else list(net)
        for layer in layers:
            if isinstance(layer, nn.Linear):
                w = layer.weight.detach().to(F64)
                h, jac = h @ w.T + layer.bias.detach().to(F64), torch.einsum("ij,bjk->bik", w, jac)
                rows = w.norm(dim=1).expand_as(h)
            elif isinstance(layer, nn.ReLU):
                g = rows if weight_rows else (jac.abs().sum(dim=2) if norm == "l1" else jac.norm(dim=2))
                ratio = h.abs() / g if keep_constant else torch.where(g > 0, h.abs() / g, float("inf"))
                best = torch.minimum(best, ratio.min(dim=1).values)
                on = h > 0
                h, jac = h * on, jac * on[:, :, None]
        return best
    return distance


def pattern_missing_last_layer(ns):
    ref = ns["activation_pattern"]
    return {"activation_pattern": lambda net, x: ref(nn.Sequential(*list(net)[:-2]), x)}


def pattern_layers_reversed(ns):
    """The hidden layers concatenated last layer first."""
    def pattern(net, x):
        h, states = x.to(F64), []
        for layer in net:
            if isinstance(layer, nn.ReLU):
                states.append(h > 0)
            h = layer(h)
        return torch.cat(states[::-1], dim=1)
    return {"activation_pattern": pattern}


def pattern_with_output(ns):
    ref = ns["activation_pattern"]

    def pattern(net, x):
        out = net(x.to(net[0].weight.dtype))
        return torch.cat([ref(net, x), out > 0], dim=1)
    return {"activation_pattern": pattern}


MISTAKES = [
    ("regions_q1", "exactly 0 is off", lambda ns: {"activation_pattern": lambda net, x: torch.cat(
        [(net[:i](x) >= 0) for i in range(1, len(net)) if isinstance(net[i], nn.ReLU)], dim=1)}),
    ("regions_q1", "last hidden Linear", pattern_missing_last_layer),
    ("regions_q1", "output Linear has no ReLU", pattern_with_output),
    ("regions_q1", "torch.bool", lambda ns: {"activation_pattern": lambda net, x: ns["activation_pattern"](net, x).float()}),
    ("regions_q1", "is wrong", pattern_layers_reversed),
    ("regions_q2", "grid", count_grid_1000),
    ("regions_q2", "single point", count_distinct_patterns),
    ("regions_q2", "after the last hidden Linear", count_without_last_relu),
    ("regions_q2", "length zero", count_zero_length_pieces),
    ("regions_q2", "1e-6 wide", count_coarse_tolerance),
    ("regions_q2", "4 regions", count_breakpoints_only),
    ("regions_q3", "first layer", density_first_layer_only),
    ("regions_q3", "through the origin", density_line_through_origin),
    ("regions_q3", "|x0| = 1", density_x0_not_normalised),
    ("regions_q3", "[-T, T]", density_half_segment),
    ("regions_q3", "is half_length used", density_ignores_half_length),
    ("regions_q3", "(regions - 1) / N", density_regions_over_n),
    ("regions_q3", "u orthogonal to x0", density_u_not_orthogonal),
    ("regions_q3", "does the mean start from 0", density_sum_starts_at_one),
    ("regions_q3", "manual_seed(seed)", density_global_rng),
    ("regions_q3", "do not type in the limit", density_typed_in),
    ("regions_q4", "l1 norm", lambda ns: {"distance_to_boundary": _distance(norm="l1")}),
    ("regions_q4", "first layer's lines only", lambda ns: {"distance_to_boundary": _distance(first_layer_only=True)}),
    ("regions_q4", "weight row", lambda ns: {"distance_to_boundary": _distance(weight_rows=True)}),
    ("regions_q4", "zero gradient", lambda ns: {"distance_to_boundary": _distance(keep_constant=True)}),
    ("regions_q4", "squared distance", lambda ns: {"distance_to_boundary": lambda net, x: ns["distance_to_boundary"](net, x) ** 2}),
    ("regions_q6", "directions alone", rec.directions_only),
    ("regions_q6", "Every offset b_j is 0", rec.offsets_zero),
    ("regions_q6", "times -1", rec.sign_flipped),
    ("regions_q6", "offsets b_j are not", rec.offset_sign),
    ("regions_q6", "never found", rec.one_line_only),
    ("regions_q6", "another copy", rec.duplicates_kept),
    ("regions_q6", "query budget exceeded", rec.budget_blown),
    ("regions_q7", "output bias c", rec.net_without_bias),
    ("regions_q7", "sign flipped", rec.net_weights_all_negated),
    ("regions_q7", "should agree with f", rec.net_weights_unsigned),
    ("regions_q7", "scale of its row", rec.net_rows_rescaled),
    ("regions_q7", "should agree with f", rec.net_flipped_rows),
    ("regions_q7", "query budget exceeded", rec.net_budget_blown),
]


# A question that may also be lost by a mistake of another one, and why.
COLLATERAL = {"regions_q2": {"regions_q2b"}}    # the speed point is only for an exact count


def _grade(suite, namespace, names: set) -> dict:
    only = dataclasses.replace(suite, questions=[q for q in suite.questions if q.name in names])
    return {result.name: result for result in grade_namespace(only, namespace)}


def _receiving(suite, replacements: dict) -> set:
    return {q.name for q in suite.questions if any(set(c.params) & set(replacements) for c in q.cases)}


@pytest.mark.parametrize("question, words, mistake", MISTAKES,
                         ids=[f"{q}-{m.__name__ if m.__name__ != '<lambda>' else i}" for i, (q, _, m) in enumerate(MISTAKES)])
def test_mistake_loses_exactly_its_question(suite, reference, question, words, mistake):
    """Check that a plausible wrong answer loses its question's points with a message that names
    the theory, and no other question's (except the documented COLLATERAL)."""
    replacements = mistake(reference)
    receiving = _receiving(suite, replacements)
    assert question in receiving and receiving <= {question} | COLLATERAL.get(question, set())
    results = _grade(suite, with_replacement(reference, **replacements), {question})
    result = results[question]
    assert result.score == 0.0 and result.max_score > 0
    assert words in result.first_failure(), result.first_failure()


ALTERNATIVES = [
    (("regions_q1",), alt.pattern_hooks),
    (("regions_q1",), alt.pattern_numpy),
    (("regions_q1",), alt.pattern_functional),
    (("regions_q2", "regions_q2b"), alt.count_by_interpolation),
    (("regions_q2", "regions_q2b"), alt.count_by_jvp),
    (("regions_q2",), alt.count_python_loop),
    (("regions_q3",), alt.density_segment_first_qr),
    (("regions_q3",), alt.density_handmade_nets),
    (("regions_q3",), alt.density_fixed_pair),
    (("regions_q4",), alt.distance_vmap_jacobian),
    (("regions_q4",), alt.distance_numpy_chain),
    (("regions_q4",), alt.distance_effective_weights),
    (("regions_q6", "regions_q7"), rec.bisection_method),
    (("regions_q6", "regions_q7"), rec.axes_method),
]


@pytest.mark.parametrize("questions, implementation", ALTERNATIVES,
                         ids=[f"{'+'.join(q)}-{f.__name__}" for q, f in ALTERNATIVES])
def test_independent_correct_implementation_keeps_full_marks(suite, reference, questions, implementation):
    """Check that a correct implementation other than ours (another algorithm, numpy, autograd, a
    Python loop) gets every point of the questions it answers."""
    replacements = implementation(reference)
    results = _grade(suite, with_replacement(reference, **replacements), set(questions))
    assert {name: r.first_failure() for name, r in results.items() if not r.passed} == {}
    assert set(results) == set(questions)


def test_correct_but_slow_counter_loses_only_the_speed_point(suite, reference):
    """Check that a correct count_regions_1d that loops over pieces in Python keeps question 2 and
    loses question 2b, with "correct but too slow", the time it took and the budget."""
    results = _grade(suite, with_replacement(reference, **alt.count_python_loop(reference)),
                     {"regions_q2", "regions_q2b"})
    assert results["regions_q2"].passed
    message = results["regions_q2b"].first_failure()
    assert results["regions_q2b"].score == 0.0
    assert "too slow" in message and "the budget is 2 s" in message and "vectorise over pieces" in message, message


def test_wrong_helper_costs_only_its_own_question(suite, reference):
    """Check SUBSTITUTES: a count_regions_1d that reads patterns with a wrong activation_pattern
    (z >= 0) keeps questions 2 and 2b, and a region_density that counts with a wrong (grid)
    count_regions_1d keeps question 3: our reference helpers stand in while those are graded."""
    wrong_pattern = {"activation_pattern": lambda net, x: torch.cat(
        [(net[:i](x) >= 0) for i in range(1, len(net)) if isinstance(net[i], nn.ReLU)], dim=1)}
    namespace = with_replacement(reference, **wrong_pattern)
    namespace.update(alt.count_by_interpolation(namespace))
    namespace.update(alt.distance_effective_weights(namespace))
    results = _grade(suite, namespace, {"regions_q1", "regions_q2", "regions_q2b", "regions_q4"})
    assert not results["regions_q1"].passed
    assert all(results[q].passed for q in ("regions_q2", "regions_q2b", "regions_q4")), \
        {q: r.first_failure() for q, r in results.items()}
    namespace = with_replacement(reference, **count_grid_1000(reference))
    results = _grade(suite, namespace, {"regions_q2", "regions_q3"})
    assert not results["regions_q2"].passed and results["regions_q3"].passed, results["regions_q3"].first_failure()


def test_wrong_first_layer_costs_only_question_6(suite, reference):
    """Check SUBSTITUTES for question 7: a recover_net that calls the notebook's recover_first_layer
    (and fits the output weights by least squares) keeps question 7 when that recover_first_layer
    is wrong (rows sign-flipped): ours stands in while question 7 is graded."""
    namespace = with_replacement(reference, **rec.sign_flipped(reference))
    exec(
        "def recover_net(f, d, budget):\n"
        "    rows = recover_first_layer(f, d, budget - 400)\n"
        "    x = np.random.default_rng(5).uniform(-2.0, 2.0, (3 * (len(rows) + 1), d))\n"
        "    design = np.column_stack([np.maximum(x @ rows[:, :d].T + rows[:, d], 0.0), np.ones(len(x))])\n"
        "    coef = np.linalg.lstsq(design, f(x), rcond=None)[0]\n"
        "    return rows[:, :d], rows[:, d], coef[:-1], float(coef[-1])\n", namespace)
    results = _grade(suite, namespace, {"regions_q6", "regions_q7"})
    assert not results["regions_q6"].passed and results["regions_q7"].passed, results["regions_q7"].first_failure()
