r"""Independent correct implementations of the augmentation notebook's functions, as students could
write them (other algorithms, dtypes, libraries, RNG orders; not edits of the reference). Each
factory takes the reference namespace (for the helpers a student's cell would find as globals)
and returns the notebook names it defines. test_graders.py checks that each keeps full marks;
test_gap_statistics.py measures the augmentation experiment over seeds with the three
``GAP_IMPLEMENTATIONS``.
"""
from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision.datasets import ImageFolder
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F


# -- q1: channel_mean_std -----------------------------------------------------------------------
def stats_numpy_stack(ns):
    """All images stacked in a float64 numpy array, np.mean / np.std (population)."""
    def channel_mean_std(dataset):
        x = np.stack([np.asarray(image, dtype=np.float64) / 255.0 for image, _ in dataset])
        return torch.tensor(x.mean(axis=(0, 2, 3))), torch.tensor(x.std(axis=(0, 2, 3)))
    return {"channel_mean_std": channel_mean_std}


def stats_two_pass(ns):
    """Two streaming passes in float32: the mean first, then the mean squared deviation; sample std."""
    def channel_mean_std(dataset):
        total, count = torch.zeros(3), 0
        for image, _ in dataset:
            x = image.float() / 255
            total += x.sum(dim=(1, 2))
            count += x[0].numel()
        mean = total / count
        squares = torch.zeros(3)
        for image, _ in dataset:
            squares += ((image.float() / 255 - mean[:, None, None]) ** 2).sum(dim=(1, 2))
        return mean, (squares / (count - 1)).sqrt()
    return {"channel_mean_std": channel_mean_std}


def stats_welford(ns):
    """Chan et al.'s parallel update, one image at a time (float64)."""
    def channel_mean_std(dataset):
        n, mean, m2 = 0, np.zeros(3), np.zeros(3)
        for image, _ in dataset:
            x = np.asarray(image, dtype=np.float64).reshape(3, -1) / 255.0
            k, batch_mean = x.shape[1], x.mean(axis=1)
            batch_m2 = ((x - batch_mean[:, None]) ** 2).sum(axis=1)
            delta = batch_mean - mean
            mean = mean + delta * k / (n + k)
            m2 = m2 + batch_m2 + delta ** 2 * n * k / (n + k)
            n += k
        return torch.from_numpy(mean).float(), torch.from_numpy(np.sqrt(m2 / n)).float()
    return {"channel_mean_std": channel_mean_std}


# -- q2: train_transform (each keeps the labels of the probe faces) -----------------------------
def _v2_pipeline(*augment):
    """A v2 pipeline with the given augmentations (a callable entry is called with the size)."""
    def train_transform(mean, std, size=32):
        middle = [step(size) if callable(step) and not isinstance(step, torch.nn.Module) else step for step in augment]
        return v2.Compose([v2.ToImage(), v2.Resize(size, antialias=True), v2.CenterCrop(size), *middle,
                           v2.ToDtype(torch.float32, scale=True), v2.Normalize([float(m) for m in mean],
                                                                              [float(s) for s in std])])
    return lambda ns: {"train_transform": train_transform}


train_flip_rotate = _v2_pipeline(v2.RandomHorizontalFlip(), v2.RandomRotation(15))
train_affine_jitter = _v2_pipeline(v2.RandomHorizontalFlip(), v2.RandomAffine(20, translate=(0.1, 0.1),
                                                                              scale=(0.9, 1.1)),
                                   v2.ColorJitter(0.4, 0.4, 0.4, 0.1))
train_crop_grey_blur = _v2_pipeline(lambda size: v2.RandomResizedCrop(size, scale=(0.7, 1.0), ratio=(0.9, 1.1)),
                                    v2.RandomGrayscale(0.2), v2.RandomApply([v2.GaussianBlur(3, (0.1, 1.0))], p=0.3))


