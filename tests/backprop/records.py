r"""The records behind the statistical constants of `backprop`'s checks (hidden.py, public.py).

``python -m tests.backprop.records [seeds]`` measures, for the reference solution AND the
independent implementations of tests/backprop/alternatives.py, the per-seed statistics that the
checks compare with a limit, and prints for each: mean, standard deviation, extremes, and the
distance of the limit in standard deviations. Every correct implementation computes the same
function of the same random draws (the contracts fix every distribution), so a statistic has the
same law for all of them; another implementation, or another RNG order, is another draw. The
constants' comments in hidden.py quote these figures (about 3 minutes of CPU on one thread).
"""
from __future__ import annotations

import math
import sys

import numpy as np
import torch

from autograder.assignments.backprop import hidden, public
from autograder.checking import NetSpec, forward
from autograder.checking.marshal import marshal
from shared.backprop_lab import log_slope
from tests.backprop.alternatives import ALTERNATIVES, MAKERS
from tests.support import reference_namespace


def spec(module) -> NetSpec:
    return marshal(module, lambda obj: None)


def implementations(name: str, namespace: dict) -> dict:
    found = {"reference": namespace[name]}
    for alternative in ALTERNATIVES[name]:
        found[alternative.__name__] = alternative(namespace) if name in MAKERS else alternative
    return found


def report(label: str, values, limit: float, side: str) -> None:
    """side 'max': values must stay below limit; 'min': above; 'abs': |values| below."""
    v = np.asarray(values, dtype=np.float64)
    mean, sd = float(v.mean()), float(v.std(ddof=1))
    distance = {"max": limit - mean, "min": mean - limit, "abs": limit - abs(mean)}[side]
    worst = {"max": v.max(), "min": v.min(), "abs": np.abs(v).max()}[side]
    print(f"  {label:<44} n={len(v):4d} mean {mean:+.4f} sd {sd:.4f} worst {worst:+.4f} "
          f"limit {limit:+.3f} ({distance / sd if sd > 0 else math.inf:.1f} sd)")


def gradient_records(namespace: dict, seeds: int) -> None:
    print("q5 gradient norms (depth 12, width 32), per seed; the check averages 8 seeds")
    for name, f in implementations("gradient_norms_by_layer", namespace).items():
        print(f" {name}")
        for activation, init, limit, side in (("sigmoid", "default", hidden.SIGMOID_DEFAULT_MAX_SLOPE, "max"),
                                              ("sigmoid", "he", hidden.SIGMOID_HE_MAX_SLOPE, "max"),
                                              ("relu", "default", hidden.RELU_DEFAULT_MAX_SLOPE, "max"),
                                              ("relu", "he", hidden.RELU_HE_MAX_ABS_SLOPE, "abs")):
            slopes = [log_slope(f(hidden.DEPTH, hidden.WIDTH, activation, init, s)) for s in range(seeds)]
            report(f"slope {activation}/{init}", slopes, limit, side)
        gaps = [np.mean(np.log(f(hidden.DEPTH, hidden.WIDTH, "relu", "he", s)))
                - np.mean(np.log(f(hidden.DEPTH, hidden.WIDTH, "relu", "default", s))) for s in range(seeds)]
        report("relu he - default mean log-norm gap", gaps, hidden.RELU_HE_MIN_LOG_GAP, "min")
        order = [math.log(v[0] / v[-1]) for v in (f(*public.ORDER_CALL[:4], s) for s in range(seeds))]
        report("public order: ln(norm_1 / norm_6), depth 6 width 16", order, 0.0, "max")


