r"""The numbers behind the tolerances of the augmentation checks (hidden.py states them next to
each constant): the diagnosis of label-breaking pipelines, the bound on unaugmented calls, the
resize tolerance, the per-image-std gap, the affine fit. (The face classifier: test_face_oracle.py;
the augmentation experiment: test_gap_statistics.py.)"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F

from autograder.assignments.augmentation import hidden, oracle

LEGIT = {
    "flip+rotate": v2.Compose([v2.RandomHorizontalFlip(), v2.RandomRotation(30)]),
    "affine+jitter": v2.Compose([v2.RandomHorizontalFlip(), v2.RandomAffine(30, translate=(0.125, 0.125),
                                                                             scale=(0.8, 1.25)),
                                 v2.ColorJitter(0.5, 0.5, 0.5, 0.5), v2.RandomGrayscale(), v2.GaussianBlur(5, (0.1, 1.0))]),
    "crop+channels": v2.Compose([v2.RandomResizedCrop(32, scale=(0.64, 1.0)), v2.RandomChannelPermutation()]),
}
BREAKING = {
    "upside_down": v2.RandomVerticalFlip(1.0),
    "turned": v2.RandomRotation((90, 90)),
    "inverted": v2.RandomInvert(1.0),
}


def _draws(transform, n: int = 40) -> np.ndarray:
    torch.manual_seed(0)
    x = torch.tensor(oracle.grey_test_image())
    return np.stack([F.to_dtype(transform(x), torch.float32, scale=True).numpy() for _ in range(n)])


@pytest.mark.parametrize("name", sorted(LEGIT))
def test_diagnosis_names_nothing_for_label_preserving_pipelines(name):
    """Check that 40 augmentations of the grey test image inside the envelope (up to 30 degrees,
    shifts, zooms, any colours, blur) never reach DIAGNOSE_MIN in any of the three causes, so a
    message never blames a flip, turn or inversion that is not there."""
    counts = oracle.diagnose(_draws(LEGIT[name]))
    assert max(counts.values()) < hidden.DIAGNOSE_MIN, counts


@pytest.mark.parametrize("cause", sorted(BREAKING))
def test_diagnosis_names_flips_turns_and_inversions(cause):
    """Check that a vertical flip, a quarter turn and inverted colours are each counted in all 40
    draws under their own cause and in no other."""
    counts = oracle.diagnose(_draws(BREAKING[cause]))
    assert counts[cause] == 40 and sum(counts.values()) == 40, counts


def test_grey_test_image_has_no_symmetry():
    """Check that no mirror image or turn of the grey test image correlates with it above 0.9 (so
    the diagnosis reads flips and angles unambiguously), while the image itself correlates 1."""
    vectors, angles = oracle._grey_candidates()
    assert np.isclose(np.max(vectors[:360] @ vectors[180]), 1.0) and angles[180] == 0.0
    others = np.abs(vectors @ vectors[180])
    far = np.ones(len(angles), bool)
    far[150:211] = False            # unmirrored, within 30 degrees of the image itself
    assert others[far].max() < 0.9


def test_augments_bound():
    """Check the stated odds: a pipeline that changes the image in one call of four leaves all
    AUGMENT_CALLS unchanged with probability 0.75^50 < 1e-6."""
    assert 0.75 ** hidden.AUGMENT_CALLS < 1e-6


def test_resize_tolerance_separates_resize_from_crop():
    """Check that bilinear (with and without antialias), bicubic and nearest resizing of the 2x2
    upsampled test image are within 0.01 RMS of it, and a centre crop is 0.17 away."""
    image = oracle.test_image()
    big = torch.tensor(np.kron(image, np.ones((1, 2, 2), dtype=np.uint8)))
    resizes = [v2.Resize(32, antialias=True), v2.Resize(32, antialias=False), v2.Resize((32, 32)),
               v2.Resize(32, interpolation=v2.InterpolationMode.BICUBIC),
               v2.Resize(32, interpolation=v2.InterpolationMode.NEAREST)]
    rms = [float(np.sqrt(np.mean((t(big).numpy() / 255.0 - image / 255.0) ** 2))) for t in resizes]
    assert max(rms) < 0.01 < hidden.RESIZE_RMS_MAX
    crop = v2.CenterCrop(32)(big).numpy() / 255.0
    assert np.sqrt(np.mean((crop - image / 255.0) ** 2)) > 0.17


def test_mean_of_image_stds_is_far_from_the_std():
    """Check that the average per-image std differs from the std over all pixels by more than 0.05
    in every channel, and the variance from the std by more than 0.1 (so STATS_ATOL = 1e-4 cannot
    confuse them), on every data set of mean_std_values."""
    for _, _, source in hidden.STATS_DATA:
        _, std = oracle.channel_stats(source)
        assert np.all(std - oracle.mean_of_image_stds(source) > 0.05)
        assert np.all(std - std ** 2 > 0.1)


def test_a_pixel_count_off_by_one_shows_only_on_the_tiny_set():
    """Check why mean_std_values has a set of 3 images of 2x3: a pixel count off by one (started at
    1 or -1) moves the mean by far more than STATS_ATOL there, by less on the large sets; and the
    sample std (ddof=1), which the check accepts, is within STATS_ATOL of the population std on the
    large sets."""
    for _, _, source in hidden.STATS_DATA:
        x = oracle._pixels(source)
        pixels = x.shape[0] * x.shape[2] * x.shape[3]
        mean, std = oracle.channel_stats(source)
        shift = np.min(np.abs(mean * pixels / (pixels + np.array([[1], [-1]])) - mean))
        if pixels < 100:
            assert shift > 50 * hidden.STATS_ATOL
        else:
            assert shift < hidden.STATS_ATOL
            assert np.max(np.abs(oracle.channel_stats(source, ddof=1)[1] - std)) < 0.1 * hidden.STATS_ATOL


def test_affine_fit_recovers_normalisation():
    """Check that affine_fit recovers 1/std and -mean/std of a normalisation exactly."""
    raw = oracle.images("val")[0].reshape(120, 3, -1)
    mean, std = np.array([0.1, 0.2, 0.3]), np.array([0.5, 0.25, 0.125])
    a, b, worst = oracle.affine_fit((raw - mean[:, None]) / std[:, None], raw)
    assert np.allclose(a, 1 / std) and np.allclose(b, -mean / std) and worst < 1e-9
