r"""Hidden checks of `augmentation`: every answer is compared with an oracle of ``oracle.py``
(numpy/scipy), never with the reference solution.

Randomness. The engine seeds the student side (random, numpy, torch) before every rung with a
seed derived from the rung's name, so a grade is reproducible; the false-fail probabilities
stated next to each tolerance are over the random draws of a *correct* answer (what a different
seed, or a different but correct order of random calls, would give).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from autograder.checking import (
    CheckFailed, LayerSpec, LibraryCall, NetSpec, StudentError, TensorArg, as_array, as_net, describe, expect,
    expect_close, forward, student,
)
from autograder.assignments.augmentation import face_oracle, oracle
from autograder.assignments.augmentation.public import (
    CHECK_MEAN, CHECK_STD, GAP_KINDS, NORMALIZE_ORDER_HINT, apply_transform, first_layer_net, gap_result,
    history_series, mean_std_args, transform_callable,
)

# -- tolerances ---------------------------------------------------------------------------------
# channel_mean_std: float32 results of sums over 122,880 pixels (the validation faces), 19,200
# (the random images) and 18 (three random 2x3 images); a float32 two-pass or pairwise computation
# is within 1e-6 of the float64 oracle, a naive float32 running sum within 3e-5 (test_graders'
# stats_two_pass). The std may be the population std or the sample std (ddof=1; on the large sets a
# factor 1 + 8e-6 apart, on the 18 pixels a factor 1.029): either is accepted. Deterministic: the
# false-fail probability is 0. Mistakes: the mean of per-image stds is off by >= 0.05 in every
# channel on both large data sets (test_oracle), the variance for the std by >= 0.1, pixels not
# scaled to [0, 1] by a factor 255; a pixel count off by one (started at 1 or -1) moves the mean by
# mean / 18 >= 0.01 on the 18 pixels (on the large sets by < 3e-5: the tiny set is there for it).
STATS_ATOL = 1e-4
# Normalised pixel values: float32 round-off of (x - m) / s with s >= 0.2 is below 1e-6; one grey
# level is 1 / (255 * 0.26) = 0.015. Deterministic (false-fail probability 0).
PIXEL_ATOL = 1e-4

# train_transform_normalizes: two pipelines built with (CHECK_MEAN, CHECK_STD) and (OTHER_MEAN,
# OTHER_STD), called from the same seed on 50 probe faces (every third: all three classes). A
# correct pipeline draws the same augmentation twice, so out * std + mean agrees to float32 round-off
# (< 1e-6 for std >= 0.2) on every pixel, except a patch erased after normalising (RandomErasing's
# default covers at most 33 % of the image): at least MIN_AGREEING_PIXELS agree. Deterministic given
# the seed (false fail 0 for a pipeline that follows the contract). Catches: constants instead of the
# arguments (ImageNet's), per-image statistics, mean and std swapped, no normalisation, pixels left in
# 0..255, augmentations drawn from an unseeded generator (the operating system's, a fresh
# np.random.default_rng()). Such a pipeline escapes only if both calls happen to draw the same
# augmentation of every one of the 50 faces: for a random choice made with probability q, 1/4 <= q <=
# 3/4 (the contract asks for a change in at least one call in four), each face matches with
# probability q^2 + (1 - q)^2 <= 5/8, so it escapes with probability <= (5/8)^50 = 6e-11 (a random
# flip: 2^-50 = 9e-16; three faces, as before, let it through one time in eight).
OTHER_MEAN = np.array([0.30, 0.55, 0.50])
OTHER_STD = np.array([0.30, 0.20, 0.25])
NORMALIZE_PROBES = slice(0, None, 3)
NORMALIZE_SEED = 11
MIN_AGREEING_PIXELS = 0.5
# train_transform_augments: 50 calls on the test image; "changed" = some pixel differs by more than
# half a grey level from the plainly normalised image. The contract asks for a change in at least
# one call in four: all 50 unchanged has probability <= 0.75^50 = 5.7e-7. Catches the evaluation
# pipeline given as the training pipeline (no augmentation: 50 of 50 unchanged).
AUGMENT_CALLS = 50
UNCHANGED_ATOL = 0.5 / 255.0
# train_transform_keeps_labels: see the block on the face classifier below.
DIAGNOSE_CALLS = 40               # calls on the grey test image to name the cause when labels are lost
DIAGNOSE_MIN = 4                  # a cause is named when it shows in >= 4 of them (a legit pipeline: <= 2)

# eval_transform resize: a 2x2-block upsampled test image resized back to 32 by bilinear (with or
# without antialias), bicubic or nearest interpolation is within 0.009 RMS of the original
# (test_oracle); a centre crop without resize is 0.18 away. Deterministic (false-fail 0).
RESIZE_RMS_MAX = 0.06

# make_loaders (on the mini folder: 72 training, 24 validation images): while it is graded the
# transforms are the reference's (SUBSTITUTES), whose flip (p = 1/2) and channel permutation (1/6 the
# identity) leave an image exactly unchanged with probability 1/12. Requiring at most half of the
# 72 training images unchanged: false fail P(Binomial(72, 1/12) > 36) < 1e-19. A loader without
# augmentation leaves all 72 unchanged.
MAX_UNCHANGED_FRACTION = 0.5
# Same-seed first batches are compared exactly (a correct seeded loader is deterministic). Two
# different seeds give the same first 32 labels (of 72, 24 per class) with probability below 3**-25.
LOADER_BATCH = 32

# Training: the grader trains mlp_classifier((3, 32, 32), 64, 3) with train_classifier for 8
# epochs at lr 1e-3 on shared.afhq.plain_loaders(32, 0). Measured over 40 seeds (initialisation and
# batch order) for each of three independent correct implementations (the reference; hand-written
# sums with a leaky ReLU; numpy metrics with tanh; tests/augmentation/test_training_statistics.py):
# validation accuracy means 0.910-0.918, standard deviations 0.016-0.022, smallest 0.867. 0.6 is at
# least 14 standard deviations below every mean: the normal fit puts the false-fail odds below
# 1e-40; no run of the 120 came within 0.26 of it. Chance is 1/3; an untrained or not-stepping
# model stays near it.
TRAIN_EPOCHS, TRAIN_LR, TRAIN_HIDDEN, TRAIN_SEED = 8, 1e-3, 64, 0
MIN_VAL_ACC = 0.6
# The history's last val_acc must be the accuracy of the returned model on the validation images
# (its logits computed on the student side in float32, in one batch), within one image of 120. The
# student's evaluate may batch differently, which changes float32 logits by ~1e-7 relative: an image
# changes its predicted class only if its two largest logits are that close (probability ~1e-6 per
# image), so two such images (the tolerance) have probability ~1e-8. Catches accuracies in percent,
# of another model (a copy trained instead of the given one), on the training images.
ACC_ATOL = 1.5 / 120
# val_loss: the mean cross-entropy over the 120 images; a mean of per-batch means (batches 32, 32,
# 32, 24) differs from it by < 3 % at the end of training (measured < 1 %); summed instead of
# averaged losses are 32 to 120 times larger.
LOSS_RTOL = 0.05

# history_values: train_classifier(fixed model, plain loaders in batches of 40, epochs=2, lr=0, seed=0).
# With lr = 0 Adam's step lr * m / (sqrt(v) + eps) is 0: the model stays exactly as it is, so every
# epoch's train_loss / val_loss is the mean cross-entropy of that model over the 360 training / 120
# validation images and train_acc / val_acc its accuracy, whatever the batch order and whether they
# are measured before or after each step. The model is the grader's fixed linear classifier
# (oracle.history_classifier: accuracy 0.80 / 0.72, mean cross-entropy 0.56 / 0.67, float32 weights)
# and the batches all hold 40 images (360 = 9 x 40, 120 = 3 x 40), so a mean of per-batch means is
# the per-image mean too. The student's float32 logits differ from the grader's float64 ones by
# < 1e-5 (|logits| < 3); an image whose two largest logits are within HISTORY_TIE_MARGIN = 1e-4 may
# go either way (there is none: the smallest margin is 0.0018), so accuracies are exact; the mean
# losses are within 1e-6 relative, HISTORY_LOSS_RTOL = 1e-4 allows 100 times that. Deterministic:
# false-fail probability 0. Catches a loss or an accuracy averaged wrongly: counters started at 1 or
# -1 (a loss 1/360 or an accuracy one image off), the batch loss not weighted by the batch size and
# divided by the number of images (40x too small), loss sums, integer division (accuracy 0), another
# comparison than argmax == label.
HISTORY_EPOCHS, HISTORY_BATCH, HISTORY_LR = 2, 40, 0.0
HISTORY_TIE_MARGIN = 1e-4
HISTORY_LOSS_RTOL = 1e-4

# train_transform_keeps_labels: the face classifier (face_oracle.py) on the 150 probe faces must see
# the right class in at least 135 outputs. Its error on outputs of label-preserving augmentations
# inside the envelope the prompt states (envelope.py: mirrored, turned by <= 30 degrees, shifted by
# <= 4 px, zoomed 0.8-1.25, any colours that keep dark dark, blur <= 1 px, noise <= 0.1, <= 10 %
# erased, in any combination and order, any interpolation and fill) was measured on 30,000 random
# draws on the probe faces: 49 errors, rate 0.16 %, 99.9 % upper confidence bound 0.25 %; each
# corner of the envelope alone (the largest turn with the largest shift and smallest or largest zoom,
# the strongest colour change, grey + low contrast + blur, noise, erasing) misses at most 3 of 300
# (test_face_oracle). Assuming an error rate of 2 % (8x the bound) for any pipeline inside the
# envelope, the misses are at most Binomial(150, 0.02): P(more than 15) = 7.1e-8, the false-fail
# odds. Catches (test_face_oracle, on these probes): vertical flips with p = 1/2 (about 49 % missed),
# inverted colours with p = 1/2 (48 %), RandomResizedCrop's default crops (34 %), turns up to 180
# (76 %) or 90 degrees (46 %), TrivialAugmentWide (22 %), AutoAugment (17 %); a breaking transform
# applied to about a tenth of the images (vertical flips with p = 0.1: 10 %) passes half the time.
PROBES_MISSED_MAX = 15

# augmentation_gap: the grader runs the experiment for three seeds with the defaults (15 images per
# class, 15 epochs, 32 hidden units, Adam 5e-3, batches of 15), with the reference helpers in place
# (SUBSTITUTES: train_transform is the reference's flips and channel permutations), and measures
# every returned model itself, in float64.
GAP_SEEDS = (101, 202, 303)
GAP_ARGS = {"per_class": 15, "epochs": 15, "hidden": 32, "lr": 5e-3, "batch_size": 15}
# Reported accuracies must match the grader's measurement within 2 images (45 training, 120
# validation images). The student's float32 forward pass and the grader's float64 one disagree on an
# image only when its two largest logits are within ~1e-5 of each other (probability ~1e-5 per image),
# so three disagreements in one model have probability ~ (165 * 1e-5)^3 / 6 < 1e-9: the false-fail
# odds over the 6 models are below 1e-8 (measured: never more than one image off,
# test_gap_statistics). Catches accuracies measured on augmented images (a plain model on augmented
# validation images: about 0.15 lower), on the wrong split, or of another model than the one returned.
GAP_ACC_IMAGES = 2
# Invariance: accuracy on the 12 flip x channel-order variants of the training images, augmented
# minus plain models, averaged over the 3 seeds. Measured per seed for independent correct
# implementations (the reference; a hand-written loop with other seeds; every epoch's augmentations
# drawn up front; each in two versions, 20 + 12 seeds; tests/augmentation/implementations.py,
# test_gap_statistics.py): means 0.276-0.299, standard deviations 0.032-0.054, smallest 0.194. The
# mean of 3 seeds has a standard deviation of at most 0.054 / sqrt(3) = 0.031, so 0.1 is 5.6 of them
# below the smallest mean: false-fail odds 1e-8 under a normal approximation (and no seed of the 96
# came within 0.09 of it). Catches both runs augmented or both plain (difference about 0), the runs
# swapped (about -0.29).
INVARIANCE_MIN = 0.1
# Gap shrink: (train - heldout accuracy) of the plain minus the augmented models, averaged over the 3
# seeds. Measured per seed as above: means 0.232-0.241, standard deviations 0.045-0.064, smallest
# 0.103. The mean of 3 seeds has a standard deviation of at most 0.064 / sqrt(3) = 0.037; 0.02 is 5.7
# of them below the smallest mean: false-fail odds 6e-9 under a normal approximation. The claim of
# the question ("augmentation shrinks the gap") with a small margin; catches a "plain" run that
# augments and vice versa (0 or negative; the invariance catches them first).
GAP_MIN = 0.02

# first_layer_images: float32 arithmetic on values scaled to [0, 1]; deterministic.
FIRST_LAYER_ATOL = 1e-5


# -- helpers ------------------------------------------------------------------------------------
def _unnormalize(out: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return out * std[:, None, None] + mean[:, None, None]


# -- augmentation_q1: channel_mean_std ----------------------------------------------------------
STATS_DATA = (("the val set", LibraryCall("shared.afhq", "raw_dataset", ("val",)), "val"),
              ("20 random images of 24x40", LibraryCall("shared.afhq", "random_dataset", (20, 24, 40, 5)),
               (20, 24, 40, 5)),
              ("3 random images of 2x3", LibraryCall("shared.afhq", "random_dataset", (3, 2, 3, 6)), (3, 2, 3, 6)))


def mean_std_values(channel_mean_std) -> None:
    """Check channel_mean_std against the per-channel mean and std over all pixels of all images, i.e.
    that normalising with them gives mean 0 and std 1 per channel (the population std, or the sample
    std): on the validation faces, on 20 random non-square images whose mean colours differ from
    image to image, and on 3 random images of 2x3 pixels (where every pixel counts)."""
    f = student(channel_mean_std, "channel_mean_std")
    for name, data, source in STATS_DATA:
        got = f(data)
        mean = as_array(got[0], "mean")
        std = as_array(got[1], "std")
        want_mean, want_std = oracle.channel_stats(source)
        what = f"channel_mean_std(<{name}>)"
        if np.allclose(mean, 255.0 * want_mean, rtol=1e-3):
            raise CheckFailed(f"{what} returned a mean of {np.round(mean, 2)}: pixel values of 0..255. "
                              "Scale the uint8 images to [0, 1] first (divide by 255, or v2.ToDtype(torch.float32, "
                              "scale=True)).")
        expect_close(mean, want_mean, STATS_ATOL, f"the mean of {what}",
                     hint="the mean of channel c is the average of x[c] over all pixels of all images.")
        sample_std = oracle.channel_stats(source, ddof=1)[1]
        if min(np.max(np.abs(std - want_std)), np.max(np.abs(std - sample_std))) > STATS_ATOL:
            z_std = want_std / std          # std of (x - mean) / std over the data set
            extra = ""
            if np.allclose(std, oracle.mean_of_image_stds(source), atol=1e-3):
                extra = (" Your std is the average of per-image stds: it leaves out how much the images' "
                         "mean colours differ from each other (total variance = mean of within-image "
                         "variances + variance of the image means). Take the std over all pixels of all "
                         "images at once.")
            raise CheckFailed(f"Normalising {name} with your mean and std gives per-channel std "
                              f"{np.round(z_std, 3)} over all pixels, not 1 (your std {np.round(std, 4)}, "
                              f"expected {np.round(want_std, 4)})." + extra)


# -- augmentation_q2: train_transform -----------------------------------------------------------
def _outputs(train_transform, images: np.ndarray, mean: np.ndarray = CHECK_MEAN, std: np.ndarray = CHECK_STD,
             seed: Optional[int] = None) -> np.ndarray:
    """train_transform(mean, std, size=32) applied to each uint8 image (N, 3, 32, 32) on the student
    side (one call per image), normalisation undone: (N, 3, 32, 32) in pixel units."""
    f = student(train_transform, "train_transform")
    what = "train_transform(mean, std, size=32)"
    if seed is not None:
        f.seed(seed)
    transform = transform_callable(f(TensorArg(mean, "float32"), TensorArg(std, "float32"), size=32), what)
    try:
        out = f.library(LibraryCall("shared.afhq", "apply_each", (transform, np.ascontiguousarray(images))))
    except StudentError as exc:
        text = str(exc)
        hint = NORMALIZE_ORDER_HINT if "float tensor" in text else ""
        raise CheckFailed(f"Applying {what} to uint8 images: {text}" + (f"\nHint: {hint}" if hint else "")) from None
    out = as_array(out, what)
    expect(bool(np.all(np.isfinite(out))), f"{what} returned NaN or inf values.")
    return _unnormalize(out, mean, std)


def train_transform_normalizes(train_transform) -> None:
    """Check that train_transform normalises last with the mean and std it is given: built with two
    different (mean, std) and called from the same seed on the same 50 probe faces, the two pipelines
    must describe the same augmented images z, i.e. out * std + mean must agree (on at least half of
    the pixels of every image: an erased patch may be filled after normalising). An unseeded pipeline
    escapes with probability <= (5/8)^50 (see MIN_AGREEING_PIXELS)."""
    images = oracle.probes()[0][NORMALIZE_PROBES]
    z1 = _outputs(train_transform, images, CHECK_MEAN, CHECK_STD, seed=NORMALIZE_SEED)
    z2 = _outputs(train_transform, images, OTHER_MEAN, OTHER_STD, seed=NORMALIZE_SEED)
    agree = np.mean(np.all(np.abs(z1 - z2) <= PIXEL_ATOL, axis=1), axis=(1, 2))
    worst = int(np.argmin(agree))
    if agree[worst] >= MIN_AGREEING_PIXELS:
        return
    hint = ""
    if np.median(z1) > 1.5:
        hint = (" The pixels were not scaled to [0, 1]: v2.ToDtype(torch.float32, scale=True) scales uint8 to "
                "[0, 1]; without scale=True they stay 0..255.")
    raise CheckFailed(
        "train_transform(mean, std) built twice, with two different (mean, std), and called from the same seed "
        "on the same image should give the same augmented image z, normalised: out = (z - mean) / std. Undoing "
        f"each normalisation (out * std + mean), only {agree[worst]:.0%} of the pixels agree (expected all, "
        f"or at least {MIN_AGREEING_PIXELS:.0%} if a patch is erased after normalising).{hint} Normalise last, "
        "with v2.Normalize(mean, std) using the arguments (not constants, not per-image statistics), after "
        "v2.ToDtype(torch.float32, scale=True); and draw every random number from torch's (or numpy's, or "
        "Python's) global generator, as the v2 transforms do, so that seeding reproduces the augmentation.")


def train_transform_augments(train_transform) -> None:
    """Check that train_transform is random: among 50 calls on the asymmetric test image, at least one
    output differs from the plainly normalised image (a pipeline that changes the image in at least
    one call in four leaves all 50 unchanged with probability <= (3/4)^50 = 5.7e-7)."""
    image = oracle.test_image()
    z = _outputs(train_transform, np.repeat(image[None], AUGMENT_CALLS, axis=0))
    changed = np.max(np.abs(z - image[None] / 255.0), axis=(1, 2, 3)) > UNCHANGED_ATOL
    expect(bool(np.any(changed)),
           f"train_transform returned the image unchanged (only resized and normalised) in all {AUGMENT_CALLS} "
           "calls: it does not augment. Add random transformations that keep the label (and apply them often: "
           "the contract asks for a change in at least one call in four).")


def train_transform_keeps_labels(train_transform) -> None:
    """Check that the augmentations keep the label: train_transform applied to the 150 probe faces
    (upright, centred; 50 per class), the grader's fixed face classifier must recognise the class of
    at least 135 outputs (see PROBES_MISSED_MAX for the odds)."""
    images, labels = oracle.probes()
    z = _outputs(train_transform, images)
    seen = face_oracle.classify(z)
    missed = seen != labels
    if int(missed.sum()) <= PROBES_MISSED_MAX:
        return
    n = len(labels)
    not_face = int(np.sum(missed & (seen == face_oracle.NOT_A_FACE)))
    diagnosis = oracle.diagnose(_outputs(train_transform, np.repeat(oracle.grey_test_image()[None], DIAGNOSE_CALLS,
                                                                   axis=0)))
    causes = []
    if diagnosis["upside_down"] >= DIAGNOSE_MIN:
        causes.append(f"{diagnosis['upside_down']} of {DIAGNOSE_CALLS} outputs of an asymmetric grey test image came "
                      "out upside down (a vertical flip or a half turn): faces in photos are upright, and ears "
                      "below the chin are no face of any class")
    if diagnosis["turned"] >= DIAGNOSE_MIN:
        causes.append(f"{diagnosis['turned']} of {DIAGNOSE_CALLS} were turned by more than 45 degrees: a head "
                      "tilts, it does not lie on its side")
    if diagnosis["inverted"] >= DIAGNOSE_MIN:
        causes.append(f"{diagnosis['inverted']} of {DIAGNOSE_CALLS} had inverted colours (dark made light): "
                      "white pupils and a dark background occur in no photo")
    if not causes:
        causes.append("no flip, turn or inversion showed on the test image: look for crops or zooms that cut the "
                      "face (ears, muzzle) out of the picture, shifts that push it half out, or erased areas "
                      "larger than a tenth of the image")
    raise CheckFailed(
        f"Your augmentations do not keep the label: the grader's face classifier recognised the class of only "
        f"{n - int(missed.sum())} of {n} augmented probe faces (it needs {n - PROBES_MISSED_MAX}); "
        f"{not_face} of the misses no longer looked like a face at all. " + "; ".join(causes) + ". An augmentation "
        "must produce images the data could contain, of the same class: mirrored, tilted by up to 30 degrees, "
        "shifted or zoomed a little, recoloured, blurred or noisy faces are such images.")


# -- augmentation_q3: eval_transform ------------------------------------------------------------
def eval_transform_deterministic(eval_transform) -> None:
    """Check that eval_transform gives the same output on every call (no random augmentation)
    and that this output is the plainly normalised input, (x / 255 - mean) / std (no augmentation)."""
    what = "eval_transform(mean, std, size=32)"
    transform = transform_callable(student(eval_transform, "eval_transform")(*mean_std_args(), size=32), what)
    image = oracle.test_image()
    first = as_array(apply_transform(transform, image, what), what)
    for _ in range(20):
        again = as_array(apply_transform(transform, image, what), what)
        expect(again.shape == first.shape and np.array_equal(again, first),
               f"{what} gave different outputs for the same image: the evaluation transform must be "
               "deterministic. Random augmentations are for training only; evaluate on the "
               "images as they are.")
    want = (image.astype(np.float64) / 255.0 - CHECK_MEAN[:, None, None]) / CHECK_STD[:, None, None]
    if first.shape == want.shape and np.max(np.abs(first - want[:, :, ::-1])) <= PIXEL_ATOL:
        raise CheckFailed(f"{what} mirrors the image: evaluate on the images as they are (no flips).")
    raw = first * CHECK_STD[:, None, None] + CHECK_MEAN[:, None, None]
    hint = ("The values are about 255 times too large: use v2.ToDtype(torch.float32, scale=True)."
            if first.shape == want.shape and np.median(raw) > 1.5 else
            "For an image that already has the target size, the evaluation transform is just "
            "ToDtype(float32, scale=True) and Normalize(mean, std) with the arguments.")
    expect_close(first, want, PIXEL_ATOL, f"{what} of a 32x32 image", hint=hint)


def eval_transform_resizes(eval_transform) -> None:
    """Check that eval_transform(mean, std, size=32) shrinks a 64x64 image to 32x32 (the 2x2-block
    upsampled test image comes back within 0.06 RMS of the test image) rather than cropping it."""
    what = "eval_transform(mean, std, size=32)"
    transform = transform_callable(student(eval_transform, "eval_transform")(*mean_std_args(), size=32), what)
    image = oracle.test_image()
    big = np.kron(image, np.ones((1, 2, 2), dtype=np.uint8))
    out = as_array(apply_transform(transform, big, what), what)
    expect(out.shape == (3, 32, 32), f"{what} of a (3, 64, 64) image should have shape (3, 32, 32), got {out.shape}.")
    raw = _unnormalize(out, CHECK_MEAN, CHECK_STD)
    rms = float(np.sqrt(np.mean((raw - image / 255.0) ** 2)))
    expect(rms <= RESIZE_RMS_MAX,
           f"{what} of a 64x64 image should show the whole image shrunk to 32x32 (v2.Resize(size) before "
           f"v2.CenterCrop(size)); it is {rms:.3f} RMS away from it, as if the image were cropped "
           "instead of resized (a 32x32 crop of a large photo shows a patch of fur, not a face).")


# -- augmentation_q4: make_loaders --------------------------------------------------------------
def loaders_content(make_loaders) -> None:
    """Check what make_loaders(mini root, 32, seed) yields: float32 (B, 3, 32, 32) images and int64
    labels; every training image once per epoch (24 per class), shuffled anew each epoch and
    augmented; validation images in folder order, identical on every pass and equal to the
    plainly normalised images; the same first batch for the same seed, another for another seed."""
    f = student(make_loaders, "make_loaders")
    try:
        report = f.library(LibraryCall("shared.afhq", "loader_report", (make_loaders, LOADER_BATCH, 7), {"mini": True}))
    except StudentError as exc:
        hint = (NORMALIZE_ORDER_HINT + " (in train_transform or eval_transform)" if "float tensor" in str(exc) else
                f"the grader iterates over both loaders of make_loaders(root, {LOADER_BATCH}, 7); each batch "
                "should be a pair (images, labels) of tensors.")
        raise CheckFailed(f"{exc}\nHint: {hint}") from None
    expect(isinstance(report, dict), f"The grader could not read your loaders ({describe(report)})")
    train_raw, train_labels = oracle.images("train", mini=True)
    val_raw, val_labels = oracle.images("val", mini=True)
    n_train, n_val = len(train_labels), len(val_labels)

    expect(report["train_dtypes"] == ["torch.float32", "torch.int64"] and report["shape"] == [3, 32, 32],
           f"The training loader should yield float32 images of shape (B, 3, 32, 32) and int64 labels; "
           f"got {report['train_dtypes']} and images of shape (B, {', '.join(map(str, report['shape']))}).")
    sizes = report["train_sizes"]
    expect(sum(sizes) == n_train and all(s == LOADER_BATCH for s in sizes[:-1]),
           f"One pass over the training loader should visit each of the {n_train} training images once in "
           f"batches of {LOADER_BATCH}; it gave {sum(sizes)} images in batches {sizes[:3]}...{sizes[-2:]}. "
           "(Keep drop_last=False: the last, smaller batch holds images too.)")
    counts = np.bincount(np.asarray(report["train_y"], dtype=np.int64), minlength=3)
    expect(counts.tolist() == np.bincount(train_labels, minlength=3).tolist(),
           f"The training labels of one pass count {counts.tolist()} per class; the folder has "
           f"{np.bincount(train_labels).tolist()}. Labels must come from ImageFolder (cat 0, dog 1, wild 2).")

    val_y = np.asarray(report["val_y"])
    expect(len(val_y) == n_val and np.array_equal(val_y, val_labels),
           "The validation loader should yield the validation images in folder order (class by class): "
           "create it with shuffle=False. Shuffling does not change the accuracy, and a fixed order makes "
           "evaluations comparable.")
    val_x, val_x2 = np.asarray(report["val_x"]), np.asarray(report["val_x2"])
    expect(np.array_equal(val_x, val_x2),
           "Two passes over the validation loader gave different images: the validation set must not be "
           "augmented. Give it eval_transform, not train_transform.")
    a, b, worst = oracle.affine_fit(val_x.reshape(n_val, 3, -1), val_raw.reshape(n_val, 3, -1))
    expect(worst <= 1e-3 and np.all(a > 0),
           "The validation images are not the plainly normalised images (x / 255 - mean) / std of the "
           f"folder (off by up to {worst:.3g} after the best per-channel scaling): no augmentation on the "
           "validation set. Give it eval_transform(mean, std).")

    train_y, train_y2 = np.asarray(report["train_y"]), np.asarray(report["train_y2"])
    expect(not np.array_equal(train_y, np.sort(train_y)),
           "The training loader yields the images in folder order (all cats, then all dogs, ...): create "
           "it with shuffle=True, so that each batch mixes the classes.")
    expect(not np.array_equal(train_y, train_y2),
           "Two passes over the training loader gave the same order of labels: a shuffling DataLoader "
           "draws a new order every epoch (shuffle=True, not a fixed permutation).")
    train_x = (np.asarray(report["train_x"]).reshape(n_train, 3, -1) - b[None, :, None]) / a[None, :, None]
    unchanged = 0
    raw_flat = train_raw.reshape(n_train, -1).astype(np.float32)
    for label in range(3):
        pool = raw_flat[train_labels == label]
        for image in train_x.reshape(n_train, -1)[train_y == label].astype(np.float32):
            if np.min(np.max(np.abs(pool - image), axis=1)) < 0.5 / 255.0:
                unchanged += 1
    expect(unchanged <= MAX_UNCHANGED_FRACTION * n_train,
           f"{unchanged} of the {n_train} training images came out unchanged: the training set is not "
           "augmented. Give it train_transform(mean, std), so that every epoch shows new random augmentations "
           "of the images.")

    first_y, again_y = np.asarray(report["first_y"]), np.asarray(report["again_y"])
    expect(np.array_equal(first_y, again_y),
           "make_loaders(root, 32, 7) called twice gave first training batches with different labels: the "
           "shuffling is not reproducible. Shuffle with a generator seeded from the seed argument: "
           "DataLoader(..., shuffle=True, generator=torch.Generator().manual_seed(seed)).")
    expect(np.array_equal(np.asarray(report["first_x"]), np.asarray(report["again_x"])),
           "make_loaders(root, 32, 7) called twice gave the same labels but different images in the first "
           "training batch: the random augmentations are not reproducible. They draw from torch's "
           "global generator (in the main process), so also call torch.manual_seed(seed) in make_loaders.")
    expect(not np.array_equal(first_y, np.asarray(report["other_y"])),
           "make_loaders with seeds 7 and 8 gave the same first training batch: use the seed argument "
           "(not a fixed number) to seed the shuffling.")


# -- augmentation_q5: mlp_classifier, train_classifier ------------------------------------------
def training_beats_chance(mlp_classifier, train_classifier) -> None:
    """Check that train_classifier trains mlp_classifier((3, 32, 32), 64, 3) in place to at least
    60 % validation accuracy in 8 epochs (lr 1e-3) on the grader's plain loaders, and that its
    history holds one value per epoch with the last val_acc and val_loss as measured by the grader."""
    net = as_net(student(mlp_classifier, "mlp_classifier")((3, 32, 32), TRAIN_HIDDEN, 3),
                 f"mlp_classifier((3, 32, 32), {TRAIN_HIDDEN}, 3)")
    loaders = LibraryCall("shared.afhq", "plain_loaders", (LOADER_BATCH, TRAIN_SEED))
    call = f"train_classifier(model, loaders, epochs={TRAIN_EPOCHS}, lr={TRAIN_LR}, seed={TRAIN_SEED})"
    history = student(train_classifier, "train_classifier")(net.handle, loaders, TRAIN_EPOCHS, TRAIN_LR, TRAIN_SEED)
    series = history_series(history, TRAIN_EPOCHS, call)

    x_val, y_val = _plain_val()
    logits = as_array(student(net.handle, "the trained model")(TensorArg(x_val, "float32")), "model(x)")
    expect(logits.shape == (len(y_val), 3), f"The model maps the validation images to shape {logits.shape}, "
                                            f"expected {(len(y_val), 3)}.")
    acc = float(np.mean(np.argmax(logits, axis=1) == y_val))
    if acc < MIN_VAL_ACC:
        if series["val_acc"][-1] >= MIN_VAL_ACC:
            raise CheckFailed(
                f"Your history says val_acc = {series['val_acc'][-1]:.3f}, but the model passed to "
                f"train_classifier classifies only {acc:.3f} of the validation images correctly: train the "
                "model you are given, in place (do not copy it or build a new one).")
        raise CheckFailed(
            f"After {call}, the model classifies {acc:.3f} of the validation images correctly; chance is 0.333 "
            f"and the grader expects at least {MIN_VAL_ACC} (correct implementations reach 0.87-0.96). Losses per epoch: "
            f"{np.round(series['train_loss'], 3)}. Each step needs optimizer.zero_grad(), loss.backward(), "
            "optimizer.step() with torch.optim.Adam(model.parameters(), lr=lr) and nn.CrossEntropyLoss on logits.")
    expect(abs(series["val_acc"][-1] - acc) <= ACC_ATOL,
           f"The last val_acc of your history is {series['val_acc'][-1]:.4f}, but the trained model classifies "
           f"{acc:.4f} of the validation images correctly: val_acc should be (number correct) / (number of "
           "validation images) after the epoch, counted over all images (not an average of per-batch accuracies).")
    loss = oracle.softmax_cross_entropy(logits, y_val)
    expect(abs(series["val_loss"][-1] - loss) <= LOSS_RTOL * loss,
           f"The last val_loss of your history is {series['val_loss'][-1]:.4f}, but the mean cross-entropy of the "
           f"trained model over the validation images is {loss:.4f}: val_loss should be the average loss per image.")
    expect(series["train_loss"][-1] < series["train_loss"][0],
           f"The training loss did not go down: {np.round(series['train_loss'], 3)}.")


def history_values(train_classifier) -> None:
    """Check every entry of a training history against the grader's float64 measurement: with lr = 0
    the model does not change, so each epoch's train_loss/train_acc and val_loss/val_acc are the mean
    cross-entropy and the accuracy of the given model (a fixed linear classifier of the grader's) over
    all training/validation images."""
    weight, bias = oracle.history_classifier()
    model = NetSpec([LayerSpec("flatten", "Flatten"),
                     LayerSpec("linear", "Linear", weight.copy(), bias.copy(), "torch.float32")])
    call = (f"train_classifier(model, plain loaders in batches of {HISTORY_BATCH}, epochs={HISTORY_EPOCHS}, "
            f"lr={HISTORY_LR}, seed=0)")
    loaders = LibraryCall("shared.afhq", "plain_loaders", (HISTORY_BATCH, 0))
    history = student(train_classifier, "train_classifier")(model, loaders, HISTORY_EPOCHS, HISTORY_LR, 0)
    series = history_series(history, HISTORY_EPOCHS, call)
    wants = {split: oracle.classifier_scores(weight, bias, split, HISTORY_TIE_MARGIN) for split in ("train", "val")}
    for split, want in wants.items():
        n, what = want["n"], f"the {want['n']} {'training' if split == 'train' else 'validation'} images"
        why = (f"With lr=0 the model does not change ({call} on a fixed linear classifier), so every epoch's "
               f"{split}_loss and {split}_acc are the mean cross-entropy and the accuracy of that model over {what}")
        losses = series[f"{split}_loss"]
        if split == "val" and np.all(np.abs(losses - wants["train"]["loss"]) <= HISTORY_LOSS_RTOL * wants["train"]["loss"]):
            raise CheckFailed(f"{why}: {want['loss']:.5f}; your val_loss {np.round(losses, 5).tolist()} is the loss over "
                              "the training images. Evaluate on the validation loader, loaders[1], after each epoch.")
        expect(bool(np.all(np.abs(losses - want["loss"]) <= HISTORY_LOSS_RTOL * want["loss"])),
               f"{why}: {want['loss']:.5f}; your history has {split}_loss = {np.round(losses, 5).tolist()}. "
               + ("Average the loss over the epoch's images: add loss.item() * len(y) per batch (the batch loss is "
                  "a mean over the batch) and divide by the number of images." if split == "train" else
                  "evaluate(model, val_loader) should return the mean cross-entropy per image over the whole loader "
                  "(the sum over all images divided by their number)."))
        accuracies = series[f"{split}_acc"] * n
        low, high = want["correct"], want["correct"] + want["ties"]
        expect(bool(np.all((accuracies >= low - 0.25) & (accuracies <= high + 0.25))),
               f"{why}: {low / n:.5f} ({low} of {n} images have their label as the largest logit); your history "
               f"has {split}_acc = {np.round(series[f'{split}_acc'], 5).tolist()}. Count the images with "
               "logits.argmax(dim=1) == y over the whole epoch (or loader), starting from 0, and divide by the number "
               "of images (a fraction, not integer division).")


def _plain_val() -> tuple:
    from shared.afhq import plain_arrays

    return plain_arrays("val")


# -- augmentation_q6: first_layer_images --------------------------------------------------------
def first_layer_values(first_layer_images) -> None:
    """Check first_layer_images against W.reshape(hidden, C, H, W), each unit mapped onto [0, 1] by
    the increasing affine map that sends its smallest weight to 0 and its largest to 1 (computed by
    the oracle), for non-square (3, 4, 5) and (1, 6, 2) inputs."""
    f = student(first_layer_images, "first_layer_images")
    for in_shape, hidden, seed in (((3, 4, 5), 6, 3), ((1, 6, 2), 4, 5)):
        net = first_layer_net(in_shape, hidden, seed)
        weight = net.linear_layers[0].weight
        got = as_array(f(net, in_shape), f"first_layer_images(model, {in_shape})")
        want = oracle.first_layer_oracle(weight, in_shape)
        what = f"first_layer_images(model, {in_shape})"
        expect(got.shape == want.shape, f"{what} should have shape {want.shape}, got {got.shape}.")
        if np.max(np.abs(got - want)) <= FIRST_LAYER_ATOL:
            continue
        w = weight.reshape(hidden, -1)
        global_scaled = ((w - w.min()) / (w.max() - w.min())).reshape(want.shape)
        if np.allclose(got, global_scaled, atol=FIRST_LAYER_ATOL):
            raise CheckFailed(f"{what} scales all units together (one min and max over the whole layer); scale "
                              "each unit on its own, so that every image uses the full range [0, 1].")
        if np.allclose(got, weight.reshape(want.shape), atol=FIRST_LAYER_ATOL):
            raise CheckFailed(f"{what} returns the raw weights; map each unit's weights onto [0, 1] for display.")
        per_channel = w.reshape(hidden, in_shape[0], -1)
        lo, hi = per_channel.min(axis=2, keepdims=True), per_channel.max(axis=2, keepdims=True)
        if np.allclose(got, ((per_channel - lo) / (hi - lo)).reshape(want.shape), atol=FIRST_LAYER_ATOL):
            raise CheckFailed(f"{what} scales each channel separately: the colours of the image then no longer show "
                              "the weights' proportions between channels. Use one map per unit, the same for its "
                              "three channels, from the unit's smallest weight to its largest.")
        channels_last = oracle.first_layer_oracle(weight, (*in_shape[1:], in_shape[0]))
        if np.allclose(got, np.moveaxis(channels_last, -1, 1), atol=FIRST_LAYER_ATOL):
            raise CheckFailed(f"{what}: the weights are reshaped as (H, W, C) and then permuted, but Flatten "
                              "flattened (C, H, W) images: reshape the weight to (hidden, C, H, W) directly.")
        expect_close(got, want, FIRST_LAYER_ATOL, what,
                     hint="take the weight of the first nn.Linear, reshape it to (hidden, *in_shape), and map "
                          "each unit's weights onto [0, 1] by an increasing affine map of its own (its smallest "
                          "weight to 0, its largest to 1).")


# -- augmentation_q7: augmentation_gap ----------------------------------------------------------
def _accuracies(net) -> dict:
    """part -> (accuracy of ``net`` measured in float64, images) on the experiment's parts."""
    return oracle.gap_accuracies(lambda x: np.argmax(forward(net, x), axis=1), GAP_ARGS["per_class"])


def gap_shrinks(augmentation_gap) -> None:
    """Check the augmentation experiment (GAP_SEEDS, GAP_ARGS), with the reference helpers in place
    of the student's: the grader measures every returned model itself (float64) on the training
    subset and on the validation set; the reported accuracies must be those; the augmented models
    must be invariant to the reference augmentation (flips, channel orders) where the plain ones are
    not; and the gap between the accuracy on the training images and on the images the models never
    saw (the rest of the training split and the validation split), averaged over the seeds, must
    shrink by GAP_MIN."""
    what = f"augmentation_gap(root, {list(GAP_SEEDS)})"
    result = student(augmentation_gap, "augmentation_gap")(LibraryCall("shared.afhq", "offline_root"),
                                                           list(GAP_SEEDS), **GAP_ARGS)
    parts = gap_result(result, list(GAP_SEEDS), GAP_ARGS["hidden"], what)
    measured = {}
    for kind in GAP_KINDS:
        rows = []
        for net in parts[kind]["models"]:
            accuracies = _accuracies(net)
            rows.append([accuracies[part][0] for part in oracle.GAP_PARTS])
        sizes = {part: count for part, (_, count) in accuracies.items()}
        measured[kind] = np.array(rows)
        for column, key, n in ((0, "train_acc", sizes["train"]), (1, "val_acc", sizes["val"])):
            reported = parts[kind][key]
            off = np.abs(reported - measured[kind][:, column])
            if np.max(off) > GAP_ACC_IMAGES / n + 1e-9:
                i = int(np.argmax(off))
                where = "the first per_class training images of each class" if key == "train_acc" else "root/val"
                raise CheckFailed(
                    f"{what}[{kind!r}][{key!r}][{i}] is {reported[i]:.4f}, but the returned model classifies "
                    f"{measured[kind][i, column]:.4f} of {where} correctly (measured by the grader on the images "
                    "through eval_transform, without augmentation). Measure both accuracies after training, on "
                    "unaugmented images (the validation set is never augmented), with the model you return.")
    invariance = measured["augmented"][:, 2] - measured["plain"][:, 2]
    expect(float(np.mean(invariance)) >= INVARIANCE_MIN,
           f"Mirrored and recoloured (channels permuted) copies of the training images are classified correctly "
           f"{np.mean(measured['augmented'][:, 2]):.3f} of the time by your augmented models and "
           f"{np.mean(measured['plain'][:, 2]):.3f} by your plain ones: a model trained on augmented images learns "
           f"to ignore the augmentation (the reference's flips and channel orders), one trained without does not; "
           f"the difference should be at least {INVARIANCE_MIN}. Train the 'augmented' models with train_transform "
           "and the 'plain' ones with eval_transform.")
    gaps = {kind: measured[kind][:, 0] - measured[kind][:, 3] for kind in GAP_KINDS}
    shrink = float(np.mean(gaps["plain"] - gaps["augmented"]))
    expect(shrink >= GAP_MIN,
           f"The gap between the accuracy on the training images and on the {sizes['heldout']} images the "
           f"models never saw (the rest of root/train and root/val), measured by the grader on your models, is "
           f"{np.mean(gaps['plain']):.3f} without and {np.mean(gaps['augmented']):.3f} with augmentation (seeds "
           f"{list(GAP_SEEDS)}): it should shrink by at least {GAP_MIN}. Train on the same small training set "
           f"(the first {GAP_ARGS['per_class']} images of each class) in both runs, for the given number of epochs.")
