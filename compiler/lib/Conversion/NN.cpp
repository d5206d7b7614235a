//===- NN.cpp - convolution, normalisation, pooling, embedding --*- C++ -*-===//
//
// Forward lowerings of the neural-network layers (batch_norm in evaluation or
// training mode; the adjoints are in NNGrad.cpp).
// Convolution and pooling pad explicitly with tensor.pad; convolution is then
// im2col + one contraction (Im2col.h), pooling a linalg named op (NCHW); the
// normalisations are elementwise generics over
// reduced statistics; the embedding gathers rows with tensor.extract.
//
//===----------------------------------------------------------------------===//

#include "ConvBlocks.h"
#include "Utils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include <limits>

using namespace mlir;
using namespace resc;

/// An empty [N, C, Ho, Wo] tensor of `type` for a window op over `input`
/// padded by `pad`: dynamic N comes from it, dynamic Ho, Wo from PyTorch's
/// floor((H + 2 p - dilation (k - 1) - 1) / stride) + 1.
static Value windowResult(OpBuilder &b, Location loc, RankedTensorType type, Value input,
                          ArrayRef<int64_t> pad, ArrayRef<int64_t> kernel,
                          ArrayRef<int64_t> stride, ArrayRef<int64_t> dilation) {
  SmallVector<Value> sizes;
  if (type.isDynamicDim(0))
    sizes.push_back(tensor::DimOp::create(b, loc, input, 0));
  if (type.isDynamicDim(1))
    sizes.push_back(tensor::DimOp::create(b, loc, input, 1));
  for (int i = 0; i < 2; ++i) {
    if (!type.isDynamicDim(2 + i))
      continue;
    Value h = tensor::DimOp::create(b, loc, input, 2 + i);
    Value hp = arith::AddIOp::create(b, loc, h, arith::ConstantIndexOp::create(b, loc, 2 * pad[i]));
    Value span = arith::ConstantIndexOp::create(b, loc, dilation[i] * (kernel[i] - 1) + 1);
    Value s = arith::ConstantIndexOp::create(b, loc, stride[i]);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value q = arith::DivUIOp::create(b, loc, arith::SubIOp::create(b, loc, hp, span), s);
    sizes.push_back(arith::AddIOp::create(b, loc, q, one));
  }
  return emptyTensorWithSizes(b, loc, type, sizes);
}

/// (x - mean) / sqrt(var + eps) * weight + bias, on scalars.
static Value normalize(OpBuilder &b, Location loc, Value x, Value mean, Value var, double eps,
                       Value weight, Value bias) {
  Value centered = arith::SubFOp::create(b, loc, x, mean);
  Value shifted = arith::AddFOp::create(b, loc, var, floatConst(b, loc, var.getType(), eps));
  Value normed = arith::DivFOp::create(b, loc, centered, math::SqrtOp::create(b, loc, shifted));
  return arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, normed, weight), bias);
}

namespace {

/// y[n, g, o, p] = bias[g, o] + sum_k W[g, o, k] col[n, g, k, p] with
/// k = (c, kh, kw) in the group and p = (oh, ow): per image, im2col of the
/// padded input then one contraction (ConvBlocks.h); the output's
/// contiguous p is the register tile's vector dim.
struct Conv2dLowering : OpConversionPattern<res::Conv2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::Conv2dOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value w = adaptor.getWeight();
    auto wt = cast<RankedTensorType>(w.getType());
    int64_t groups = op.getGroups();
    if (!wt.hasStaticShape() || type.isDynamicDim(1) ||
        cast<RankedTensorType>(adaptor.getInput().getType()).isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "dynamic channel or kernel sizes");
    if (groups < 1 || wt.getDimSize(0) % groups != 0)
      return rewriter.notifyMatchFailure(op, "output channels not divisible by groups");
    SmallVector<int64_t> kernel{wt.getDimSize(2), wt.getDimSize(3)};
    ArrayRef<int64_t> stride = op.getStride(), dilation = op.getDilation();
    Value x = adaptor.getInput();
    Value y = windowResult(rewriter, loc, type, x, op.getPadding(), kernel, stride, dilation);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, y);

    conv::Window window{{kernel[0], kernel[1]}, stride, dilation, op.getPadding()};
    Value bias = adaptor.getBias();
    if (bias)
      bias = splitDim(rewriter, loc, bias, 0, groups);
    rewriter.replaceOp(op, conv::convolveImage(rewriter, loc, x,
                                               conv::groupWeight(rewriter, loc, w, groups), bias,
                                               y, window, groups));
    return success();
  }
};

