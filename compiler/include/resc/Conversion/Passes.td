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

#endif // RESC_CONVERSION_PASSES
