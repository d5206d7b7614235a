"""The timing harness of the bench/torch_<workload>.py scripts: PyTorch 1.13
eager, one workload module each (resmlp_torch, resnet8_torch, tinylm_torch), with the
command line and output line of resrun --bench:

  torch_<workload>.py --workload forward|train_step --batch N [--threads T]
                      [--iters K] [--warmup W] [--lr X]
      prints "median_ms=<x> min_ms=<y> iters=<k>"
  torch_<workload>.py --flops --workload forward|train_step --batch N
      prints "flops=<n>"

forward runs in eval mode under no_grad; train_step is zero_grad, forward,
the model's loss, backward and the model's optimizer step, in train mode.
A workload module provides Model(), inputs(batch) -> (x, y),
loss(output, y) and optimizer(model, lr), and flops(model, x, workload)
when gemm_flops (Linear and Conv2d layers only) would miss GEMMs, such as
attention's."""
import argparse
import statistics
import time

import torch
import torch.nn as nn


def gemm_flops(model, x, workload):
    """GEMM FLOPs of one call, counted from the shapes (2*M*N*K per GEMM)
    of every Linear and Conv2d in one forward; elementwise work is not
    counted. train_step adds each layer's weight gradient (as many FLOPs as
    its forward) and its data gradient unless its input needs none (the
    first layer's), so just under 3x forward."""
    fwd = dx = 0

    def hook(module, inputs, output):
        nonlocal fwd, dx
        if isinstance(module, nn.Linear):
            f = 2 * output.numel() * module.in_features
        else:
            f = 2 * output.numel() * module.in_channels // module.groups * \
                module.kernel_size[0] * module.kernel_size[1]
        fwd += f
        dx += f if inputs[0].requires_grad else 0

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Linear, nn.Conv2d))]
    model.eval()
    model(x)
    for h in handles:
        h.remove()
    return fwd if workload == "forward" else 2 * fwd + dx


def main(spec, doc):
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--workload", choices=["forward", "train_step"], required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.01, help="as resrun --bench's default")
    p.add_argument("--flops", action="store_true", help="print the call's GEMM FLOPs and exit")
    a = p.parse_args()
    if a.batch < 1 or a.iters < 1 or a.warmup < 0 or a.threads < 1:
        p.error("--batch, --iters and --threads must be positive, --warmup non-negative")

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = spec.Model()
    x, y = spec.inputs(a.batch)
    if a.flops:
        count = getattr(spec, "flops", gemm_flops)
        print(f"flops={count(model, x, a.workload)}")
        return
    if a.workload == "forward":
        model.eval()

        def call():
            with torch.no_grad():
                model(x)
    else:
        model.train()
        opt = spec.optimizer(model, a.lr)

        def call():
            opt.zero_grad()
            spec.loss(model(x), y).backward()
            opt.step()

    for _ in range(a.warmup):
        call()
    ms = []
    for _ in range(a.iters):
        begin = time.perf_counter()
        call()
        ms.append((time.perf_counter() - begin) * 1e3)
    print(f"median_ms={statistics.median(ms):.4f} min_ms={min(ms):.4f} iters={a.iters}")
