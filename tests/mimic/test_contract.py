r"""The training contract the graders execute, and the derivation of its tolerances.

* ``public.contract_run`` (numpy, hand-written gradients) equals an independent float64 run with
  torch (tests/mimic/roundoff.py) on every graded instance.
* For every instance a check trains on (public and hidden), the first-order worst case of the
  round-off of any float32 implementation (roundoff.certify) lies 10x or more inside
  TRAJ_LOSS_RTOL and TRAJ_LOGIT_ATOL, no ReLU kink and no Adam step is within reach of it, and an
  adversarial nonlinear run reproduces the first-order prediction (so it is the whole story).
* Independent correct implementations (torch's Adam or a hand-written one, float32 or float64) stay
  inside the worst case; each slip of the loop departs by 40-90x the tolerance or more, and a torch
  implementation of each slip follows the simulated slip (so the message names it correctly).
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.assignments.mimic import hidden, public
from autograder.assignments.mimic.public import (
    SLIPS, TRAJ_LOGIT_ATOL, TRAJ_LOSS_RTOL, contract_run, forward, held_out, teacher_spec, tiny_instance,
)
from autograder.checking import TensorArg, student
from tests.mimic import implementations as impl
from tests.mimic.conftest import installed
from tests.mimic.roundoff import certify, perturbed, probe_output, trace

pytestmark = pytest.mark.mimic

INSTANCES = {
    "public labels": tiny_instance("cross_entropy"),
    "public mimic": tiny_instance("mse"),
    "public mimic+extra": tiny_instance("mse", extra=True),
    "graded labels": hidden.graded_instance("cross_entropy"),
    "graded mimic": hidden.graded_instance("mse"),
    "graded mimic+extra": hidden.graded_instance("mse", extra=True),
}
GRADED = [name for name in INSTANCES if name.startswith("graded")]


@pytest.fixture(scope="module")
def certificates():
    return {name: certify(inst) for name, inst in INSTANCES.items()}


@pytest.mark.parametrize("name", INSTANCES)
def test_contract_run_is_the_exact_run(name):
    """Check that the grader's numpy run equals an independent float64 torch run of the contract."""
    inst = INSTANCES[name]
    run = contract_run(inst.init, inst.x, inst.targets, inst.loss, inst.epochs, inst.lr)
    other = trace(inst)
    np.testing.assert_allclose(run.losses, [float(v) for v in other["losses"]], rtol=1e-12)
    got = [a for layer in run.nets[inst.epochs].linear_layers for a in (layer.weight, layer.bias)]
    for a, b in zip(got, other["params"][-1]):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-10, atol=1e-14)


def test_tolerances_cover_the_worst_roundoff(certificates):
    """Check, per instance, that first order is exact enough (kink ratio > 2, Adam smooth) and that
    the tolerances are at least 10x the worst case; print the figures quoted in public.py."""
    for name, cert in certificates.items():
        print(f"{name}: loss {cert.loss_rel:.2e}, logit {cert.logit_abs:.2e}, kink ratio {cert.kink_ratio:.1f}, "
              f"smooth ratio {cert.smooth_ratio:.0f}")
        assert cert.kink_ratio > 2.0, name
        assert cert.smooth_ratio > 10.0, name
        assert TRAJ_LOSS_RTOL >= 10 * cert.loss_rel, name
        assert TRAJ_LOGIT_ATOL >= 10 * cert.logit_abs, name
    assert max(c.loss_rel for c in certificates.values()) < 1.6e-5       # the figures quoted in public.py
    assert max(c.logit_abs for c in certificates.values()) < 9.5e-6
    assert min(c.kink_ratio for c in certificates.values()) > 39.0


@pytest.mark.parametrize("name", INSTANCES)
def test_first_order_is_the_whole_story(certificates, name):
    """Check that the nonlinear run with every rounding at its bound, signed to push one output as
    far as possible, moves it by the first-order prediction (within 1%), and random roundings less."""
    inst, cert = INSTANCES[name], certificates[name]
    where = {"cert_loss": cert.probes["where"]["loss"], "at": cert.probes["where"]["at"]}
    rng = np.random.default_rng(0)
    for probe in ("loss", "logit 0", "logit 1"):
        row = cert.probes[probe]
        nominal = float(probe_output(cert.nominal, probe, inst, **where))
        worst = abs(float(probe_output(perturbed(inst, cert, np.sign(row)), probe, inst, **where)) - nominal)
        predicted = float(np.abs(row).sum())
        assert abs(worst - predicted) <= 0.01 * predicted, (probe, worst, predicted)
        for _ in range(3):
            moved = abs(float(probe_output(perturbed(inst, cert, rng.uniform(-1, 1, row.size)), probe, inst,
                                           **where)) - nominal)
            assert moved <= predicted, (probe, moved, predicted)