def train_by_hand(ns):
    """No v2 at all: numpy's global generator for a mirror and a brightness factor, interpolation by
    torch, normalisation by hand, then RandomErasing (a small patch) after normalising."""
    erase = v2.RandomErasing(p=0.5, scale=(0.02, 0.08))

    def train_transform(mean, std, size=32):
        m = torch.as_tensor(np.asarray(mean, dtype=np.float32))[:, None, None]
        s = torch.as_tensor(np.asarray(std, dtype=np.float32))[:, None, None]

        def transform(image):
            x = torch.as_tensor(np.asarray(image)).float() / 255.0
            if x.shape[-1] == 3 and x.shape[0] != 3:
                x = x.permute(2, 0, 1)
            short = min(x.shape[1:])
            x = nn.functional.interpolate(x[None], scale_factor=size / short, mode="bilinear", antialias=True,
                                          align_corners=False)[0]
            top, left = (x.shape[1] - size) // 2, (x.shape[2] - size) // 2
            x = x[:, top:top + size, left:left + size]
            if np.random.random() < 0.5:
                x = x.flip(-1)
            x = (x * np.random.uniform(0.7, 1.3)).clamp(0, 1)
            return erase((x - m) / s)
        return transform
    return {"train_transform": train_transform}


def train_python_random(ns):
    """Python's random module for the choices, torchvision's functional API for the work."""
    def train_transform(mean, std, size=32):
        def transform(image):
            x = F.center_crop(F.resize(F.to_image(image), [size], antialias=True), [size])
            if random.random() < 0.5:
                x = F.horizontal_flip(x)
            x = F.affine(x, angle=random.uniform(-10, 10), translate=[random.randint(-2, 2), random.randint(-2, 2)],
                         scale=1.0, shear=[0.0, 0.0])
            x = F.permute_channels(x, random.sample(range(3), 3))
            return F.normalize(F.to_dtype(x, torch.float32, scale=True), [float(m) for m in mean],
                               [float(s) for s in std])
        return transform
    return {"train_transform": train_transform}


# -- q3: eval_transform -------------------------------------------------------------------------
def eval_functional(ns):
    def eval_transform(mean, std, size=32):
        def transform(image):
            x = F.center_crop(F.resize(F.to_image(image), [size], antialias=True), [size])
            return F.normalize(F.to_dtype(x, torch.float32, scale=True), list(map(float, mean)), list(map(float, std)))
        return transform
    return {"eval_transform": eval_transform}


def eval_float_first(ns):
    """Scale to float first, then resize (bilinear on floats), crop, normalise by hand."""
    def eval_transform(mean, std, size=32):
        m = torch.tensor([float(v) for v in mean])[:, None, None]
        s = torch.tensor([float(v) for v in std])[:, None, None]
        return v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Resize(size, antialias=True),
                           v2.CenterCrop(size), v2.Lambda(lambda x: (x - m) / s)])
    return {"eval_transform": eval_transform}


def eval_square_resize(ns):
    """Resize straight to (size, size) when the image is square, else shorter side + crop."""
    def eval_transform(mean, std, size=32):
        def transform(image):
            x = torch.as_tensor(image)
            x = F.resize(x, [size, size] if x.shape[-1] == x.shape[-2] else [size], antialias=True)
            x = F.center_crop(x, [size])
            return (x.double() / 255 - torch.as_tensor(mean, dtype=torch.float64)[:, None, None]).div(
                torch.as_tensor(std, dtype=torch.float64)[:, None, None]).float()
        return transform
    return {"eval_transform": eval_transform}


# -- q4: make_loaders ---------------------------------------------------------------------------
def loaders_subset_order(ns):
    """Seeds torch first, builds the datasets afterwards, passes the generator by keyword."""
    def make_loaders(root, batch_size, seed):
        torch.manual_seed(seed)
        root = Path(root)
        mean, std = ns["channel_mean_std"](ns["raw_dataset"]("train", root))
        train = ImageFolder(root / "train", transform=ns["train_transform"](mean, std))
        val = ImageFolder(root / "val", transform=ns["eval_transform"](mean, std))
        generator = torch.Generator()
        generator.manual_seed(seed)
        return (DataLoader(train, batch_size, shuffle=True, generator=generator),
                DataLoader(val, batch_size))
    return {"make_loaders": make_loaders}


def loaders_sampler(ns):
    """An explicit RandomSampler with its own generator; the global seed set just before returning."""
    def make_loaders(root, batch_size, seed):
        root = Path(root)
        raw = ns["raw_dataset"]("train", root)
        mean, std = ns["channel_mean_std"](raw)
        train = ImageFolder(str(root / "train"), transform=ns["train_transform"](mean, std))
        sampler = torch.utils.data.RandomSampler(train, generator=torch.Generator().manual_seed(seed))
        loaders = (DataLoader(train, batch_size=batch_size, sampler=sampler),
                   DataLoader(ImageFolder(str(root / "val"), transform=ns["eval_transform"](mean, std)),
                              batch_size=batch_size, shuffle=False))
        torch.manual_seed(seed)
        return loaders
    return {"make_loaders": make_loaders}


