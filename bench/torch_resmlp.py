#!/usr/bin/python3
"""Times the ResMLP fixture in PyTorch eager (Debian's python3-torch 1.13).

  torch_resmlp.py --workload forward|train_step --batch N [--threads T]
                  [--iters K] [--warmup W] [--depth D] [--width W]
prints "median_ms=<x> min_ms=<y> iters=<k>" like resrun --bench;
  torch_resmlp.py --flops --workload W --batch N   prints "flops=<n>".

forward runs in eval mode under no_grad; train_step is zero_grad, forward,
cross_entropy, backward and SGD(momentum 0.9, weight decay 5e-4) with
lr 0.01, like resrun --bench's default. Inputs are random like resrun's:
x ~ N(0, 1), labels uniform in [0, 10)."""
import argparse
import statistics
import time

import torch

import resmlp_torch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", choices=["forward", "train_step"], required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--flops", action="store_true", help="print the call's GEMM FLOPs and exit")
    a = p.parse_args()
    if a.flops:
        print(f"flops={resmlp_torch.flops(a.workload, a.batch, a.depth, a.width)}")
        return
    if a.batch < 1 or a.iters < 1 or a.warmup < 0 or a.threads < 1:
        p.error("--batch, --iters and --threads must be positive, --warmup non-negative")

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = resmlp_torch.ResMLP(a.depth, a.width)
    x = torch.randn(a.batch, resmlp_torch.IN)
    y = torch.randint(0, resmlp_torch.CLASSES, (a.batch,))
    if a.workload == "forward":
        model.eval()

        def call():
            with torch.no_grad():
                model(x)
    else:
        model.train()
        opt = resmlp_torch.optimizer(model, a.lr)

        def call():
            resmlp_torch.train_step(model, opt, x, y)

    for _ in range(a.warmup):
        call()
    ms = []
    for _ in range(a.iters):
        begin = time.perf_counter()
        call()
        ms.append((time.perf_counter() - begin) * 1e3)
    print(f"median_ms={statistics.median(ms):.4f} min_ms={min(ms):.4f} iters={a.iters}")


if __name__ == "__main__":
    main()
