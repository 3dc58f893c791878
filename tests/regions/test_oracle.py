r"""The independent reference of `regions` (autograder/assignments/regions/oracle.py) and the data
the hidden checks are built on: exact counts agree with dense sampling where sampling can be
trusted, the hand-made answers are what the definition says, the random cases cannot be decided by
round-off, the statistical window is calibrated, and the grading process never imports torch."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from autograder.assignments.regions import hidden as H
from autograder.assignments.regions import oracle as O
from autograder.assignments.regions import public as P
from tests.support import REPO

pytestmark = pytest.mark.regions


def test_exact_count_matches_dense_sampling_on_small_nets():
    """Check the exact counter against 100,001 samples on 60 small nets whose breakpoints are
    >= 1e-4 apart (so a grid of spacing 1e-5 sees every region and no sample lies on a boundary)."""
    rng = np.random.default_rng(1)
    checked = 0
    while checked < 60:
        d_in = int(rng.integers(1, 4))
        layers = O.he_layers(rng, d_in, list(rng.integers(1, 7, size=int(rng.integers(1, 4)))), bias_std=0.5)
        start, end = rng.normal(size=d_in), rng.normal(size=d_in)
        if O.min_gap(layers, start, end) < 1e-4:
            continue
        assert O.count_regions(layers, start, end) == O.count_grid(layers, start, end, 100_001)
        checked += 1


def test_hand_made_answers_follow_the_definition():
    """Check the hard-coded answers of the thin and nasty hand cases against the exact counter,
    and that every case is one where some plausible mistake gives another number."""
    for name, layers, start, end, want, _ in H.thin_count_cases() + H.hand_count_cases():
        assert O.count_regions(layers, start, end) == want, name
    wrong = [O.count_grid(l, s, e, 1000) != w or O.count_zero_length_pieces(l, s, e) != w
             or O.count_point_patterns(l, s, e) != w for _, l, s, e, w, _ in H.hand_count_cases()]
    assert sum(wrong) >= 6


@pytest.mark.parametrize("n", [1, 2, 5, 10, 16])
def test_tri_net_has_two_to_the_n_regions(n):
    """Check the tri-net: 2^n regions on [0, 1]; on [-1/2, 3/2] one more on each side for n >= 2
    (for n = 1 the pattern right of 1 is that of (1/2, 1): one more in all)."""
    assert O.count_regions(O.tri_layers(n), [0.0], [1.0]) == 2 ** n
    assert O.count_regions(O.tri_layers(n), [-0.5], [1.5]) == 2 ** n + (2 if n >= 2 else 1)


def test_random_count_cases_cannot_be_decided_by_round_off():
    """Check the 60 random count cases: breakpoints >= 1e-4 apart, widths 1 to about 64, every depth
    1..8 and d_in from 1 to 16 occur, and the count is unchanged when every parameter is rounded to
    float32."""
    cases = H.count_cases()
    assert len(cases) == H.N_RANDOM_NETS
    depths = {len(layers) for layers, *_ in cases}
    widths = {w for layers, *_ in cases for w in H._widths(layers)}
    d_ins = {layers[0][0].shape[1] for layers, *_ in cases}
    assert depths == set(range(1, 9)) and min(widths) == 1 and max(widths) >= 48
    assert {1, 16} <= d_ins and len(d_ins) >= 12
    for layers, start, end, want in cases:
        assert O.min_gap(layers, start, end) >= H.MIN_GAP
        rounded = [(w.astype(np.float32).astype(np.float64), b.astype(np.float32).astype(np.float64)) for w, b in layers]
        assert O.count_regions(rounded, start.astype(np.float32), end.astype(np.float32)) == want
    assert sum(want for *_, want in cases) > 10 * len(cases)   # not mostly trivial


def test_big_cases_have_thousands_of_regions():
    """Check the big nets of question 2: width 64, depth 8, >= 1000 regions, breakpoints >= 1e-7 apart."""
    for layers, start, end, want in H.big_cases():
        assert H._widths(layers) == [64] * 8 and want >= 1000
        assert O.min_gap(layers, start, end) >= H.BIG_MIN_GAP


def test_public_examples_match_the_reference():
    """Check the hand-computed numbers of public.py against the reference."""
    assert (O.patterns(O.from_spec(P.PATTERN_NET), P.PATTERN_X) == P.PATTERN_WANT).all()
    z = np.concatenate(O.pre_activations(O.from_spec(P.PATTERN_NET), P.PATTERN_X), axis=1)
    assert np.array_equal(z, P.PATTERN_Z)
    assert O.count_regions(O.from_spec(P.COUNT_NET), [-1.0], [1.0]) == 4
    assert np.allclose(O.distances(O.from_spec(P.DISTANCE_NET), P.DISTANCE_X)[0], P.DISTANCE_WANT, rtol=1e-14)
    assert np.allclose(O.distance_variants(O.from_spec(P.DISTANCE_NET), P.DISTANCE_X)["l1"], P.DISTANCE_L1)
    deep = O.distance_variants(O.from_spec(P.DEEP_NET), P.DEEP_X)
    assert deep["exact"][0] == P.DEEP_WANT and deep["first_layer"][0] == 1.5
    assert abs(deep["weight_rows"][0] - 0.5 ** 1.5) < 1e-15
    assert O.count_regions(O.from_spec(P.COUNT_NET), [0.0], [1.0]) == 2
    assert O.count_regions(O.from_spec(P.THIN_NET), [0.0], [1.0]) == 3
    assert O.count_grid(O.from_spec(P.THIN_NET), [0.0], [1.0], 1000) == 2
    for n in (P.SPEED_GATE_N, 10):
        assert O.count_regions(O.from_spec(P.tri_spec(n)), [0.0], [1.0]) == 2 ** n


def test_reference_distance_is_the_largest_ball_inside_the_region():
    """Check the reference distance geometrically: the pattern is constant at 0.999 d along 64
    random directions and along the normal, and it changes at 1.001 d along the normal."""
    rng = np.random.default_rng(2)
    for layers, x in H.distance_cases()[:8]:
        d, normal, _ = O.distances(layers, x)
        base = O.patterns(layers, x)
        dirs = np.concatenate([normal[:, None], O.random_unit(rng, (len(x), 64, x.shape[1]))], axis=1)
        inner = (x[:, None] + 0.999 * d[:, None, None] * dirs).reshape(-1, x.shape[1])
        assert (O.patterns(layers, inner).reshape(len(x), 65, -1) == base[:, None]).all()
        assert (O.patterns(layers, x + 1.001 * d[:, None] * normal) != base).any(axis=1).all()


def test_one_layer_density_windows_have_exact_odds_below_1e_8():
    """Check the one-hidden-layer cases (and the public check's window) by their exact binomial
    tails: each neuron crosses independently with probability p(T) = (2/pi) arctan(T)."""
    from tests.regions.calibrate import binomial_outside

    for case in H.DENSITY_CASES:
        if len(case.widths) == 1:
            lo, hi = H.density_window(case)
            assert binomial_outside(case.widths, case.half_length, case.n_lines, lo, hi) < 1e-8, case.name
    assert binomial_outside([16], 1.0, 40, *P.ONE_LAYER_WINDOW) < 1e-8


def test_crossing_probability_is_the_cauchy_law():
    """Check p(T) against a Monte Carlo of -a/b with a, b independent normals (1e6 draws)."""
    rng = np.random.default_rng(4)
    t = -rng.normal(size=1_000_000) / rng.normal(size=1_000_000)
    for T in (0.5, 1.0, 1.5, 2.0, 3.0):
        assert abs(np.mean(np.abs(t) < T) - H.crossing_probability(T)) < 0.003


def test_density_windows_are_calibrated_on_fresh_lines():
    """Check the deep windows both ways on fresh lines (not those of the calibration): 10 means of
    n_lines segments per deep case all lie well inside the window; the mistakes the comment names
    lie outside (first layer only and t in [0, T] for the wide nets; for the narrow net, the
    wide-limit value typed in instead of simulated)."""
    rng = np.random.default_rng(3)
    for case in H.DENSITY_CASES:
        if len(case.widths) == 1:
            continue
        lo, hi = H.density_window(case)
        means, first_only, half = [], [], []
        for _ in range(10 if case.centre is not None or len(case.widths) <= 3 else 4):
            values, v_first, v_half = [], [], []
            for _ in range(case.n_lines):
                layers = O.he_layers(rng, case.d_in, list(case.widths))
                x0, u = O.orthonormal_line(rng, case.d_in)
                n, T = sum(case.widths), case.half_length
                values.append((O.count_regions(layers, x0 - T * u, x0 + T * u) - 1) / n)
                v_first.append((O.count_regions(layers[:1], x0 - T * u, x0 + T * u) - 1) / n)
                v_half.append((O.count_regions(layers, x0, x0 + T * u) - 1) / n)
            means.append(np.mean(values))
            first_only.append(np.mean(v_first))
            half.append(np.mean(v_half))
        margin = 0.35 * min(case.below, case.above)
        assert lo + margin < min(means) and max(means) < hi - margin, (case.name, means)
        if case.centre is None:
            assert max(first_only) < lo and max(half) < lo, case.name
        else:   # the narrow net: the wide-limit value (typed in, not simulated) is far outside
            assert H.crossing_probability(case.half_length) > hi + 0.05


def test_grading_process_never_imports_torch():
    """Check that the check modules and the reference import without torch (the grading process
    must not import it) and do not mention it in an import."""
    for name in ("public", "hidden", "oracle"):
        assert "import torch" not in (REPO / "autograder" / "assignments" / "regions" / f"{name}.py").read_text()
    code = ("import sys, autograder.assignments.regions.hidden as h; h.count_cases(); "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