def _deviation(inst, result) -> tuple:
    """Largest relative gap of the recorded losses and largest logit gap of the returned model."""
    run = contract_run(inst.init, inst.x, inst.targets, inst.loss, inst.epochs, inst.lr)
    losses = np.asarray(result["loss"])
    x = held_out()
    return (float(np.max(np.abs(losses - run.losses) / run.losses)),
            float(np.max(np.abs(forward(result["model"], x) - forward(run.nets[inst.epochs], x)))))


def _train(ns, inst):
    if inst.loss == "cross_entropy":
        return student(ns["train_on_labels"], "train_on_labels")(inst.init, inst.data(), inst.epochs, inst.lr, 0)
    kwargs = {} if inst.extra is None else {"extra_inputs": TensorArg(inst.extra, "float32")}
    return student(ns["train_mimic"], "train_mimic")(inst.init, teacher_spec(), inst.data(), inst.epochs, inst.lr,
                                                     0, **kwargs)


CORRECT_TRAINING = {"reference": None, **{f"labels {k}": impl.labels_impl(k) for k in impl.LOOPS},
                    **{f"mimic {k}": impl.mimic_impl(k) for k in impl.LOOPS}}


@pytest.mark.parametrize("which", CORRECT_TRAINING)
def test_correct_implementations_stay_inside_the_worst_case(certificates, reference, which):
    """Check that independent correct implementations follow the exact run within the first-order
    worst case of round-off (which the tolerances exceed 10x)."""
    with installed(reference, CORRECT_TRAINING[which] or (lambda ns: {})) as ns:
        for name, inst in INSTANCES.items():
            if which != "reference" and which.split()[0] != ("labels" if inst.loss == "cross_entropy" else "mimic"):
                continue
            loss_gap, logit_gap = _deviation(inst, _train(ns, inst))
            cert = certificates[name]
            assert loss_gap <= cert.loss_rel and logit_gap <= cert.logit_abs, (name, loss_gap, logit_gap)


SLIP_OPTIONS = {   # the torch implementation of each simulated slip (public.SLIPS, in order)
    "without zeroing the gradients": {"zero_grad": False},
    "at a constant learning rate": {"schedule": "constant"},
    "with the scheduler stepped before the optimizer": {"schedule": "early"},
    "with plain gradient descent": {"optimizer": "sgd"},
    "at Adam's default learning rate": {"use_lr": False},
    "with a new Adam optimizer every epoch": {"optimizer": "fresh_adam"},
    "recording the loss after the step": {"record": "after"},
}


@pytest.mark.parametrize("slip", SLIPS, ids=[s.slip.split(":")[0] for s in SLIPS])
def test_slips_depart_far_beyond_the_tolerance(reference, slip):
    """Check that each simulated slip departs from the contract on every graded run by 90x the logit
    tolerance or more (40x the loss tolerance on the losses for a recording slip), and that a torch loop
    with that slip follows the simulated slip (so the message names the right mistake)."""
    options = next(v for k, v in SLIP_OPTIONS.items() if slip.slip.startswith(k))
    for name in GRADED:
        inst = INSTANCES[name]
        exact = contract_run(inst.init, inst.x, inst.targets, inst.loss, inst.epochs, inst.lr)
        slipped = contract_run(inst.init, inst.x, inst.targets, inst.loss, inst.epochs, inst.lr, slip)
        loss_gap = float(np.max(np.abs(slipped.losses - exact.losses) / exact.losses))
        x = held_out()
        logit_gap = float(np.max(np.abs(forward(slipped.nets[inst.epochs], x) - forward(exact.nets[inst.epochs], x))))
        if slip.record == "after":
            assert loss_gap >= 40 * TRAJ_LOSS_RTOL, (name, loss_gap)
        else:
            assert logit_gap >= 90 * TRAJ_LOGIT_ATOL, (name, logit_gap)
        maker = impl.labels_slip(**options) if inst.loss == "cross_entropy" else impl.mimic_slip(**options)
        with installed(reference, maker) as ns:
            result = _train(ns, inst)
        torch_losses = np.asarray(result["loss"])
        assert np.max(np.abs(torch_losses - slipped.losses) / slipped.losses) <= TRAJ_LOSS_RTOL, name
        torch_gap = np.max(np.abs(forward(result["model"], x) - forward(slipped.nets[inst.epochs], x)))
        assert torch_gap <= TRAJ_LOGIT_ATOL, (name, torch_gap)
