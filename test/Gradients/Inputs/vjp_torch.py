"""Checks every VJP of GradientOpInterface against PyTorch autograd.

For each case, a `vjp_<name>` function holding one res op (f64, static
shapes) goes through `res-opt --res-test-vjp`, which replaces its body's
result by the op's operand adjoints; a `main` calls it on random inputs and
a random adjoint dy, and the module is lowered (res-convert-to-linalg, then
bufferization and LLVM like resc's pipeline) and run by mlir-runner. The
adjoints must match torch's gradient of sum(op(inputs) * dy) to the
precision printMemrefF64 prints (6 significant digits): rtol 1e-5, atol 1e-6.
A wrong formula is off by O(1).

usage: vjp_torch.py RES_OPT   (mlir-runner on PATH)
"""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(0)


def t(shape):
    return "tensor<" + "".join(f"{d}x" for d in shape) + "f64>"


def ti(shape):
    return "tensor<" + "".join(f"{d}x" for d in shape) + "i64>"


class Case:
    """name, res op text (operands %a0.. and result types), operand shapes,
    torch function, and which operands are integer labels."""

    def __init__(self, name, op, shapes, fn, out_shape, labels=(), positive=False, classes=None,
                 nograd=(), positive_operands=()):
        self.name, self.op, self.shapes, self.fn = name, op, shapes, fn
        self.out_shape, self.labels = out_shape, set(labels)
        # Float operands that get no adjoint (batch_norm's running statistics).
        self.nograd = set(nograd)
        self.inputs = []
        for i, s in enumerate(shapes):
            if i in self.labels:
                self.inputs.append(rng.integers(0, classes, size=s).astype(np.int64))
            else:
                v = rng.standard_normal(s)
                # Keep away from kinks (relu at 0) and domains (log, sqrt).
                pos = positive or i in positive_operands
                v = np.abs(v) + 0.5 if pos else np.where(np.abs(v) < 1e-3, 0.5, v)
                self.inputs.append(v)
        self.dy = rng.standard_normal(out_shape)

    def types(self):
        return [ti(s) if i in self.labels else t(s) for i, s in enumerate(self.shapes)]

    def func(self):
        args = ", ".join(f"%a{i}: {ty}" for i, ty in enumerate(self.types()))
        return (f"func.func @vjp_{self.name}({args}, %dy: {t(self.out_shape)}) -> {t(self.out_shape)} {{\n"
                f"  %y = {self.op}\n  return %y : {t(self.out_shape)}\n}}\n")

    def expected(self):
        xs = [torch.tensor(v, requires_grad=self.has_grad(i)) for i, v in enumerate(self.inputs)]
        y = self.fn(*xs)
        (y * torch.tensor(self.dy)).sum().backward()
        return [x.grad.numpy() for i, x in enumerate(xs) if self.has_grad(i)]

    def has_grad(self, i):
        return i not in self.labels and i not in self.nograd


def unary(name, fn, positive=False, attrs=""):
    return Case(name, f"res.{name.split('_')[0]} %a0 {attrs}: {t([3, 4])}", [[3, 4]], fn, [3, 4], positive=positive)


def binary(name, fn, sa, sb, so):
    return Case(name, f"res.{name.split('_')[0]} %a0, %a1 : {t(sa)}, {t(sb)} -> {t(so)}", [sa, sb], fn, so)


def fun(name, body, shapes, fn, out, **kw):
    ins = ", ".join(t(s) if i not in kw.get("labels", ()) else ti(s) for i, s in enumerate(shapes))
    return Case(name, body.format(ins=ins, out=t(out)), shapes, fn, out, **kw)


