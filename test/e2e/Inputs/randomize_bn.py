"""randomize_bn.py PARAMS.safetensors [--seed S]: rewrites the BatchNorm
buffers and affine parameters in place (resrun --init-params gives mean 0,
var 1, weight 1, bias 0, which would make evaluation-mode BN nearly trivial):
running_mean ~ N(0, 0.1), running_var ~ U(0.5, 1.5), weight ~ U(0.5, 1.5),
bias ~ N(0, 0.1)."""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("params")
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
rng = np.random.default_rng(a.seed)
tensors = safetensors_io.load(a.params)
bns = sorted({k.rsplit(".", 1)[0] for k in tensors if k.endswith(".running_mean")})
for bn in bns:
    c = tensors[bn + ".running_mean"].shape
    tensors[bn + ".running_mean"] = rng.normal(0, 0.1, c).astype(np.float32)
    tensors[bn + ".running_var"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
    tensors[bn + ".weight"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
    tensors[bn + ".bias"] = rng.normal(0, 0.1, c).astype(np.float32)
safetensors_io.save(a.params, tensors)
print(f"randomized {len(bns)} batch norms")
