"""dropout_ref.py PARAMS STATE OUT_DIR [--steps K] [--lr LR] [--batch N]

The reference for Inputs/dropout.res's train_step: the same network in
PyTorch with the dropout mask computed here, in NumPy, from the function
docs/training.md documents (the counter-based generator resc compiles):

  key    = u32(seed ^ (seed >> 32)) + u32(step) * 0x9E3779B9
  stream = mix32(key ^ mix32(site + 1))
  keep i = mix32(i * 0x9E3779B9 + stream) >= round(p * 2^32)   (i row-major)

with mix32 Chris Wellons' lowbias32, all mod 2^32. Writes seeded inputs
(in0.npy, in1.npy), the loss without dropout (eval_loss.npy), the losses
of K SGD steps (losses.npy) and the
parameters after them (params.safetensors), and prints the fraction of kept
elements and how many masks differ between consecutive steps."""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

M = np.uint64(0xFFFFFFFF)


def u(v):
    return np.uint64(v)


def mix32(x):
    """lowbias32 on uint64 arrays holding 32-bit values."""
    x = np.asarray(x, np.uint64) & M
    x ^= x >> u(16)
    x = (x * u(0x7FEB352D)) & M
    x ^= x >> u(15)
    x = (x * u(0x846CA68B)) & M
    x ^= x >> u(16)
    return x


def keep_mask(seed, step, site, shape, p):
    s = int(seed) & 0xFFFFFFFFFFFFFFFF
    key = ((s ^ (s >> 32)) + step * 0x9E3779B9) & 0xFFFFFFFF
    stream = mix32(u(key) ^ mix32(u(site + 1)))
    i = np.arange(int(np.prod(shape)), dtype=np.uint64)
    h = mix32((i * u(0x9E3779B9) + stream) & M)
    return (h >= u(round(p * 2**32))).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("params")
    ap.add_argument("state")
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    p = {k: torch.from_numpy(v.copy()).requires_grad_() for k, v in safetensors_io.load(a.params).items()}
    seed = safetensors_io.load(a.state)["dropout.seed"].reshape(()).astype(np.int64)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.batch, 16)).astype(np.float32)
    y = rng.integers(0, 4, a.batch).astype(np.int32)
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "in0.npy"), x)
    np.save(os.path.join(a.out, "in1.npy"), y)
    with torch.no_grad():  # loss, loss_grad and forward: dropout is the identity
        h = F.relu(F.linear(torch.from_numpy(x), p["fc1.weight"], p["fc1.bias"]))
        eval_loss = F.cross_entropy(F.linear(h, p["fc2.weight"], p["fc2.bias"]),
                                    torch.from_numpy(y).long())
    np.save(os.path.join(a.out, "eval_loss.npy"), np.array(eval_loss.item(), np.float32))
    opt = torch.optim.SGD(p.values(), lr=a.lr)
    losses, masks = [], []
    for step in range(a.steps):
        keep = keep_mask(int(seed), step, 0, (a.batch, 32), 0.25)
        masks.append(keep)
        scale = torch.from_numpy(keep.astype(np.float32) * np.float32(1 / 0.75))
        h = F.relu(F.linear(torch.from_numpy(x), p["fc1.weight"], p["fc1.bias"])) * scale
        loss = F.cross_entropy(F.linear(h, p["fc2.weight"], p["fc2.bias"]), torch.from_numpy(y).long())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    np.save(os.path.join(a.out, "losses.npy"), np.array(losses, np.float32))
    safetensors_io.save(os.path.join(a.out, "params.safetensors"),
                        {k: v.detach().numpy() for k, v in p.items()})
    kept = np.mean([m.mean() for m in masks])
    changed = [int((masks[i] != masks[i + 1]).sum()) for i in range(len(masks) - 1)]
    print(f"kept fraction {kept:.3f} of {masks[0].size} x {len(masks)}; "
          f"changed between steps {changed}")


if __name__ == "__main__":
    main()
