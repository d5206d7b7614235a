//===- Passes.td - res to linalg conversion ----------------*- tablegen -*-===//

#ifndef RESC_CONVERSION_PASSES
#define RESC_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ResConvertToLinalg : Pass<"res-convert-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower res ops to linalg, tensor, arith, math and scf on tensors";
  let description = [{
    Rewrites every `res` op into upstream dialects on tensors, one pattern
    per op, grouped by family (elementwise, contraction, reduction, shape,
    loss, repeat). Broadcasting becomes indexing maps of `linalg.generic`;
    `res.repeat` becomes an `scf.for` whose body slices the stacked
    parameters, so the code stays one loop however deep the network is.
    Ops without a lowering yet are reported at their source location.

    Example:
    ```mlir
    %y = res.relu %x : tensor<?x512xf32>
    ```
    becomes a `linalg.generic` over `%x` computing `arith.maximumf(x, 0)`.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect"
  ];
}

def ResExpandShapeToCast : Pass<"res-expand-shape-to-cast"> {
  let summary = "Rewrite memref.expand_shape with several dynamic sizes per group";
  let description = [{
    MLIR 22's `expand-strided-metadata` crashes (a null size in
    `memref.reinterpret_cast`'s builder) on a `memref.expand_shape` that
    splits one dimension into two or more dynamic ones, such as
    `[N * T, C] -> [N, T, C]` in the adjoint of a rank-3 cross-entropy.
    This pass, run just before it, rewrites exactly those expansions into
    `memref.extract_strided_metadata` + `memref.reinterpret_cast`: within a
    group the innermost new dimension keeps the source dimension's stride
    and each outer one is the next stride times the next size. Other
    expansions are left to the upstream pass.

    Example:
    ```mlir
    %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%n, %t, 16]
        : memref<?x16xf32> into memref<?x?x16xf32>
    ```
    becomes
    ```mlir
    %base, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %a
    %s0 = arith.muli %t, %strides#0 : index
    %e = memref.reinterpret_cast %base to offset: [%offset], sizes: [%n, %t, 16],
        strides: [%s0, %strides#0, 1] : memref<f32> to memref<?x?x16xf32>
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def ResCopyToLinalg : Pass<"res-copy-to-linalg"> {
  let summary = "Turn memref.copy into linalg.copy so copies become loops";
  let description = [{
    After bufferization, copies between buffers with strided layouts (a
    slice of a stacked parameter, a transposed view) are `memref.copy` ops,
    which the LLVM lowering turns into calls to `memrefCopy` from MLIR's
    C runner library. The generated library must depend on libc, libm and libomp
    only, so this pass rewrites every such `memref.copy` into `linalg.copy`,
    which `convert-linalg-to-loops` lowers like any other linalg op. Copies
    between contiguous buffers (identity layouts, or static contiguous
    views) stay `memref.copy`: they lower to the memcpy intrinsic, which is
    faster than a scalar loop (ResMLP train_step, batch 32: 28.2 -> 23.8 ms).

    Example:
    ```mlir
    memref.copy %a, %b : memref<4x8xf32, strided<[8, 1], offset: ?>> to memref<4x8xf32>
    ```
    becomes `linalg.copy ins(%a : ...) outs(%b : ...)`.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def ResVectorizeCopies : Pass<"res-vectorize-copies"> {
  let summary = "Strided copies with a static contiguous inner run as vector loads and stores";
  let description = [{
    Bufferization leaves `memref.copy` between strided views: an image
    copied into its zero-padded grid (rows of 28 floats 30 apart), a
    convolution result taken out of it, an image's slice of a batch.
    `res-copy-to-linalg` would make them scalar loops, which LLVM fully
    unrolls but does not vectorize (the two views may alias): in ResNet8's
    train_step such copies took 10% of the step. This pass, run before
    it, rewrites a copy whose innermost dims are contiguous in both views
    with a static run of at least two elements into loops over the outer
    dims around `vector.load`/`vector.store` of the run, in pieces of one
    512-bit register and a smaller remainder (runs up to 256 elements are
    unrolled; longer ones are a loop of whole registers plus the
    remainder). Copies between two contiguous buffers stay `memref.copy`
    (the memcpy intrinsic); the rest are left to `res-copy-to-linalg`.

    Example:
    ```mlir
    memref.copy %a, %b : memref<?x28xf32, strided<[28, 1]>>
                      to memref<?x28xf32, strided<[30, 1], offset: 31>>
    ```
    becomes
    ```mlir
    scf.for %i = %c0 to %n step %c1 {
      %v0 = vector.load %a[%i, %c0] : ..., vector<16xf32>
      vector.store %v0, %b[%i, %c0] : ..., vector<16xf32>
      %v1 = vector.load %a[%i, %c16] : ..., vector<12xf32>
      vector.store %v1, %b[%i, %c16] : ..., vector<12xf32>
    }
    ```
  }];
  let dependentDialects = [
    "mlir::vector::VectorDialect", "mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
    "mlir::memref::MemRefDialect"
  ];
}

#endif // RESC_CONVERSION_PASSES