/// (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1), with
/// the running statistics (evaluation) or, with `training`, the batch's mean
/// and biased variance over every dim but 1 (PyTorch's model.train()).
struct BatchNormLowering : OpConversionPattern<res::BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::BatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t rank = xt.getRank();
    if (rank < 2)
      return rewriter.notifyMatchFailure(op, "input has no channel dim");
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap channel = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    double eps = op.getEps().convertToDouble();
    Value mean = adaptor.getRunningMean(), var = adaptor.getRunningVar();
    if (op.getTraining()) {
      SmallVector<bool> reduced(rank, true);
      reduced[1] = false;
      Moments stats = moments(rewriter, loc, x, reduced);
      mean = stats.mean;
      var = stats.var;
    }
    Value result = mapLike(
        rewriter, loc, x, ValueRange{x, adaptor.getWeight(), adaptor.getBias(), mean, var},
        {id, channel, channel, channel, channel},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          return normalize(b, l, a[0], a[3], a[4], eps, a[1], a[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The moments batch_norm's lowering computes (so CSE merges the two), the
/// variance made unbiased: var * (M / (M - 1)).
struct BatchStatsLowering : OpConversionPattern<res::BatchStatsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::BatchStatsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    SmallVector<bool> reduced(rank, true);
    reduced[1] = false;
    Moments stats = moments(rewriter, loc, x, reduced);
    Value count = stats.count;
    Value one = arith::ConstantOp::create(rewriter, loc, rewriter.getFloatAttr(count.getType(), 1.0));
    Value factor = arith::DivFOp::create(rewriter, loc, count,
                                         arith::SubFOp::create(rewriter, loc, count, one));
    Value unbiased = elementwise(
        rewriter, loc, cast<RankedTensorType>(stats.var.getType()), ValueRange{stats.var},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::MulFOp::create(b, l, a[0], factor);
        });
    rewriter.replaceOp(op, {stats.mean, unbiased});
    return success();
  }
};