def level_records(namespace: dict, seeds: int) -> None:
    """The law behind hidden.LEVEL_*: the numpy oracle (400000 draws, as quoted) and every implementation."""
    from scipy import stats

    from autograder.assignments.backprop import gradients

    print(f"q5 level: ln ||dL/dW_l|| at depth {hidden.LEVEL_DEPTH} (sigmoid, default, width {hidden.WIDTH}); "
          "the check averages 8 seeds")
    rng = np.random.default_rng(1)
    law = np.concatenate([gradients.log_norms(hidden.LEVEL_DEPTH, hidden.WIDTH, "sigmoid", "default", rng, 10000)
                          for _ in range(40)])
    mean, sd = law.mean(0), law.std(0)
    eights = (law.reshape(-1, 8, hidden.LEVEL_DEPTH).mean(1) - mean) / (sd / math.sqrt(8))
    print(f"  oracle n={len(law)} mean {np.round(mean, 4)} sd {np.round(sd, 4)} skew {np.round(stats.skew(law), 2)} "
          f"excess kurtosis {np.round(stats.kurtosis(law), 2)}; largest |8-seed mean - mean| "
          f"{np.round(np.abs(eights).max(0), 1)} sd; tolerances "
          f"{np.round(np.array(hidden.LEVEL_TOLERANCE) / (sd / math.sqrt(8)), 1)} sd")
    for name, f in implementations("gradient_norms_by_layer", namespace).items():
        logs = np.log([f(hidden.LEVEL_DEPTH, hidden.WIDTH, "sigmoid", "default", s) for s in range(seeds)])
        print(f"  {name:<28} n={seeds} mean {np.round(logs.mean(0), 4)} sd {np.round(logs.std(0, ddof=1), 4)} "
              f"(oracle mean within {np.round(np.abs(logs.mean(0) - mean) / (sd / math.sqrt(seeds)), 1)} "
              "standard errors)")


def replay_records(namespace: dict, seeds: int) -> None:
    """How far each implementation's epoch on equal examples is from the float64 Adam replay
    (hidden.SAME_CODE_RTOL, SAME_EXAMPLE_RTOL), as a fraction of the replay's decrease."""
    from autograder.assignments.backprop import adam
    from autograder.checking.marshal import unmarshal

    print("q6/q8 Adam replay on equal examples: |loss - replayed loss| / replayed decrease, worst over seeds and n")
    c = hidden._same_code()
    ae_loss = lambda params: adam.autoencoder_loss(params, c)
    for name, train in implementations("train_autoencoder_layer", namespace).items():
        worst = 0.0
        for s in range(seeds):
            for n in hidden.SAME_CODE_NS:
                codes = torch.tensor(np.tile(c, (n, 1)), dtype=torch.float32)
                width = hidden.SAME_CODE_SHAPE[1]
                start = hidden._autoencoder_params(*(spec(m) for m in train(codes, width, 0, s)[:2]))
                end = hidden._autoencoder_params(*(spec(m) for m in train(codes, width, 1, s)[:2]))
                _, first, want, got, _ = adam.equal_examples_epoch(start, end, ae_loss, n, 64)
                worst = max(worst, abs(got - want) / (first - want))
        print(f"  q6 {name:<28} n={seeds} worst {worst:.2e} (limit {hidden.SAME_CODE_RTOL})")
    d = hidden.digits()
    x, label = d["X_train"][0], int(d["y_train"][0])
    ce = lambda params: adam.classifier_loss(params, x, label)
    for name, f in implementations("finetune", namespace).items():
        worst = 0.0
        for s in range(seeds):
            for n in hidden.SAME_EXAMPLE_NS:
                data = unmarshal(hidden._same_example_data(n, d), lambda h: None)
                start, end = (hidden._model_params(spec(f(unmarshal(public.small_encoder(), lambda h: None), data, n,
                                                          epochs, s)[0])) for epochs in (0, 1))
                _, first, want, got, _ = adam.equal_examples_epoch(start, end, ce, n, 32)
                worst = max(worst, abs(got - want) / (first - want))
        print(f"  q8 {name:<28} n={seeds} worst {worst:.2e} (limit {hidden.SAME_EXAMPLE_RTOL})")


