"""finite_diff.py MODEL.so PARAMS.safetensors GRADS.safetensors IN.npy...

Checks resc's gradients against central finite differences of the compiled
loss itself: for random directions v over all parameters,
  (L(p + eps v) - L(p - eps v)) / (2 eps)  ~=  <grad, v>.
The loss is evaluated by `resrun --entry loss` in f32, so eps trades
truncation error (O(eps^2), and ReLU kinks crossed by the step) against
rounding (~1e-7 |L| / eps). Directions are mostly along the gradient (plus
a random part), so the directional derivative is O(|grad|) rather than
O(|grad| / sqrt(#params)); with eps = 1e-3 the two sides agree to ~1e-3
relative, and the test allows 1e-2."""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

so, params_path, grads_path, *inputs = sys.argv[1:]
resrun = os.environ.get("RESRUN", "resrun")
params = safetensors_io.load(params_path)
grads = safetensors_io.load(grads_path)
rng = np.random.default_rng(0)
eps, tol, worst = 1e-3, 1e-2, 0.0


def loss(p):
    with tempfile.TemporaryDirectory() as d:
        safetensors_io.save(os.path.join(d, "p.st"), p)
        cmd = [resrun, so, "--entry", "loss", "--params", os.path.join(d, "p.st")]
        for i in inputs:
            cmd += ["--input", i]
        cmd += ["--output", os.path.join(d, "l.npy")]
        subprocess.run(cmd, check=True)
        return float(np.load(os.path.join(d, "l.npy")).astype(np.float64))


for trial in range(4):
    def unit(d):
        norm = np.sqrt(sum(float((x ** 2).sum()) for x in d.values()))
        return {k: x / norm for k, x in d.items()}
    r = unit({k: rng.standard_normal(t.shape) if k in grads else np.zeros(t.shape)
              for k, t in params.items()})
    g = unit({k: grads[k].astype(np.float64) if k in grads else np.zeros(t.shape)
              for k, t in params.items()})
    v = unit({k: 0.8 * g[k] + 0.2 * r[k] for k in params})
    plus = {k: (params[k] + eps * v[k]).astype(params[k].dtype) for k in params}
    minus = {k: (params[k] - eps * v[k]).astype(params[k].dtype) for k in params}
    fd = (loss(plus) - loss(minus)) / (2 * eps)
    an = sum(float((grads[k].astype(np.float64) * v[k]).sum()) for k in grads)
    rel = abs(fd - an) / max(abs(an), 1e-6)
    worst = max(worst, rel)
    print(f"direction {trial}: finite difference {fd:.6g} analytic {an:.6g} rel {rel:.3g}")
print(f"{'OK' if worst <= tol else 'FAIL'}: worst rel {worst:.3g} (tol {tol})")
sys.exit(0 if worst <= tol else 1)
