//===- VJPBuilder.cpp - Helper for writing vector-Jacobian products -------===//

#include "VJPBuilder.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace res;
using namespace res::grad;

VJPBuilder::VJPBuilder(Operation *op, OpBuilder &builder,
                       ValueRange resultGrads, ArrayRef<bool> needed,
                       SmallVectorImpl<Value> &operandGrads)
    : op(op), b(builder), needed(needed),
      operandGrads(operandGrads) {
  operandGrads.assign(op->getNumOperands(), Value());
  if (resultGrads.size() != op->getNumResults()) {
    (void)fail("buildVJP expects " + Twine(op->getNumResults()) +
               " result adjoint(s), got " + Twine(resultGrads.size()));
    return;
  }
  for (auto [g, result] : llvm::zip_equal(resultGrads, op->getResults()))
    grads.push_back(g ? asTypeOf(g, result) : Value());
}

bool VJPBuilder::needs(unsigned i) const {
  if (i >= needed.size() || !needed[i] || i >= op->getNumOperands())
    return false;
  auto type = dyn_cast<RankedTensorType>(op->getOperand(i).getType());
  return type && isa<FloatType>(type.getElementType());
}

Value VJPBuilder::asTypeOf(Value g, Value like) {
  if (!g || failedFlag)
    return {};
  if (g.getType() == like.getType())
    return g;
  return make<ReduceToOp>(g, like);
}

Value VJPBuilder::scalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  auto attr = DenseElementsAttr::get(type, b.getFloatAttr(elementType, value));
  return make<ConstantOp>(cast<ElementsAttr>(attr));
}

void VJPBuilder::set(unsigned i, Value g) {
  if (!needs(i) || !g || failedFlag)
    return;
  operandGrads[i] = asTypeOf(g, op->getOperand(i));
}

LogicalResult VJPBuilder::fail(const Twine &message) {
  failedFlag = true;
  return op->emitOpError(message);
}
