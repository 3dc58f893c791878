r"""Mutation testing of the graders (``make mutants``): the machinery, and the committed baselines.

The machinery is tested on a toy master notebook and on sawtooth's first question; the baselines
of every assignment (``autograder/assignments/<a>/mutants.json``) are checked on a small sample:
mutants the baseline records as killed must still be killed, every accepted survivor has a
reviewed reason, and every question meets the kill-rate target (``make mutants A=<a>`` runs all).
"""
from __future__ import annotations

import json
import time

import pytest

from autograder.mutation import baseline
from autograder.mutation.__main__ import evaluate
from autograder.mutation.generate import mutants_of
from autograder.mutation.run import Pool
from autograder.packaging.cells import master_code_cells
from tests.support import ASSIGNMENTS, REPO



def _master(tmp_path, solution: str):
    cells = [("code", "import numpy as np\n"), ("raw", "# BEGIN QUESTION\nname: toy_q1\npoints: 1"),
             ("raw", "# BEGIN SOLUTION"), ("code", solution), ("raw", "# END SOLUTION"), ("raw", "# END QUESTION")]
    nb = {"cells": [{"cell_type": k, "metadata": {}, "source": t, **({"outputs": [], "execution_count": None} if k == "code" else {})}
                    for k, t in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "toy.ipynb"
    path.write_text(json.dumps(nb))
    return master_code_cells(path)


def test_mutants_change_only_the_student_written_lines(tmp_path):
    """Check that mutants touch only lines between the solution markers, each mutant changes the
    code, and ids are stable and distinct."""
    solution = ('def f(x, n=2):\n    r"""Returns x + n (n = 2 by default)."""\n    # BEGIN SOLUTION\n'
                '    return x + n * 1\n    # END SOLUTION\n')
    cells = _master(tmp_path, solution)
    mutants = mutants_of(cells, "toy_q1")
    assert mutants and all(m.line == 4 and m.function == "f" for m in mutants)
    assert len({m.ident for m in mutants}) == len(mutants)
    assert [m.ident for m in mutants_of(cells, "toy_q1")] == [m.ident for m in mutants]
    assert {"core/ReplaceBinaryOperator_Add_Sub", "core/NumberReplacer"} <= {m.operator for m in mutants}


def test_equivalence_probe_varies_counts_but_not_flags():
    """Check the probe's random variants: ints n >= 2 (epochs, widths, budgets) move within
    n +- max(1, n // 10), so a mutant that differs only at other counts (``epochs // 39`` for
    ``epochs // 40``: equal at 80, not at 78 or 79) is not called equivalent; bools, 0 and 1 stay."""
    import numpy as np

    from autograder.mutation.run import PROBES, _perturbed

    rng = np.random.default_rng(20240611)
    call = ((80, 0, 1, True), {"epochs": 273, "lr": 0.01, "nested": [2]})
    draws = [_perturbed(call, rng) for _ in range(PROBES)]
    for (n, zero, one, flag), kwargs in draws:
        assert (zero, one, flag) == (0, 1, True) and type(n) is int and 72 <= n <= 88
        assert type(kwargs["epochs"]) is int and 246 <= kwargs["epochs"] <= 300 and kwargs["nested"][0] in (1, 2, 3)
    assert any(n // 39 != n // 40 for (n, *_), _ in draws)
    assert len({n for (n, *_), _ in draws}) > 5


def test_equivalence_probe_redraws_net_arguments():
    """Check the probe's variants of a module argument: every weight is redrawn within its own
    range, about half of the variants have no bias in any nn.Linear (both kinds occur in the
    probe), the structure stays, and the recorded net itself is untouched."""
    import numpy as np
    import torch
    from torch import nn

    from autograder.mutation.run import PROBES, _perturbed

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    before = [p.detach().clone() for p in net.parameters()]
    rng = np.random.default_rng(20240611)
    variants = [_perturbed((net,), rng)[0] for _ in range(PROBES)]
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), before))
    biased = [v for v in variants if v[0].bias is not None]
    assert 0 < len(biased) < PROBES
    assert all((v[0].bias is None) == (v[2].bias is None) for v in variants)
    assert all([type(m) for m in v] == [type(m) for m in net] for v in variants)
    first = torch.stack([v[0].weight.detach() for v in variants])
    lo, hi = before[0].min(), before[0].max()
    assert bool((first >= lo).all() and (first <= hi).all()) and len({float(w[0, 0]) for w in first}) == PROBES


