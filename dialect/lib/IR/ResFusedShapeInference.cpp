//===- ResFusedShapeInference.cpp - result types of the fused ops ---------===//
//
// A fused contraction has the type of the contraction it extends, made as
// static as the addend allows; the addend must match it exactly (the fusion
// never broadcasts).
//
//===----------------------------------------------------------------------===//

#include "ShapeUtils.h"
#include "res/ResOps.h"

using namespace mlir;
using namespace res;
using namespace res::shape;

/// `contraction` refined by `addend`, or an error naming both shapes.
static LogicalResult withAddend(std::optional<Location> loc, StringRef name,
                                FailureOr<RankedTensorType> contraction, Value addendValue,
                                SmallVectorImpl<Type> &inferred) {
  if (failed(contraction))
    return failure();
  auto addend = getRanked(loc, name, addendValue, "addend");
  if (failed(addend) ||
      failed(checkElementType(loc, name, *contraction, "product", *addend, "addend")))
    return failure();
  auto shape = mergeExactShapes(*contraction, *addend, [&] {
    return opError(loc, name, "addend ", q(*addend), " does not match the product ",
                   q(*contraction));
  });
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(*shape, contraction->getElementType()));
  return success();
}

LogicalResult FusedLinearOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  return withAddend(loc, name,
                    inferLinearResult(loc, name, adaptor.getInput(), adaptor.getWeight(),
                                      adaptor.getBias()),
                    adaptor.getAddend(), inferred);
}

LogicalResult FusedMatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  for (auto [v, what] : {std::pair{adaptor.getLhs(), "lhs"}, {adaptor.getRhs(), "rhs"}}) {
    auto t = getRanked(loc, name, v, what);
    if (failed(t))
      return failure();
    if (t->getRank() < 2)
      return opError(loc, name, what, " must have rank >= 2, got ", q(*t));
  }
  return withAddend(loc, name, inferMatmulResult(loc, name, adaptor.getLhs(), adaptor.getRhs()),
                    adaptor.getAddend(), inferred);
}
