r"""Hidden checks of `augmentation`: every answer is compared with an oracle of ``oracle.py``
(numpy/scipy), never with the reference solution.

Randomness. The engine seeds the student side (random, numpy, torch) before every rung with a
seed derived from the rung's name, so a grade is reproducible; the false-fail probabilities
stated next to each tolerance are over the random draws of a *correct* answer (what a different
seed, or a different but correct order of random calls, would give).
"""
from __future__ import annotations

import numpy as np

from autograder.checking import (
    CheckFailed, LibraryCall, StudentError, TensorArg, as_array, as_net, describe, expect, expect_close,
    student,
)
from autograder.assignments.augmentation import oracle
from autograder.assignments.augmentation.public import (
    CHECK_MEAN, CHECK_STD, NORMALIZE_ORDER_HINT, apply_transform, first_layer_net, mean_std_args,
    transform_callable,
)

# -- tolerances ---------------------------------------------------------------------------------
# channel_mean_std: float32 results of sums over 368,640 pixels; a float32 two-pass or pairwise
# computation is within 1e-6 of the float64 oracle, a naive float32 running sum within 3e-5. The
# sample std (ddof=1) differs from the population std by a factor 1 + 1.4e-6. Deterministic: the
# false-fail probability is 0. Mistakes: the mean of per-image stds is off by >= 0.08 in every
# channel (test_oracle), pixels not scaled to [0, 1] by a factor 255.
STATS_ATOL = 1e-4
# Normalised pixel values: float32 round-off of (x - m) / s with s >= 0.2 is below 1e-6; one grey
# level is 1 / (255 * 0.26) = 0.015. Deterministic (false-fail probability 0).
PIXEL_ATOL = 1e-4

# Registration (train_transform). Measured on the test image for every angle on a 0.1 degree grid
# in [-15, 15], both mirror flags, torchvision's NEAREST and BILINEAR interpolation (test_oracle):
# the mirror flag is always right, the angle is within 2.6 degrees (NEAREST; 0.5 for BILINEAR) and
# the RMS difference to the best candidate is <= 0.023, while every candidate with the wrong
# mirror flag is >= 0.115 away. So a correct transform is never misread (false-fail probability 0
# for these rules; the random parts are bounded below). Vertical flips, 90 and 180 degree turns
# are exact candidates (residual < 0.01) and are named in the message.
ANGLE_SLACK = 3.0                 # accept |angle| <= 15 + 3 degrees
RESIDUAL_MAX = 0.06               # RMS on the disk, pixel units; correct <= 0.023, wrong >= 0.11
N_DRAWS = 200                     # seeded calls of the transform per statistical rung
# Flip rate: K ~ Binomial(200, 1/2) for p = 0.5. P(K <= 65) + P(K >= 135) = 8.3e-7 (exact binomial
# tail): the false-fail probability. Catches p = 0 or 1 always (never in [66, 134]); p = 0.25 or 0.75
# passes with probability 0.007.
FLIP_RANGE = (66, 134)
# Rotation actually random: angles uniform on [-d, d] have std d / sqrt(3) (8.7 degrees for
# d = 15). A fixed angle gives estimates with std <= 0.5: the two mirror flags' estimates differ by
# at most 1 degree (test_oracle). A correct answer fails only if the sample std of its 200 true
# angles is below 1.5 + 2.6 (the largest registration error), i.e. their mean square below 16.8
# + mean^2: for d = 15 (mean square 75) Hoeffding bounds this by exp(-2 * 200 * 57^2 / 225^2) =
# 7e-12 (squared angles in [0, 225]; mean^2 < 1 except with probability < 1e-8); for d = 10 the
# same worst-case bound is 7e-5 (the registration error is typically 0.9, not 2.6).
MIN_ANGLE_STD = 1.5
# Rotation "either way": |mean angle| <= 6 standard errors (s / sqrt(200)). For a symmetric angle
# distribution the t statistic with 199 degrees of freedom exceeds 6 with probability 9e-9 (plus
# the registration bias, < 0.3 degrees on average, i.e. < 0.5 standard error for d = 15). Catches
# one-sided ranges such as RandomRotation((0, 15)) (mean 7.5 = 12 standard errors).
MEAN_ANGLE_SE = 6.0

# eval_transform resize: a 2x2-block upsampled test image resized back to 32 by bilinear (with or
# without antialias), bicubic or nearest interpolation is within 0.009 RMS of the original
# (test_oracle); a centre crop without resize is 0.18 away. Deterministic (false-fail 0).
RESIZE_RMS_MAX = 0.06

