//===- ResOps.h - Operations of the res dialect -----------------*- C++ -*-===//
//
// Declares the ops of the `res` dialect (res::LinearOp, res::RepeatOp, ...).
//
//===----------------------------------------------------------------------===//

#ifndef RES_RESOPS_H
#define RES_RESOPS_H

#include "res/ResDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
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
    return ConcreteType::inferReturnTypes(
        op->getContext(), op->getLoc(), op->getOperands(),
        op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
        op->getRegions(), inferred);
  }
};
} // namespace OpTrait
} // namespace res

#define GET_OP_CLASSES
#include "res/ResOps.h.inc"

#endif // RES_RESOPS_H
