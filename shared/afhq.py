r"""Animal faces (cat, dog, wild): the real AFHQ data set, and a small offline stand-in.

AFHQ (Choi et al., StarGAN v2, CVPR 2020) has 512x512 photos of animal faces in an ImageFolder
layout ``root/{train,val}/{cat,dog,wild}/*.jpg``. It is 7 GB and needs the internet, so the
notebooks and every test use **toy faces** instead: 480 RGB images of 32x32 pixels (120 train and
40 validation images per class) drawn by :func:`make_images` from a fixed seed, written once as
PNG files in the same ImageFolder layout under the user's cache folder (:func:`offline_root`).

What makes the toy problem learnable but not trivial: every face has a random fur, eye and
background colour, position (+-3 px), size (80-110 %), tilt (+-15 degrees) and pixel noise; the
classes differ only in shape: cats have tall pointed ears on top, dogs floppy ears hanging down the
sides and a light muzzle, wild animals small round ears on top (some with a mane or forehead
stripes). Every random choice is symmetric left-right, so a horizontal flip of a face is another
face of the same class, while a vertical flip (ears below the chin) is not a face of any class.

Only numpy is needed to draw the images (the grader uses :func:`make_images` as its oracle
without importing torch); torch/torchvision are imported inside the functions that build
datasets and loaders.
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional, Tuple

import numpy as np

CLASSES = ("cat", "dog", "wild")          # ImageFolder sorts class folders: cat=0, dog=1, wild=2
IMAGE_SIZE = 32
PER_CLASS = {"train": 120, "val": 40}
MINI_PER_CLASS = {"train": 24, "val": 8}   # offline_root(mini=True): for quick checks of loaders
DATA_SEED = 2024
DATA_VERSION = 1                          # bump when the drawing changes: a new cache folder
PLAIN_MEAN, PLAIN_STD = 0.5, 0.25         # fixed normalisation of :func:`plain_loaders`

# The real data set (never downloaded by tests or grading). URL from the StarGAN v2 repository's
# download.sh (github.com/clovaai/stargan-v2); the MD5 of afhq.zip is the one published by a
# third-party torchvision-style AFHQ loader and could not be verified offline: if it ever
# disagrees, download_afhq stops and says so (pass md5=None to skip the check).
AFHQ_URL = "https://www.dropbox.com/s/t9l9o3vsx2jai3z/afhq.zip?dl=1"
AFHQ_MD5 = "6909887208505a6e70d732fa20629995"

_FURS = np.array([[0.85, 0.55, 0.25], [0.55, 0.35, 0.20], [0.60, 0.60, 0.60], [0.20, 0.18, 0.17],
                  [0.92, 0.90, 0.85], [0.90, 0.80, 0.60], [0.75, 0.50, 0.30]])
_EYES = np.array([[0.45, 0.80, 0.30], [0.25, 0.15, 0.10], [0.85, 0.60, 0.15]])


# -- drawing (numpy only) ----------------------------------------------------------------------
def _coverage(distance: np.ndarray, softness: float = 0.6) -> np.ndarray:
    """Soft inside-indicator of a shape from a signed distance (negative inside), in [0, 1]."""
    return 1.0 / (1.0 + np.exp(np.clip(distance / softness, -30.0, 30.0)))


def _ellipse(u: np.ndarray, v: np.ndarray, cu: float, cv: float, ru: float, rv: float) -> np.ndarray:
    r = np.sqrt(((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2)
    return _coverage((r - 1.0) * min(ru, rv))


def _triangle(u: np.ndarray, v: np.ndarray, corners: list) -> np.ndarray:
    """Convex polygon: the signed distance is the largest signed distance to its edge lines."""
    n = len(corners)
    area = sum(corners[i][0] * corners[(i + 1) % n][1] - corners[(i + 1) % n][0] * corners[i][1] for i in range(n))
    sign = 1.0 if area > 0 else -1.0
    distance = np.full(u.shape, -np.inf)
    for i in range(n):
        (u0, v0), (u1, v1) = corners[i], corners[(i + 1) % n]
        length = np.hypot(u1 - u0, v1 - v0)
        nu, nv = sign * (v1 - v0) / length, -sign * (u1 - u0) / length
        distance = np.maximum(distance, (u - u0) * nu + (v - v0) * nv)
    return _coverage(distance)


def _paint(image: np.ndarray, mask: np.ndarray, colour: Any) -> np.ndarray:
    return image * (1.0 - mask[..., None]) + mask[..., None] * np.asarray(colour, dtype=np.float64)


def draw_face(label: int, rng: np.random.Generator, size: int = IMAGE_SIZE, probe: bool = False) -> np.ndarray:
    r"""One toy animal face of class ``label`` (0 cat, 1 dog, 2 wild), drawn with ``rng``.

    The face is drawn in head coordinates (u, v) = R(tilt) (x - centre) / scale (v points down),
    so position, tilt and size vary while the shapes that define the class stay the same.

    A *probe* face (``probe=True``, what the grader feeds an augmentation pipeline) is the same
    face in canonical form: upright (tilt 0), centred, scale 1, no pixel noise, a dark fur on a
    light background (every channel of the background about 0.2 or more above the fur's). It draws
    the same random numbers, so only these choices differ from the data face.

    Args:
        label: class index into :data:`CLASSES`.
        rng: the generator that makes every random choice of this image.
        size: image side in pixels (the shapes are laid out for 32).
        probe: draw the canonical probe form.
    Returns:
        uint8 array (size, size, 3), RGB.
    """
    k = size / 32.0
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / k
    background = rng.uniform(0.05, 0.95, 3)
    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction)
    ramp = 0.15
    if probe:
        background, ramp = 0.8 + (background - 0.05) / 6.0, 0.05
    image = background + ramp * (((xx - 15.5) * direction[0] + (yy - 15.5) * direction[1]) / 16.0)[..., None]
    cx, cy = 15.5 + rng.uniform(-3.0, 3.0), 16.5 + rng.uniform(-2.5, 2.5)
    tilt, scale = np.deg2rad(rng.uniform(-15.0, 15.0)), rng.uniform(0.8, 1.1)
    if probe:
        cx, cy, tilt, scale = 15.5, 16.5, 0.0, 1.0
    u = ((xx - cx) * np.cos(tilt) + (yy - cy) * np.sin(tilt)) / scale
    v = (-(xx - cx) * np.sin(tilt) + (yy - cy) * np.cos(tilt)) / scale
    fur = np.clip(_FURS[rng.integers(len(_FURS))] + rng.normal(0.0, 0.06, 3), 0.0, 1.0)
    if probe:
        fur = 0.6 * fur                  # <= 0.6 in every channel; the background >= 0.8 (+- the ramp)
    dark = 0.55 * fur
    if label == 0:                       # cat: tall pointed ears (pink inside) on top
        for side in (-1, 1):
            tip_u, tip_v = side * rng.uniform(5.5, 7.0), -rng.uniform(12.5, 14.5)
            image = _paint(image, _triangle(u, v, [(side * 1.5, -6.5), (tip_u, tip_v), (side * 8.8, -2.5)]), fur)
            image = _paint(image, _triangle(u, v, [(side * 3.0, -6.5), (0.93 * tip_u, 0.9 * tip_v),
                                                   (side * 7.6, -3.5)]), [0.9, 0.6, 0.65])
    elif label == 2:                     # wild: small round dark ears on top, a mane on half of them
        for side in (-1, 1):
            image = _paint(image, _ellipse(u, v, side * 6.5, -7.0, 3.0, 3.0), dark)
        if rng.random() < 0.5:
            image = _paint(image, _ellipse(u, v, 0.0, 0.5, 11.5, 11.5), dark)
    image = _paint(image, _ellipse(u, v, 0.0, 0.0, 8.5, 8.0), fur)            # the head
    if label == 1:                       # dog: floppy ears down the sides, light muzzle, big nose
        for side in (-1, 1):
            image = _paint(image, _ellipse(u, v, side * 8.2, rng.uniform(0.5, 2.5), 2.6, 6.5), dark)
        image = _paint(image, _ellipse(u, v, 0.0, 4.0, 4.0, 3.0), np.clip(fur + 0.25, 0.0, 1.0))
        image = _paint(image, _ellipse(u, v, 0.0, 2.6, 1.8, 1.3), [0.08, 0.06, 0.06])
    elif label == 0:                     # cat: small pink nose
        image = _paint(image, _triangle(u, v, [(-1.2, 2.0), (1.2, 2.0), (0.0, 3.4)]), [0.95, 0.55, 0.6])
    else:                                # wild: pale muzzle, dark nose, forehead stripes on half
        image = _paint(image, _ellipse(u, v, 0.0, 4.5, 3.5, 2.5), np.clip(0.5 * fur + 0.5, 0.0, 1.0))
        image = _paint(image, _ellipse(u, v, 0.0, 2.8, 1.5, 1.1), [0.1, 0.08, 0.08])
        if rng.random() < 0.5:
            for offset in (-2.5, 0.0, 2.5):
                image = _paint(image, _ellipse(u, v, offset, -5.0, 0.7, 2.0), dark)
    eye = _EYES[rng.integers(len(_EYES))]
    for side in (-1, 1):
        image = _paint(image, _ellipse(u, v, side * 3.5, -1.8, 1.4, 1.2), eye)
        image = _paint(image, _ellipse(u, v, side * 3.5, -1.8, 0.5, 1.0), [0.02, 0.02, 0.02])
    noise = rng.normal(0.0, 0.08, image.shape)
    if not probe:
        image = image + noise
    return np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8)


@functools.lru_cache(maxsize=4)
def _images(split: str) -> Tuple[np.ndarray, np.ndarray]:
    if split not in PER_CLASS:
        raise ValueError(f"split should be one of {sorted(PER_CLASS)}, got {split!r}")
    split_id = sorted(PER_CLASS).index(split)
    images, labels = [], []
    for label in range(len(CLASSES)):
        for index in range(PER_CLASS[split]):
            rng = np.random.default_rng([DATA_SEED, DATA_VERSION, split_id, label, index])
            images.append(draw_face(label, rng))
            labels.append(label)
    images, labels = np.stack(images), np.array(labels, dtype=np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def make_images(split: str, mini: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    r"""The toy faces of one split, in ImageFolder order (class by class, file by file).

    Image ``i`` of class ``c`` is drawn by ``np.random.default_rng([DATA_SEED, DATA_VERSION,
    split_id, c, i])``: the same on every machine, independent of the other images.

    Args:
        split: "train" (120 per class) or "val" (40 per class).
        mini: only the first ``MINI_PER_CLASS[split]`` images of each class.
    Returns:
        images: uint8 array (N, 32, 32, 3) (read-only); labels: int64 array (N,) with values in
        0..2, sorted.
    """
    images, labels = _images(split)
    if not mini:
        return images, labels
    keep = np.concatenate([np.flatnonzero(labels == c)[:MINI_PER_CLASS[split]] for c in range(len(CLASSES))])
    return images[keep], labels[keep]


PROBE_STREAM = 7                          # keeps probe draws apart from the splits' streams


def probe_faces(per_class: int, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    r"""Canonical probe faces (see :func:`draw_face`): upright, centred, dark fur on a light
    background, no noise. The grader applies a student's augmentation pipeline to them and asks
    its face classifier whether the class is still recognisable.

    Face ``i`` of class ``c`` is drawn by ``np.random.default_rng([DATA_SEED, DATA_VERSION,
    PROBE_STREAM, seed, c, i])``.

    Args:
        per_class: faces per class.
        seed: selects an independent set of probes.
    Returns:
        images: uint8 array (3 * per_class, 32, 32, 3), class by class; labels: int64 array.
    """
    images = [draw_face(label, np.random.default_rng([DATA_SEED, DATA_VERSION, PROBE_STREAM, seed, label, i]),
                        probe=True)
              for label in range(len(CLASSES)) for i in range(per_class)]
    return np.stack(images), np.repeat(np.arange(len(CLASSES), dtype=np.int64), per_class)


# -- the ImageFolder tree (PIL) ----------------------------------------------------------------
def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def offline_root(cache_dir: Optional[os.PathLike] = None, mini: bool = False) -> Path:
    r"""The folder of the toy faces, ``<cache>/going-deeper/toy-afhq-v<DATA_VERSION>``, with the
    ImageFolder layout ``{train,val}/{cat,dog,wild}/NNNN.png``; written on first use (about 1 s).

    ``mini=True``: the folder ``toy-afhq-v<DATA_VERSION>-mini`` with only the first
    ``MINI_PER_CLASS`` images of each class and split (the grader tests loaders on it, quickly).

    The files are written to a temporary folder that is renamed into place, so concurrent first
    uses never see a half-written tree.

    Args:
        cache_dir: where to keep it; default ``$XDG_CACHE_HOME`` or ``~/.cache``.
        mini: the small version.
    Returns:
        the root folder (a Path).
    """
    base = Path(cache_dir) if cache_dir is not None else _cache_home()
    root = base / "going-deeper" / f"toy-afhq-v{DATA_VERSION}{'-mini' if mini else ''}"
    if (root / "COMPLETE").exists():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".toy-afhq-", dir=root.parent))
    try:
        from PIL import Image

        for split in PER_CLASS:
            images, labels = make_images(split, mini)
            counters = {}
            for image, label in zip(images, labels):
                folder = staging / split / CLASSES[label]
                folder.mkdir(parents=True, exist_ok=True)
                index = counters.get(label, 0)
                counters[label] = index + 1
                Image.fromarray(image).save(folder / f"{index:04d}.png")
        (staging / "COMPLETE").write_text(f"toy faces v{DATA_VERSION}{' (mini)' if mini else ''}\n")
        try:
            os.rename(staging, root)
        except OSError:                  # somebody else finished first (or a stale partial tree)
            if not (root / "COMPLETE").exists():
                shutil.rmtree(root, ignore_errors=True)
                os.rename(staging, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root


def raw_dataset(split: str, root: Optional[os.PathLike] = None) -> Any:
    r"""``ImageFolder(root/split, transform=v2.ToImage())``: items are (uint8 tensor (3, H, W), label).

    Args:
        split: "train" or "val".
        root: an AFHQ-layout folder; default the toy faces (:func:`offline_root`).
    Returns:
        a torchvision ImageFolder.
    """
    from torchvision.datasets import ImageFolder
    from torchvision.transforms import v2

    root = offline_root() if root is None else Path(root)
    return ImageFolder(str(Path(root) / split), transform=v2.ToImage())


def plain_arrays(split: str) -> Tuple[np.ndarray, np.ndarray]:
    r"""The toy faces as network inputs with a fixed normalisation, no augmentation:
    x = (pixel / 255 - 0.5) / 0.25.

    Returns:
        x: float32 array (N, 3, 32, 32); y: int64 array (N,).
    """
    images, labels = make_images(split)
    x = (images.astype(np.float64) / 255.0 - PLAIN_MEAN) / PLAIN_STD
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32), np.array(labels)


def plain_loaders(batch_size: int = 32, seed: int = 0) -> tuple:
    r"""(train, val) DataLoaders over :func:`plain_arrays`: train shuffled by a generator seeded
    with ``seed``, val in order. The grader trains your classifier on these, so that question
    does not depend on your data pipeline.
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    sets = [TensorDataset(*(torch.from_numpy(a) for a in plain_arrays(split))) for split in ("train", "val")]
    order = torch.Generator()
    order.manual_seed(seed)
    train = DataLoader(sets[0], batch_size=batch_size, shuffle=True, generator=order)
    return train, DataLoader(sets[1], batch_size=batch_size, shuffle=False)


class TransformedItems:
    r"""A map-style dataset (what ``DataLoader`` reads) over a list of ``(image, label)`` pairs that
    applies ``transform`` to the image every time an item is read: a random transform gives a new
    draw in every epoch, without decoding the image files again.

    Args:
        items: a list of (image, label) pairs, e.g. ``[raw[i] for i in indices]``.
        transform: the callable applied to each image.
    """

    def __init__(self, items: list, transform: Callable):
        self.items, self.transform = list(items), transform

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple:
        image, label = self.items[index]
        return self.transform(image), label


def random_images(n: int, height: int, width: int, seed: int) -> np.ndarray:
    r"""Random uint8 images (n, 3, height, width) with other statistics than the faces: per image a
    random mean colour, per pixel uniform noise around it (numpy only; the grader's oracle draws the
    same pixels)."""
    rng = np.random.default_rng([DATA_SEED, seed])
    centre = rng.uniform(40, 215, (n, 3, 1, 1))
    return np.clip(np.round(centre + rng.uniform(-40, 40, (n, 3, height, width))), 0, 255).astype(np.uint8)


def random_dataset(n: int, height: int, width: int, seed: int) -> list:
    r""":func:`random_images` as a data set: a list of (uint8 tensor (3, height, width), 0) pairs."""
    import torch

    return [(torch.from_numpy(image), 0) for image in random_images(n, height, width, seed)]


# -- what the grader asks about a student's transforms -----------------------------------------
def apply_each(transform: Callable, images: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    r"""``transform`` applied to each uint8 image tensor ``images[i]`` in turn (the grader's view
    of a training or evaluation pipeline: one call per image, as a Dataset makes them).

    Args:
        transform: maps a uint8 tensor (3, H, W) to a float32 tensor (3, size, size).
        images: uint8 array (N, 3, H, W).
    Returns:
        float32 array (N, 3, size, size) of the outputs.
    Raises:
        ValueError: naming the first output that is not a float32 tensor of that shape.
    """
    import torch

    outputs = []
    for index, image in enumerate(images):
        out = transform(torch.from_numpy(np.ascontiguousarray(image)))
        if not isinstance(out, torch.Tensor):
            raise ValueError(f"the transform returned {type(out).__name__} for a uint8 image tensor; it should "
                             "return a tensor")
        if out.dtype != torch.float32 or tuple(out.shape) != (3, size, size):
            raise ValueError(f"the transform returned a {out.dtype} tensor of shape {tuple(out.shape)} for a uint8 "
                             f"image tensor of shape {tuple(image.shape)}; it should return float32 of shape "
                             f"(3, {size}, {size})")
        outputs.append(out.detach().cpu().numpy())
    return np.stack(outputs) if outputs else np.zeros((0, 3, size, size), dtype=np.float32)


# -- what the grader asks about a student's make_loaders ---------------------------------------
def _batches(loader: Any, what: str) -> tuple:
    import torch

    xs, ys, sizes = [], [], []
    for batch in loader:
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            raise ValueError(f"each batch of the {what} loader should be a pair (images, labels), got "
                             f"{type(batch).__name__}")
        x, y = batch
        if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
            raise ValueError(f"the {what} loader should yield tensors (images, labels), got "
                             f"({type(x).__name__}, {type(y).__name__})")
        xs.append(x.detach().cpu())
        ys.append(y.detach().cpu())
        sizes.append(int(x.shape[0]))
    if not xs:
        raise ValueError(f"the {what} loader yields no batches")
    dtypes = (str(xs[0].dtype), str(ys[0].dtype))
    x = torch.cat([t.to(torch.float32).reshape(t.shape[0], -1) for t in xs]).numpy()
    y = torch.cat([t.reshape(-1).to(torch.int64) for t in ys]).numpy()
    return x, y, sizes, dtypes, tuple(int(s) for s in xs[0].shape[1:])


def first_batches(train: Any, val: Any) -> dict:
    r"""What the first batch of each of a student's loaders holds (for a public check): the
    training images' dtype and shape, the labels' dtype, the first validation labels."""
    batches = {}
    for what, loader in (("training", train), ("validation", val)):
        batch = next(iter(loader))
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            raise ValueError(f"the first batch of the {what} loader should be a pair (images, labels), got "
                             f"{type(batch).__name__}")
        batches[what] = batch
    (x, y), (_, val_y) = batches["training"], batches["validation"]
    return {"x_dtype": str(x.dtype), "x_shape": [int(s) for s in x.shape], "y_dtype": str(y.dtype),
            "val_y": [int(v) for v in val_y.reshape(-1)]}


def loader_report(make_loaders: Callable, batch_size: int, seed: int, mini: bool = False) -> dict:
    r"""Run a ``make_loaders(root, batch_size, seed)`` and describe what its loaders yield, as
    plain arrays (for the grader, which cannot iterate a DataLoader itself).

    Calls ``make_loaders`` on :func:`offline_root` (``mini``: the small version) three times:
    with ``seed`` (one full pass over train, two over val, then its first train batch), again with
    ``seed`` after drawing from torch's global generator (its first train batch), and with
    ``seed + 1`` (its first train batch).

    Returns:
        dict: ``types`` (the two loaders' type names); ``train_x`` (N, 3*H*W) float32 and
        ``train_y`` (N,), ``train_sizes`` (batch sizes), ``train_dtypes``, ``shape`` (one
        image's shape); ``train_y2`` (labels of a second pass); ``val_x``, ``val_y``, ``val_x2``,
        ``val_y2`` (two passes); ``first_x``/``first_y``, ``again_x``/``again_y``,
        ``other_y`` (first train batches).
    """
    import torch

    root = offline_root(mini=mini)
    train, val = make_loaders(root, batch_size, seed)
    report: dict = {"types": [type(train).__name__, type(val).__name__]}
    tx, ty, sizes, dtypes, shape = _batches(train, "training")
    report.update(train_x=tx, train_y=ty, train_sizes=sizes, train_dtypes=list(dtypes), shape=list(shape))
    report["train_y2"] = _batches(train, "training")[1]
    vx, vy, _, vdtypes, _ = _batches(val, "validation")
    vx2, vy2, _, _, _ = _batches(val, "validation")
    report.update(val_x=vx, val_y=vy, val_x2=vx2, val_y2=vy2, val_dtypes=list(vdtypes))

    def first(loader: Any) -> tuple:
        x, y = next(iter(loader))
        return x.detach().to(torch.float32).reshape(x.shape[0], -1).numpy(), y.detach().reshape(-1).numpy()

    train, _ = make_loaders(root, batch_size, seed)
    report["first_x"], report["first_y"] = first(train)
    torch.rand(1000)                       # other work between runs must not change the result
    train, _ = make_loaders(root, batch_size, seed)
    report["again_x"], report["again_y"] = first(train)
    train, _ = make_loaders(root, batch_size, seed + 1)
    report["other_y"] = first(train)[1]
    return report


# -- the real AFHQ (needs the internet; never used by tests or grading) --------------------------
def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_afhq(dest: Optional[os.PathLike] = None, url: str = AFHQ_URL, md5: Optional[str] = AFHQ_MD5) -> Path:
    r"""Download and unpack the real AFHQ (about 7 GB) once; return its root
    (``<dest>/afhq`` with ``train/`` and ``val/``, each with ``cat/ dog/ wild/``).

    Args:
        dest: where to put it; default ``<cache>/going-deeper``.
        url: the archive (StarGAN v2's link by default).
        md5: expected MD5 of the archive; None skips the check.
    Returns:
        the AFHQ root folder (a Path).
    Raises:
        RuntimeError: when the archive's checksum differs from ``md5``.
    """
    import urllib.request
    import zipfile

    dest = Path(dest) if dest is not None else _cache_home() / "going-deeper"
    root = dest / "afhq"
    if (root / "train").is_dir() and (root / "val").is_dir():
        return root
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / "afhq.zip"
    if not archive.exists():
        partial = archive.with_suffix(".zip.part")
        urllib.request.urlretrieve(url, partial)
        os.replace(partial, archive)
    if md5 is not None and _md5(archive) != md5:
        raise RuntimeError(f"{archive} has MD5 {_md5(archive)}, expected {md5}: delete it and try again, "
                           "or pass md5=None if the archive was re-published.")
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(dest)
    return root


def afhq_root(real: bool = False) -> Path:
    r"""The data folder a notebook uses: the real AFHQ when ``real`` (downloaded on first use),
    else the toy faces (:func:`offline_root`)."""
    return download_afhq() if real else offline_root()