# make_loaders: a training pass of a loader that augments (flip p = 0.5 and any random rotation)
# returns an exactly unchanged image with probability <= 1/2 per image (torchvision's NEAREST
# rotation leaves a 32x32 image unchanged for |angle| <= 1.8 degrees: 12 % of draws for d = 15, so
# 6 % unchanged images; BILINEAR only at angle 0). Requiring at most 75 % unchanged images of 360:
# false fail P(Binomial(360, 1/2) > 270) = 8e-23 even for a flip-only pipeline; a loader without
# augmentation has 100 %.
MAX_UNCHANGED_FRACTION = 0.75
# Same-seed first batches are compared exactly (a correct seeded loader is deterministic). Two
# different seeds give the same first 32 labels with probability about 3**-32 = 5e-16.
LOADER_BATCH = 32

# Training: the grader trains mlp_classifier((3, 32, 32), 64, 3) with train_classifier for 8
# epochs at lr 1e-3 on shared.afhq.plain_loaders(32, 0). Over 300 initialisation seeds the
# reference reached a validation accuracy of mean 0.890, std 0.014, min 0.850, max 0.925
# (measured). 0.6 is 21 standard deviations below the mean: the normal fit puts the false-fail
# probability below 1e-90; without assuming normality, none of 300 runs came within 0.25 of it
# (the 300 runs alone bound P(acc < 0.85) by 0.01 with 95 % confidence). Chance is 1/3; an
# untrained or not-stepping model stays near it.
TRAIN_EPOCHS, TRAIN_LR, TRAIN_HIDDEN, TRAIN_SEED = 8, 1e-3, 64, 0
MIN_VAL_ACC = 0.6
# The history's last val_acc must be the accuracy the grader measures on the returned model, up
# to float32 ties (exact for the reference); half an image of 120.
ACC_ATOL = 0.5 / 120
# val_loss: the mean cross-entropy over the 120 images; a mean of per-batch means (batches 32, 32,
# 32, 24) differs from it by < 3 % at the end of training (measured < 1 %); summed instead of
# averaged losses are 32 to 120 times larger.
LOSS_RTOL = 0.05

# first_layer_images: float32 arithmetic on values scaled to [0, 1]; deterministic.
FIRST_LAYER_ATOL = 1e-5