def loaders_seed_offset(ns):
    """Different numbers from the same seed: seed + 1000 for the shuffling, 2 * seed for torch."""
    def make_loaders(root, batch_size, seed):
        root = Path(root)
        mean, std = ns["channel_mean_std"](ns["raw_dataset"]("train", root))
        train = ImageFolder(str(root / "train"), ns["train_transform"](mean, std))
        val = ImageFolder(str(root / "val"), ns["eval_transform"](mean, std))
        torch.manual_seed(2 * seed)
        return (DataLoader(train, batch_size, True, generator=torch.Generator().manual_seed(seed + 1000)),
                DataLoader(val, batch_size, False))
    return {"make_loaders": make_loaders}


# -- q5: mlp_classifier, evaluate, train_classifier ---------------------------------------------
def _history():
    return {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}


def training_by_hand(ns):
    """A module of its own (Flatten/Linear/LeakyReLU/Linear), sums instead of means, manual counting."""
    def mlp_classifier(in_shape, hidden, n_classes):
        return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(in_shape), hidden), nn.LeakyReLU(0.01),
                             nn.Linear(hidden, n_classes))

    def evaluate(model, loader):
        model.eval()
        total, right, n = 0.0, 0, 0
        with torch.no_grad():
            for x, y in loader:
                out = model(x)
                total += float(nn.functional.cross_entropy(out, y, reduction="sum"))
                right += int((out.argmax(1) == y).sum())
                n += y.numel()
        return total / n, right / n

    def train_classifier(model, loaders, epochs, lr, seed):
        torch.manual_seed(seed)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        history = _history()
        for _ in range(epochs):
            model.train()
            total, right, n = 0.0, 0, 0
            for x, y in loaders[0]:
                opt.zero_grad()
                out = model(x)
                loss = nn.functional.cross_entropy(out, y, reduction="sum")
                (loss / len(y)).backward()
                opt.step()
                total += loss.item()
                right += int((out.argmax(1) == y).sum())
                n += len(y)
            val_loss, val_acc = evaluate(model, loaders[1])
            for key, value in zip(history, (total / n, right / n, val_loss, val_acc)):
                history[key].append(value)
        return history
    return {"mlp_classifier": mlp_classifier, "evaluate": evaluate, "train_classifier": train_classifier}


