r"""The augmentation graders, in process: independent correct implementations keep full marks, each
plausible mistake loses exactly the points of its own question with a message that teaches, and a
wrong helper costs only its own question (SUBSTITUTES). (Reference full marks and stub zero:
tests/test_graders_common.py; whole notebooks through the sandbox: tests/test_notebooks.py; the
oracles and the data set: test_oracle.py, test_face_oracle.py, test_data.py; the augmentation
experiment's statistics: test_gap_statistics.py.)

A mistake or an alternative replaces notebook names in a copy of the reference namespace; the
factories in implementations.py and here take the reference namespace for the helpers a student's
cell would find as globals.
"""
from __future__ import annotations

import copy
import dataclasses
import math
import random

import numpy as np
import pytest
import torch
from torch import nn
from torchvision.transforms import v2

from autograder.grading.engine import grade_namespace
from tests.augmentation import implementations
from tests.support import REPO, failures, namespace_from, scores, solution_sources, with_replacement

ASSIGNMENT = "augmentation"


@pytest.fixture(scope="module")
def full(suite, reference):
    return scores(suite, reference)


def affected_suite(suite, names):
    """The questions with a rung that receives one of ``names``: the only ones a replacement of those
    names can change (every other rung gets the very same objects and the same seed as for the
    reference, so it gives the same result; test_unaffected_questions_keep_their_points checks it)."""
    questions = [q for q in suite.questions if any(set(case.params) & set(names) for case in q.cases)]
    return dataclasses.replace(suite, questions=questions)


def test_student_handout_has_no_hidden_checks(dist_root):
    """Check that the student handout ships the public checks only: no hidden.py, oracles or
    classifier weights, and no hidden test case in its tests/ (the autograder has them)."""
    student, private = dist_root(ASSIGNMENT) / "student", dist_root(ASSIGNMENT) / "autograder" / "private"
    own = student / "autograder" / "assignments" / ASSIGNMENT
    assert sorted(p.name for p in own.glob("*.py")) == ["__init__.py", "public.py"]
    for name in ("oracle.py", "face_oracle.py", "face_oracle_weights.py"):
        assert (private / "autograder" / "assignments" / ASSIGNMENT / name).exists()
    student_tests = "\n".join(p.read_text() for p in (student / "tests").glob("*.py"))
    assert "hidden=True" not in student_tests and ".hidden import" not in student_tests
    private_tests = "\n".join(p.read_text() for p in (private / "tests").glob("*.py"))
    assert private_tests.count("hidden=True") == 11


# -- independent correct implementations --------------------------------------------------------
CORRECT = [(question, factory) for question, factories in implementations.CORRECT.items() for factory in factories]


@pytest.mark.parametrize("question, factory", CORRECT, ids=[f"{q[-2:]}-{f.__name__}" for q, f in CORRECT])
def test_independent_correct_implementation_keeps_full_marks(suite, reference, full, question, factory):
    """Check that a correct implementation written differently (another algorithm, library, dtype or
    order of random draws) keeps every point of the questions it touches."""
    replacements = factory(reference)
    results = {r.name: r for r in grade_namespace(affected_suite(suite, replacements), with_replacement(reference,
                                                                                                     **replacements))}
    assert question in results
    assert {q: r.first_failure() for q, r in results.items() if r.score != full[q]} == {}


# -- plausible mistakes -------------------------------------------------------------------------
def _normalize(mean, std):
    return v2.Normalize([float(m) for m in mean], [float(s) for s in std])


def _pipeline(*middle, size=32, mean=None, std=None, scale=True, normalize_first=False):
    """ToImage, Resize, CenterCrop, *middle, ToDtype, Normalize (in the given variant); a callable
    entry of middle is called with the size."""
    middle = [m(size) if callable(m) and not isinstance(m, nn.Module) else m for m in middle]
    to_float = v2.ToDtype(torch.float32, scale=scale)
    tail = [_normalize(mean, std), to_float] if normalize_first else [to_float, _normalize(mean, std)]
    return v2.Compose([v2.ToImage(), v2.Resize(size, antialias=True), v2.CenterCrop(size), *middle, *tail])


def train_variant(*middle, **options):
    def train_transform(mean, std, size=32):
        return _pipeline(*middle, size=size, mean=mean, std=std, **options)
    return lambda ns: {"train_transform": train_transform}