# -- helpers ------------------------------------------------------------------------------------
def _unnormalize(out: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return out * std[:, None, None] + mean[:, None, None]


def _draws(train_transform, image: np.ndarray, n: int) -> np.ndarray:
    """n outputs of train_transform(CHECK_MEAN, CHECK_STD, 32) on ``image``, in pixel units."""
    what = "train_transform(mean, std, size=32)"
    transform = transform_callable(student(train_transform, "train_transform")(*mean_std_args(), size=32), what)
    outs = []
    for _ in range(n):
        out = apply_transform(transform, np.asarray(image), what)
        expect(out.shape == (3, 32, 32), f"{what} should return (3, 32, 32) images, got {out.shape}.")
        outs.append(_unnormalize(as_array(out, what), CHECK_MEAN, CHECK_STD))
    return np.stack(outs)


# -- augmentation_q1: channel_mean_std ----------------------------------------------------------
def mean_std_values(channel_mean_std) -> None:
    """Check channel_mean_std against the per-channel mean and std over all pixels of all images
    (train and val splits), i.e. that normalising with them gives mean 0 and std 1 per channel."""
    f = student(channel_mean_std, "channel_mean_std")
    for split in ("train", "val"):
        got = f(LibraryCall("shared.afhq", "raw_dataset", (split,)))
        mean = as_array(got[0], "mean")
        std = as_array(got[1], "std")
        want_mean, want_std = oracle.channel_stats(split)
        what = f"channel_mean_std(<the {split} set>)"
        if np.allclose(mean, 255.0 * want_mean, rtol=1e-3):
            raise CheckFailed(f"{what} returned a mean of {np.round(mean, 2)}: pixel values of 0..255. "
                              "Scale the uint8 images to [0, 1] first (divide by 255, or v2.ToDtype(torch.float32, "
                              "scale=True)).")
        expect_close(mean, want_mean, STATS_ATOL, f"the mean of {what}",
                     hint="the mean of channel c is the average of x[c] over all pixels of all images.")
        if np.max(np.abs(std - want_std)) > STATS_ATOL:
            z_std = want_std / std          # std of (x - mean) / std over the data set
            extra = ""
            if np.allclose(std, oracle.mean_of_image_stds(split), atol=1e-3):
                extra = (" Your std is the average of per-image stds: it leaves out how much the images' "
                         "mean colours differ from each other (total variance = mean of within-image "
                         "variances + variance of the image means). Take the std over all pixels of all "
                         "images at once, e.g. from the sums of x and x**2.")
            raise CheckFailed(f"Normalising the {split} images with your mean and std gives per-channel std "
                              f"{np.round(z_std, 3)} over all pixels, not 1 (your std {np.round(std, 4)}, "
                              f"expected {np.round(want_std, 4)})." + extra)


# -- augmentation_q2: train_transform -----------------------------------------------------------
def train_transform_normalizes(train_transform) -> None:
    """Check that train_transform normalises with the mean and std it is given: the four centre
    pixels of the test image (a constant patch that flips and small rotations keep in place) must
    come out as (rgb / 255 - mean) / std."""
    what = "train_transform(mean, std, size=32)"
    transform = transform_callable(student(train_transform, "train_transform")(*mean_std_args(), size=32), what)
    want = (np.array(oracle.CENTRE_RGB) / 255.0 - CHECK_MEAN) / CHECK_STD
    centres = []
    for _ in range(20):
        out = as_array(apply_transform(transform, oracle.test_image(), what), what)
        centres.append(out[(slice(None),) + oracle.CENTRE_PIXELS].reshape(3, -1).mean(axis=1))
    centres = np.array(centres)
    spread = float(np.max(centres.max(axis=0) - centres.min(axis=0)))
    expect(spread <= PIXEL_ATOL,
           f"{what}: the centre of the test image (a patch of one colour that flips and small rotations "
           f"leave in place) changes from call to call (by up to {spread:.3f}): the pipeline changes "
           "colours, or shifts or zooms the image. The training pipeline should only flip horizontally, "
           "rotate by a small angle, resize, convert and normalise: no crops, colour changes or other "
           "augmentations.")
    centre = centres[0]
    if np.max(np.abs(centre - want)) > PIXEL_ATOL:
        raw = centre * CHECK_STD + CHECK_MEAN
        hint = ""
        if np.all(raw > 1.5):
            hint = (" The values are about 255 times too large: v2.ToDtype(torch.float32, scale=True) "
                    "scales uint8 to [0, 1]; without scale=True the pixels stay 0..255.")
        raise CheckFailed(
            f"{what}: a pixel of colour {oracle.CENTRE_RGB} (that flips and small rotations leave in "
            f"place) came out as {np.round(centre, 4)}, expected (rgb / 255 - mean) / std = "
            f"{np.round(want, 4)} for the mean and std passed in.{hint} Normalise last, with "
            "v2.Normalize(mean, std) using the arguments, after v2.ToDtype(torch.float32, scale=True).")


def train_transform_geometry(train_transform) -> None:
    """Check, over 200 seeded draws on an asymmetric test image, that every output is the image
    or its mirror image rotated by at most 15 degrees (registration against rotated candidates),
    never upside down or by 90 degrees, and that the angle is random and symmetric about 0."""
    outs = _draws(train_transform, oracle.test_image(), N_DRAWS)
    mirror, angle, rms = oracle.register(outs)
    what = "train_transform(mean, std, size=32)"
    for m, a, r in zip(mirror, angle, rms):
        if r > RESIDUAL_MAX:
            raise CheckFailed(
                f"An output of {what} is not a flipped and/or rotated copy of the input (best match: "
                f"{'mirrored, ' if m else ''}rotated by {a:.0f} degrees, still {r:.3f} off on average). The "
                "training pipeline should only flip horizontally, rotate by a small angle, resize, convert "
                "and normalise: no crops, colour changes or other augmentations.")
        if abs(a) > 15.0 + ANGLE_SLACK:
            if abs(abs(a) - 180.0) <= 15.0 + ANGLE_SLACK:
                kind = ("upside down: a vertical flip" if m else "upside down: a 180-degree rotation")
                raise CheckFailed(
                    f"An output of {what} is {kind}. Faces are never upside down, so a vertical flip makes "
                    "images unlike any in the data (ears below the chin): it is not a label-preserving "
                    "augmentation here. Only flip horizontally (v2.RandomHorizontalFlip).")
            if abs(abs(a) - 90.0) <= 15.0 + ANGLE_SLACK:
                raise CheckFailed(
                    f"An output of {what} is rotated by about {a:.0f} degrees: a 90-degree rotation puts the "
                    "ears on the side, which no face in the data has. Rotate by a small angle only: "
                    "v2.RandomRotation(15) draws the angle uniformly from [-15, 15].")
            raise CheckFailed(
                f"An output of {what} is rotated by about {a:.0f} degrees; the rotation should be at most 15 "
                "degrees either way (v2.RandomRotation(15)), a plausible tilt of a head.")
    std = float(np.std(angle))
    expect(std >= MIN_ANGLE_STD,
           f"Over {N_DRAWS} calls, {what} rotated the image by almost the same angle every time (angles "
           f"{angle.min():.0f} to {angle.max():.0f} degrees): the angle should be random, e.g. "
           "v2.RandomRotation(15) for a uniform angle in [-15, 15].")
    mean = float(np.mean(angle))
    expect(abs(mean) <= MEAN_ANGLE_SE * std / np.sqrt(N_DRAWS),
           f"Over {N_DRAWS} calls the rotation angle of {what} averaged {mean:.1f} degrees: it should go "
           "either way (a head tilts left as often as right), e.g. v2.RandomRotation(15) = uniform in [-15, 15].")


def train_transform_flip_rate(train_transform) -> None:
    """Check that the mirror image is produced in a fraction of the draws consistent with
    p = 0.5: between 66 and 134 of 200 (binomial two-sided tail 8.3e-7)."""
    outs = _draws(train_transform, oracle.test_image(), N_DRAWS)
    mirror, _, rms = oracle.register(outs)
    flips = int(mirror.sum())
    lo, hi = FLIP_RANGE
    what = "train_transform(mean, std, size=32)"
    if flips < lo or flips > hi:
        kind = ("never" if flips == 0 else "always" if flips == N_DRAWS else f"{flips} times in {N_DRAWS}")
        raise CheckFailed(
            f"{what} mirrored the image {kind}; a random horizontal flip with p = 0.5 mirrors it in about "
            f"half of the calls (between {lo} and {hi} of {N_DRAWS} with probability 1 - 8e-7). Use "
            "v2.RandomHorizontalFlip(p=0.5): a mirrored face is still a face of the same class.")


# -- augmentation_q3: eval_transform ------------------------------------------------------------
def eval_transform_deterministic(eval_transform) -> None:
    """Check that eval_transform gives the same output on every call (no random augmentation)
    and that this output is the plain (x / 255 - mean) / std of the input (no flip, no rotation)."""
    what = "eval_transform(mean, std, size=32)"
    transform = transform_callable(student(eval_transform, "eval_transform")(*mean_std_args(), size=32), what)
    image = oracle.test_image()
    first = as_array(apply_transform(transform, image, what), what)
    for _ in range(20):
        again = as_array(apply_transform(transform, image, what), what)
        expect(again.shape == first.shape and np.array_equal(again, first),
               f"{what} gave different outputs for the same image: the evaluation transform must be "
               "deterministic. Random flips and rotations are for training only; evaluate on the "
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
    """Check what make_loaders(root, 32, seed) yields: float32 (B, 3, 32, 32) images and int64
    labels; every training image once per epoch (120 per class), shuffled anew each epoch and
    augmented; validation images in folder order, identical on every pass and equal to the
    plainly normalised images; the same first batch for the same seed, another for another seed."""
    f = student(make_loaders, "make_loaders")
    try:
        report = f.library(LibraryCall("shared.afhq", "loader_report", (make_loaders, LOADER_BATCH, 7)))
    except StudentError as exc:
        hint = (NORMALIZE_ORDER_HINT + " (in train_transform or eval_transform)" if "float tensor" in str(exc) else
                f"the grader iterates over both loaders of make_loaders(root, {LOADER_BATCH}, 7); each batch "
                "should be a pair (images, labels) of tensors.")
        raise CheckFailed(f"{exc}\nHint: {hint}") from None
    expect(isinstance(report, dict), f"The grader could not read your loaders ({describe(report)})")
    train_raw, train_labels = oracle.images("train")
    val_raw, val_labels = oracle.images("val")
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
           f"folder (off by up to {worst:.3g} after the best per-channel scaling): no flips or rotations on the "
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
           "augmented. Give it train_transform(mean, std), so that every epoch shows randomly flipped and "
           "rotated versions of the images.")

    first_y, again_y = np.asarray(report["first_y"]), np.asarray(report["again_y"])
    expect(np.array_equal(first_y, again_y),
           "make_loaders(root, 32, 7) called twice gave first training batches with different labels: the "
           "shuffling is not reproducible. Shuffle with a generator seeded from the seed argument: "
           "DataLoader(..., shuffle=True, generator=torch.Generator().manual_seed(seed)).")
    expect(np.array_equal(np.asarray(report["first_x"]), np.asarray(report["again_x"])),
           "make_loaders(root, 32, 7) called twice gave the same labels but different images in the first "
           "training batch: the random flips and rotations are not reproducible. They draw from torch's "
           "global generator (in the main process), so also call torch.manual_seed(seed) in make_loaders.")
    expect(not np.array_equal(first_y, np.asarray(report["other_y"])),
           "make_loaders with seeds 7 and 8 gave the same first training batch: use the seed argument "
           "(not a fixed number) to seed the shuffling.")


# -- augmentation_q5: mlp_classifier, train_classifier ------------------------------------------
HISTORY_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")


def training_beats_chance(mlp_classifier, train_classifier) -> None:
    """Check that train_classifier trains mlp_classifier((3, 32, 32), 64, 3) in place to at least
    60 % validation accuracy in 8 epochs (lr 1e-3) on the grader's plain loaders, and that its
    history holds one value per epoch with the last val_acc and val_loss as measured by the grader."""
    net = as_net(student(mlp_classifier, "mlp_classifier")((3, 32, 32), TRAIN_HIDDEN, 3),
                 f"mlp_classifier((3, 32, 32), {TRAIN_HIDDEN}, 3)")
    loaders = LibraryCall("shared.afhq", "plain_loaders", (LOADER_BATCH, TRAIN_SEED))
    call = f"train_classifier(model, loaders, epochs={TRAIN_EPOCHS}, lr={TRAIN_LR}, seed={TRAIN_SEED})"
    history = student(train_classifier, "train_classifier")(net.handle, loaders, TRAIN_EPOCHS, TRAIN_LR, TRAIN_SEED)
    expect(isinstance(history, dict), f"{call} should return a dict (the history), got {describe(history)}")
    missing = [k for k in HISTORY_KEYS if k not in history]
    expect(not missing, f"The history returned by train_classifier lacks {missing}; it should have the keys "
                        f"{list(HISTORY_KEYS)}, each a list with one value per epoch.")
    series = {}
    for key in HISTORY_KEYS:
        values = history[key]
        ok = isinstance(values, (list, tuple)) and len(values) == TRAIN_EPOCHS
        expect(ok, f"history[{key!r}] should be a list of {TRAIN_EPOCHS} numbers (one per epoch), got "
                   f"{describe(values)}")
        try:
            series[key] = np.array([float(as_array(v, key)) for v in values])
        except (TypeError, ValueError, CheckFailed):
            raise CheckFailed(f"history[{key!r}] should hold plain numbers (use loss.item()), got "
                              f"{describe(values[0])}") from None
        expect(bool(np.all(np.isfinite(series[key]))), f"history[{key!r}] contains NaN or inf: {series[key]}.")
    for key in ("train_acc", "val_acc"):
        expect(bool(np.all((series[key] >= 0) & (series[key] <= 1))),
               f"history[{key!r}] should hold fractions in [0, 1] (correct / total), got {np.round(series[key], 3)}.")

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
            f"and the grader expects at least {MIN_VAL_ACC} (the reference reaches 0.81-0.95). Losses per epoch: "
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


def _plain_val() -> tuple:
    from shared.afhq import plain_arrays

    return plain_arrays("val")


# -- augmentation_q6: first_layer_images --------------------------------------------------------
def first_layer_values(first_layer_images) -> None:
    """Check first_layer_images against W.reshape(hidden, C, H, W) scaled per unit to [0, 1]
    ((w - min) / (max - min) over each unit's weights), for non-square (3, 4, 5) and (1, 6, 2) inputs."""
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
                              "each unit separately, so that every image uses the full range [0, 1]: "
                              "(w - w.min()) / (w.max() - w.min()) per unit.")
        if np.allclose(got, weight.reshape(want.shape), atol=FIRST_LAYER_ATOL):
            raise CheckFailed(f"{what} returns the raw weights; scale each unit to [0, 1] with "
                              "(w - min) / (max - min) for display.")
        channels_last = oracle.first_layer_oracle(weight, (*in_shape[1:], in_shape[0]))
        if np.allclose(got, np.moveaxis(channels_last, -1, 1), atol=FIRST_LAYER_ATOL):
            raise CheckFailed(f"{what}: the weights are reshaped as (H, W, C) and then permuted, but Flatten "
                              "flattened (C, H, W) images: reshape the weight to (hidden, C, H, W) directly.")
        expect_close(got, want, FIRST_LAYER_ATOL, what,
                     hint="take the weight of the first nn.Linear, reshape it to (hidden, *in_shape), and scale "
                          "each unit's weights to [0, 1] with its own min and max.")