CASES = [
    binary("add", torch.add, [3, 4], [4], [3, 4]),
    binary("sub", torch.sub, [3, 1], [4], [3, 4]),
    binary("mul", torch.mul, [2, 3, 4], [3, 1], [2, 3, 4]),
    binary("div", torch.div, [3, 4], [], [3, 4]),
    Case("residual_add", f"res.residual_add %a0, skip %a1 : {t([3, 4])}", [[3, 4], [3, 4]], torch.add, [3, 4]),
    unary("neg", torch.neg),
    unary("relu", torch.relu),
    unary("gelu", F.gelu),
    unary("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), attrs='{approximate = "tanh"} '),
    unary("silu", F.silu),
    unary("tanh", torch.tanh),
    unary("sigmoid", torch.sigmoid),
    unary("exp", torch.exp),
    unary("log", torch.log, positive=True),
    unary("sqrt", torch.sqrt, positive=True),
    unary("dropout", lambda x: x, attrs="{p = 0.25 : f64} "),
    fun("softmax", "res.softmax %a0 dim 1 : {out}", [[3, 5]], lambda x: torch.softmax(x, 1), [3, 5]),
    fun("log_softmax", "res.log_softmax %a0 dim 0 : {out}", [[3, 5]], lambda x: torch.log_softmax(x, 0), [3, 5]),
    fun("mean", "res.mean %a0 {{dims = array<i64: 1, 2>}} : {ins} -> {out}", [[2, 3, 4]], lambda x: x.mean((1, 2)), [2]),
    fun("mean_keepdim", "res.mean %a0 {{dims = array<i64: 0>, keepdim = true}} : {ins} -> {out}", [[3, 4]],
        lambda x: x.mean(0, keepdim=True), [1, 4]),
    fun("sum_all", "res.sum %a0 : {ins} -> {out}", [[3, 4]], lambda x: x.sum(), []),
    fun("reshape", "res.reshape %a0 [4, -1] : {ins} -> {out}", [[2, 3, 2]], lambda x: x.reshape(4, -1), [4, 3]),
    fun("transpose", "res.transpose %a0 dims 0, 2 : {ins} -> {out}", [[2, 3, 4]], lambda x: x.transpose(0, 2), [4, 3, 2]),
    fun("concat", "res.concat %a0, %a1 dim 1 : ({ins}) -> {out}", [[2, 3], [2, 2]], lambda a, b: torch.cat([a, b], 1), [2, 5]),
    fun("slice", "res.slice %a0 dim 1 offset 1 size 2 : {ins} -> {out}", [[2, 4, 3]], lambda x: x[:, 1:3], [2, 2, 3]),
    fun("split_dim", "res.split_dim %a0 dim 1 into 2 : {ins} -> {out}", [[3, 6, 2]],
        lambda x: x.unflatten(1, (2, 3)), [3, 2, 3, 2]),
    fun("merge_dims", "res.merge_dims %a0 dim 1 : {ins} -> {out}", [[3, 2, 4, 2]],
        lambda x: x.flatten(1, 2), [3, 8, 2]),
    fun("causal_mask", "res.causal_mask %a0 {{fill = 0xFFF0000000000000 : f64}} : {out}", [[2, 4, 4]],
        lambda x: x.masked_fill(torch.ones(4, 4, dtype=torch.bool).triu(1), float("-inf")), [2, 4, 4]),
    fun("linear", "res.linear %a0, %a1, %a2 : ({ins}) -> {out}", [[3, 5], [4, 5], [4]], F.linear, [3, 4]),
    fun("linear_3d", "res.linear %a0, %a1, %a2 : ({ins}) -> {out}", [[2, 3, 5], [4, 5], [4]], F.linear, [2, 3, 4]),
    fun("linear_1d", "res.linear %a0, %a1 : ({ins}) -> {out}", [[5], [4, 5]], F.linear, [4]),
    fun("matmul", "res.matmul %a0, %a1 : ({ins}) -> {out}", [[3, 5], [5, 4]], torch.matmul, [3, 4]),
    fun("matmul_batch", "res.matmul %a0, %a1 : ({ins}) -> {out}", [[2, 1, 3, 5], [4, 5, 2]], torch.matmul, [2, 4, 3, 2]),
    fun("matmul_vec_mat", "res.matmul %a0, %a1 : ({ins}) -> {out}", [[5], [2, 5, 4]], torch.matmul, [2, 4]),
    fun("matmul_mat_vec", "res.matmul %a0, %a1 : ({ins}) -> {out}", [[2, 3, 5], [5]], torch.matmul, [2, 3]),
    fun("matmul_dot", "res.matmul %a0, %a1 : ({ins}) -> {out}", [[5], [5]], torch.matmul, []),
    fun("cross_entropy", "res.cross_entropy %a0, %a1 : ({ins}) -> {out}", [[4, 6], [4]], F.cross_entropy, [],
        labels=[1], classes=6),
    fun("cross_entropy_3d", "res.cross_entropy %a0, %a1 : ({ins}) -> {out}", [[2, 3, 6], [2, 3]],
        lambda x, y: F.cross_entropy(x.reshape(-1, 6), y.reshape(-1)), [], labels=[1], classes=6),
    fun("mse", "res.mse %a0, %a1 : ({ins}) -> {out}", [[3, 4], [3, 4]], F.mse_loss, []),
    # The layers (NNGrad.cpp): conv2d with stride, padding, bias; grouped and
    # dilated; padding beyond the kernel's reach; a stride that skips rows.
    fun("conv2d", "res.conv2d %a0, %a1, %a2 {{stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}} "
        ": ({ins}) -> {out}", [[2, 3, 7, 7], [4, 3, 3, 3], [4]],
        lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [2, 4, 4, 4]),
    fun("conv2d_groups", "res.conv2d %a0, %a1 {{padding = array<i64: 2, 1>, dilation = array<i64: 2, 1>, "
        "groups = 2 : i64}} : ({ins}) -> {out}", [[2, 4, 9, 8], [6, 2, 3, 2]],
        lambda x, w: F.conv2d(x, w, padding=(2, 1), dilation=(2, 1), groups=2), [2, 6, 9, 9]),
    fun("conv2d_wide_pad", "res.conv2d %a0, %a1 {{stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}} "
        ": ({ins}) -> {out}", [[1, 2, 5, 5], [3, 2, 1, 1]],
        lambda x, w: F.conv2d(x, w, stride=2, padding=1), [1, 3, 4, 4]),
    fun("conv2d_skip", "res.conv2d %a0, %a1 {{stride = array<i64: 3, 3>}} : ({ins}) -> {out}",
        [[1, 2, 8, 8], [2, 2, 2, 2]], lambda x, w: F.conv2d(x, w, stride=3), [1, 2, 3, 3]),
    fun("max_pool2d", "res.max_pool2d %a0 {{kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, "
        "padding = array<i64: 1, 1>}} : {ins} -> {out}", [[2, 3, 7, 7]],
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [2, 3, 4, 4]),
    fun("avg_pool2d", "res.avg_pool2d %a0 {{kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, "
        "padding = array<i64: 1, 1>}} : {ins} -> {out}", [[2, 3, 6, 6]],
        lambda x: F.avg_pool2d(x, 2, stride=2, padding=1), [2, 3, 4, 4]),
    fun("avg_pool2d_overlap", "res.avg_pool2d %a0 {{kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, "
        "padding = array<i64: 1, 1>}} : {ins} -> {out}", [[2, 2, 5, 5]],
        lambda x: F.avg_pool2d(x, 3, stride=1, padding=1), [2, 2, 5, 5]),
    fun("embedding", "res.embedding %a0, %a1 : ({ins}) -> {out}", [[3, 4], [6, 5]],
        lambda i, w: F.embedding(i, w), [3, 4, 5], labels=[0], classes=6),
    fun("embedding_scalar", "res.embedding %a0, %a1 : ({ins}) -> {out}", [[], [6, 5]],
        lambda i, w: F.embedding(i, w), [5], labels=[0], classes=6),
    fun("layer_norm", "res.layer_norm %a0, %a1, %a2 : ({ins}) -> {out}", [[3, 4, 6], [6], [6]],
        lambda x, w, b: F.layer_norm(x, [6], w, b), [3, 4, 6]),
    fun("batch_norm_train", "res.batch_norm %a0, %a1, %a2, %a3, %a4 {{training = true}} : ({ins}) -> {out}",
        [[4, 3, 5, 5], [3], [3], [3], [3]],
        lambda x, w, b, m, v: F.batch_norm(x, m.clone(), v.clone(), w, b, training=True),
        [4, 3, 5, 5], nograd=[3, 4], positive_operands=[4]),
    fun("batch_norm_eval", "res.batch_norm %a0, %a1, %a2, %a3, %a4 : ({ins}) -> {out}",
        [[4, 3, 5, 5], [3], [3], [3], [3]],
        lambda x, w, b, m, v: F.batch_norm(x, m, v, w, b, training=False),
        [4, 3, 5, 5], nograd=[3, 4], positive_operands=[4]),
]


def dense(v, integer=False):
    if v.ndim == 0:
        return repr(int(v) if integer else float(v))
    return "[" + ", ".join(dense(x, integer) for x in v) + "]"


def main():
    res_opt = sys.argv[1]
    runner = shutil.which("mlir-runner")
    libdir = os.path.join(os.path.dirname(os.path.realpath(runner)), "..", "lib")
    libs = ",".join(os.path.join(libdir, f"lib{n}.so") for n in ["mlir_runner_utils", "mlir_c_runner_utils"])

    vjps = subprocess.run([res_opt, "--res-test-vjp"], input="".join(c.func() for c in CASES),
                          capture_output=True, text=True, check=True).stdout
    body = vjps.rstrip()
    assert body.endswith("}")
    calls = []
    for c in CASES:
        args = []
        for i, (v, ty) in enumerate(zip(c.inputs, c.types())):
            calls.append(f"  %{c.name}_{i} = arith.constant dense<{dense(v, i in c.labels)}> : {ty}")
            args.append(f"%{c.name}_{i}")
        calls.append(f"  %{c.name}_dy = arith.constant dense<{dense(c.dy)}> : {t(c.out_shape)}")
        args.append(f"%{c.name}_dy")
        grads = [s for i, s in enumerate(c.shapes) if c.has_grad(i)]
        res = ", ".join(f"%{c.name}_g{j}" for j in range(len(grads)))
        calls.append(f"  {res} = call @vjp_{c.name}({', '.join(args)}) : "
                     f"({', '.join(c.types() + [t(c.out_shape)])}) -> ({', '.join(t(s) for s in grads)})")
        for j, s in enumerate(grads):
            m = "memref<" + "".join(f"{d}x" for d in s) + "f64>"
            calls.append(f"  %{c.name}_m{j} = bufferization.to_buffer %{c.name}_g{j} : {t(s)} to {m}")
            calls.append(f"  %{c.name}_u{j} = memref.cast %{c.name}_m{j} : {m} to memref<*xf64>")
            calls.append(f"  call @printMemrefF64(%{c.name}_u{j}) : (memref<*xf64>) -> ()")
    module = (body[:-1] + "  func.func private @printMemrefF64(memref<*xf64>)\n"
              "  func.func @main() {\n" + "\n".join(calls) + "\n  return\n  }\n}\n")

    pipeline = ("builtin.module(res-convert-to-linalg, one-shot-bufferize{bufferize-function-boundaries "
                "function-boundary-type-conversion=identity-layout-map}, canonicalize, cse, "
                "func.func(convert-linalg-to-loops), lower-affine, convert-scf-to-cf, "
                "expand-strided-metadata, lower-affine, finalize-memref-to-llvm, convert-math-to-llvm, "
                "convert-math-to-libm, convert-arith-to-llvm, convert-index-to-llvm, convert-cf-to-llvm, "
                "convert-func-to-llvm, convert-ub-to-llvm, reconcile-unrealized-casts)")
    lowered = subprocess.run([res_opt, f"--pass-pipeline={pipeline}"], input=module,
                             capture_output=True, text=True)
    if lowered.returncode:
        sys.exit("lowering failed:\n" + lowered.stderr)
    llvm = lowered.stdout
    out = subprocess.run([runner, "-e", "main", "-entry-point-result=void", f"-shared-libs={libs}"],
                         input=llvm, capture_output=True, text=True, check=True).stdout

    printed = out.split("Unranked Memref")[1:]
    number = re.compile(r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf)")
    failures = 0
    for c in CASES:
        for j, want in enumerate(c.expected()):
            data = printed.pop(0).split("data =", 1)[1]
            got = np.array([float(x) for x in number.findall(data)]).reshape(want.shape)
            err = np.max(np.abs(got - want)) if want.size else 0.0
            ok = np.allclose(got, want, rtol=1e-5, atol=1e-6)
            failures += not ok
            rel = err / max(float(np.max(np.abs(want))), 1e-30) if want.size else 0.0
            print(f"{'ok' if ok else 'FAIL'} vjp_{c.name} operand {j}: max abs error {err:.1e} (rel {rel:.1e})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
