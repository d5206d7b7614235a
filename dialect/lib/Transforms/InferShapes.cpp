//===- InferShapes.cpp - Refine result types through InferTypeOpInterface -===//
//
// res-infer-shapes: asks every op implementing InferTypeOpInterface for its
// result types given its current operands (in program order), refines the
// result types that became more static, and updates function signatures.
//
//===----------------------------------------------------------------------===//

#include "res/Passes.h"
#include "res/ResOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace res {
#define GEN_PASS_DEF_RESINFERSHAPES
#include "res/Passes.h.inc"
} // namespace res

using namespace mlir;
using namespace res;

namespace {

/// The more static of two compatible types: each dimension that is static in
/// either becomes static. Returns `current` if they cannot be joined.
Type refine(Type current, Type inferred) {
  auto c = dyn_cast<RankedTensorType>(current);
  auto i = dyn_cast<RankedTensorType>(inferred);
  if (!c || !i || c.getRank() != i.getRank() ||
      c.getElementType() != i.getElementType())
    return current;
  SmallVector<int64_t> shape;
  for (auto [a, b] : llvm::zip_equal(c.getShape(), i.getShape())) {
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b)
      return current;
    shape.push_back(ShapedType::isDynamic(a) ? b : a);
  }
  return RankedTensorType::get(shape, c.getElementType(), c.getEncoding());
}

/// Gives `value` the type `type`. Users outside the res dialect may require
/// the exact old type (func.call, tensor ops, ...): they get a tensor.cast
/// back to it, except the function's return when its signature is updated.
void setType(Value value, Type type, bool keepReturns) {
  Type old = value.getType();
  if (old == type)
    return;
  value.setType(type);
  SmallVector<OpOperand *> strictUses;
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    if (isa<ResDialect>(user->getDialect()) ||
        (!keepReturns && isa<func::ReturnOp>(user)))
      continue;
    strictUses.push_back(&use);
  }
  if (strictUses.empty())
    return;
  OpBuilder builder(value.getContext());
  builder.setInsertionPointAfterValue(value);
  Value cast = tensor::CastOp::create(builder, value.getLoc(), old, value);
  for (OpOperand *use : strictUses)
    use->set(cast);
}

/// Refines the results of `op`; fails (after the op reported why) if its
/// operands no longer admit any result type.
LogicalResult refineResults(InferTypeOpInterface op, bool keepReturns) {
  Operation *operation = op.getOperation();
  SmallVector<Type> inferred;
  if (failed(op.inferReturnTypes(
          operation->getContext(), operation->getLoc(),
          operation->getOperands(), operation->getDiscardableAttrDictionary(),
          operation->getPropertiesStorage(), operation->getRegions(),
          inferred)))
    return failure();
  if (inferred.size() != operation->getNumResults())
    return operation->emitOpError("inferred ")
           << inferred.size() << " result types for "
           << operation->getNumResults() << " results";
  for (auto [result, type] : llvm::zip_equal(operation->getResults(), inferred))
    setType(result, refine(result.getType(), type), keepReturns);
  // The carried block arguments of a repeat follow its (refined) inits.
  if (auto repeat = dyn_cast<RepeatOp>(operation))
    for (auto [arg, init] :
         llvm::zip_equal(repeat.getCarriedArgs(), repeat.getInits()))
      setType(arg, refine(arg.getType(), init.getType()), keepReturns);
  return success();
}

struct ResInferShapes : res::impl::ResInferShapesBase<ResInferShapes> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      // A function called in the module keeps its signature (its call
      // sites would no longer type-check); values it returns are cast back.
      bool keepSignature = !SymbolTable::symbolKnownUseEmpty(func, module);
      // Pre-order: an op is refined before the ops nested in its regions,
      // so a repeat's block arguments are refined before its body.
      WalkResult walk = func.walk<WalkOrder::PreOrder>([&](Operation *op) {
        auto iface = dyn_cast<InferTypeOpInterface>(op);
        if (iface && failed(refineResults(iface, keepSignature)))
          return WalkResult::interrupt();
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return signalPassFailure();
      if (!keepSignature)
        updateSignature(func);
    }
  }

  /// Sets the function's result types to the types it returns.
  void updateSignature(func::FuncOp func) {
    auto returns = llvm::to_vector(func.getBody().getOps<func::ReturnOp>());
    if (returns.size() != 1)
      return;
    auto resultTypes = llvm::to_vector(returns.front().getOperandTypes());
    func.setFunctionType(FunctionType::get(
        func.getContext(), func.getArgumentTypes(), resultTypes));
  }
};

} // namespace
