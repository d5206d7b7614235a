//===- ResInterfaces.td - Interfaces of the res dialect ----*- tablegen -*-===//
//
// GradientOpInterface: each differentiable op writes its own vector-Jacobian
// product in res ops, so that res-derive-backward needs no switch over op
// kinds (like Enzyme-MLIR's ReverseAutoDiffOpInterface).
//
//===----------------------------------------------------------------------===//

#ifndef RES_INTERFACES_TD
#define RES_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Res_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::res";
  let description = [{
    An op that can emit its vector-Jacobian product (VJP) in `res` ops.

    Reverse-mode differentiation (`res-derive-backward`) clones the primal
    ops, walks them in reverse and calls `buildVJP` on each: given the
    adjoint `dy` of every result, the op emits the adjoints `dx_i = J_i^T dy`
    of its operands, using its own operands and results as the primal
    values. Where an operand feeds several ops, the pass sums the adjoints.

    Operand adjoints always have the operand's exact type: an operand that
    was broadcast gets its adjoint summed back to its own shape
    (`res.reduce_to`). Integer operands (labels, indices) get no adjoint.
    The formulas are in the descriptions of the gradient ops
    (`res.relu_grad`, `res.softmax_grad`, `res.cross_entropy_grad`, ...)
    and in dialect/lib/Gradients/.
  }];
  let methods = [
    InterfaceMethod<[{
        Emits, at the builder's insertion point, the vector-Jacobian product
        of this op: given the adjoint of each result (`resultGrads`, same
        types as the results) fills `operandGrads` (resized to the number of
        operands) with the adjoint of each operand i for which `needed[i]`
        is true (same type as operand i), or a null Value where the operand
        gets no gradient (integer operands, not needed). Uses only res ops
        (and the op's own operands/results, which are the primal values).
      }],
      "::mlir::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultGrads,
           "::llvm::ArrayRef<bool>":$needed,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>
  ];
}

#endif // RES_INTERFACES_TD