def eval_variant(*middle, crop_only=False, **options):
    def eval_transform(mean, std, size=32):
        if crop_only:
            return v2.Compose([v2.ToImage(), v2.CenterCrop(size), v2.ToDtype(torch.float32, scale=True),
                               _normalize(mean, std)])
        return _pipeline(*middle, size=size, mean=mean, std=std, **options)
    return lambda ns: {"eval_transform": eval_transform}


FLIP, CHANNELS = v2.RandomHorizontalFlip(0.5), v2.RandomChannelPermutation()


def imagenet_constants(ns):
    def train_transform(mean, std, size=32):
        return _pipeline(FLIP, CHANNELS, size=size, mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    return {"train_transform": train_transform}


def per_image_normalisation(ns):
    def train_transform(mean, std, size=32):
        return v2.Compose([v2.ToImage(), v2.Resize(size, antialias=True), v2.CenterCrop(size), FLIP,
                           v2.ToDtype(torch.float32, scale=True),
                           v2.Lambda(lambda x: (x - x.mean(dim=(1, 2), keepdim=True)) / x.std(dim=(1, 2), keepdim=True))])
    return {"train_transform": train_transform}


def unseeded_flips(ns):
    """Flips drawn from the operating system's randomness: seeding cannot reproduce them. This test
    is itself random: q2 keeps its point only if both calls flip each of the 50 faces alike,
    probability 2^-50 = 9e-16 (with three faces it did one run in eight)."""
    system = random.SystemRandom()

    def train_transform(mean, std, size=32):
        return _pipeline(v2.Lambda(lambda x: x.flip(-1) if system.random() < 0.5 else x), CHANNELS,
                         size=size, mean=mean, std=std)
    return {"train_transform": train_transform}


def mean_of_image_stds(ns):
    def channel_mean_std(dataset):
        x = torch.stack([torch.as_tensor(image).float() / 255 for image, _ in dataset])
        return x.mean(dim=(0, 2, 3)), x.std(dim=(2, 3)).mean(dim=0)
    return {"channel_mean_std": channel_mean_std}


def unscaled_stats(ns):
    def channel_mean_std(dataset):
        x = torch.stack([torch.as_tensor(image).double() for image, _ in dataset])
        return x.mean(dim=(0, 2, 3)).float(), x.std(dim=(0, 2, 3)).float()
    return {"channel_mean_std": channel_mean_std}


def numpy_stats(ns):
    def channel_mean_std(dataset):
        x = np.stack([np.asarray(image) / 255 for image, _ in dataset])
        return x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))
    return {"channel_mean_std": channel_mean_std}


def grey_stats(ns):
    """One mean and std for all channels together, repeated three times."""
    def channel_mean_std(dataset):
        x = torch.stack([torch.as_tensor(image).double() / 255 for image, _ in dataset])
        return x.mean().repeat(3).float(), x.std().repeat(3).float()
    return {"channel_mean_std": channel_mean_std}


def _streaming_stats(first_count: int, take_root: bool):
    """channel_mean_std by running sums over the images, the pixel count starting at ``first_count``,
    returning the std (``take_root``) or the variance."""
    def channel_mean_std(dataset):
        total, squares, count = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64), first_count
        for image, _ in dataset:
            x = image.double() / 255
            total += x.sum(dim=(1, 2))
            squares += (x * x).sum(dim=(1, 2))
            count += x[0].numel()
        mean = total / count
        variance = squares / count - mean ** 2
        return mean.float(), (variance.sqrt() if take_root else variance).float()
    return channel_mean_std


def variance_for_std(ns):
    """The square root forgotten: the variance returned as the std."""
    return {"channel_mean_std": _streaming_stats(0, take_root=False)}


def count_from_one(ns):
    """The pixel count started at 1 (as if to avoid a division by zero): off by one pixel per channel."""
    return {"channel_mean_std": _streaming_stats(1, take_root=True)}


def loaders_variant(train_shuffle=True, val_shuffle=False, train_aug=True, val_aug=False, seeding="both",
                    drop_last=False):
    """make_loaders with one thing changed; seeding in {both, generator, none, fixed}."""
    def factory(ns):
        ImageFolder, DataLoader, Path = ns["ImageFolder"], ns["DataLoader"], ns["Path"]

        def make_loaders(root, batch_size, seed):
            root = Path(root)
            mean, std = ns["channel_mean_std"](ns["raw_dataset"]("train", root))
            aug, plain = ns["train_transform"](mean, std), ns["eval_transform"](mean, std)
            train_set = ImageFolder(str(root / "train"), transform=aug if train_aug else plain)
            val_set = ImageFolder(str(root / "val"), transform=aug if val_aug else plain)
            used = 0 if seeding == "fixed" else seed
            if seeding in ("both", "fixed"):
                torch.manual_seed(used)
            generator = torch.Generator().manual_seed(used) if seeding != "none" else None
            train = DataLoader(train_set, batch_size=batch_size, shuffle=train_shuffle, generator=generator,
                               drop_last=drop_last)
            return train, DataLoader(val_set, batch_size=batch_size, shuffle=val_shuffle)
        return {"make_loaders": make_loaders}
    return factory


