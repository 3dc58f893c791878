r"""The numbers behind the tolerances of the augmentation checks (hidden.py states them next to
each constant): registration of flips and rotations made by torchvision, the centre patch, the
binomial flip bound, the resize tolerance, the per-image-std gap."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import binom
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F

from autograder.assignments.augmentation import hidden, oracle

INTERPOLATIONS = [v2.InterpolationMode.NEAREST, v2.InterpolationMode.BILINEAR]


def _rotated(angles, mirror: bool, interpolation) -> np.ndarray:
    x = torch.tensor(oracle.test_image())
    x = F.horizontal_flip(x) if mirror else x
    return np.stack([F.rotate(x, float(a), interpolation=interpolation).numpy() / 255.0 for a in angles])


@pytest.mark.parametrize("interpolation", INTERPOLATIONS, ids=["nearest", "bilinear"])
def test_registration_reads_every_small_rotation(interpolation):
    """Check that for every angle on a 0.1 degree grid of [-15, 15], mirrored or not, the
    registration finds the right mirror flag, an angle within 2.6 degrees (ANGLE_SLACK - 0.4), a
    residual of at most half RESIDUAL_MAX, a mean error below 0.3 degrees, and for a fixed angle
    estimates that differ by at most 1 degree between the two mirror flags (so a fixed rotation
    has an estimate std <= 0.5, far below MIN_ANGLE_STD): a correct transform is never misread."""
    angles = np.round(np.arange(-15.0, 15.0001, 0.1), 1)
    errors = []
    for mirror in (False, True):
        found_mirror, found_angle, rms = oracle.register(_rotated(angles, mirror, interpolation))
        assert np.all(found_mirror == int(mirror))
        assert np.max(np.abs(found_angle - angles)) <= 2.6 + 1e-9 and hidden.ANGLE_SLACK >= 3.0
        assert np.max(rms) <= hidden.RESIDUAL_MAX / 2
        errors.append(found_angle - angles)
    assert abs(np.mean(errors)) < 0.3
    assert np.max(np.abs(errors[0] - errors[1])) <= 1.0 and hidden.MIN_ANGLE_STD >= 3 * 0.5


def test_wrong_mirror_candidates_are_far():
    """Check that every mirrored candidate is at least 0.11 RMS from the unmirrored test image
    (about 2 x RESIDUAL_MAX): the image has no mirror symmetry at any angle."""
    vectors, mirrors, _ = oracle.candidates()
    image = (oracle.test_image().transpose(1, 2, 0) / 255.0)[oracle.disk_mask()].ravel()
    distances = np.sqrt(((vectors - image) ** 2).mean(axis=1))
    assert distances[mirrors == 1].min() >= 0.11
    assert distances[mirrors == 0].min() == 0.0


@pytest.mark.parametrize("mirror, angle, want", [(True, 180.0, 180.0), (False, 90.0, 90.0), (False, -90.0, -90.0),
                                                 (False, 180.0, 180.0)])
def test_upside_down_and_quarter_turns_are_read_as_such(mirror, angle, want):
    """Check that a vertical flip (= mirror + 180 degrees), 180 and 90 degree turns are found
    exactly, so the check can name them."""
    x = torch.tensor(oracle.test_image())
    if mirror:
        out = F.vertical_flip(x)
    else:
        out = F.rotate(x, angle)
    found_mirror, found_angle, rms = oracle.register(out.numpy()[None] / 255.0)
    assert found_mirror[0] == int(mirror) and abs(abs(found_angle[0]) - abs(want)) <= 1 and rms[0] < 0.01


@pytest.mark.parametrize("interpolation", INTERPOLATIONS, ids=["nearest", "bilinear"])
def test_centre_patch_survives_flips_and_rotations(interpolation):
    """Check that the four centre pixels keep the patch colour under mirror and any rotation up to
    30 degrees (what train_transform_normalizes relies on)."""
    angles = np.arange(-30.0, 30.01, 0.5)
    for mirror in (False, True):
        out = _rotated(angles, mirror, interpolation) * 255.0
        centre = out[(slice(None), slice(None)) + oracle.CENTRE_PIXELS]
        assert np.all(np.abs(centre - np.array(oracle.CENTRE_RGB)[None, :, None, None]) < 1e-6)


def test_flip_bounds_tail_probability():
    """Check the stated binomial numbers: P(K outside [66, 134]) = 8.3e-7 for p = 1/2 and n = 200,
    and a p = 0.25 flip passes with probability 0.007."""
    lo, hi = hidden.FLIP_RANGE
    n = hidden.N_DRAWS
    tail = binom.cdf(lo - 1, n, 0.5) + binom.sf(hi, n, 0.5)
    assert 8e-7 < tail < 8.5e-7
    assert binom.cdf(hi, n, 0.25) - binom.cdf(lo - 1, n, 0.25) < 0.007


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
    """Check that the average per-image std differs from the std over all pixels by more than 0.08
    in every channel (so STATS_ATOL = 1e-4 cannot confuse them) on both splits."""
    for split in ("train", "val"):
        _, std = oracle.channel_stats(split)
        assert np.all(std - oracle.mean_of_image_stds(split) > 0.08)


def test_affine_fit_recovers_normalisation():
    """Check that affine_fit recovers 1/std and -mean/std of a normalisation exactly."""
    raw = oracle.images("val")[0].reshape(120, 3, -1)
    mean, std = np.array([0.1, 0.2, 0.3]), np.array([0.5, 0.25, 0.125])
    a, b, worst = oracle.affine_fit((raw - mean[:, None]) / std[:, None], raw)
    assert np.allclose(a, 1 / std) and np.allclose(b, -mean / std) and worst < 1e-9
