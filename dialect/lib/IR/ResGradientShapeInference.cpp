//===- ResGradientShapeInference.cpp - Result types of gradient ops -------===//
//
// InferTypeOpInterface and verifiers of the ops in ResGradientOps.td. The
// activation and softmax adjoints have their operands' type (ODS derives it
// from SameOperandsAndResultType); only their attributes are checked here.
//
//===----------------------------------------------------------------------===//

#include "res/ResOps.h"

#include "ShapeUtils.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace res;
using namespace res::shape;

//===----------------------------------------------------------------------===//
// reduce_to and broadcast_to
//===----------------------------------------------------------------------===//

LogicalResult ReduceToOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto g = getRanked(loc, name, adaptor.getGrad(), "grad");
  auto like = getRanked(loc, name, adaptor.getLike(), "like");
  if (failed(g) || failed(like) ||
      failed(checkElementType(loc, name, *g, "grad", *like, "like")))
    return failure();
  int64_t offset = g->getRank() - like->getRank();
  bool ok = offset >= 0;
  for (int64_t j = 0; ok && j < like->getRank(); ++j) {
    int64_t dl = like->getDimSize(j), dg = g->getDimSize(j + offset);
    ok = dl == 1 || compatible(dl, dg);
  }
  if (!ok)
    return opError(loc, name, "like ", q(*like), " does not broadcast to grad ",
                   q(*g));
  inferred.push_back(*like);
  return success();
}

LogicalResult BroadcastToOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto g = getRanked(loc, name, adaptor.getGrad(), "grad");
  auto like = getRanked(loc, name, adaptor.getLike(), "like");
  if (failed(g) || failed(like) ||
      failed(checkElementType(loc, name, *g, "grad", *like, "like")))
    return failure();
  auto reduced =
      reducedDims(loc, name, adaptor.getDims(), *like, "like");
  if (failed(reduced))
    return failure();
  // grad must have like's shape reduced over dims.
  SmallVector<int64_t> expected;
  for (auto [i, size] : llvm::enumerate(like->getShape())) {
    if (!(*reduced)[i])
      expected.push_back(size);
    else if (adaptor.getKeepdim())
      expected.push_back(1);
  }
  bool match = g->getRank() == static_cast<int64_t>(expected.size());
  for (int64_t i = 0; match && i < g->getRank(); ++i)
    match = compatible(g->getDimSize(i), expected[i]);
  if (!match)
    return opError(loc, name, "grad ", q(*g), " is not like ", q(*like),
                   " reduced over the dims (expected ",
                   q(RankedTensorType::get(expected, like->getElementType())),
                   ")");
  inferred.push_back(*like);
  return success();
}

//===----------------------------------------------------------------------===//
// Activations and softmax (type from SameOperandsAndResultType)
//===----------------------------------------------------------------------===//

LogicalResult GeluGradOp::verify() {
  StringRef approximate = getApproximate();
  if (approximate != "none" && approximate != "tanh")
    return emitOpError("approximate must be \"none\" or \"tanh\", got \"")
           << approximate << "\"";
  return success();
}

template <typename OpTy>
static LogicalResult verifySoftmaxLikeGrad(OpTy op) {
  int64_t dim = op.getDimAttr().getInt();
  auto type = cast<RankedTensorType>(op.getOutput().getType());
  if (dim < 0 || dim >= type.getRank())
    return op.emitOpError("dim ")
           << dim << " is out of range for output " << q(type) << " of rank "
           << type.getRank();
  return success();
}

LogicalResult SoftmaxGradOp::verify() { return verifySoftmaxLikeGrad(*this); }
LogicalResult LogSoftmaxGradOp::verify() {
  return verifySoftmaxLikeGrad(*this);
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

/// Checks that the loss adjoint `grad` is a rank-0 tensor of `ref`'s
/// element type.
static LogicalResult checkLossGrad(std::optional<Location> loc, StringRef name,
                                   Value grad, RankedTensorType ref,
                                   StringRef refName) {
  auto g = getRanked(loc, name, grad, "grad");
  if (failed(g) || failed(checkElementType(loc, name, ref, refName, *g, "grad")))
    return failure();
  if (g->getRank() != 0)
    return opError(loc, name, "grad must be a rank-0 tensor (the adjoint of "
                   "the loss), got ", q(*g));
  return success();
}

LogicalResult CrossEntropyGradOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto logits = checkCrossEntropyOperands(loc, name, adaptor.getLogits(),
                                          adaptor.getLabels());
  if (failed(logits))
    return failure();
  if (failed(checkLossGrad(loc, name, adaptor.getGrad(), *logits, "logits")))
    return failure();
  inferred.push_back(*logits);
  return success();
}