def mlp_variant(kind):
    def factory(ns):
        def mlp_classifier(in_shape, hidden, n_classes):
            d = math.prod(in_shape)
            if kind == "softmax":
                return nn.Sequential(nn.Flatten(), nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, n_classes),
                                     nn.Softmax(dim=1))
            if kind == "no_flatten":
                return nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))
            return nn.Sequential(nn.Flatten(), nn.Linear(d, hidden), nn.Linear(hidden, n_classes))
        return {"mlp_classifier": mlp_classifier}
    return factory


def train_variant_loop(kind):
    """train_classifier with one mistake: no_step, percent, copy, val_on_train, missing_key."""
    def factory(ns):
        reference = ns["train_classifier"]
        evaluate = ns["evaluate"]

        def train_classifier(model, loaders, epochs, lr, seed):
            if kind == "copy":
                return reference(copy.deepcopy(model), loaders, epochs, lr, seed)
            if kind == "val_on_train":
                return reference(model, (loaders[0], loaders[0]), epochs, lr, seed)
            if kind == "no_step":
                optimizer = torch.optim.Adam(model.parameters(), lr=lr)
                history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
                for _ in range(epochs):
                    for x, y in loaders[0]:
                        optimizer.zero_grad()
                        nn.functional.cross_entropy(model(x), y).backward()
                    for split, loader in (("train", loaders[0]), ("val", loaders[1])):
                        loss, acc = evaluate(model, loader)
                        history[f"{split}_loss"].append(loss)
                        history[f"{split}_acc"].append(acc)
                return history
            history = reference(model, loaders, epochs, lr, seed)
            if kind == "percent":
                history = {**history, "val_acc": [100 * a for a in history["val_acc"]]}
            if kind == "missing_key":
                history = {k: v for k, v in history.items() if k != "val_loss"}
            return history
        return {"train_classifier": train_classifier}
    return factory