def pretraining_records(namespace: dict, seeds: int) -> None:
    print("q6 autoencoder stages, 10 epochs (ratio = MSE / variance of the codes)")
    x = hidden.digits()["X_train"]
    for name, train in implementations("train_autoencoder_layer", namespace).items():
        ratios, fractions, codes_ratio, fractions2, rel = [], [], [], [], []
        for s in range(seeds):
            enc, dec, losses = train(torch.tensor(x, dtype=torch.float32), 32, hidden.PRETRAIN_EPOCHS, 1000 + s)
            e, d = spec(enc), spec(dec)
            mse = public.reconstruction_mse(e, d, x)
            rel.append(abs(mse - losses[-1]) / mse)
            ratios.append(mse / np.mean((x - x.mean(0)) ** 2))
            fractions.append(losses[-1] / losses[0])
            codes = hidden._f32(forward(e, x))
            enc2, dec2, losses2 = train(torch.tensor(codes, dtype=torch.float32), 16, hidden.PRETRAIN_EPOCHS, 2000 + s)
            mse2 = public.reconstruction_mse(spec(enc2), spec(dec2), codes)
            codes_ratio.append(mse2 / np.mean((codes - codes.mean(0)) ** 2))
            fractions2.append(losses2[-1] / losses2[0])
        print(f" {name}")
        report("stage 1 ratio", ratios, hidden.STAGE_MAX_RATIO[0], "max")
        report("stage 2 ratio", codes_ratio, hidden.STAGE_MAX_RATIO[1], "max")
        report("stage 1 last / first loss", fractions, hidden.STAGE_MAX_FRACTION_OF_START, "max")
        report("stage 2 last / first loss", fractions2, hidden.STAGE_MAX_FRACTION_OF_START, "max")
        report("|reported - recomputed| / recomputed", rel, public.LOSS_RTOL, "max")
    print("q7 probe gap of greedy_pretrain(X, [32, 16], 10, seed) (reference stages, as while grading)")
    d = hidden.digits()
    greedy = namespace["greedy_pretrain"]
    gaps = []
    for s in range(seeds):
        net = spec(greedy(torch.tensor(d["X_train"], dtype=torch.float32), [32, 16], hidden.PRETRAIN_EPOCHS, 3000 + s))
        pretrained, random = hidden.probe_gap(net, d, np.random.default_rng(s))
        gaps.append(pretrained - random)
    report("probe gap (pretrained - random)", gaps, hidden.MIN_PROBE_GAP, "min")


def finetune_records(namespace: dict, seeds: int) -> None:
    print("q8 fine-tuning a random [32, 16] encoder on all labels, 10 epochs")
    from shared.backprop_lab import load_digits_split

    data = load_digits_split()
    d = hidden.digits()
    for name, f in implementations("finetune", namespace).items():
        accuracies, gaps = [], []
        for s in range(seeds):
            encoder = hidden.random_sigmoid_encoder(np.random.default_rng(5000 + s), [32, 16])
            from autograder.checking.marshal import unmarshal

            model, accuracy = f(unmarshal(encoder, lambda h: None), data, hidden.N_TRAIN, 10, s)
            accuracies.append(accuracy)
            logits = np.sort(forward(spec(model), d["X_test"]), axis=1)
            gaps.append(float(np.min(logits[:, -1] - logits[:, -2])))
        print(f" {name}")
        report("test accuracy", accuracies, hidden.MIN_FULL_ACCURACY, "min")
        report("smallest top-two logit gap on the test digits", gaps, 2e-5, "min")


def main(seeds: int = 40) -> int:
    torch.set_num_threads(1)
    namespace = reference_namespace("backprop")
    gradient_records(namespace, 10 * seeds)
    level_records(namespace, 10 * seeds)
    replay_records(namespace, 5 * seeds)
    pretraining_records(namespace, seeds)
    finetune_records(namespace, seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
