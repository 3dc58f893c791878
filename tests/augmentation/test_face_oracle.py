r"""The grader's face classifier (face_oracle.py): its numpy forward pass is the trained network's,
its weights are the committed ones, it recognises the probe faces and their label-preserving
augmentations (the error rates behind PROBES_MISSED_MAX, on a smaller sample than the stated
30,000 draws), and it rejects label-breaking augmentations (the mistakes it must catch)."""
from __future__ import annotations

import base64
import hashlib

import numpy as np
import pytest
import torch
from torchvision.transforms import v2

from autograder.assignments.augmentation import envelope, face_oracle, face_oracle_weights, hidden, oracle
from autograder.assignments.augmentation.train_face_oracle import network


def _probe_faces() -> tuple:
    images, labels = oracle.probes()
    return np.ascontiguousarray(images.transpose(0, 2, 3, 1)), labels


def test_weights_are_the_committed_ones():
    """Check that the stored archive hashes to the SHA256 written next to it (an edited or truncated
    weights file would silently change the classifier)."""
    blob = base64.b64decode(face_oracle_weights.WEIGHTS_NPZ_BASE64)
    assert hashlib.sha256(blob).hexdigest() == face_oracle_weights.SHA256
    shapes = {name: array.shape for name, array in face_oracle.weights().items()}
    assert shapes["conv1.weight"] == (16, 1, 5, 5) and shapes["fc2.weight"] == (4, 32)


def test_numpy_forward_pass_is_the_networks():
    """Check face_oracle.logits (numpy) against the same network in torch (float64) with the stored
    weights, on probe faces and on random images."""
    model = network().double()
    layers = [m for m in model if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        for name, layer in zip(face_oracle.LAYERS, layers):
            layer.weight.copy_(torch.from_numpy(face_oracle.weights()[f"{name}.weight"]))
            layer.bias.copy_(torch.from_numpy(face_oracle.weights()[f"{name}.bias"]))
    images = np.concatenate([oracle.probes()[0][:20] / 255.0, np.random.default_rng(0).uniform(0, 1, (10, 3, 32, 32))])
    with torch.no_grad():
        want = model(torch.from_numpy(face_oracle.features(images)).double()).numpy()
    assert np.allclose(face_oracle.logits(images), want, atol=1e-4)


def test_every_probe_face_is_recognised():
    """Check that the 150 probe faces, unaugmented, are all recognised, also after an affine change of
    brightness and contrast (positive gain), which changes the features only through the 1e-3 that
    keeps their denominator positive."""
    images, labels = oracle.probes()
    x = images / 255.0
    assert np.array_equal(face_oracle.classify(x), labels)
    assert np.array_equal(face_oracle.classify(0.2 + 0.5 * x), labels)
    assert np.allclose(face_oracle.features(0.2 + 0.5 * x), face_oracle.features(x), atol=0.05)


def test_label_preserving_augmentations_are_recognised():
    """Check the error rate inside the envelope on 1,500 random draws (10 per probe face; every op
    at random strength, in random order): at most 6 errors, i.e. consistent with the stated rate
    of about 0.1 % and far from the 2 % that PROBES_MISSED_MAX's odds assume."""
    faces, labels = _probe_faces()
    rng = np.random.default_rng(7)
    errors = 0
    for _ in range(10):
        out, target = envelope.sample(faces, labels, rng, 1.0, 0.0)
        errors += int(np.sum(face_oracle.classify(out) != target))
    assert errors <= 6, errors


CORNERS = {
    "turn 30 + shift 4 + zoom 0.8": [v2.RandomAffine((30, 30), translate=(0.125, 0.125), scale=(0.8, 0.8))],
    "turn -30 + shift 4 + zoom 1.25": [v2.RandomAffine((-30, -30), translate=(0.125, 0.125), scale=(1.25, 1.25))],
    "crop 64 % of the area": [v2.RandomResizedCrop(32, scale=(0.64, 0.64))],
    "colour jitter 0.5 + hue 0.5": [v2.ColorJitter(0.5, 0.5, 0.5, 0.5)],
    "grey + contrast 0.5 + blur 1": [v2.Grayscale(3), v2.ColorJitter(contrast=(0.5, 0.5)), v2.GaussianBlur(5, 1.0)],
    "noise 0.1": [v2.ToDtype(torch.float32, scale=True), v2.GaussianNoise(sigma=0.1)],
    "erase 10 %": [v2.ToDtype(torch.float32, scale=True), v2.RandomErasing(1.0, scale=(0.1, 0.1))],
}


@pytest.mark.parametrize("name", sorted(CORNERS))
def test_corners_of_the_envelope_are_recognised(name):
    """Check each extreme of the envelope (the largest turn, shift, zoom, colour change, blur, noise
    or erased area the prompt allows) on the 150 probe faces, twice: at most 3 misses of 300."""
    faces, labels = _probe_faces()
    pipeline = v2.Compose(CORNERS[name] + [v2.ToDtype(torch.float32, scale=True)])
    torch.manual_seed(0)
    out = np.concatenate([envelope.apply_pipeline(pipeline, faces) for _ in range(2)])
    assert int(np.sum(face_oracle.classify(out) != np.tile(labels, 2))) <= 3


BREAKING = {
    "vertical flip": v2.RandomVerticalFlip(0.5),
    "inverted colours": v2.RandomInvert(0.5),
    "RandomResizedCrop's default crops": v2.RandomResizedCrop(32),
    "turns up to 180 degrees": v2.RandomRotation(180),
    "turns up to 90 degrees": v2.RandomRotation(90),
}


@pytest.mark.parametrize("name", sorted(BREAKING))
def test_label_breaking_choices_miss_far_more_than_allowed(name):
    """Check that a label-breaking augmentation applied at random (vertical flips, inversion,
    RandomResizedCrop's default, big turns) makes the classifier miss more than twice
    PROBES_MISSED_MAX of the 150 probe faces."""
    faces, labels = _probe_faces()
    torch.manual_seed(0)
    out = envelope.apply_pipeline(v2.Compose([BREAKING[name], v2.ToDtype(torch.float32, scale=True)]), faces)
    assert int(np.sum(face_oracle.classify(out) != labels)) > 2 * hidden.PROBES_MISSED_MAX


@pytest.mark.parametrize("kind", envelope.BREAKING)
def test_each_breaking_kind_is_seen_as_no_face(kind):
    """Check that each label-breaking kind the classifier was trained to reject is rejected on at
    least 90 % of the probe faces (as "not a face" or another class)."""
    faces, labels = _probe_faces()
    rng = np.random.default_rng(3)
    out = np.stack([envelope.breaking(torch.from_numpy(np.ascontiguousarray(f.transpose(2, 0, 1))), rng, kind).numpy()
                    for f in faces])
    assert np.mean(face_oracle.classify(out) != labels) >= 0.9
