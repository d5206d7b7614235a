"""randomize_affine.py PARAMS.safetensors [--seed S]: rewrites in place the
parameters that PyTorch initialises to constants (resrun --init-params gives
biases 0 and LayerNorm weights 1, which would hide a bias or scale applied in
the wrong place): every tensor named *bias gets N(0, 0.1), every other
tensor that is all ones gets U(0.5, 1.5). Prints how many it changed."""
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
changed = 0
for name in sorted(tensors):
    t = tensors[name]
    if t.dtype != np.float32:
        continue
    if name.endswith("bias"):
        tensors[name] = rng.normal(0, 0.1, t.shape).astype(np.float32)
    elif t.size and np.all(t == 1):
        tensors[name] = rng.uniform(0.5, 1.5, t.shape).astype(np.float32)
    else:
        continue
    changed += 1
safetensors_io.save(a.params, tensors)
print(f"randomized {changed} constant-initialised tensors")
