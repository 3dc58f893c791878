r"""The oracles of the backprop checks, against torch.autograd in float64 (the grading process
never imports torch, so this is where the issue's "compare with torch.autograd" lives), and the
empirical records behind the statistical tolerances of hidden.py."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from scipy.special import expit

from autograder.assignments.backprop import bumps, hidden, oracle
from shared.backprop_lab import digits_arrays, log_slope, run_program

pytestmark = pytest.mark.backprop

TORCH_RTOL = 1e-10

TORCH_OPS = {
    "neg": lambda a: -a, "sin": torch.sin, "cos": torch.cos, "exp": torch.exp, "tanh": torch.tanh,
    "relu": torch.relu, "sigmoid": torch.sigmoid,
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "pow": lambda a, c: a ** c, "add_c": lambda a, c: a + c, "radd_c": lambda a, c: c + a,
    "sub_c": lambda a, c: a - c, "rsub_c": lambda a, c: c - a, "mul_c": lambda a, c: a * c,
    "rmul_c": lambda a, c: c * a, "div_c": lambda a, c: a / c, "rdiv_c": lambda a, c: c / a,
}


def torch_program(inputs, program) -> tuple:
    """Every node's value and d(last)/d(node) by torch.autograd in float64 (retain_grad on all)."""
    nodes = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in inputs]
    for step in program:
        op = step[0]
        if op in oracle.UNARY_OPS:
            out = TORCH_OPS[op](nodes[step[1]])
        elif op in oracle.BINARY_OPS:
            out = TORCH_OPS[op](nodes[step[1]], nodes[step[2]])
        else:
            out = TORCH_OPS[op](nodes[step[1]], float(step[2]))
        out.retain_grad()
        nodes.append(out)
    nodes[-1].backward()
    data = np.array([float(n.detach()) for n in nodes])
    grads = np.array([0.0 if n.grad is None else float(n.grad) for n in nodes])
    return data, grads


def close(a, b, rtol=TORCH_RTOL) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(np.abs(a - b) <= rtol * np.maximum(1.0, np.abs(b))))


