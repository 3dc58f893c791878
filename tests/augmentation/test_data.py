r"""The toy faces of shared.afhq (deterministic, ImageFolder layout, learnable but not trivially,
horizontal flips keep the class and vertical flips do not), the loaders and report the grader
uses, the offline-testable parts of the real AFHQ download, and the progress bar."""
from __future__ import annotations

import hashlib
import io
import zipfile

import numpy as np
import pytest
import torch
from torch import nn

from shared import afhq
from shared.progress import progress

# sha256 of the uint8 pixels of make_images("train") / ("val"). If the drawing changes on purpose,
# bump afhq.DATA_VERSION (a new cache folder) and update these.
TRAIN_SHA256 = "914d1f6146c9f0c41eccc2878debac6ae85a0d6b8e9222a1cc3f0c0f43792d8d"
VAL_SHA256 = "c9aa746b3f26ee0c8f31ef3133f7fc75b863e48c07ae3170259886fc857d968c"


def test_images_are_pinned_balanced_and_read_only():
    """Check that make_images gives the pinned pixels, 120/40 images per class in class order,
    uint8 (N, 32, 32, 3), and that the cached arrays cannot be modified by a caller."""
    for split, digest, per_class in (("train", TRAIN_SHA256, 120), ("val", VAL_SHA256, 40)):
        images, labels = afhq.make_images(split)
        assert images.shape == (3 * per_class, 32, 32, 3) and images.dtype == np.uint8
        assert labels.tolist() == sorted(labels.tolist()) and np.bincount(labels).tolist() == [per_class] * 3
        assert hashlib.sha256(images.tobytes()).hexdigest() == digest
        with pytest.raises(ValueError):
            images[0, 0, 0, 0] = 0


def test_offline_root_writes_the_imagefolder_tree_once(tmp_path):
    """Check that offline_root writes {train,val}/{cat,dog,wild}/NNNN.png whose pixels are exactly
    make_images', that a second call reuses it, and that raw_dataset reads it back as uint8 tensors."""
    root = afhq.offline_root(tmp_path)
    assert root == tmp_path / "going-deeper" / f"toy-afhq-v{afhq.DATA_VERSION}" and (root / "COMPLETE").exists()
    assert sorted(p.name for p in (root / "train").iterdir()) == list(afhq.CLASSES)
    assert len(list((root / "val" / "dog").glob("*.png"))) == 40
    stamp = (root / "train" / "cat" / "0000.png").stat().st_mtime_ns
    assert afhq.offline_root(tmp_path) == root
    assert (root / "train" / "cat" / "0000.png").stat().st_mtime_ns == stamp
    assert not [p for p in root.parent.iterdir() if p.name.startswith(".toy-afhq-")]
    dataset = afhq.raw_dataset("val", root)
    images, labels = afhq.make_images("val")
    assert dataset.classes == list(afhq.CLASSES) and len(dataset) == 120
    for index in (0, 57, 119):
        image, label = dataset[index]
        assert image.dtype == torch.uint8 and tuple(image.shape) == (3, 32, 32) and label == labels[index]
        assert np.array_equal(image.permute(1, 2, 0).numpy(), images[index])


def test_offline_root_defaults_to_xdg_cache_home(tmp_path, monkeypatch):
    """Check that without an argument the cache goes under $XDG_CACHE_HOME (as in the grading sandbox)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert afhq.offline_root() == tmp_path / "going-deeper" / f"toy-afhq-v{afhq.DATA_VERSION}"
    assert afhq.afhq_root(real=False) == afhq.offline_root()


def _train_mlp(seed: int = 0, epochs: int = 8) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 64), nn.ReLU(), nn.Linear(64, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train, _ = afhq.plain_loaders(32, seed)
    for _ in range(epochs):
        for x, y in train:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    return model


def test_learnable_not_trivial_and_flips():
    """Check the data set's purpose: an MLP learns it (val accuracy >= 0.8), a classifier of the
    mean colour does not (< 0.5: the classes differ in shape, not colour), mirrored validation
    faces are classified as well as the originals (within 0.05) and upside-down ones much worse
    (<= 0.7): horizontal flips keep the class, vertical flips do not."""
    from sklearn.linear_model import LogisticRegression

    model = _train_mlp()
    x, y = (torch.from_numpy(a) for a in afhq.plain_arrays("val"))
    with torch.no_grad():
        acc = {name: float((model(batch).argmax(1) == y).float().mean())
               for name, batch in (("plain", x), ("hflip", x.flip(-1)), ("vflip", x.flip(-2)))}
    assert acc["plain"] >= 0.8, acc
    assert abs(acc["hflip"] - acc["plain"]) <= 0.05, acc
    assert acc["vflip"] <= 0.7, acc
    colour = lambda split: afhq.make_images(split)[0].reshape(-1, 1024, 3).mean(axis=1) / 255.0
    score = LogisticRegression(max_iter=2000).fit(colour("train"), afhq.make_images("train")[1]).score(
        colour("val"), afhq.make_images("val")[1])
    assert score < 0.5


def test_plain_loaders_are_seeded_and_match_plain_arrays():
    """Check that plain_loaders shuffles train reproducibly from the seed, keeps val in order, and
    yields exactly plain_arrays (what the grader evaluates the trained model on)."""
    first = next(iter(afhq.plain_loaders(32, 5)[0]))[1]
    assert torch.equal(first, next(iter(afhq.plain_loaders(32, 5)[0]))[1])
    assert not torch.equal(first, next(iter(afhq.plain_loaders(32, 6)[0]))[1])
    _, val = afhq.plain_loaders(32, 5)
    xs, ys = map(torch.cat, zip(*val))
    x, y = afhq.plain_arrays("val")
    assert np.array_equal(xs.numpy(), x) and np.array_equal(ys.numpy(), y) and x.dtype == np.float32


def test_loader_report_explains_bad_batches():
    """Check that loader_report says what is wrong when a loader yields something other than
    (images, labels) pairs of tensors."""
    def make_loaders(root, batch_size, seed):
        return [{"x": 1}], [{"x": 1}]

    with pytest.raises(ValueError, match="pair"):
        afhq.loader_report(make_loaders, 32, 0)


def test_download_afhq_checks_the_archive(tmp_path):
    """Check the real-data path offline, with a file:// URL to a tiny archive of the AFHQ layout:
    it is downloaded and unpacked once, and a wrong MD5 stops it with a clear error."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for split in ("train", "val"):
            for name in afhq.CLASSES:
                archive.writestr(f"afhq/{split}/{name}/flickr_{name}_000001.jpg", b"not really a jpeg")
    source = tmp_path / "afhq.zip"
    source.write_bytes(buffer.getvalue())
    md5 = hashlib.md5(buffer.getvalue()).hexdigest()
    with pytest.raises(RuntimeError, match="MD5"):
        afhq.download_afhq(tmp_path / "bad", url=source.as_uri(), md5="0" * 32)
    root = afhq.download_afhq(tmp_path / "good", url=source.as_uri(), md5=md5)
    assert root == tmp_path / "good" / "afhq"
    assert sorted(p.name for p in (root / "val").iterdir()) == list(afhq.CLASSES)
    assert afhq.download_afhq(tmp_path / "good", url="file:///nonexistent", md5=md5) == root