def test_equivalence_sees_the_settings_of_returned_modules():
    """Check that returned modules compare by their settings too, not only by their layers' kinds and
    weights: a transform pipeline with another flip probability or antialiasing, or a net with
    another dropout rate, is not the same outcome; identical ones (a lambda inside included) are."""
    import torch
    from torch import nn
    from torchvision.transforms import v2

    from autograder.mutation.run import _outcome, _same

    def pipeline(p=0.5, antialias=True):
        return v2.Compose([v2.Resize(32, antialias=antialias), v2.RandomHorizontalFlip(p),
                           v2.Lambda(lambda x: x), v2.ToDtype(torch.float32, scale=True)])

    def net(rate=0.1):
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(3, 2), nn.Dropout(rate), nn.ReLU())

    def outcome(factory, *args):
        return _outcome(factory, args, {}, seed=0)

    assert _same(outcome(pipeline), outcome(pipeline))
    assert not _same(outcome(pipeline), outcome(pipeline, 0.3))
    assert not _same(outcome(pipeline), outcome(pipeline, 0.5, False))
    assert _same(outcome(net), outcome(net))
    assert not _same(outcome(net), outcome(net, 0.2))


def test_replays_get_fresh_copies_of_a_stateful_function_argument():
    """Check the equivalence probe's replays of a call whose argument is a grader-side function with
    state (a Callback's query counter and budget, as in regions q6): the recorded call keeps the
    state it began with and every replay starts from it, so neither the grading run nor an earlier
    replay spends the budget of the next one (each would otherwise raise "budget exceeded")."""
    from autograder.checking import Callback, CallbackRefused
    from autograder.checking.marshal import local_callback
    from autograder.mutation.run import _outcome, _Recorder

    class Counter:
        used = 0

        def __call__(self, x):
            if self.used >= 2:
                raise CallbackRefused("query budget exceeded")
            self.used += 1
            return 2.0 * x

    oracle = Counter()
    f = local_callback(Callback(oracle, "f"))
    twice = lambda g, x: float(g(x) + g(x + 1.0))      # two queries: the whole budget
    calls = []
    assert _Recorder(twice, "twice", calls)(f, 1.0) == 6.0 and oracle.used == 2
    _, args, kwargs = calls[0]
    assert [_outcome(twice, args, kwargs, seed=0) for _ in range(3)] == [6.0, 6.0, 6.0]
    assert oracle.used == 2


def test_probe_redraws_a_callback_that_offers_variants():
    """Check the probe's variants of a grader-side Callback: one whose function offers
    ``probe_variant(rng)`` (regions' hidden nets) answers from a fresh variant in each probe; any
    other function argument stays as it is."""
    import numpy as np

    from autograder.checking import Callback
    from autograder.checking.marshal import local_callback
    from autograder.mutation.run import _perturbed

    class Hidden:
        def __init__(self, slope):
            self.slope = slope

        def __call__(self, x):
            return self.slope * x

        def probe_variant(self, rng):
            return Hidden(float(rng.uniform(2.0, 3.0)))

    f = local_callback(Callback(Hidden(1.0), "f"))
    rng = np.random.default_rng(0)
    answers = {_perturbed((f, 1.0), rng)[0](1.0) for _ in range(5)}
    assert len(answers) == 5 and all(2.0 <= a <= 3.0 for a in answers) and f(1.0) == 1.0
    plain = lambda x: x
    assert _perturbed((plain,), rng)[0] is plain


def test_pool_reports_results_cpu_timeouts_and_crashes():
    """Check the forked pool: a result comes back, a CPU hog is stopped by its CPU limit (not the
    wall clock), and a child that dies is a kill, not a lost result."""
    import os

    def spin():
        while True:
            pass

    started = time.monotonic()
    results = dict(Pool(2).map([("ok", lambda: {"status": "survived"}, 5.0), ("hog", spin, 1.0),
                                ("crash", lambda: os._exit(3), 5.0)]))
    assert results["ok"] == {"status": "survived"}
    assert results["hog"] == {"status": "timed out"}
    assert results["crash"]["status"] == "killed"
    assert time.monotonic() - started < 30