def programs(count: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [oracle.random_program(rng, int(rng.integers(1, 4)), int(rng.integers(8, 31))) for _ in range(count)]


def test_forward_mode_oracle_matches_torch_autograd():
    """Check that oracle.evaluate/adjoints (forward mode, numpy) equal torch.autograd in float64 to
    1e-10 on the 30 graded random programs, 200 more, the shared-node programs and every local rule."""
    cases = programs(hidden.RANDOM_PROGRAMS, hidden.RANDOM_SEED) + programs(200, 1) + hidden.SHARED_PROGRAMS
    cases += [([a], [(op, 0)]) for op in oracle.UNARY_OPS for a in hidden.UNARY_POINTS]
    cases += [([a, b], [(op, 0, 1)]) for op in oracle.BINARY_OPS for a, b in hidden.BINARY_POINTS]
    cases += [([a], [("pow", 0, c)]) for a, c in hidden.POW_POINTS]
    worst = 0.0
    for inputs, program in cases:
        data, grads = torch_program(inputs, program)
        assert close(oracle.evaluate(inputs, program), data), (inputs, program)
        assert close(oracle.adjoints(inputs, program), grads), (inputs, program)
        worst = max(worst, float(np.max(np.abs(oracle.adjoints(inputs, program) - grads)
                                        / np.maximum(1.0, np.abs(grads)))))
    assert worst < 1e-13          # the record quoted next to VALUE_RTOL in hidden.py


def test_random_programs_share_nodes_and_stay_moderate():
    """Check that the graded random programs reuse nodes (shared subexpressions, the same node twice
    in one op) and keep values within MAX_ABS_VALUE."""
    cases = programs(hidden.RANDOM_PROGRAMS, hidden.RANDOM_SEED)
    reused = twice = 0
    for inputs, program in cases:
        uses = {}
        for step in program:
            operands = [step[1]] + ([step[2]] if step[0] in oracle.BINARY_OPS else [])
            twice += len(operands) == 2 and operands[0] == operands[1]
            for k in operands:
                uses[k] = uses.get(k, 0) + 1
        reused += sum(1 for v in uses.values() if v > 1)
        assert np.all(np.abs(oracle.evaluate(inputs, program)) <= oracle.MAX_ABS_VALUE)
    assert reused >= 2 * len(cases) and twice >= 5


def test_reference_value_matches_torch_autograd(reference):
    """Check the master's Value, run through shared.backprop_lab.run_program, against torch.autograd
    (float64, 1e-10) on 100 random programs."""
    for inputs, program in programs(100, 2):
        result = run_program(reference["Value"], inputs, program)
        assert result["ok"], result
        data, grads = torch_program(inputs, program)
        assert close(result["data"], data) and close(result["grad"], grads), (inputs, program)


def test_forward_backward_J_matches_torch_autograd(reference):
    """Check the master's forward_backward_J and the oracle hidden.j_oracle (the graph as a program,
    forward mode) against torch.autograd in float64 at the graded points and parameters, to 1e-10."""
    for a, b in hidden.J_PARAMETERS:
        for x in hidden.J_POINTS:
            xt = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
            t = xt ** 2
            u1, u2 = torch.sin(t), a * t
            u = u1 + u2
            for node in (t, u1, u2, u):
                node.retain_grad()
            J = torch.cos(u) + b * t
            J.backward()
            grads = {"dJ_du": u.grad.item(), "dJ_du1": u1.grad.item(), "dJ_du2": u2.grad.item(),
                     "dJ_dt": t.grad.item(), "dJ_dx": xt.grad.item()}
            want = {"t": t.item(), "u1": u1.item(), "u2": u2.item(), "u": u.item(), "J": J.item(), **grads}
            for source in (reference["forward_backward_J"](float(x), a, b), hidden.j_oracle(float(x), a, b)):
                assert all(close(source[k], want[k]) for k in want), (x, a, b, source, want)


def test_bump_bound_holds_and_is_tight(reference):
    """Check that the reference cybenko_approx is within the pointwise bound everywhere on the graded
    grid, that the bound is within a factor 3 of the actual error somewhere for steep bumps, and that
    the sup bound L (3h/2 + 2 ln 2 / k) is above the pointwise one."""
    approx = reference["cybenko_approx"]
    for name, (f, _, lo, hi, lipschitz, _) in hidden.TARGETS.items():
        x = np.linspace(lo, hi, hidden.BOUND_POINTS)
        for n in hidden.BOUND_GRID[0]:
            h = (hi - lo) / n
            for kh in hidden.BOUND_GRID[1]:
                err = np.abs(approx(f, lo, hi, n, kh / h)(x) - f(x))
                bound = bumps.error_bound(x, lo, hi, n, kh / h, lipschitz)
                assert np.all(err <= bound + 1e-12)
                assert bound.max() <= bumps.sup_bound(h, kh / h, lipschitz) + 1e-12
                if kh == 32.0 and n == 64 and name == "wave":
                    assert bound.max() <= 3 * err.max()


def test_closed_edges_break_the_bound_at_the_ends():
    """Check the claim next to BOUND_GRID: bumps with finite outer edges are off by |f(lo)|/2 at
    x = lo, above the pointwise bound for every target at n = 64, k h = 32."""
    for name, (f, _, lo, hi, lipschitz, _) in hidden.TARGETS.items():
        n, kh = 64, 32.0
        h = (hi - lo) / n
        edges = lo + h * np.arange(n + 1)
        heights = f(lo + h * (np.arange(n) + 0.5))
        g_lo = sum(heights[i] * (expit(kh / h * (lo - edges[i])) - expit(kh / h * (lo - edges[i + 1])))
                   for i in range(n))
        assert abs(g_lo - f(lo)) > bumps.error_bound(np.array([lo]), lo, hi, n, kh / h, lipschitz)[0]


def test_rate_bounds_bracket_the_error(reference):
    """Check the derived rates the 1/n rung grades: at k h = 2 the reference's error at x = lo lies
    between the first-order lower bound and the sup bound, the lower bound within 2% of it at
    n = 256 (so it is tight), and n err converges (it falls like 1/n)."""
    f, fprime, lo, hi, lipschitz, curvature = hidden.TARGETS[hidden.RATE_TARGET]
    approx = reference["cybenko_approx"]
    scaled = []
    for n in hidden.RATE_NS:
        h = (hi - lo) / n
        at_lo = abs(approx(f, lo, hi, n, hidden.RATE_KH / h)(np.array([lo]))[0] - f(lo))
        lower = bumps.end_error_lower_bound(float(fprime(lo)), curvature, lo, hi, n, hidden.RATE_KH)
        assert 0 < lower <= at_lo <= bumps.sup_bound(h, hidden.RATE_KH / h, lipschitz)
        scaled.append(n * at_lo)
    assert lower >= 0.98 * at_lo
    assert abs(scaled[-1] - scaled[-2]) < 0.05 * scaled[-1]


def test_smoothed_limit_quadrature_matches_scipy_quad():
    """Check g_inf (400-node Gauss-Legendre) against scipy.integrate.quad at a few points, to 1e-12,
    and that the plateau of the graded target is far from 0 (0.41)."""
    from scipy.integrate import quad

    f, fprime, lo, hi, _, _ = hidden.TARGETS[hidden.PLATEAU_TARGET]
    k = hidden.PLATEAU_K
    x = np.array([lo, -0.7, 0.0, 1.3, hi])
    mine = bumps.smoothed_limit(x, float(f(lo)), fprime, lo, hi, k)
    for xi, value in zip(x, mine):
        exact = f(lo) + quad(lambda e: fprime(e) * expit(k * (xi - e)), lo, hi, epsabs=1e-14, epsrel=1e-14, limit=200)[0]
        assert abs(value - exact) < 1e-12
    grid = np.linspace(lo, hi, hidden.PLATEAU_POINTS)
    assert np.max(np.abs(bumps.smoothed_limit(grid, float(f(lo)), fprime, lo, hi, k) - f(grid))) > 0.4


def test_digits_are_scikit_learns():
    """Check that the digits read from scikit-learn's bundled file equal sklearn.datasets.load_digits."""
    from sklearn.datasets import load_digits

    images, labels = digits_arrays()
    data = load_digits()
    assert np.array_equal(images, data.data / 16.0) and np.array_equal(labels, data.target)


def test_gradient_slope_records(reference):
    """Re-measure the slope records quoted in hidden.py on 20 fresh seeds (mean within 3 standard
    errors of the quoted mean, every seed at least 5 quoted standard deviations inside its limit)."""
    f = reference["gradient_norms_by_layer"]
    quoted = {("sigmoid", "default"): (-1.98, 0.030, hidden.SIGMOID_DEFAULT_MAX_SLOPE, "max"),
              ("sigmoid", "he"): (-1.20, 0.037, hidden.SIGMOID_HE_MAX_SLOPE, "max"),
              ("relu", "default"): (-0.758, 0.045, hidden.RELU_DEFAULT_MAX_SLOPE, "max"),
              ("relu", "he"): (-0.014, 0.028, hidden.RELU_HE_MAX_ABS_SLOPE, "abs")}
    for (activation, init), (mean, sd, limit, kind) in quoted.items():
        slopes = np.array([log_slope(f(hidden.DEPTH, hidden.WIDTH, activation, init, 1000 + s)) for s in range(20)])
        assert abs(slopes.mean() - mean) <= 3 * sd / math.sqrt(20) + 0.01, (activation, init, slopes.mean())
        margin = (limit - slopes) if kind == "max" else (limit - np.abs(slopes))
        assert np.all(margin >= 5 * sd), (activation, init, slopes)


@pytest.mark.slow
def test_pretraining_records(reference):
    """Re-measure, on 3 fresh seeds, the stage-loss ratios and the probe gap quoted in hidden.py:
    each within its limit with room to spare."""
    x = hidden.digits()["X_train"]
    d = hidden.digits()
    train, greedy = reference["train_autoencoder_layer"], reference["greedy_pretrain"]
    from autograder.checking import NetSpec, forward
    from autograder.checking.marshal import marshal

    def spec(module):
        return marshal(module, lambda obj: None)

    for s in range(3):
        enc, dec, losses = train(torch.tensor(x, dtype=torch.float32), 32, hidden.PRETRAIN_EPOCHS, 500 + s)
        enc_spec = spec(enc)
        mse = float(np.mean((forward(NetSpec(enc_spec.layers + spec(dec).layers), x) - x) ** 2))
        assert abs(mse - losses[-1]) <= 1e-5 * mse
        assert mse <= 0.6 * hidden.STAGE_MAX_RATIO[0] * np.mean((x - x.mean(0)) ** 2)
        net = spec(greedy(torch.tensor(x, dtype=torch.float32), [32, 16], hidden.PRETRAIN_EPOCHS, 600 + s))
        probe = hidden.ridge_probe_accuracy(forward(net, d["X_train"][:50]), d["y_train"][:50],
                                            forward(net, d["X_test"]), d["y_test"])
        rng = np.random.default_rng(s)
        rand = np.mean([hidden.ridge_probe_accuracy(forward(r, d["X_train"][:50]), d["y_train"][:50],
                                                    forward(r, d["X_test"]), d["y_test"])
                        for r in [hidden.random_sigmoid_encoder(rng, [32, 16]) for _ in range(3)]])
        assert probe - rand >= 2 * hidden.MIN_PROBE_GAP, (probe, rand)


# -- q5: the law of the gradient norms, sampled in numpy ----------------------------------------------
@pytest.mark.parametrize("depth, activation, init",
                         [(2, "sigmoid", "default"), (3, "relu", "he"), (2, "relu", "default")])
def test_gradient_law_oracle_matches_torch(reference, depth, activation, init):
    """Check gradients.log_norms against the reference in torch: the mean ln-norm of every layer over
    3000 simulated draws and over 150 torch seeds agree within 5 standard errors, and so do the sds
    (within 20%)."""
    from autograder.assignments.backprop import gradients

    law = gradients.log_norms(depth, 32, activation, init, np.random.default_rng(11), 3000)
    f = reference["gradient_norms_by_layer"]
    torch_logs = np.log([f(depth, 32, activation, init, 7000 + s) for s in range(150)])
    se = np.sqrt(law.var(0) / len(law) + torch_logs.var(0) / len(torch_logs))
    assert np.all(np.abs(law.mean(0) - torch_logs.mean(0)) <= 5 * se), (law.mean(0), torch_logs.mean(0), se)
    assert np.all(np.abs(torch_logs.std(0) / law.std(0) - 1) <= 0.2), (law.std(0), torch_logs.std(0))


def test_level_constants_are_the_oracles():
    """Check hidden.LEVEL_MEAN and LEVEL_SD (from 400000 draws) against 4000 fresh draws of the
    oracle: means within 5 standard errors, sds within 5%; and the tolerances are >= 7 sds of an
    8-seed mean."""
    from autograder.assignments.backprop import gradients

    law = gradients.log_norms(hidden.LEVEL_DEPTH, hidden.WIDTH, "sigmoid", "default", np.random.default_rng(12), 4000)
    sd = np.array(hidden.LEVEL_SD)
    assert np.all(np.abs(law.mean(0) - np.array(hidden.LEVEL_MEAN)) <= 5 * sd / math.sqrt(len(law)))
    assert np.all(np.abs(law.std(0) / sd - 1) <= 0.05)
    assert np.all(np.array(hidden.LEVEL_TOLERANCE) >= 7 * sd / math.sqrt(len(hidden.GRADIENT_SEEDS)))


# -- q6, q8: Adam replayed in float64 ----------------------------------------------------------------
def _torch_params(params):
    return [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]


def test_adam_oracle_gradients_match_torch_autograd():
    """Check adam.autoencoder_loss and adam.classifier_loss (value and hand-written gradients)
    against torch.autograd in float64 at random parameters."""
    from autograder.assignments.backprop import adam

    rng = np.random.default_rng(5)
    c = rng.uniform(0, 1, 6)
    params = [rng.normal(0, 0.5, (3, 6)), rng.normal(0, 0.5, 3), rng.normal(0, 0.5, (6, 3)), rng.normal(0, 0.5, 6)]
    value, grads = adam.autoencoder_loss(params, c)
    w, b, dw, db = tp = _torch_params(params)
    loss = ((dw @ torch.sigmoid(w @ torch.tensor(c) + b) + db - torch.tensor(c)) ** 2).mean()
    loss.backward()
    assert close(value, loss.item())
    assert all(np.allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-14) for g, t in zip(grads, tp))

    x = rng.uniform(0, 16, 64)
    params = [rng.normal(0, 0.1, (5, 64)), rng.normal(0, 0.1, 5), rng.normal(0, 0.5, (4, 5)), rng.normal(0, 0.5, 4),
              rng.normal(0, 0.5, (10, 4)), rng.normal(0, 0.5, 10)]
    value, grads = adam.classifier_loss(params, x, 7)
    tp = _torch_params(params)
    h = torch.tensor(x)
    for k in range(0, 4, 2):
        h = torch.sigmoid(tp[k] @ h + tp[k + 1])
    loss = torch.nn.functional.cross_entropy((tp[4] @ h + tp[5])[None], torch.tensor([7]))
    loss.backward()
    assert close(value, loss.item())
    assert all(np.allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-14) for g, t in zip(grads, tp))


