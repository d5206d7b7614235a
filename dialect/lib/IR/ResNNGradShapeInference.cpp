//===- ResNNGradShapeInference.cpp - Result types of the layer adjoints ---===//
//
// InferTypeOpInterface of the adjoints of conv2d, pooling, embedding and the
// normalisations (ResGradientOps.td). Each checks that `grad` has the shape
// the forward op would produce from the primal operands, by running the
// forward op's own inference, so the two cannot disagree.
//
//===----------------------------------------------------------------------===//

#include "res/ResOps.h"

#include "ShapeUtils.h"

using namespace mlir;
using namespace res;
using namespace res::shape;

LogicalResult res::shape::checkGradLike(std::optional<Location> loc,
                                        StringRef name, Value grad,
                                        RankedTensorType expected,
                                        StringRef of) {
  auto g = getRanked(loc, name, grad, "grad");
  if (failed(g) ||
      failed(checkElementType(loc, name, expected, of, *g, "grad")))
    return failure();
  bool match = g->getRank() == expected.getRank();
  for (int64_t i = 0; match && i < g->getRank(); ++i)
    match = compatible(g->getDimSize(i), expected.getDimSize(i));
  if (!match)
    return opError(loc, name, "grad ", q(*g), " does not have the shape of ",
                   of, " ", q(expected));
  return success();
}

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

LogicalResult Conv2dGradInputOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto y = inferConv2dResult(loc, name, adaptor.getLike(), adaptor.getWeight(),
                             adaptor.getStride(), adaptor.getPadding(),
                             adaptor.getDilation(), adaptor.getGroupsAttr(),
                             "like");
  if (failed(y) || failed(checkGradLike(loc, name, adaptor.getGrad(), *y,
                                        "the convolution's result")))
    return failure();
  inferred.push_back(adaptor.getLike().getType());
  return success();
}

LogicalResult Conv2dGradWeightOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto y = inferConv2dResult(loc, name, adaptor.getInput(), adaptor.getLike(),
                             adaptor.getStride(), adaptor.getPadding(),
                             adaptor.getDilation(), adaptor.getGroupsAttr());
  if (failed(y) || failed(checkGradLike(loc, name, adaptor.getGrad(), *y,
                                        "the convolution's result")))
    return failure();
  inferred.push_back(adaptor.getLike().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

LogicalResult MaxPool2dGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto y = inferPool2dResult(loc, name, adaptor.getInput(),
                             adaptor.getKernelAttr(), adaptor.getStrideAttr(),
                             adaptor.getPadding());
  if (failed(y) || failed(checkGradLike(loc, name, adaptor.getGrad(), *y,
                                        "the pooled result")))
    return failure();
  inferred.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult AvgPool2dGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto y = inferPool2dResult(loc, name, adaptor.getLike(),
                             adaptor.getKernelAttr(), adaptor.getStrideAttr(),
                             adaptor.getPadding(), "like");
  if (failed(y) || failed(checkGradLike(loc, name, adaptor.getGrad(), *y,
                                        "the pooled result")))
    return failure();
  inferred.push_back(adaptor.getLike().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Embedding
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto idx = getRanked(loc, name, adaptor.getIndices(), "indices");
  auto w = getRanked(loc, name, adaptor.getLike(), "like");
  if (failed(idx) || failed(w) ||
      failed(checkRank(loc, name, *w, "like", 2, "[num, d]")))
    return failure();
  if (idx->getRank() < 1)
    return opError(loc, name, "indices must have rank >= 1, got ", q(*idx));
  SmallVector<int64_t> shape(idx->getShape());
  shape.push_back(w->getDimSize(1));
  if (failed(checkGradLike(loc, name, adaptor.getGrad(),
                           RankedTensorType::get(shape, w->getElementType()),
                           "the embedding's result")))
    return failure();
  inferred.push_back(adaptor.getLike().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Normalisation: (dx, dweight, dbias) with the types of (x, weight, weight)
//===----------------------------------------------------------------------===//

LogicalResult BatchNormGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  auto w = getRanked(loc, name, adaptor.getWeight(), "weight");
  if (failed(x) || failed(w))
    return failure();
  if (FloatAttr eps = adaptor.getEpsAttr(); eps && !(eps.getValueAsDouble() > 0))
    return opError(loc, name, "eps must be > 0, got ", eps.getValueAsDouble());
  if (x->getRank() < 2)
    return opError(loc, name, "input must have rank >= 2 ([N, C, ...]), got ",
                   q(*x));
  for (auto [v, what] : {std::pair{adaptor.getWeight(), "weight"},
                         {adaptor.getRunningMean(), "running_mean"},
                         {adaptor.getRunningVar(), "running_var"}}) {
    auto t = getRanked(loc, name, v, what);
    if (failed(t) ||
        failed(checkElementType(loc, name, *x, "input", *t, what)))
      return failure();
    if (t->getRank() != 1 || !compatible(t->getDimSize(0), x->getDimSize(1)))
      return opError(loc, name, what, " ", q(*t), " does not match the ",
                     str(x->getDimSize(1)), " channels of input ", q(*x));
  }
  if (failed(checkGradLike(loc, name, adaptor.getGrad(), *x, "input")))
    return failure();
  inferred.append({*x, *w, *w});
  return success();
}

LogicalResult LayerNormGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  auto w = getRanked(loc, name, adaptor.getWeight(), "weight");
  if (failed(x) || failed(w) ||
      failed(checkElementType(loc, name, *x, "input", *w, "weight")))
    return failure();
  if (FloatAttr eps = adaptor.getEpsAttr(); eps && !(eps.getValueAsDouble() > 0))
    return opError(loc, name, "eps must be > 0, got ", eps.getValueAsDouble());
  if (x->getRank() < 1)
    return opError(loc, name, "input must have rank >= 1 ([..., d]), got ",
                   q(*x));
  if (w->getRank() != 1 || !compatible(w->getDimSize(0), x->getShape().back()))
    return opError(loc, name, "weight ", q(*w), " does not match the ",
                   str(x->getShape().back()), " features of input ", q(*x));
  if (failed(checkGradLike(loc, name, adaptor.getGrad(), *x, "input")))
    return failure();
  inferred.append({*x, *w, *w});
  return success();
}
