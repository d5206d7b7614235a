"""compare_grads.py ACTUAL.safetensors EXPECTED.safetensors [--rtol R] [--atol A]

Checks that both files hold the same gradient tensors (names and shapes)
and that each is close; prints one line per tensor and exits 1 on any
mismatch. The tolerance is relative to the tensor's largest magnitude, so
gradients that are tiny everywhere do not pass vacuously."""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("actual")
p.add_argument("expected")
p.add_argument("--rtol", type=float, default=1e-3)
a = p.parse_args()
x, y = safetensors_io.load(a.actual), safetensors_io.load(a.expected)
ok = True
if sorted(x) != sorted(y):
    print(f"FAIL: names differ: only in actual {sorted(set(x) - set(y))}, "
          f"only in expected {sorted(set(y) - set(x))}")
    sys.exit(1)
nonzero = 0
for name in sorted(y):
    if x[name].shape != y[name].shape:
        print(f"FAIL {name}: shape {x[name].shape} != {y[name].shape}")
        ok = False
        continue
    scale = float(np.abs(y[name]).max())
    err = float(np.abs(x[name].astype(np.float64) - y[name]).max())
    rel = err / scale if scale > 0 else err
    good = rel <= a.rtol
    nonzero += scale > 0
    ok &= good
    print(f"{'ok  ' if good else 'FAIL'} {name}: max_err {err:.3g} scale {scale:.3g} rel {rel:.3g}")
if nonzero == 0:
    print("FAIL: every expected tensor is zero; the test is degenerate")
    ok = False
print(f"{'OK' if ok else 'FAIL'}: {len(y)} tensors, rtol {a.rtol}")
sys.exit(0 if ok else 1)
