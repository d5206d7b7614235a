"""compare_grads.py ACTUAL.safetensors EXPECTED.safetensors [--rtol R]
                   [--outliers K --outlier-atol B]

Checks that both files hold the same gradient tensors (names and shapes)
and that each is close; prints one line per tensor and exits 1 on any
mismatch. The tolerance is relative to the tensor's largest magnitude, so
gradients that are tiny everywhere do not pass vacuously.

--outliers lets up to K elements of a tensor miss that tolerance, by at
most B (absolute). AdamW moves an element by about lr * sign(g) however
small g is: where a gradient element is a sum that nearly cancels, f32
rounding in another summation order than PyTorch's can flip its sign and
move that one element by up to 2 * lr, while all others agree closely."""
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
p.add_argument("--outliers", type=int, default=0)
p.add_argument("--outlier-atol", type=float, default=0.0)
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
    diff = np.abs(x[name].astype(np.float64) - y[name])
    err = float(diff.max())
    rel = err / scale if scale > 0 else err
    # Elements off by more than the tolerance (relative to the scale).
    off = diff[diff > a.rtol * (scale if scale > 0 else 1.0)]
    good = len(off) == 0 or (len(off) <= a.outliers and float(off.max()) <= a.outlier_atol)
    nonzero += scale > 0
    ok &= good
    extra = f" outliers {len(off)}" if len(off) else ""
    print(f"{'ok  ' if good else 'FAIL'} {name}: max_err {err:.3g} scale {scale:.3g} rel {rel:.3g}{extra}")
if nonzero == 0:
    print("FAIL: every expected tensor is zero; the test is degenerate")
    ok = False
print(f"{'OK' if ok else 'FAIL'}: {len(y)} tensors, rtol {a.rtol}")
sys.exit(0 if ok else 1)