def history_variant(kind):
    """train_classifier (and evaluate) whose history is averaged wrongly: batch_means (the batch mean
    losses summed and divided by the number of images), integer_division (correct // count),
    eval_count_from_one (evaluate's image count started at 1)."""
    def factory(ns):
        progress = ns["progress"]

        def evaluate(model, loader):
            loss_sum, correct, count = 0.0, 0, 1 if kind == "eval_count_from_one" else 0
            with torch.no_grad():
                for x, y in loader:
                    logits = model(x)
                    loss_sum += nn.functional.cross_entropy(logits, y, reduction="sum").item()
                    correct += (logits.argmax(dim=1) == y).sum().item()
                    count += len(y)
            return loss_sum / count, correct / count

        def train_classifier(model, loaders, epochs, lr, seed):
            torch.manual_seed(seed)
            optimizer = torch.optim.Adam(model.parameters(), lr=lr)
            history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
            for _ in range(epochs):
                loss_sum, correct, count = 0.0, 0, 0
                for x, y in progress(loaders[0], desc="training"):
                    logits = model(x)
                    loss = nn.functional.cross_entropy(logits, y)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    loss_sum += loss.item() * (1 if kind == "batch_means" else len(y))
                    correct += (logits.argmax(dim=1) == y).sum().item()
                    count += len(y)
                val_loss, val_acc = evaluate(model, loaders[1])
                history["train_loss"].append(loss_sum / count)
                history["train_acc"].append(correct // count if kind == "integer_division" else correct / count)
                history["val_loss"].append(val_loss)
                history["val_acc"].append(val_acc)
            return history
        return {"train_classifier": train_classifier, "evaluate": evaluate}
    return factory


def first_layer_variant(kind):
    def factory(ns):
        def first_layer_images(model, in_shape):
            first = next(m for m in model.modules() if isinstance(m, nn.Linear))
            w = first.weight.detach()
            if kind == "global":
                return ((w - w.min()) / (w.max() - w.min())).reshape(w.shape[0], *in_shape)
            if kind == "raw":
                return w.reshape(w.shape[0], *in_shape)
            if kind == "per_channel":
                img = w.reshape(w.shape[0], in_shape[0], -1)
                lo, hi = img.min(-1, keepdim=True).values, img.max(-1, keepdim=True).values
                return ((img - lo) / (hi - lo)).reshape(w.shape[0], *in_shape)
            c, h, wd = in_shape
            img = w.reshape(w.shape[0], h, wd, c).permute(0, 3, 1, 2)
            flat = img.reshape(w.shape[0], -1)
            lo, hi = flat.min(1).values[:, None, None, None], flat.max(1).values[:, None, None, None]
            return (img - lo) / (hi - lo)
        return {"first_layer_images": first_layer_images}
    return factory


def gap_variant(val_aug=False, seeding="each", plain_aug=False, aug_aug=True, swap=False, untrained=False):
    """The reference experiment with one thing changed: the validation images augmented; seeding
    "first" (every run seeded with seeds[0]) or "loader" (only the DataLoader's generator); the
    plain run augmented or the augmented run plain; the two kinds swapped; fresh models returned."""
    def factory(ns):
        DataLoader, TensorDataset = ns["DataLoader"], ns["TensorDataset"]

        def augmentation_gap(root, seeds, per_class=15, epochs=15, hidden=32, lr=5e-3, batch_size=15):
            root = ns["Path"](root)
            mean, std = ns["channel_mean_std"](ns["raw_dataset"]("train", root))
            plain, augment = ns["eval_transform"](mean, std), ns["train_transform"](mean, std)
            train_raw, val_raw = ns["raw_dataset"]("train", root), ns["raw_dataset"]("val", root)
            targets = np.array(train_raw.targets)
            picks = [int(i) for c in range(3) for i in np.flatnonzero(targets == c)[:per_class]]
            items = [train_raw[i] for i in picks]
            train_plain = TensorDataset(torch.stack([plain(x) for x, _ in items]), torch.tensor([y for _, y in items]))
            val_set = (ns["TransformedItems"](list(val_raw), augment) if val_aug else
                       TensorDataset(torch.stack([plain(x) for x, _ in val_raw]), torch.tensor(val_raw.targets)))
            val_loader = DataLoader(val_set, batch_size=256)
            out = {kind: {"train_acc": [], "val_acc": [], "models": []} for kind in ("plain", "augmented")}
            for seed in seeds:
                used = seeds[0] if seeding == "first" else seed
                for kind, augmented in (("plain", plain_aug), ("augmented", aug_aug)):
                    data = ns["TransformedItems"](items, augment) if augmented else train_plain
                    if seeding != "loader":
                        torch.manual_seed(used)
                    model = ns["mlp_classifier"]((3, 32, 32), hidden, 3)
                    shuffled = DataLoader(data, batch_size=batch_size, shuffle=True,
                                          generator=torch.Generator().manual_seed(used))
                    if seeding == "loader":
                        ns["train_classifier"](model, (shuffled, val_loader), epochs, lr, torch.seed() % 2 ** 31)
                    else:
                        ns["train_classifier"](model, (shuffled, val_loader), epochs, lr, used)
                    kept = ns["mlp_classifier"]((3, 32, 32), hidden, 3) if untrained else model
                    key = {"plain": "augmented", "augmented": "plain"}[kind] if swap else kind
                    out[key]["train_acc"].append(ns["evaluate"](model, DataLoader(train_plain, batch_size=256))[1])
                    out[key]["val_acc"].append(ns["evaluate"](model, val_loader)[1])
                    out[key]["models"].append(kept)
            return out
        return {"augmentation_gap": augmentation_gap}
    return factory


MISTAKES = [
    ("augmentation_q1", "per-image stds", mean_of_image_stds),
    ("augmentation_q1", "0..255", unscaled_stats),
    ("augmentation_q1", "torch tensors", numpy_stats),
    ("augmentation_q1", "the mean of channel_mean_std", grey_stats),
    ("augmentation_q1", "per-channel std", variance_for_std),
    ("augmentation_q1", "the mean of channel_mean_std(<3 random images of 2x3>)", count_from_one),
    ("augmentation_q2", "upside down", train_variant(FLIP, v2.RandomVerticalFlip(0.5))),
    ("augmentation_q2", "inverted colours", train_variant(FLIP, v2.RandomInvert(0.5))),
    ("augmentation_q2", "turned by more than 45 degrees", train_variant(v2.RandomRotation(180))),
    ("augmentation_q2", "crops or zooms", train_variant(lambda size: v2.RandomResizedCrop(size))),
    ("augmentation_q2", "does not augment", train_variant()),
    ("augmentation_q2", "Normalise last", imagenet_constants),
    ("augmentation_q2", "Normalise last", per_image_normalisation),
    ("augmentation_q2", "global generator", unseeded_flips),
    ("augmentation_q2", "0..255", train_variant(FLIP, CHANNELS, scale=False)),
    ("augmentation_q2", "ToDtype(torch.float32, scale=True) before v2.Normalize",
     train_variant(FLIP, CHANNELS, normalize_first=True)),
    ("augmentation_q3", "deterministic", eval_variant(FLIP, CHANNELS)),
    ("augmentation_q3", "deterministic", eval_variant(FLIP)),
    ("augmentation_q3", "mirrors", eval_variant(v2.RandomHorizontalFlip(1.0))),
    ("augmentation_q3", "cropped instead of resized", eval_variant(crop_only=True)),
    ("augmentation_q3", "0..255", eval_variant(scale=False)),
    ("augmentation_q3", "ToDtype(torch.float32, scale=True) before v2.Normalize", eval_variant(normalize_first=True)),
    ("augmentation_q4", "shuffle=False", loaders_variant(val_shuffle=True)),
    ("augmentation_q4", "shuffle=True", loaders_variant(train_shuffle=False)),
    ("augmentation_q4", "not augmented", loaders_variant(train_aug=False)),
    ("augmentation_q4", "must not be augmented", loaders_variant(val_aug=True)),
    ("augmentation_q4", "shuffling is not reproducible", loaders_variant(seeding="none")),
    ("augmentation_q4", "torch.manual_seed(seed)", loaders_variant(seeding="generator")),
    ("augmentation_q4", "seeds 7 and 8", loaders_variant(seeding="fixed")),
    ("augmentation_q4", "drop_last", loaders_variant(drop_last=True)),
    ("augmentation_q5", "logits", mlp_variant("softmax")),
    ("augmentation_q5", "nn.Flatten()", mlp_variant("no_flatten")),
    ("augmentation_q5", "nonlinearity", mlp_variant("no_relu")),
    ("augmentation_q5", "chance is 0.333", train_variant_loop("no_step")),
    ("augmentation_q5", "fractions in [0, 1]", train_variant_loop("percent")),
    ("augmentation_q5", "in place", train_variant_loop("copy")),
    ("augmentation_q5", "Evaluate on the validation loader", train_variant_loop("val_on_train")),
    ("augmentation_q5", "lacks ['val_loss']", train_variant_loop("missing_key")),
    ("augmentation_q5", "Average the loss over the epoch's images", history_variant("batch_means")),
    ("augmentation_q5", "not integer division", history_variant("integer_division")),
    ("augmentation_q5", "mean cross-entropy per image over the whole loader", history_variant("eval_count_from_one")),
    ("augmentation_q6", "whole range [0, 1]", first_layer_variant("global")),
    ("augmentation_q6", "whole range [0, 1]", first_layer_variant("raw")),
    ("augmentation_q6", "(H, W, C)", first_layer_variant("channels_last")),
    ("augmentation_q6", "each channel separately", first_layer_variant("per_channel")),
    ("augmentation_q7", "the validation set is never augmented", gap_variant(val_aug=True)),
    ("augmentation_q7", "seeds 3 and 4 gave the same", gap_variant(seeding="first")),
    ("augmentation_q7", "The same seed must give the same result", gap_variant(seeding="loader")),
    ("augmentation_q7", "learns to ignore the augmentation", gap_variant(plain_aug=True)),
    ("augmentation_q7", "learns to ignore the augmentation", gap_variant(aug_aug=False)),
    ("augmentation_q7", "learns to ignore the augmentation", gap_variant(swap=True)),
    ("augmentation_q7", "measured by the grader", gap_variant(untrained=True)),
]


def _id(index: int, entry: tuple) -> str:
    question, words, _ = entry
    return f"{question[-2:]}-{index}-{''.join(ch if ch.isalnum() else '_' for ch in words)[:24]}"


@pytest.mark.parametrize("question, words, mistake", MISTAKES, ids=[_id(i, m) for i, m in enumerate(MISTAKES)])
def test_mistake_loses_exactly_its_question(suite, reference, full, question, words, mistake):
    """Check that a plausible wrong answer loses its question's points, and only those, with a
    message that names what to fix."""
    replacements = mistake(reference)
    wrong = with_replacement(reference, **replacements)
    results = {r.name: r for r in grade_namespace(affected_suite(suite, replacements), wrong)}
    lost = {q for q, r in results.items() if r.score != full[q]}
    assert lost == {question}, {q: r.first_failure() for q, r in results.items()}
    assert results[question].score == 0.0
    message = results[question].first_failure()
    assert words in message, message


def test_unaffected_questions_keep_their_points(suite, reference, full):
    """Check on one mistake per function, grading the whole suite, that only the questions whose
    checks receive the replaced function lose points (what affected_suite relies on)."""
    replacements = {}
    for factory in (mean_of_image_stds, train_variant(FLIP, v2.RandomVerticalFlip(0.5)), eval_variant(FLIP),
                    first_layer_variant("global")):
        replacements.update(factory(reference))
    got = scores(suite, with_replacement(reference, **replacements))
    assert {q for q in full if got[q] != full[q]} == {"augmentation_q1", "augmentation_q2", "augmentation_q3",
                                                       "augmentation_q6"}


# -- no double jeopardy: a real notebook whose helpers are wrong --------------------------------
WRONG_HELPERS = {
    "train_transform": ("augmentation_q2", """
def train_transform(mean, std, size=32):
    return v2.Compose([v2.ToImage(), v2.RandomHorizontalFlip(), v2.RandomVerticalFlip(),
                       v2.Normalize(mean.tolist(), std.tolist()), v2.ToDtype(torch.float32, scale=True)])
"""),
    "eval_transform": ("augmentation_q3", """
def eval_transform(mean, std, size=32):
    return v2.Compose([v2.ToImage(), v2.RandomHorizontalFlip(), v2.ToDtype(torch.float32, scale=False),
                       v2.Normalize(mean.tolist(), std.tolist())])
"""),
    "channel_mean_std": ("augmentation_q1", """
def channel_mean_std(dataset):
    x = torch.stack([image.float() for image, _ in dataset])
    return x.mean(dim=(0, 2, 3)), x.std(dim=(2, 3)).mean(dim=0)
"""),
    "train_classifier": ("augmentation_q5", """
def train_classifier(model, loaders, epochs, lr, seed):
    return {"train_loss": [0.0] * epochs, "train_acc": [100.0] * epochs, "val_loss": [0.0] * epochs,
            "val_acc": [100.0] * epochs}
"""),
}


@pytest.mark.parametrize("helper", sorted(WRONG_HELPERS))
def test_a_wrong_helper_costs_only_its_own_question(suite, helper):
    """Check, on a whole notebook (reference cells plus one wrong helper, called by its global name
    from make_loaders and augmentation_gap), that only the helper's own question is lost: while the
    loaders and the experiment are graded, the reference helpers are swapped in (SUBSTITUTES)."""
    question, source = WRONG_HELPERS[helper]
    lost = failures(suite, namespace_from(solution_sources(ASSIGNMENT) + [source], REPO / "solutions" / ASSIGNMENT))
    assert set(lost) == {question}, lost


# -- early signal: the public checks catch the most common mistake of each question ---------------
COMMON_MISTAKES = [
    ("augmentation_q1", unscaled_stats),
    ("augmentation_q2", train_variant(FLIP, CHANNELS, scale=False)),
    ("augmentation_q2", train_variant(FLIP, CHANNELS, normalize_first=True)),
    ("augmentation_q3", eval_variant(scale=False)),
    ("augmentation_q4", loaders_variant(val_shuffle=True)),
    ("augmentation_q5", train_variant_loop("percent")),
    ("augmentation_q6", first_layer_variant("global")),
    ("augmentation_q7", gap_variant(seeding="first")),
    ("augmentation_q7", gap_variant(seeding="loader")),
]


@pytest.mark.parametrize("question, mistake", COMMON_MISTAKES,
                         ids=[f"{q[-2:]}-{i}" for i, (q, _) in enumerate(COMMON_MISTAKES)])
def test_public_checks_catch_the_common_mistake(suite, reference, question, mistake):
    """Check that the question's first failing rung is a public one (what `grader.check` shows the
    student at once): pixels left in 0..255, Normalize before ToDtype, a shuffled validation loader,
    accuracies in percent, one scaling for all units, ignored or unseeded seeds."""
    replacements = mistake(reference)
    results = {r.name: r for r in grade_namespace(affected_suite(suite, replacements),
                                                  with_replacement(reference, **replacements))}
    failed = [rung for rung in results[question].rungs if rung.status == "failed"]
    assert failed and not failed[0].hidden, [(r.name, r.hidden, r.status) for r in results[question].rungs]