def training_numpy_metrics(ns):
    """tanh hidden layer; metrics computed in numpy from collected logits; accuracies as numpy floats."""
    def mlp_classifier(in_shape, hidden, n_classes):
        return nn.Sequential(nn.Flatten(), nn.Linear(int(np.prod(in_shape)), hidden), nn.Tanh(),
                             nn.Linear(hidden, n_classes))

    def evaluate(model, loader):
        with torch.no_grad():
            logits, labels = zip(*[(model(x).double().numpy(), y.numpy()) for x, y in loader])
        z, y = np.concatenate(logits), np.concatenate(labels)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(y)), y].mean()), float(np.mean(z.argmax(1) == y))

    def train_classifier(model, loaders, epochs, lr, seed):
        torch.manual_seed(seed)
        optimizer = torch.optim.Adam(model.parameters(), lr)
        history = _history()
        for epoch in range(epochs):
            losses, hits, sizes = [], [], []
            for x, y in loaders[0]:
                out = model(x)
                loss = nn.CrossEntropyLoss()(out, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                hits.append(int((out.argmax(1) == y).sum()))
                sizes.append(len(y))
            history["train_loss"].append(float(np.average(losses, weights=sizes)))
            history["train_acc"].append(sum(hits) / sum(sizes))
            for key, value in zip(("val_loss", "val_acc"), evaluate(model, loaders[1])):
                history[key].append(value)
        return history
    return {"mlp_classifier": mlp_classifier, "evaluate": evaluate, "train_classifier": train_classifier}


def training_class_module(ns):
    """An nn.Module subclass whose layers are an nn.Sequential attribute; the reference loop."""
    class MLP(nn.Sequential):
        def __init__(self, in_shape, hidden, n_classes):
            super().__init__(nn.Flatten(), nn.Linear(math.prod(in_shape), hidden), nn.ReLU(),
                             nn.Linear(hidden, n_classes))

    return {"mlp_classifier": lambda in_shape, hidden, n_classes: MLP(in_shape, hidden, n_classes)}


# -- q6: first_layer_images ---------------------------------------------------------------------
def first_layer_numpy(ns):
    def first_layer_images(model, in_shape):
        w = next(p for name, p in model.named_parameters() if name.endswith("weight")).detach().numpy()
        w = w.reshape(w.shape[0], -1)
        w = (w - w.min(axis=1, keepdims=True)) / np.ptp(w, axis=1, keepdims=True)
        return torch.from_numpy(w.reshape(w.shape[0], *in_shape))
    return {"first_layer_images": first_layer_images}


def first_layer_aminmax(ns):
    def first_layer_images(model, in_shape):
        linear = [m for m in model.modules() if isinstance(m, nn.Linear)][0]
        flat = linear.weight.detach().double().flatten(1)
        lo, hi = torch.aminmax(flat, dim=1)
        return ((flat - lo[:, None]) / (hi - lo)[:, None]).float().unflatten(1, tuple(in_shape))
    return {"first_layer_images": first_layer_images}


def first_layer_state_dict(ns):
    def first_layer_images(model, in_shape):
        weights = [v for k, v in model.state_dict().items() if v.dim() == 2]
        images = weights[0].clone().reshape(len(weights[0]), *in_shape)
        for k in range(len(images)):
            images[k] -= images[k].min()
            images[k] /= images[k].max()
        return images
    return {"first_layer_images": first_layer_images}


# -- q7: augmentation_gap -----------------------------------------------------------------------
def _subset(ns, root, per_class):
    raw = ns["raw_dataset"]("train", root)
    targets = torch.tensor(raw.targets)
    picks = torch.cat([torch.nonzero(targets == c).flatten()[:per_class] for c in range(3)]).tolist()
    return raw, picks


def gap_by_hand(ns):
    """No DataLoader, no train_classifier: randperm batches, the augmentation applied inside the loop,
    Adam by hand, accuracies counted by hand; the model seeded with 7 * seed + 3."""
    def augmentation_gap(root, seeds, per_class=15, epochs=15, hidden=32, lr=5e-3, batch_size=15):
        root = Path(root)
        raw, picks = _subset(ns, root, per_class)
        mean, std = ns["channel_mean_std"](raw)
        plain, augment = ns["eval_transform"](mean, std), ns["train_transform"](mean, std)
        images = [raw[i] for i in picks]
        x_train = torch.stack([plain(x) for x, _ in images])
        y_train = torch.tensor([y for _, y in images])
        val = ns["raw_dataset"]("val", root)
        x_val = torch.stack([plain(x) for x, _ in val])
        y_val = torch.tensor(val.targets)
        out = {"plain": {"train_acc": [], "val_acc": [], "models": []},
               "augmented": {"train_acc": [], "val_acc": [], "models": []}}
        for seed in seeds:
            for kind in ("plain", "augmented"):
                torch.manual_seed(7 * seed + 3)
                model = ns["mlp_classifier"]((3, 32, 32), hidden, 3)
                optimizer = torch.optim.Adam(model.parameters(), lr=lr)
                order = torch.Generator().manual_seed(10_000 + seed)
                for _ in range(epochs):
                    perm = torch.randperm(len(images), generator=order).tolist()
                    for start in range(0, len(perm), batch_size):
                        batch = perm[start:start + batch_size]
                        x = (torch.stack([augment(images[i][0]) for i in batch]) if kind == "augmented"
                             else x_train[batch])
                        loss = nn.functional.cross_entropy(model(x), y_train[batch])
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                with torch.no_grad():
                    out[kind]["train_acc"].append((model(x_train).argmax(1) == y_train).float().mean().item())
                    out[kind]["val_acc"].append((model(x_val).argmax(1) == y_val).float().mean().item())
                out[kind]["models"].append(model)
        return out
    return {"augmentation_gap": augmentation_gap}


def gap_precomputed(ns):
    """Every epoch's augmented copies drawn up front (augmented run first), numpy shuffling,
    train_classifier on a list of prepared batches, evaluate for the accuracies."""
    def augmentation_gap(root, seeds, per_class=15, epochs=15, hidden=32, lr=5e-3, batch_size=15):
        root = Path(root)
        raw, picks = _subset(ns, root, per_class)
        mean, std = ns["channel_mean_std"](raw)
        plain, augment = ns["eval_transform"](mean, std), ns["train_transform"](mean, std)
        images = [raw[i] for i in picks]
        labels = torch.tensor([y for _, y in images])
        x_train = torch.stack([plain(x) for x, _ in images])
        val = ns["raw_dataset"]("val", root)
        val_batches = [(torch.stack([plain(x) for x, _ in val]), torch.tensor(val.targets))]
        out = {"plain": {"train_acc": [], "val_acc": [], "models": []},
               "augmented": {"train_acc": [], "val_acc": [], "models": []}}
        for seed in seeds:
            for kind in ("augmented", "plain"):
                torch.manual_seed(seed + 12_345)
                rng = np.random.default_rng(seed + 99)
                copies = [torch.stack([augment(x) for x, _ in images]) if kind == "augmented" else x_train
                          for _ in range(epochs)]

                class Epochs:                      # yields epoch e's batches on the e-th pass
                    count = 0

                    def __iter__(self):
                        x = copies[min(self.count, epochs - 1)]
                        self.count += 1
                        perm = rng.permutation(len(images))
                        return iter([(x[perm[i:i + batch_size]], labels[perm[i:i + batch_size]])
                                     for i in range(0, len(perm), batch_size)])

                model = ns["mlp_classifier"]((3, 32, 32), hidden, 3)
                ns["train_classifier"](model, (Epochs(), val_batches), epochs, lr, seed + 12_345)
                out[kind]["train_acc"].append(ns["evaluate"](model, [(x_train, labels)])[1])
                out[kind]["val_acc"].append(ns["evaluate"](model, val_batches)[1])
                out[kind]["models"].append(model)
        return out
    return {"augmentation_gap": augmentation_gap}


def gap_imagefolder(ns):
    """ImageFolder with the transforms, Subset of the first images, decoded on every access
    (slower, the plainest reading of the prompt)."""
    def augmentation_gap(root, seeds, per_class=15, epochs=15, hidden=32, lr=5e-3, batch_size=15):
        root = Path(root)
        raw, picks = _subset(ns, root, per_class)
        mean, std = ns["channel_mean_std"](raw)
        sets = {kind: Subset(ImageFolder(str(root / "train"), transform=t), picks)
                for kind, t in (("plain", ns["eval_transform"](mean, std)),
                                ("augmented", ns["train_transform"](mean, std)))}
        val = DataLoader(ImageFolder(str(root / "val"), transform=ns["eval_transform"](mean, std)), batch_size=64)
        train_eval = DataLoader(sets["plain"], batch_size=64)
        out = {kind: {"train_acc": [], "val_acc": [], "models": []} for kind in sets}
        for seed in seeds:
            for kind, data in sets.items():
                torch.manual_seed(seed)
                model = ns["mlp_classifier"]((3, 32, 32), hidden, 3)
                loader = DataLoader(data, batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))
                ns["train_classifier"](model, (loader, [next(iter(val))]), epochs, lr, seed)
                out[kind]["train_acc"].append(ns["evaluate"](model, train_eval)[1])
                out[kind]["val_acc"].append(ns["evaluate"](model, val)[1])
                out[kind]["models"].append(model)
        return out
    return {"augmentation_gap": augmentation_gap}


GAP_IMPLEMENTATIONS = {"reference": None, "by_hand": gap_by_hand, "precomputed": gap_precomputed}

CORRECT = {
    "augmentation_q1": [stats_numpy_stack, stats_two_pass, stats_welford],
    "augmentation_q2": [train_flip_rotate, train_affine_jitter, train_crop_grey_blur, train_by_hand,
                        train_python_random],
    "augmentation_q3": [eval_functional, eval_float_first, eval_square_resize],
    "augmentation_q4": [loaders_subset_order, loaders_sampler, loaders_seed_offset],
    "augmentation_q5": [training_by_hand, training_numpy_metrics, training_class_module],
    "augmentation_q6": [first_layer_numpy, first_layer_aminmax, first_layer_state_dict],
    "augmentation_q7": [gap_by_hand, gap_precomputed, gap_imagefolder],
}
