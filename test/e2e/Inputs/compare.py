"""compare.py ACTUAL.npy EXPECTED.npy [--rtol R] [--atol A]: prints the
largest differences and exits 1 when they exceed the tolerance."""
import argparse
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("actual")
p.add_argument("expected")
p.add_argument("--rtol", type=float, default=1e-4)
p.add_argument("--atol", type=float, default=1e-5)
a = p.parse_args()
x, y = np.load(a.actual), np.load(a.expected)
if x.shape != y.shape:
    print(f"FAIL: shape {x.shape} != expected {y.shape}")
    sys.exit(1)
diff = np.abs(x.astype(np.float64) - y.astype(np.float64))
rel = diff / np.maximum(np.abs(y), 1e-30)
ok = np.allclose(x, y, rtol=a.rtol, atol=a.atol)
# A test whose expected rows are all equal proves little: say so.
if y.ndim >= 2 and y.shape[0] > 1 and np.allclose(y, y[:1]):
    print("FAIL: every row of the expected output is the same; the test is degenerate")
    sys.exit(1)
print(f"{'OK' if ok else 'FAIL'}: shape {x.shape} max_abs_err {diff.max():.3g} "
      f"max_rel_err {rel.max():.3g} (rtol {a.rtol}, atol {a.atol})")
sys.exit(0 if ok else 1)
