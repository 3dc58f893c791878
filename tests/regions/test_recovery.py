r"""The grader side of questions 6 and 7 (recovering a hidden ReLU net from queries): the hidden nets
are well posed as hidden_nets.py promises, the query oracle counts and refuses as the prompt says,
the matching is exact up to order and positive scale, and the notebook's method recovers random
nets of every size within the budget (so the budget leaves room)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.assignments.regions import hidden_nets as N
from autograder.assignments.regions import public as P
from autograder.checking import CallbackRefused

pytestmark = pytest.mark.regions


def _all_nets():
    return [("public", P.PUBLIC_W, P.PUBLIC_B, P.PUBLIC_A)] + \
        [(q, net.W, net.b, net.a) for q in ("q6", "q7") for net in N.nets(q)]


@pytest.mark.parametrize("name, W, b, a", _all_nets(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_graded_net_is_well_posed(name, W, b, a):
    """Check the promises of the prompt on every net a check uses: each unit off at the origin, its
    hyperplane within distance [0.2, 1] of it, rows >= 0.05 rad apart, kinks |a_j| |w_j| >= 0.25."""
    distance = -b / np.linalg.norm(W, axis=1)
    assert (b < 0).all() and (distance >= 0.2 - 1e-12).all() and (distance <= 1.0).all()
    assert N.separation(np.concatenate([W, b[:, None]], axis=1)) >= N.MIN_SEPARATION
    assert (np.abs(a) * np.linalg.norm(W, axis=1) >= 0.25).all()


def test_graded_nets_cover_every_dimension_and_the_extreme_widths():
    sizes = [net.W.shape for q in ("q6", "q7") for net in N.nets(q)]
    assert {d for _, d in sizes} == set(range(2, 9))
    assert min(k for k, _ in sizes) == 4 and max(k for k, _ in sizes) == 32


def test_oracle_counts_every_point_and_refuses_past_the_budget():
    oracle = P.QueryOracle(P.PUBLIC_W, P.PUBLIC_B, P.PUBLIC_A, P.PUBLIC_C, 10)
    x = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, -1.0]])
    want = np.maximum(x @ P.PUBLIC_W.T + P.PUBLIC_B, 0) @ P.PUBLIC_A + P.PUBLIC_C
    assert np.array_equal(oracle(x), want) and oracle.used == 3 and oracle.calls == 1
    oracle(np.zeros((7, 2)))
    assert oracle.used == 10 and not oracle.refused
    with pytest.raises(CallbackRefused, match="query budget exceeded"):
        oracle(np.zeros((1, 2)))
    assert oracle.refused and oracle.used == 10


@pytest.mark.parametrize("bad, words", [(np.zeros(2), "shape"), (np.zeros((3, 3)), "shape"),
                                        (np.array([[np.nan, 0.0]]), "finite"), ("abc", "array")])
def test_oracle_refuses_bad_input_with_a_clear_message(bad, words):
    oracle = P.QueryOracle(P.PUBLIC_W, P.PUBLIC_B, P.PUBLIC_A, P.PUBLIC_C, 10)
    with pytest.raises(CallbackRefused, match=words):
        oracle(bad)
    assert oracle.used == 0


def test_matching_is_exact_up_to_order_and_positive_scale_only():
    """Check matched_angles: a permuted, positively rescaled copy matches to round-off; a row times
    -1 is pi away; a perturbation of 1e-7 is seen (the angle is computed without arccos)."""
    rows = np.concatenate([P.PUBLIC_W, P.PUBLIC_B[:, None]], axis=1)
    rng = np.random.default_rng(0)
    order = rng.permutation(4)
    angles, cols = P.matched_angles(rows, rows[order] * rng.uniform(0.1, 10.0, (4, 1)))
    assert angles.max() < 1e-15 and np.array_equal(order[cols], np.arange(4))
    flipped = rows.copy()
    flipped[1] *= -1
    assert abs(P.matched_angles(rows, flipped)[0].max() - np.pi) < 1e-6
    nudged = rows.copy()
    nudged[2, 0] += 1e-7
    assert 1e-8 < P.matched_angles(rows, nudged)[0].max() < 1e-6


def test_reference_recovers_random_nets_within_a_quarter_of_the_budget(reference):
    """Check the notebook's recover_net on 60 random nets (d 2..8, k 4..32, other seeds than the
    checks'): every unit within 1e-9 rad, the net within a tenth of the check's tolerance, at most
    750 d queries (the
    budget is 3000 d; 1,000 nets gave at most 712 d)."""
    rng = np.random.default_rng(2026)
    for _ in range(60):
        d, k = int(rng.integers(2, 9)), int(rng.integers(4, 33))
        net = N.draw_net(rng, d, k)
        oracle = P.QueryOracle(net.W, net.b, net.a, net.c, P.BUDGET_PER_DIM * d)
        W, b, a, c = reference["recover_net"](oracle, d, oracle.budget)
        assert len(W) == k and P.matched_angles(net.rows, np.c_[W, b])[0].max() < 1e-9
        x = rng.uniform(-3.0, 3.0, (500, d))
        want = oracle.value(x)
        assert np.abs(np.maximum(x @ W.T + b, 0) @ a + c - want).max() < 1e-9 * (1 + np.abs(want).max())
        assert oracle.used <= 750 * d and not oracle.refused
