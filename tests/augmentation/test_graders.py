r"""The augmentation graders, in process: the reference scores full marks, the stub scores zero, and
each plausible mistake loses exactly the points of its own question, with a message that teaches.
(Whole notebooks through the sandbox: test_end_to_end.py; the oracles and the data set:
test_oracle.py, test_data.py.)

A mistake replaces notebook names in a copy of the reference namespace. The reference functions
keep their own globals, so a replaced ``train_transform`` is not seen by the reference
``make_loaders``: each mistake is graded in isolation. How mistakes in the transforms carry over
into make_loaders in a real notebook is pinned down by ``test_known_coupling``.
"""
from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import pytest
import torch
from torch import nn
from torchvision.transforms import v2

from autograder.grading.engine import grade_namespace
from tests.support import REPO, failures, namespace_from, scores, solution_sources, with_replacement

ASSIGNMENT = "augmentation"


@pytest.fixture(scope="module")
def full(suite, reference):
    return scores(suite, reference)


def test_student_handout_has_no_hidden_checks(dist_root):
    """Check that the student handout ships the public checks only: no hidden.py or oracle.py, and
    no hidden test case in its tests/ (the autograder has both)."""
    student, private = dist_root(ASSIGNMENT) / "student", dist_root(ASSIGNMENT) / "autograder" / "private"
    own = student / "autograder" / "assignments" / ASSIGNMENT
    assert sorted(p.name for p in own.glob("*.py")) == ["__init__.py", "public.py"]
    assert (private / "autograder" / "assignments" / ASSIGNMENT / "oracle.py").exists()
    student_tests = "\n".join(p.read_text() for p in (student / "tests").glob("*.py"))
    assert "hidden=True" not in student_tests and ".hidden import" not in student_tests
    private_tests = "\n".join(p.read_text() for p in (private / "tests").glob("*.py"))
    assert private_tests.count("hidden=True") == 9


# -- plausible mistakes -------------------------------------------------------------------------
def _normalize(mean, std):
    return v2.Normalize([float(m) for m in mean], [float(s) for s in std])


def _pipeline(*middle, size=32, mean=None, std=None, scale=True, normalize_first=False):
    """ToImage, Resize, CenterCrop, *middle, ToDtype, Normalize (in the given variant)."""
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


FLIP, ROTATE = v2.RandomHorizontalFlip(0.5), v2.RandomRotation(15)


