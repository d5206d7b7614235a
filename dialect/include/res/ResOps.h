//===- ResOps.h - Operations of the res dialect -----------------*- C++ -*-===//
//
// Declares the ops of the `res` dialect (res::LinearOp, res::RepeatOp, ...).
//
//===----------------------------------------------------------------------===//

#ifndef RES_RESOPS_H
#define RES_RESOPS_H

#include "res/ResDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace res {
namespace detail {
/// True if the declared result types `declared` may stand for the inferred
/// ones `inferred` (or the reverse): same number, ranked tensors with equal
/// element types and ranks, and equal sizes wherever both are static.
bool areCompatibleReturnTypes(mlir::TypeRange inferred,
                              mlir::TypeRange declared);
} // namespace detail

namespace OpTrait {
/// Verifies an op by running its shape inference, which reports what is
/// wrong at the op's location. Listed before InferTypeOpInterface so that
/// the interface's generic "failed to infer returned types" never follows.
template <typename ConcreteType>
class ShapeChecked
    : public mlir::OpTrait::TraitBase<ConcreteType, ShapeChecked> {
public:
  static mlir::LogicalResult verifyTrait(mlir::Operation *op) {
    llvm::SmallVector<mlir::Type> inferred;
    if (mlir::failed(ConcreteType::inferReturnTypes(
            op->getContext(), op->getLoc(), op->getOperands(),
            op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
            op->getRegions(), inferred)))
      return mlir::failure();
    if (!ConcreteType::isCompatibleReturnTypes(inferred, op->getResultTypes()))
      return op->emitOpError("result type(s) ")
             << op->getResultTypes() << " do not match the inferred type(s) "
             << inferred;
    return mlir::success();
  }
};
} // namespace OpTrait
} // namespace res

/// res::GradientOpInterface: the vector-Jacobian product of an op, in res
/// ops (ResInterfaces.td; implementations in dialect/lib/Gradients/).
#include "res/ResInterfaces.h.inc"

#define GET_OP_CLASSES
#include "res/ResOps.h.inc"

namespace res {
/// Creates an `OpTy` whose result types are inferred, like
/// `OpTy::create(builder, loc, args...)`, but returns failure (after the
/// shape error was reported at `loc`) instead of aborting when the operands
/// do not fit. `args` are those of OpTy's builders without result types,
/// e.g. `createChecked<LinearOp>(b, loc, x, w, bias)`. Not for RepeatOp
/// (whose builder cannot fail).
template <typename OpTy, typename... Args>
mlir::FailureOr<OpTy> createChecked(mlir::OpBuilder &builder,
                                    mlir::Location loc, Args &&...args) {
  mlir::OperationState state(loc, OpTy::getOperationName());
  // The builders taking explicit result types do not run the inference.
  OpTy::build(builder, state, mlir::TypeRange(), std::forward<Args>(args)...);
  llvm::SmallVector<mlir::Type> types;
  if (mlir::failed(OpTy::inferReturnTypes(
          builder.getContext(), loc, state.operands,
          state.attributes.getDictionary(builder.getContext()),
          state.getRawProperties(), state.regions, types)))
    return mlir::failure();
  state.addTypes(types);
  return llvm::cast<OpTy>(builder.create(state));
}
} // namespace res

#endif // RES_RESOPS_H