/// Over the last dim: mean, biased variance, (x - mean) / sqrt(var + eps) * w + b.
struct LayerNormLowering : OpConversionPattern<res::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    Type elt = xt.getElementType();
    int64_t rank = xt.getRank(), last = rank - 1;
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap reduced = dropDimMap(ctx, rank, last);
    AffineMap feature = AffineMap::get(rank, 0, {getAffineDimExpr(last, ctx)}, ctx);
    auto addF = [](OpBuilder &b, Location l, Value in, Value acc) -> Value {
      return arith::AddFOp::create(b, l, in, acc);
    };
    Value count = countAsFloat(rewriter, loc, x, {last}, elt);
    auto divByCount = [&](Value sum) {
      return elementwise(rewriter, loc, cast<RankedTensorType>(sum.getType()), ValueRange{sum},
                         [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                           return arith::DivFOp::create(b, l, a[0], count);
                         });
    };
    Value mean = divByCount(reduceDim(rewriter, loc, x, last, 0.0, addF));
    Value sq = mapLike(rewriter, loc, x, ValueRange{x, mean}, {id, reduced},
                       [](OpBuilder &b, Location l, ValueRange a) -> Value {
                         Value d = arith::SubFOp::create(b, l, a[0], a[1]);
                         return arith::MulFOp::create(b, l, d, d);
                       });
    Value var = divByCount(reduceDim(rewriter, loc, sq, last, 0.0, addF));
    double eps = op.getEps().convertToDouble();
    Value result = mapLike(
        rewriter, loc, x, ValueRange{x, mean, var, adaptor.getWeight(), adaptor.getBias()},
        {id, reduced, reduced, feature, feature},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          return normalize(b, l, a[0], a[1], a[2], eps, a[3], a[4]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Max pooling pads with -inf; average pooling pads with 0 and divides by
/// kh * kw (count_include_pad = True).
template <typename OpTy, bool IsMax>
struct Pool2dLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elt = type.getElementType();
    ArrayRef<int64_t> kernel = op.getKernel(), stride = op.getStride();
    SmallVector<int64_t> dilation{1, 1};
    double padValue = IsMax ? -std::numeric_limits<double>::infinity() : 0.0;
    Value x = padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(), padValue);
    Value init = fill(rewriter, loc,
                      windowResult(rewriter, loc, type, adaptor.getInput(), op.getPadding(),
                                   kernel, stride, dilation),
                      padValue);
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, elt);
    Attribute strides = rewriter.getI64TensorAttr(stride);
    Attribute dilations = rewriter.getI64TensorAttr(dilation);
    Value result;
    if (IsMax) {
      result = linalg::PoolingNchwMaxOp::create(rewriter, loc, TypeRange{type},
                                                ValueRange{x, window}, ValueRange{init},
                                                strides, dilations)
                   .getResult(0);
    } else {
      Value sum = linalg::PoolingNchwSumOp::create(rewriter, loc, TypeRange{type},
                                                   ValueRange{x, window}, ValueRange{init},
                                                   strides, dilations)
                      .getResult(0);
      Value area = floatConst(rewriter, loc, elt, double(kernel[0] * kernel[1]));
      result = elementwise(rewriter, loc, type, ValueRange{sum},
                           [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return arith::DivFOp::create(b, l, a[0], area);
                           });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// y[..., j] = weight[clamp(indices[...]), j]; the entry wrapper range-checks
/// the indices, the clamp only keeps the read in bounds.
struct EmbeddingLowering : OpConversionPattern<res::EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::EmbeddingOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    auto type = cast<RankedTensorType>(op.getType());
    Value indices = adaptor.getIndices(), weight = adaptor.getWeight();
    auto it = cast<RankedTensorType>(indices.getType());
    int64_t r = it.getRank();
    SmallVector<Value> sizes;
    for (int64_t i = 0; i < r; ++i)
      if (type.isDynamicDim(i))
        sizes.push_back(tensor::DimOp::create(rewriter, loc, indices, i));
    if (type.isDynamicDim(r))
      sizes.push_back(tensor::DimOp::create(rewriter, loc, weight, 1));
    Value init = emptyTensorWithSizes(rewriter, loc, type, sizes);
    Value last = arith::SubIOp::create(rewriter, loc,
                                       tensor::DimOp::create(rewriter, loc, weight, 0),
                                       arith::ConstantIndexOp::create(rewriter, loc, 1));
    SmallVector<AffineExpr> lead;
    for (int64_t i = 0; i < r; ++i)
      lead.push_back(getAffineDimExpr(i, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(r + 1, 0, lead, ctx),
                                AffineMap::getMultiDimIdentityMap(r + 1, ctx)};
    SmallVector<utils::IteratorType> its(r + 1, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{indices}, ValueRange{init}, maps, its,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value idx = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value tooLow = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx, zero);
          idx = arith::SelectOp::create(b, l, tooLow, zero, idx);
          Value tooHigh = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, idx, last);
          idx = arith::SelectOp::create(b, l, tooHigh, last, idx);
          Value j = linalg::IndexOp::create(b, l, r);
          Value v = tensor::ExtractOp::create(b, l, weight, ValueRange{idx, j});
          linalg::YieldOp::create(b, l, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void resc::populateNNPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2dLowering, BatchNormLowering, BatchStatsLowering, LayerNormLowering,
               Pool2dLowering<res::MaxPool2dOp, true>, Pool2dLowering<res::AvgPool2dOp, false>,
               EmbeddingLowering>(patterns.getContext());
}
