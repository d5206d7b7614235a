#!/usr/bin/python3
"""Checks the OpenBLAS baseline against PyTorch: same parameters and batch,
then the logits of the first forward, the loss of each of S SGD steps and
every parameter after them must agree (within --rtol of each tensor's
largest magnitude; f32 GEMMs sum in different orders).

  check_openblas.py BINARY [--depth D] [--width W] [--batch N] [--steps S]
prints one line per compared quantity and "OK" (exit 0) or "FAIL" (exit 1)."""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

import resmlp_torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--rtol", type=float, default=1e-4)
    a = p.parse_args()

    torch.manual_seed(0)
    model = resmlp_torch.Model(a.depth, a.width)
    x = torch.randn(a.batch, resmlp_torch.IN)
    y = torch.randint(0, resmlp_torch.CLASSES, (a.batch,))
    names = list(model.state_dict())
    with tempfile.TemporaryDirectory() as d:
        np.concatenate([t.numpy().ravel() for t in model.state_dict().values()]).astype(
            np.float32).tofile(os.path.join(d, "params.bin"))
        x.numpy().tofile(os.path.join(d, "x.bin"))
        y.numpy().astype(np.int32).tofile(os.path.join(d, "y.bin"))
        out = subprocess.run([a.binary, "--check", d, "--batch", str(a.batch), "--steps",
                              str(a.steps), "--lr", str(a.lr), "--depth", str(a.depth),
                              "--width", str(a.width)], check=True, capture_output=True,
                             text=True).stdout
        blas_losses = [float(line.split("=")[1]) for line in out.splitlines()]
        blas_logits = np.fromfile(os.path.join(d, "logits.bin"), np.float32)
        blas_params = np.fromfile(os.path.join(d, "params_out.bin"), np.float32)

    with torch.no_grad():
        logits = model(x).numpy().ravel()
    opt = resmlp_torch.optimizer(model, a.lr)
    losses = [resmlp_torch.train_step(model, opt, x, y).item() for _ in range(a.steps)]

    ok = True

    def compare(what, mine, ref):
        nonlocal ok
        err = float(np.max(np.abs(mine - ref))) / max(float(np.max(np.abs(ref))), 1e-30)
        good = err <= a.rtol
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} {what}: max error {err:.2e} of the largest magnitude")

    compare("logits", blas_logits, logits)
    for i, (mine, ref) in enumerate(zip(blas_losses, losses)):
        compare(f"step {i + 1} loss {mine:.6f} (torch {ref:.6f})", np.float32(mine), np.float32(ref))
    offset = 0
    for name, t in model.state_dict().items():
        n = t.numel()
        compare(f"param {name} after {a.steps} steps", blas_params[offset:offset + n],
                t.numpy().ravel())
        offset += n
    ok &= len(blas_losses) == a.steps and offset == blas_params.size
    print("OK" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
