#!/usr/bin/python3
"""Trains the ResMLP fixture on Fashion-MNIST in PyTorch 1.13 eager, exactly
as examples/train_fmnist does with resc's generated train_step, for the
side-by-side time per epoch of issue 4 (bench/fmnist.sh runs both).

  fmnist_torch.py [--epochs 5] [--batch 64] [--lr 0.02] [--schedule cosine] [--limit N] [--threads 1]
                  [--seed 1] [--data /usr/share/datasets/fashion-mnist]

Same data (Debian's dataset-fashion-mnist, gzip'd IDX), normalisation
((x/255 - 0.2860) / 0.3530), batch size, learning rate, optimizer (the
fixture's SGD, momentum 0.9, weight decay 5e-4), a new shuffle every epoch
and the last partial batch dropped; the same line per epoch, with the
seconds of the epoch's training steps (accuracy passes excluded, as there):
  epoch E: loss L train_acc A test_acc B samples/s S seconds T"""
import argparse
import gzip
import os
import sys
import math
import time

import numpy as np
import torch

import resmlp_torch


def read_idx(path):
    """An unsigned-byte IDX file: big-endian magic 0x08 + rank, dims, bytes."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        sys.exit(f"fmnist_torch: error: cannot read {path}: {e} (install Debian's dataset-fashion-mnist)")
    rank = data[3]
    if data[2] != 0x08 or not 1 <= rank <= 4:
        sys.exit(f"fmnist_torch: error: {path} is not an unsigned-byte IDX file")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(directory, prefix, limit):
    images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"))[:limit]
    labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz"))[:limit]
    x = (torch.from_numpy(images.reshape(len(images), 784).astype(np.float32)) / 255.0 - 0.2860) / 0.3530
    return x, torch.from_numpy(labels.astype(np.int64))


def accuracy(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(y), 1000):
            correct += (model(x[start:start + 1000]).argmax(1) == y[start:start + 1000]).sum().item()
    model.train()
    return correct / len(y)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--schedule", choices=["cosine", "constant"], default="cosine")
    p.add_argument("--limit", type=int, default=None, help="use the first N training images")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    if a.epochs < 1 or a.batch < 1 or not a.lr > 0 or a.threads < 1:
        p.error("--epochs, --batch, --lr and --threads must be positive")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train_x, train_y = load(a.data, "train", a.limit)
    test_x, test_y = load(a.data, "t10k", None)
    model = resmlp_torch.Model()
    opt = resmlp_torch.optimizer(model, a.lr)
    print(f"training torch ResMLP on {len(train_y)} images (test {len(test_y)}), "
          f"batch {a.batch}, lr {a.lr:g} ({a.schedule})", flush=True)
    shuffle = torch.Generator().manual_seed(a.seed)
    # The same schedule as train_fmnist: cosine annealing from lr to 0.
    total = (len(train_y) // a.batch) * a.epochs
    step = 0
    for epoch in range(1, a.epochs + 1):
        order = torch.randperm(len(train_y), generator=shuffle)
        begin = time.perf_counter()
        loss_sum, steps = 0.0, 0
        for start in range(0, len(order) - a.batch + 1, a.batch):
            idx = order[start:start + a.batch]
            lr = 0.5 * a.lr * (1 + math.cos(math.pi * step / total)) if a.schedule == "cosine" else a.lr
            for group in opt.param_groups:
                group["lr"] = lr
            step += 1
            loss_sum += resmlp_torch.train_step(model, opt, train_x[idx], train_y[idx]).item()
            steps += 1
        seconds = time.perf_counter() - begin
        print(f"epoch {epoch}: loss {loss_sum / max(steps, 1):.4f} "
              f"train_acc {accuracy(model, train_x, train_y):.4f} "
              f"test_acc {accuracy(model, test_x, test_y):.4f} "
              f"samples/s {steps * a.batch / seconds:.0f} seconds {seconds:.1f}", flush=True)


if __name__ == "__main__":
    main()
