//===- ResNNShapeInference.cpp - Result types of the res layer ops --------===//
//
// InferTypeOpInterface for the network layers: embedding, conv2d, pooling,
// batch and layer normalisation, self-attention and the losses. Sizes follow
// PyTorch's formulas; dynamic input sizes give dynamic output sizes.
//
//===----------------------------------------------------------------------===//

#include "res/ResOps.h"

#include "ShapeUtils.h"

using namespace mlir;
using namespace res;
using namespace res::shape;

namespace {
/// Checks the parameter tensors of a layer: each is rank 1 with a size that
/// must agree with one named dimension (`size`, refined as static sizes are
/// seen), and has the input's element type.
struct VectorParamChecker {
  std::optional<Location> loc;
  StringRef opName;
  RankedTensorType input;
  int64_t size;
  StringRef sizeName; // "channels", "features"

  LogicalResult check(Value v, StringRef what) {
    auto t = getRanked(loc, opName, v, what);
    if (failed(t) ||
        failed(checkElementType(loc, opName, input, "input", *t, what)))
      return failure();
    if (t->getRank() != 1 || !compatible(t->getDimSize(0), size))
      return opError(loc, opName, what, " ", q(*t), " does not match the ",
                     str(size), " ", sizeName, " of input ", q(input),
                     " (expected shape [", str(size), "])");
    size = merge(size, t->getDimSize(0));
    return success();
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Embedding
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto idx = getRanked(loc, name, adaptor.getIndices(), "indices");
  auto w = getRanked(loc, name, adaptor.getWeight(), "weight");
  if (failed(idx) || failed(w) ||
      failed(checkRank(loc, name, *w, "weight", 2, "[num, d]")))
    return failure();
  if (!idx->getElementType().isSignlessInteger())
    return opError(loc, name, "indices must be integers, got ", q(*idx));
  SmallVector<int64_t> shape(idx->getShape());
  shape.push_back(w->getDimSize(1));
  inferred.push_back(RankedTensorType::get(shape, w->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Conv2d and pooling
//===----------------------------------------------------------------------===//

/// Checks a 2-entry attribute whose entries are >= `min`.
static LogicalResult checkPair(std::optional<Location> loc, StringRef opName,
                               StringRef attrName, ArrayRef<int64_t> values,
                               int64_t min) {
  if (values.size() != 2)
    return opError(loc, opName, attrName, " must have 2 entries (height, "
                   "width), got ", values.size());
  for (int64_t v : values)
    if (v < min)
      return opError(loc, opName, attrName, " entries must be >= ", min,
                     ", got ", v);
  return success();
}

/// PyTorch's output size of a window sliding over `size` elements:
/// floor((size + 2 pad - dilation (kernel - 1) - 1) / stride) + 1.
/// Fails (with a message) if the window does not fit.
static FailureOr<int64_t> windowOutputSize(std::optional<Location> loc,
                                           StringRef opName,
                                           RankedTensorType input, int64_t dim,
                                           int64_t kernel, int64_t stride,
                                           int64_t pad, int64_t dilation) {
  int64_t size = input.getDimSize(dim);
  if (isDyn(size) || isDyn(kernel))
    return kDyn;
  int64_t span = size + 2 * pad - dilation * (kernel - 1) - 1;
  if (span < 0)
    return opError(loc, opName, "input ", q(input), " is too small: ",
                   dim == 2 ? "height " : "width ", size, " with padding ",
                   pad, " is smaller than the kernel's extent ",
                   dilation * (kernel - 1) + 1);
  return span / stride + 1;
}

FailureOr<RankedTensorType> res::shape::inferConv2dResult(
    std::optional<Location> loc, StringRef name, Value input, Value weight,
    ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
    ArrayRef<int64_t> dilation, IntegerAttr groupsAttr, StringRef inputName) {
  auto x = getRanked(loc, name, input, inputName);
  auto w = getRanked(loc, name, weight, "weight");
  if (failed(x) || failed(w) ||
      failed(checkRank(loc, name, *x, inputName, 4, "[N, C, H, W]")) ||
      failed(checkRank(loc, name, *w, "weight", 4,
                       "[out, in / groups, kh, kw]")) ||
      failed(checkElementType(loc, name, *x, inputName, *w, "weight")))
    return failure();
  if (failed(checkPair(loc, name, "stride", stride, 1)) ||
      failed(checkPair(loc, name, "padding", padding, 0)) ||
      failed(checkPair(loc, name, "dilation", dilation, 1)))
    return failure();
  int64_t groups = groupsAttr ? groupsAttr.getInt() : 1;
  if (groups < 1)
    return opError(loc, name, "groups must be >= 1, got ", groups);

  int64_t channels = x->getDimSize(1);
  int64_t perGroup = w->getDimSize(1);
  if (!isDyn(channels) && !isDyn(perGroup) && channels != perGroup * groups)
    return opError(loc, name, inputName, " ", q(*x), " has ", channels,
                   " channels but weight ", q(*w), " expects ",
                   perGroup * groups, " (", perGroup, " per group x ", groups,
                   " groups)");
  if (!isDyn(channels) && channels % groups != 0)
    return opError(loc, name, inputName, " channels ", channels,
                   " are not divisible by groups ", groups);
  int64_t out = w->getDimSize(0);
  if (!isDyn(out) && out % groups != 0)
    return opError(loc, name, "weight ", q(*w), " has ", out,
                   " output channels, not divisible by groups ", groups);
  auto ho = windowOutputSize(loc, name, *x, 2, w->getDimSize(2), stride[0],
                             padding[0], dilation[0]);
  auto wo = windowOutputSize(loc, name, *x, 3, w->getDimSize(3), stride[1],
                             padding[1], dilation[1]);
  if (failed(ho) || failed(wo))
    return failure();
  return RankedTensorType::get({x->getDimSize(0), out, *ho, *wo},
                               x->getElementType());
}

LogicalResult Conv2dOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto y = inferConv2dResult(loc, name, adaptor.getInput(), adaptor.getWeight(),
                             adaptor.getStride(), adaptor.getPadding(),
                             adaptor.getDilation(), adaptor.getGroupsAttr());
  if (failed(y))
    return failure();
  SmallVector<int64_t> shape(y->getShape());
  if (Value biasValue = adaptor.getBias()) {
    auto b = getRanked(loc, name, biasValue, "bias");
    if (failed(b) ||
        failed(checkElementType(loc, name, *y, "input", *b, "bias")))
      return failure();
    if (b->getRank() != 1 || !compatible(b->getDimSize(0), shape[1]))
      return opError(loc, name, "bias ", q(*b), " does not match the ",
                     str(shape[1]), " output channels of weight ",
                     q(adaptor.getWeight().getType()));
    shape[1] = merge(shape[1], b->getDimSize(0));
  }
  inferred.push_back(RankedTensorType::get(shape, y->getElementType()));
  return success();
}

FailureOr<RankedTensorType> res::shape::inferPool2dResult(
    std::optional<Location> loc, StringRef name, Value input,
    DenseI64ArrayAttr kernelAttr, DenseI64ArrayAttr strideAttr,
    ArrayRef<int64_t> padding, StringRef inputName) {
  auto x = getRanked(loc, name, input, inputName);
  if (failed(x) ||
      failed(checkRank(loc, name, *x, inputName, 4, "[N, C, H, W]")))
    return failure();
  if (!kernelAttr || !strideAttr)
    return opError(loc, name, "requires 'kernel' and 'stride' attributes");
  ArrayRef<int64_t> kernel = kernelAttr.asArrayRef();
  ArrayRef<int64_t> stride = strideAttr.asArrayRef();
  if (failed(checkPair(loc, name, "kernel", kernel, 1)) ||
      failed(checkPair(loc, name, "stride", stride, 1)) ||
      failed(checkPair(loc, name, "padding", padding, 0)))
    return failure();
  for (int i = 0; i < 2; ++i)
    if (padding[i] > kernel[i] / 2)
      return opError(loc, name, "padding ", padding[i],
                     " must be at most half the kernel size ", kernel[i]);
  auto ho = windowOutputSize(loc, name, *x, 2, kernel[0], stride[0],
                             padding[0], 1);
  auto wo = windowOutputSize(loc, name, *x, 3, kernel[1], stride[1],
                             padding[1], 1);
  if (failed(ho) || failed(wo))
    return failure();
  return RankedTensorType::get({x->getDimSize(0), x->getDimSize(1), *ho, *wo},
                               x->getElementType());
}

template <typename Adaptor>
static LogicalResult inferPool2d(std::optional<Location> loc, StringRef name,
                                 Adaptor adaptor,
                                 SmallVectorImpl<Type> &inferred) {
  auto y = inferPool2dResult(loc, name, adaptor.getInput(),
                             adaptor.getKernelAttr(), adaptor.getStrideAttr(),
                             adaptor.getPadding());
  if (failed(y))
    return failure();
  inferred.push_back(*y);
  return success();
}

LogicalResult MaxPool2dOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  return inferPool2d(loc, getOperationName(), adaptor, inferred);
}

LogicalResult AvgPool2dOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  return inferPool2d(loc, getOperationName(), adaptor, inferred);
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

static LogicalResult checkEps(std::optional<Location> loc, StringRef name,
                              FloatAttr eps) {
  if (eps && !(eps.getValueAsDouble() > 0.0))
    return opError(loc, name, "eps must be > 0, got ",
                   eps.getValueAsDouble());
  return success();
}

/// The `[N, C, ...]` input of a batch norm or its statistics.
static FailureOr<RankedTensorType> getChannelsInput(std::optional<Location> loc,
                                                    StringRef name, Value input) {
  auto x = getRanked(loc, name, input, "input");
  if (failed(x))
    return failure();
  if (x->getRank() < 2)
    return opError(loc, name, "input must have rank >= 2 ([N, C, ...]), got ",
                   q(*x));
  return x;
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getChannelsInput(loc, name, adaptor.getInput());
  if (failed(x) || failed(checkEps(loc, name, adaptor.getEpsAttr())))
    return failure();
  if (FloatAttr m = adaptor.getMomentumAttr();
      m && !(m.getValueAsDouble() >= 0.0 && m.getValueAsDouble() <= 1.0))
    return opError(loc, name, "momentum must be in [0, 1], got ",
                   m.getValueAsDouble());
  VectorParamChecker params{loc, name, *x, x->getDimSize(1), "channels"};
  if (failed(params.check(adaptor.getWeight(), "weight")) ||
      failed(params.check(adaptor.getBias(), "bias")) ||
      failed(params.check(adaptor.getRunningMean(), "running_mean")) ||
      failed(params.check(adaptor.getRunningVar(), "running_var")))
    return failure();
  SmallVector<int64_t> shape(x->getShape());
  shape[1] = params.size;
  inferred.push_back(RankedTensorType::get(shape, x->getElementType()));
  return success();
}

LogicalResult BatchStatsOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getChannelsInput(loc, name, adaptor.getInput());
  if (failed(x))
    return failure();
  auto channels = RankedTensorType::get({x->getDimSize(1)}, x->getElementType());
  inferred.assign(2, channels);
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  if (failed(x) || failed(checkEps(loc, name, adaptor.getEpsAttr())))
    return failure();
  if (x->getRank() < 1)
    return opError(loc, name, "input must have rank >= 1 ([..., d]), got ",
                   q(*x));
  VectorParamChecker params{loc, name, *x, x->getShape().back(), "features"};
  if (failed(params.check(adaptor.getWeight(), "weight")) ||
      failed(params.check(adaptor.getBias(), "bias")))
    return failure();
  SmallVector<int64_t> shape(x->getShape());
  shape.back() = params.size;
  inferred.push_back(RankedTensorType::get(shape, x->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Self-attention
//===----------------------------------------------------------------------===//

LogicalResult SelfAttentionOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  auto wi = getRanked(loc, name, adaptor.getInProjWeight(), "in_proj_weight");
  auto bi = getRanked(loc, name, adaptor.getInProjBias(), "in_proj_bias");
  auto wo = getRanked(loc, name, adaptor.getOutProjWeight(), "out_proj_weight");
  auto bo = getRanked(loc, name, adaptor.getOutProjBias(), "out_proj_bias");
  if (failed(x) || failed(wi) || failed(bi) || failed(wo) || failed(bo) ||
      failed(checkRank(loc, name, *x, "input", 3, "[N, T, d]")))
    return failure();
  for (auto [t, what] : {std::pair{*wi, "in_proj_weight"},
                         {*bi, "in_proj_bias"},
                         {*wo, "out_proj_weight"},
                         {*bo, "out_proj_bias"}})
    if (failed(checkElementType(loc, name, *x, "input", t, what)))
      return failure();

  // d, refined by every static size that must equal it (or 3d).
  int64_t d = x->getDimSize(2);
  auto expect = [&](RankedTensorType t, StringRef what,
                    ArrayRef<int64_t> factors) -> LogicalResult {
    auto fail = [&] {
      std::string expected = "[";
      for (auto [i, f] : llvm::enumerate(factors)) {
        if (i)
          expected += ", ";
        expected += isDyn(d) ? (f == 3 ? "3d" : "d") : std::to_string(f * d);
      }
      expected += "]";
      return opError(loc, name, what, " ", q(t), " does not match input ",
                     q(*x), ": expected shape ", expected, " with d = ",
                     str(d));
    };
    if (t.getRank() != static_cast<int64_t>(factors.size()))
      return fail();
    for (auto [size, f] : llvm::zip_equal(t.getShape(), factors)) {
      if (isDyn(size))
        continue;
      if (size % f != 0 || !compatible(d, size / f))
        return fail();
      d = size / f;
    }
    return success();
  };
  if (failed(expect(*wi, "in_proj_weight", {3, 1})) ||
      failed(expect(*bi, "in_proj_bias", {3})) ||
      failed(expect(*wo, "out_proj_weight", {1, 1})) ||
      failed(expect(*bo, "out_proj_bias", {1})))
    return failure();
  if (!adaptor.getNumHeadsAttr())
    return opError(loc, name, "requires a 'num_heads' attribute");
  int64_t heads = adaptor.getNumHeadsAttr().getInt();
  if (heads < 1)
    return opError(loc, name, "num_heads must be >= 1, got ", heads);
  if (!isDyn(d) && d % heads != 0)
    return opError(loc, name, "embedding size ", d,
                   " is not divisible by num_heads ", heads);
  inferred.push_back(RankedTensorType::get(
      {x->getDimSize(0), x->getDimSize(1), d}, x->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

FailureOr<RankedTensorType>
res::shape::checkCrossEntropyOperands(std::optional<Location> loc,
                                      StringRef name, Value logitsValue,
                                      Value labelsValue) {
  auto logits = getRanked(loc, name, logitsValue, "logits");
  auto labels = getRanked(loc, name, labelsValue, "labels");
  if (failed(logits) || failed(labels))
    return failure();
  if (logits->getRank() != 2 && logits->getRank() != 3)
    return opError(loc, name, "logits must have rank 2 ([B, C]) or 3 "
                   "([B, T, C]), got ", q(*logits));
  if (!labels->getElementType().isSignlessInteger())
    return opError(loc, name, "labels must be integers, got ", q(*labels));
  bool match = labels->getRank() == logits->getRank() - 1;
  for (int64_t i = 0; match && i < labels->getRank(); ++i)
    match = compatible(labels->getDimSize(i), logits->getDimSize(i));
  if (!match)
    return opError(loc, name, "labels ", q(*labels),
                   " do not match logits ", q(*logits), " (expected ",
                   logits->getRank() == 2 ? "[B]" : "[B, T]", ")");
  return *logits;
}

FailureOr<RankedTensorType>
res::shape::checkMseOperands(std::optional<Location> loc, StringRef name,
                             Value input, Value target) {
  auto x = getRanked(loc, name, input, "input");
  auto t = getRanked(loc, name, target, "target");
  if (failed(x) || failed(t) ||
      failed(checkElementType(loc, name, *x, "input", *t, "target")))
    return failure();
  bool match = x->getRank() == t->getRank();
  for (int64_t i = 0; match && i < x->getRank(); ++i)
    match = compatible(x->getDimSize(i), t->getDimSize(i));
  if (!match)
    return opError(loc, name, "input shape ", q(*x),
                   " does not match target shape ", q(*t));
  return *x;
}

LogicalResult CrossEntropyOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  auto logits = checkCrossEntropyOperands(loc, getOperationName(),
                                          adaptor.getLogits(),
                                          adaptor.getLabels());
  if (failed(logits))
    return failure();
  inferred.push_back(RankedTensorType::get({}, logits->getElementType()));
  return success();
}

LogicalResult MseOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &inferred) {
  auto x = checkMseOperands(loc, getOperationName(), adaptor.getInput(),
                            adaptor.getTarget());
  if (failed(x))
    return failure();
  inferred.push_back(RankedTensorType::get({}, x->getElementType()));
  return success();
}