def test_progress_bar_counts_and_ends_its_line():
    """Check that progress yields every item, shows count/total and the note, and ends with a newline."""
    out = io.StringIO()
    bar = progress(range(3), desc="epoch 1", file=out, every=0.0)
    items = []
    for item in bar:
        items.append(item)
        bar.note = f"loss {item}"
    text = out.getvalue()
    assert items == [0, 1, 2] and len(bar) == 3
    assert "epoch 1 [" in text and "3/3 loss 2" in text and text.endswith("\n")


def test_probe_faces_are_canonical_and_apart_from_the_data():
    """Check that probe faces are deterministic, balanced, noise-free with a light background (every
    corner pixel >= 0.7) and darker fur at the centre, and that other seeds give other faces."""
    images, labels = afhq.probe_faces(5, 0)
    again, _ = afhq.probe_faces(5, 0)
    assert images.shape == (15, 32, 32, 3) and np.array_equal(images, again)
    assert labels.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    corners = images[:, [0, 0, -1, -1], [0, -1, 0, -1]] / 255.0
    assert corners.min() >= 0.7
    assert np.all(images[:, 16, 10].mean(axis=1) < images[:, 0, 0].mean(axis=1))
    assert not np.array_equal(afhq.probe_faces(5, 1)[0], images)


def test_mini_root_holds_the_first_faces_of_each_class(tmp_path):
    """Check that offline_root(mini=True) writes the first MINI_PER_CLASS faces of each class and
    split, pixel for pixel, beside the full tree."""
    root = afhq.offline_root(tmp_path, mini=True)
    assert root.name.endswith("-mini") and (root / "COMPLETE").exists()
    for split, n in afhq.MINI_PER_CLASS.items():
        dataset = afhq.raw_dataset(split, root)
        images, labels = afhq.make_images(split, mini=True)
        assert len(dataset) == 3 * n and np.bincount(labels).tolist() == [n] * 3
        full, full_labels = afhq.make_images(split)
        assert np.array_equal(images[n:2 * n], full[full_labels == 1][:n])
        image, label = dataset[n]
        assert label == 1 and np.array_equal(image.permute(1, 2, 0).numpy(), images[n])


def test_random_dataset_matches_random_images():
    """Check that random_dataset's tensors are random_images' pixels (what the grader's oracle uses)."""
    dataset = afhq.random_dataset(3, 5, 7, 2)
    images = afhq.random_images(3, 5, 7, 2)
    assert len(dataset) == 3 and all(label == 0 for _, label in dataset)
    assert np.array_equal(np.stack([x.numpy() for x, _ in dataset]), images) and images.shape == (3, 3, 5, 7)


def test_transformed_items_apply_the_transform_on_every_read():
    """Check that TransformedItems calls the transform each time an item is read and keeps labels."""
    calls = []
    items = afhq.TransformedItems([(torch.zeros(3, 2, 2), 1), (torch.ones(3, 2, 2), 2)],
                                  lambda x: calls.append(1) or x + 1)
    image, label = items[1]
    assert len(items) == 2 and label == 2 and float(image[0, 0, 0]) == 2.0
    items[0], items[0]
    assert len(calls) == 3


def test_apply_each_and_first_batches_explain_bad_results():
    """Check that apply_each stacks float32 outputs and names a wrong dtype or shape, and that
    first_batches reads the first batch of each loader."""
    images = np.zeros((2, 3, 4, 4), dtype=np.uint8)
    out = afhq.apply_each(lambda x: x.float(), images, size=4)
    assert out.shape == (2, 3, 4, 4) and out.dtype == np.float32
    with pytest.raises(ValueError, match="float32 of shape"):
        afhq.apply_each(lambda x: x, images, size=4)
    with pytest.raises(ValueError, match="should return a tensor"):
        afhq.apply_each(lambda x: x.numpy(), images, size=4)
    batch = (torch.zeros(2, 3, 4, 4), torch.tensor([0, 1]))
    report = afhq.first_batches([batch], [batch])
    assert report == {"x_dtype": "torch.float32", "x_shape": [2, 3, 4, 4], "y_dtype": "torch.int64", "val_y": [0, 1]}