def imagenet_constants(ns):
    def train_transform(mean, std, size=32):
        return _pipeline(FLIP, ROTATE, size=size, mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
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


def first_layer_variant(kind):
    def factory(ns):
        def first_layer_images(model, in_shape):
            first = next(m for m in model.modules() if isinstance(m, nn.Linear))
            w = first.weight.detach()
            if kind == "global":
                return ((w - w.min()) / (w.max() - w.min())).reshape(w.shape[0], *in_shape)
            if kind == "raw":
                return w.reshape(w.shape[0], *in_shape)
            c, h, wd = in_shape
            img = w.reshape(w.shape[0], h, wd, c).permute(0, 3, 1, 2)
            flat = img.reshape(w.shape[0], -1)
            lo, hi = flat.min(1).values[:, None, None, None], flat.max(1).values[:, None, None, None]
            return (img - lo) / (hi - lo)
        return {"first_layer_images": first_layer_images}
    return factory


MISTAKES = [
    ("augmentation_q1", "per-image stds", mean_of_image_stds),
    ("augmentation_q1", "255", unscaled_stats),
    ("augmentation_q1", "torch tensors", numpy_stats),
    ("augmentation_q2", "vertical flip", train_variant(FLIP, ROTATE, v2.RandomVerticalFlip(0.5))),
    ("augmentation_q2", "90-degree rotation",
     train_variant(FLIP, v2.RandomChoice([v2.RandomRotation((a, a)) for a in (0, 90, -90)]), ROTATE)),
    ("augmentation_q2", "at most 15", train_variant(FLIP, v2.RandomRotation(45))),
    ("augmentation_q2", "ToDtype(torch.float32, scale=True) before v2.Normalize",
     train_variant(FLIP, ROTATE, normalize_first=True)),
    ("augmentation_q2", "scale=True", train_variant(FLIP, ROTATE, scale=False)),
    ("augmentation_q2", "mean and std passed in", imagenet_constants),
    ("augmentation_q2", "never", train_variant(ROTATE)),
    ("augmentation_q2", "always", train_variant(v2.RandomHorizontalFlip(1.0), ROTATE)),
    ("augmentation_q2", "same angle", train_variant(FLIP)),
    ("augmentation_q2", "same angle", train_variant(FLIP, v2.RandomRotation((10, 10)))),
    ("augmentation_q2", "either way", train_variant(FLIP, v2.RandomRotation((0, 15)))),
    ("augmentation_q2", "no crops, colour changes", train_variant(FLIP, ROTATE, v2.ColorJitter(0.5, 0.5))),
    ("augmentation_q2", "no crops, colour changes",
     train_variant(FLIP, ROTATE, v2.RandomAffine(degrees=0, translate=(0.2, 0.2)))),
    ("augmentation_q3", "deterministic", eval_variant(FLIP, ROTATE)),
    ("augmentation_q3", "deterministic", eval_variant(FLIP)),
    ("augmentation_q3", "mirrors", eval_variant(v2.RandomHorizontalFlip(1.0))),
    ("augmentation_q3", "cropped instead of resized", eval_variant(crop_only=True)),
    ("augmentation_q3", "255", eval_variant(scale=False)),
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
    ("augmentation_q5", "counted over all images", train_variant_loop("val_on_train")),
    ("augmentation_q5", "lacks ['val_loss']", train_variant_loop("missing_key")),
    ("augmentation_q6", "scales all units together", first_layer_variant("global")),
    ("augmentation_q6", "raw weights", first_layer_variant("raw")),
    ("augmentation_q6", "(H, W, C)", first_layer_variant("channels_last")),
]


def _id(index: int, entry: tuple) -> str:
    question, words, _ = entry
    return f"{question[-2:]}-{index}-{''.join(ch if ch.isalnum() else '_' for ch in words)[:24]}"


def affected_suite(suite, names):
    """The questions with a rung that receives one of ``names``: the only ones a replacement of those
    names can change (every other rung gets the very same objects and the same seed as for the
    reference, so it gives the same result; test_unaffected_questions_keep_their_points checks it)."""
    questions = [q for q in suite.questions if any(set(case.params) & set(names) for case in q.cases)]
    return dataclasses.replace(suite, questions=questions)


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
    for factory in (mean_of_image_stds, train_variant(FLIP, ROTATE, v2.RandomVerticalFlip(0.5)),
                    eval_variant(FLIP), first_layer_variant("global")):
        replacements.update(factory(reference))
    got = scores(suite, with_replacement(reference, **replacements))
    assert {q for q in full if got[q] != full[q]} == {"augmentation_q1", "augmentation_q2", "augmentation_q3",
                                                       "augmentation_q6"}


COUPLING_SOURCES = {
    "eval_augments": """
def eval_transform(mean, std, size=32):
    return v2.Compose([v2.ToImage(), v2.RandomHorizontalFlip(), v2.ToDtype(torch.float32, scale=True),
                       v2.Normalize(mean.tolist(), std.tolist())])
""",
    "normalize_first": """
def train_transform(mean, std, size=32):
    return v2.Compose([v2.ToImage(), v2.RandomHorizontalFlip(), v2.RandomRotation(15),
                       v2.Normalize(mean.tolist(), std.tolist()), v2.ToDtype(torch.float32, scale=True)])
""",
    "vflip_and_image_stds": """
def train_transform(mean, std, size=32):
    return v2.Compose([v2.ToImage(), v2.RandomHorizontalFlip(), v2.RandomVerticalFlip(), v2.RandomRotation(15),
                       v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean.tolist(), std.tolist())])
def channel_mean_std(dataset):
    x = torch.stack([image.float() / 255 for image, _ in dataset])
    return x.mean(dim=(0, 2, 3)), x.std(dim=(2, 3)).mean(dim=0)
""",
}
COUPLINGS = [
    ("eval_augments", {"augmentation_q3", "augmentation_q4"}, "eval_transform"),
    ("normalize_first", {"augmentation_q2", "augmentation_q4"}, "ToDtype(torch.float32, scale=True) before v2.Normalize"),
    ("vflip_and_image_stds", {"augmentation_q1", "augmentation_q2"}, None),
]


@pytest.mark.parametrize("case, lost_questions, q4_words", COUPLINGS, ids=[c[0] for c in COUPLINGS])
def test_known_coupling(suite, case, lost_questions, q4_words):
    """Check what a real notebook sees when make_loaders uses the student's own wrong transforms or
    statistics (the grader can only test the loaders that make_loaders builds): a random
    eval_transform also fails q4 (its validation images change between passes), and so does
    Normalize before ToDtype (the loaders raise), each with a message pointing at the transform;
    vertical flips and the mean of per-image stds leave q4 intact, since q4 only asks that training
    images are augmented and validation images normalised with some per-channel mean and std."""
    sources = solution_sources(ASSIGNMENT) + [COUPLING_SOURCES[case]]
    lost = failures(suite, namespace_from(sources, REPO / "solutions" / ASSIGNMENT))
    assert set(lost) == lost_questions, lost
    if q4_words:
        assert q4_words in lost["augmentation_q4"], lost["augmentation_q4"]