LogicalResult MseGradOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = checkMseOperands(loc, name, adaptor.getInput(), adaptor.getTarget());
  if (failed(x))
    return failure();
  if (failed(checkLossGrad(loc, name, adaptor.getGrad(), *x, "input")))
    return failure();
  inferred.push_back(*x);
  return success();
}

//===----------------------------------------------------------------------===//
// linear_weight_grad and slice
//===----------------------------------------------------------------------===//

LogicalResult LinearWeightGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto g = getRanked(loc, name, adaptor.getGrad(), "grad");
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  if (failed(g) || failed(x) ||
      failed(checkElementType(loc, name, *x, "input", *g, "grad")))
    return failure();
  if (g->getRank() < 1 || x->getRank() < 1)
    return opError(loc, name, "grad and input must have rank >= 1 ([..., out] "
                   "and [..., in]), got ", q(*g), " and ", q(*x));
  bool match = g->getRank() == x->getRank();
  for (int64_t i = 0; match && i + 1 < g->getRank(); ++i)
    match = compatible(g->getDimSize(i), x->getDimSize(i));
  if (!match)
    return opError(loc, name, "grad ", q(*g), " and input ", q(*x),
                   " must have the same leading dimensions");
  inferred.push_back(RankedTensorType::get(
      {g->getShape().back(), x->getShape().back()}, x->getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  if (failed(x))
    return failure();
  if (!adaptor.getDimAttr() || !adaptor.getOffsetAttr() ||
      !adaptor.getSizeAttr())
    return opError(loc, name, "requires 'dim', 'offset' and 'size' attributes");
  int64_t dim = adaptor.getDimAttr().getInt();
  int64_t offset = adaptor.getOffsetAttr().getInt();
  int64_t size = adaptor.getSizeAttr().getInt();
  if (failed(checkDimIndex(loc, name, "dim", dim, *x)))
    return failure();
  if (offset < 0 || size < 0)
    return opError(loc, name, "offset ", offset, " and size ", size,
                   " must be non-negative");
  int64_t extent = x->getDimSize(dim);
  if (!isDyn(extent) && offset + size > extent)
    return opError(loc, name, "slice [", offset, ", ", offset + size,
                   ") is out of range for dimension ", dim, " of input ",
                   q(*x), " of size ", extent);
  SmallVector<int64_t> shape(x->getShape());
  shape[dim] = size;
  inferred.push_back(RankedTensorType::get(shape, x->getElementType()));
  return success();
}

LogicalResult SliceGradOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto g = getRanked(loc, name, adaptor.getGrad(), "grad");
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  if (failed(g) || failed(x) ||
      failed(checkElementType(loc, name, *x, "input", *g, "grad")))
    return failure();
  if (!adaptor.getDimAttr() || !adaptor.getOffsetAttr())
    return opError(loc, name, "requires 'dim' and 'offset' attributes");
  int64_t dim = adaptor.getDimAttr().getInt();
  int64_t offset = adaptor.getOffsetAttr().getInt();
  if (failed(checkDimIndex(loc, name, "dim", dim, *x)))
    return failure();
  bool match = g->getRank() == x->getRank();
  for (int64_t i = 0; match && i < g->getRank(); ++i)
    match = i == dim || compatible(g->getDimSize(i), x->getDimSize(i));
  if (!match)
    return opError(loc, name, "grad ", q(*g), " and input ", q(*x),
                   " must agree in every dimension but ", dim);
  int64_t size = g->getDimSize(dim), extent = x->getDimSize(dim);
  if (offset < 0 || (!isDyn(size) && !isDyn(extent) && offset + size > extent))
    return opError(loc, name, "slice at offset ", offset, " of ", q(*g),
                   " does not fit in dimension ", dim, " of input ", q(*x));
  inferred.push_back(*x);
  return success();
}