def test_adam_run_matches_torch_optim_adam():
    """Check adam.adam_run against torch.optim.Adam (float64, lr 1e-2, 5 steps) on the autoencoder
    loss of one code: the same parameters to 1e-12."""
    from autograder.assignments.backprop import adam

    rng = np.random.default_rng(6)
    c = rng.uniform(0, 1, 6)
    params = [rng.normal(0, 0.5, (3, 6)), rng.normal(0, 0.5, 3), rng.normal(0, 0.5, (6, 3)), rng.normal(0, 0.5, 6)]
    mine = adam.adam_run(params, lambda p: adam.autoencoder_loss(p, c), 5, lr=1e-2)
    tp = _torch_params(params)
    optimizer = torch.optim.Adam(tp, lr=1e-2)
    ct = torch.tensor(c)
    for _ in range(5):
        optimizer.zero_grad()
        ((tp[2] @ torch.sigmoid(tp[0] @ ct + tp[1]) + tp[3] - ct) ** 2).mean().backward()
        optimizer.step()
    assert all(np.allclose(m, t.detach().numpy(), rtol=0, atol=1e-12) for m, t in zip(mine, tp))
    assert [adam.steps_per_epoch(n, b) for n, b in ((127, 64), (129, 64), (64, 32), (65, 32))] == [2, 3, 2, 3]
