r"""Train the grader's face classifier (``face_oracle.py``) once, offline, and write its weights
to ``face_oracle_weights.py``. Needs torch; never run while grading.

    .venv/bin/python -m autograder.assignments.augmentation.train_face_oracle [--epochs 24]

Data: a pool of probe faces (``shared.afhq.probe_faces`` with seeds >= 1000, never the grader's
probe seeds), each epoch a fresh augmented copy of a random part of the pool: 75 % label-preserving
augmentations inside the envelope widened by 15 % (``envelope.legit``), 25 % label-breaking ones
(``envelope.breaking``, labelled 3). The network is ``face_oracle``'s, in torch, on the same
``face_oracle.features``. It takes about 10 minutes on one CPU thread; the seeds fix the result
on a given machine (the committed weights are the reference, re-measured by the tests).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from autograder.assignments.augmentation import envelope, face_oracle

HERE = Path(__file__).resolve().parent
TRAIN_MARGIN = 1.15
BROKEN_FRACTION = 0.25
POOL_SEED = 1000


def network() -> nn.Sequential:
    """face_oracle's architecture in torch (same layer names in the state dict, in order)."""
    return nn.Sequential(nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(32, 16, 3), nn.ReLU(), nn.Flatten(), nn.Linear(256, 32),
                         nn.ReLU(), nn.Linear(32, 4))


def state_arrays(model: nn.Sequential) -> dict:
    """The weights under face_oracle's names, as float16 arrays (what is stored)."""
    layers = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    out = {}
    for name, layer in zip(face_oracle.LAYERS, layers):
        out[f"{name}.weight"] = layer.weight.detach().numpy().astype(np.float16)
        out[f"{name}.bias"] = layer.bias.detach().numpy().astype(np.float16)
    return out


def write_weights(arrays: dict, path: Path) -> str:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    blob = base64.b64encode(buffer.getvalue()).decode("ascii")
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    lines = [blob[i:i + 96] for i in range(0, len(blob), 96)]
    path.write_text('r"""Weights of the grader\'s face classifier (face_oracle.py), written by train_face_oracle.py:\n'
                    'a base64 ``np.savez_compressed`` archive of float16 arrays. Do not edit by hand."""\n'
                    f'SHA256 = "{digest}"\n'
                    'WEIGHTS_NPZ_BASE64 = (\n' + "".join(f'    "{line}"\n' for line in lines) + ")\n")
    return digest


def train(epochs: int, per_epoch: int, pool_per_class: int, seed: int, log=print) -> nn.Sequential:
    from shared.afhq import probe_faces

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    pool, pool_labels = probe_faces(pool_per_class, POOL_SEED)
    model = network()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    steps = epochs * (per_epoch // 128)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps, pct_start=0.1)
    for epoch in range(epochs):
        started = time.process_time()
        pick = rng.integers(0, len(pool), per_epoch)
        images, labels = envelope.sample(pool[pick], pool_labels[pick], rng, TRAIN_MARGIN, BROKEN_FRACTION)
        x = torch.from_numpy(face_oracle.features(images))
        y = torch.from_numpy(labels)
        model.train()
        order = torch.randperm(per_epoch)
        total, wrong = 0.0, 0
        for start in range(0, per_epoch - 127, 128):
            batch = order[start:start + 128]
            out = model(x[batch])
            loss = nn.functional.cross_entropy(out, y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
            wrong += int((out.argmax(1) != y[batch]).sum())
        log(f"epoch {epoch + 1}/{epochs}: loss {total / per_epoch:.4f}, training error {wrong / per_epoch:.4f} "
            f"({time.process_time() - started:.0f} s)")
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=24)
    parser.add_argument("--per-epoch", type=int, default=20_000)
    parser.add_argument("--pool-per-class", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "face_oracle_weights.py")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = train(args.epochs, args.per_epoch, args.pool_per_class, args.seed)
    print("sha256", write_weights(state_arrays(model), args.out))


if __name__ == "__main__":
    main()