def test_sawtooth_relu_mutants_are_all_killed(suite_of):
    """Check the whole path on a real question: both mutants of sawtooth's relu are killed."""
    records = evaluate("sawtooth", ["sawtooth_q1"], jobs=2, log=lambda *a: None, suite=suite_of("sawtooth"))
    record = records["sawtooth_q1"]
    assert record.generated >= 2 and record.killed + record.timed_out == record.generated


def test_missed_survivors_are_reviewed_but_count_against_the_kill_rate():
    """Check the three kinds of survivor: UNREVIEWED is new (worse) and counts against the kill rate,
    an accepted correct answer leaves the kill rate's denominator, a MISSED wrong answer is not new
    but stays in the denominator; the stored kill rate follows the reasons."""
    record = baseline.QuestionRecord(generated=10, killed=7, survived={"a": "x", "b": "y", "c": "z"})
    record.accepted = {"a": {"mutant": "x", "reason": "a valid tie rule"},
                       "b": {"mutant": "y", "reason": f"{baseline.MISSED}: no affordable check sees it"},
                       "c": {"mutant": "z", "reason": f"{baseline.UNREVIEWED}: does this mutant deserve full marks?"}}
    assert record.kill_rate == pytest.approx(7 / 9)
    assert set(record.new_survivors) == {"c"}
    entry = baseline.to_json(record, {"accepted": record.accepted})
    assert entry["kill_rate"] == baseline.kill_rate_of(entry) == round(7 / 9, 4)
    assert [p for p in baseline.compare(record, entry) if "kill rate" in p] == []
    entry["accepted"]["c"]["reason"] = "correct: another valid rounding"      # a person reviews it
    assert baseline.kill_rate_of(entry) == round(7 / 8, 4) != entry["kill_rate"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_baseline_holds_on_a_sample(assignment, suite_of):
    """Check the committed baseline: every question meets the target kill rate, every accepted
    survivor carries a reviewed reason, and a sample of the mutants it records as killed are still
    killed by today's checks (a weaker check would let them survive)."""
    path = baseline.path_of(REPO, assignment)
    assert path.exists(), f"no mutation baseline: run `make mutants A={assignment} UPDATE=1` and review it"
    stored = baseline.load(path)
    for question, entry in stored.items():
        assert entry["kill_rate"] >= baseline.TARGET_KILL_RATE, (question, entry["kill_rate"])
        assert entry["kill_rate"] == baseline.kill_rate_of(entry), (question, "kill_rate does not match its reasons")
        unreviewed = {i: a for i, a in entry["accepted"].items() if a["reason"].startswith(baseline.UNREVIEWED)}
        assert not unreviewed, (question, unreviewed)
    sample = {q: entry["sample"] for q, entry in stored.items()}
    records = evaluate(assignment, sorted(sample), jobs=2, sample=sample, log=lambda *a: None, suite=suite_of(assignment))
    found = sum(r.generated for r in records.values())
    assert found >= 0.5 * sum(len(s) for s in sample.values()), "baseline is stale: rerun make mutants UPDATE=1"
    for question, record in records.items():
        assert not record.survived and not record.equivalent, (question, record.survived, record.equivalent)


@pytest.mark.parametrize("assignment, question", [("sawtooth", "sawtooth_q5"), ("regions", "regions_q6")])
def test_equivalence_probe_keeps_its_verdicts(assignment, question, suite_of):
    """Check the equivalence probe end to end, with the reference's replays computed once per
    question and shared by every survivor: a mutant the baseline lists as equivalent is still
    shown equivalent, and (regions q6) an accepted survivor, which answers differently from the
    reference on the probe's variants, is not called equivalent."""
    entry = baseline.load(baseline.path_of(REPO, assignment))[question]
    equivalent = sorted(entry["equivalent"])[:2]
    survivor = sorted(i for i, a in entry["accepted"].items() if not a["reason"].startswith(baseline.MISSED))[:1]
    record = evaluate(assignment, [question], jobs=2, sample={question: equivalent + survivor},
                      log=lambda *a: None, suite=suite_of(assignment))[question]
    assert record.generated == len(equivalent) + len(survivor)
    assert sorted(record.equivalent) == equivalent
    assert sorted(record.survived) == survivor
