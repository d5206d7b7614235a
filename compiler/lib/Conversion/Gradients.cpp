//===- Gradients.cpp - the ops of backward graphs to linalg -----*- C++ -*-===//
//
// reduce_to, broadcast_to, the activation/softmax/loss adjoints,
// linear_weight_grad and slice (ResGradientOps.td, where the formulas are).
// Like the forward lowerings, each becomes linalg.generic ops whose indexing
// maps carry the broadcasting and reductions.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>

using namespace mlir;
using namespace resc;

static Value addF(OpBuilder &b, Location l, Value in, Value acc) {
  return arith::AddFOp::create(b, l, in, acc);
}

namespace {

//===----------------------------------------------------------------------===//
// reduce_to and broadcast_to
//===----------------------------------------------------------------------===//

/// Sums grad over the leading dims `like` lacks and the dims where `like`
/// has a static 1 (and grad not), then restores like's unit dims.
struct ReduceToLowering : OpConversionPattern<res::ReduceToOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::ReduceToOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value g = adaptor.getGrad(), like = adaptor.getLike();
    auto gt = cast<RankedTensorType>(g.getType());
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = gt.getRank(), offset = rank - type.getRank();
    SmallVector<bool> reduced(rank, false);
    SmallVector<bool> kept(type.getRank(), true);
    bool any = offset > 0;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t j = i - offset;
      reduced[i] = j < 0 || (type.getDimSize(j) == 1 && gt.getDimSize(i) != 1);
      if (j >= 0 && reduced[i]) {
        kept[j] = false;
        any = true;
      }
    }
    if (!any) {
      // Only the type changes (static/dynamic sizes).
      rewriter.replaceOp(op, gt == type ? g : tensor::CastOp::create(rewriter, loc, type, g));
      return success();
    }
    Value sum = sumDims(rewriter, loc, g, reduced);
    // The sizes of the kept dims as `like` has them (static ones win).
    SmallVector<int64_t> keptShape;
    for (int64_t j = 0; j < type.getRank(); ++j)
      if (kept[j])
        keptShape.push_back(type.getDimSize(j));
    auto keptType = RankedTensorType::get(keptShape, type.getElementType());
    if (sum.getType() != keptType)
      sum = tensor::CastOp::create(rewriter, loc, keptType, sum);
    rewriter.replaceOp(op, expandUnitDims(rewriter, loc, sum, type, kept, like));
    return success();
  }
};

/// result[i] = grad[i without dims] (divided by the count along dims for mean).
struct BroadcastToLowering : OpConversionPattern<res::BroadcastToOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::BroadcastToOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value g = adaptor.getGrad(), like = adaptor.getLike();
    auto type = cast<RankedTensorType>(like.getType());
    int64_t rank = type.getRank();
    SmallVector<int64_t> dims(op.getDims());
    if (dims.empty())
      for (int64_t i = 0; i < rank; ++i)
        dims.push_back(i);
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < rank; ++i) {
      if (!llvm::is_contained(dims, i))
        exprs.push_back(getAffineDimExpr(i, ctx));
      else if (op.getKeepdim())
        exprs.push_back(getAffineConstantExpr(0, ctx));
    }
    Value count;
    if (op.getMean())
      count = countAsFloat(rewriter, loc, like, dims, type.getElementType());
    Value result = mapLike(rewriter, loc, like, ValueRange{g},
                           {AffineMap::get(rank, 0, exprs, ctx)},
                           [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return count ? Value(arith::DivFOp::create(b, l, a[0], count)) : a[0];
                           });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Activation adjoints: one elementwise generic over (primal, dy)
//===----------------------------------------------------------------------===//

using GradFn = Value (*)(OpBuilder &, Location, Value primal, Value dy, Operation *);

template <typename OpTy, GradFn Fn>
struct ActivationGradLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Operation *raw = op.getOperation();
    Value result = elementwise(rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
                               adaptor.getOperands(),
                               [&](OpBuilder &b, Location loc, ValueRange a) {
                                 return Fn(b, loc, a[0], a[1], raw);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

Value cst(OpBuilder &b, Location loc, Value like, double v) {
  return floatConst(b, loc, like.getType(), v);
}
Value mulF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value subF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
/// 1 - v
Value oneMinus(OpBuilder &b, Location loc, Value v) { return subF(b, loc, cst(b, loc, v, 1.0), v); }

/// y > 0 ? dy : 0 (y = relu(x): the same test as x > 0)
Value reluGrad(OpBuilder &b, Location loc, Value x, Value dy, Operation *) {
  Value zero = cst(b, loc, x, 0.0);
  Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
  return arith::SelectOp::create(b, loc, positive, dy, zero);
}
/// dy * s * (1 + x (1 - s)), s = sigmoid(x)
Value siluGrad(OpBuilder &b, Location loc, Value x, Value dy, Operation *) {
  Value one = cst(b, loc, x, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value s = arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
  Value inner = arith::AddFOp::create(b, loc, one, mulF(b, loc, x, oneMinus(b, loc, s)));
  return mulF(b, loc, dy, mulF(b, loc, s, inner));
}
/// dy (1 - y^2)
Value tanhGrad(OpBuilder &b, Location loc, Value y, Value dy, Operation *) {
  return mulF(b, loc, dy, oneMinus(b, loc, mulF(b, loc, y, y)));
}
/// dy y (1 - y)
Value sigmoidGrad(OpBuilder &b, Location loc, Value y, Value dy, Operation *) {
  return mulF(b, loc, dy, mulF(b, loc, y, oneMinus(b, loc, y)));
}
/// Exact: dy (Phi(x) + x phi(x)); tanh approximation: see ResGradientOps.td.
Value geluGrad(OpBuilder &b, Location loc, Value x, Value dy, Operation *op) {
  Value half = cst(b, loc, x, 0.5), one = cst(b, loc, x, 1.0);
  Value d;
  if (cast<res::GeluGradOp>(op).getApproximate() == "tanh") {
    const double k = std::sqrt(2.0 / M_PI), c = 0.044715;
    Value x2 = mulF(b, loc, x, x);
    Value poly = arith::AddFOp::create(b, loc, x, mulF(b, loc, mulF(b, loc, x2, x), cst(b, loc, x, c)));
    Value t = math::TanhOp::create(b, loc, mulF(b, loc, poly, cst(b, loc, x, k)));
    Value left = mulF(b, loc, half, arith::AddFOp::create(b, loc, one, t));
    Value dpoly = arith::AddFOp::create(b, loc, one, mulF(b, loc, x2, cst(b, loc, x, 3.0 * c)));
    Value right = mulF(b, loc, mulF(b, loc, half, x),
                       mulF(b, loc, oneMinus(b, loc, mulF(b, loc, t, t)),
                            mulF(b, loc, dpoly, cst(b, loc, x, k))));
    d = arith::AddFOp::create(b, loc, left, right);
  } else {
    Value cdf = mulF(b, loc, half,
                     arith::AddFOp::create(
                         b, loc, one, math::ErfOp::create(b, loc, mulF(b, loc, x, cst(b, loc, x, M_SQRT1_2)))));
    Value pdf = mulF(b, loc,
                     math::ExpOp::create(b, loc, mulF(b, loc, mulF(b, loc, x, x), cst(b, loc, x, -0.5))),
                     cst(b, loc, x, 0.5 * M_2_SQRTPI * M_SQRT1_2)); // 1/sqrt(2 pi)
    d = arith::AddFOp::create(b, loc, cdf, mulF(b, loc, x, pdf));
  }
  return mulF(b, loc, dy, d);
}

//===----------------------------------------------------------------------===//
// softmax_grad and log_softmax_grad
//===----------------------------------------------------------------------===//

/// softmax:     y * (dy - sum_d(dy * y))
/// log_softmax: dy - exp(y) * sum_d(dy)
template <typename OpTy, bool IsLog>
struct SoftmaxGradLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value y = adaptor.getOutput(), dy = adaptor.getGrad();
    int64_t rank = cast<RankedTensorType>(y.getType()).getRank();
    int64_t dim = op.getDim();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap reduced = dropDimMap(ctx, rank, dim);
    Value result;
    if (IsLog) {
      Value sum = reduceDim(rewriter, loc, dy, dim, 0.0, addF);
      result = mapLike(rewriter, loc, y, ValueRange{y, dy, sum}, {id, id, reduced},
                       [](OpBuilder &b, Location l, ValueRange a) -> Value {
                         return subF(b, l, a[1], mulF(b, l, math::ExpOp::create(b, l, a[0]), a[2]));
                       });
    } else {
      Value prod = mapLike(rewriter, loc, y, ValueRange{dy, y}, {id, id},
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return mulF(b, l, a[0], a[1]);
                           });
      Value sum = reduceDim(rewriter, loc, prod, dim, 0.0, addF);
      result = mapLike(rewriter, loc, y, ValueRange{y, dy, sum}, {id, id, reduced},
                       [](OpBuilder &b, Location l, ValueRange a) -> Value {
                         return mulF(b, l, a[0], subF(b, l, a[1], a[2]));
                       });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Loss adjoints
//===----------------------------------------------------------------------===//

/// (softmax(x) - onehot(y)) * dloss / rows, on [rows, C] (rank-3 logits are
/// collapsed to rows and expanded back). An out-of-range label matches no
/// class, so nothing is read at it.
struct CrossEntropyGradLowering : OpConversionPattern<res::CrossEntropyGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::CrossEntropyGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value logits = adaptor.getLogits(), x = logits, y = adaptor.getLabels();
    auto type = cast<RankedTensorType>(op.getType());
    if (type.getRank() == 3) {
      x = tensor::CollapseShapeOp::create(rewriter, loc, x,
                                          SmallVector<ReassociationIndices>{{0, 1}, {2}});
      y = collapseToVector(rewriter, loc, y);
    }
    Type elt = type.getElementType();
    AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap row = dropDimMap(ctx, 2, 1);
    ExpAlong parts = expAlong(rewriter, loc, x, 1);
    Value dloss = tensor::ExtractOp::create(rewriter, loc, adaptor.getGrad(), ValueRange{});
    Value rows = countAsFloat(rewriter, loc, x, {0}, elt);
    Value scale = arith::DivFOp::create(rewriter, loc, dloss, rows);
    Value grad = mapLike(
        rewriter, loc, x, ValueRange{parts.exp, parts.sum, y}, {id2, row, row},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value p = arith::DivFOp::create(b, l, a[0], a[1]);
          Value c = linalg::IndexOp::create(b, l, 1);
          Value label = arith::IndexCastOp::create(b, l, b.getIndexType(), a[2]);
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, c, label);
          Value onehot = arith::SelectOp::create(b, l, hit, cst(b, l, p, 1.0), cst(b, l, p, 0.0));
          return mulF(b, l, subF(b, l, p, onehot), scale);
        });
    if (type.getRank() == 3)
      grad = tensor::ExpandShapeOp::create(rewriter, loc, type, grad,
                                           SmallVector<ReassociationIndices>{{0, 1}, {2}},
                                           tensor::getMixedSizes(rewriter, loc, logits));
    rewriter.replaceOp(op, grad);
    return success();
  }
};

/// 2 (input - target) * dloss / numel
struct MseGradLowering : OpConversionPattern<res::MseGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::MseGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value a = adaptor.getInput(), t = adaptor.getTarget();
    auto type = cast<RankedTensorType>(op.getType());
    Value numel = countAsFloat(rewriter, loc, a, allDims(type.getRank()), type.getElementType());
    Value dloss = tensor::ExtractOp::create(rewriter, loc, adaptor.getGrad(), ValueRange{});
    Value twice = mulF(rewriter, loc, dloss, cst(rewriter, loc, dloss, 2.0));
    Value scale = arith::DivFOp::create(rewriter, loc, twice, numel);
    Value result = elementwise(rewriter, loc, type, ValueRange{a, t},
                               [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                 return mulF(b, l, subF(b, l, v[0], v[1]), scale);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// linear_weight_grad and slice
//===----------------------------------------------------------------------===//

/// dw[o, i] = sum over leading n of dy[n, o] * x[n, i]: one generic with
/// iteration space (o, i, n...), the leading dims reduced.
struct LinearWeightGradLowering : OpConversionPattern<res::LinearWeightGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::LinearWeightGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getGrad(), x = adaptor.getInput();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = cast<RankedTensorType>(dy.getType()).getRank();
    if (rank > 2) {
      // [N, T, ..., k] -> [N * T * ..., k] (free, row-major): one reduction
      // dim, which the contraction schedule tiles best.
      SmallVector<ReassociationIndices> groups{ReassociationIndices{}, {rank - 1}};
      for (int64_t d = 0; d + 1 < rank; ++d)
        groups[0].push_back(d);
      dy = tensor::CollapseShapeOp::create(rewriter, loc, dy, groups);
      x = tensor::CollapseShapeOp::create(rewriter, loc, x, groups);
      rank = 2;
    }
    int64_t lead = rank - 1;
    SmallVector<Value> sizes;
    if (type.isDynamicDim(0))
      sizes.push_back(tensor::DimOp::create(rewriter, loc, dy, rank - 1));
    if (type.isDynamicDim(1))
      sizes.push_back(tensor::DimOp::create(rewriter, loc, x, rank - 1));
    Value acc = fill(rewriter, loc, emptyTensorWithSizes(rewriter, loc, type, sizes), 0.0);
    AffineExpr o = getAffineDimExpr(0, ctx), i = getAffineDimExpr(1, ctx);
    SmallVector<AffineExpr> dyExprs, xExprs;
    for (int64_t n = 0; n < lead; ++n) {
      dyExprs.push_back(getAffineDimExpr(2 + n, ctx));
      xExprs.push_back(getAffineDimExpr(2 + n, ctx));
    }
    dyExprs.push_back(o);
    xExprs.push_back(i);
    int64_t loops = 2 + lead;
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, dyExprs, ctx),
                                AffineMap::get(loops, 0, xExprs, ctx),
                                AffineMap::get(loops, 0, {o, i}, ctx)};
    SmallVector<utils::IteratorType> its(loops, utils::IteratorType::reduction);
    its[0] = its[1] = utils::IteratorType::parallel;
    Value result = linalg::GenericOp::create(
                       rewriter, loc, TypeRange{type}, ValueRange{dy, x}, ValueRange{acc}, maps,
                       its,
                       [](OpBuilder &b, Location l, ValueRange a) {
                         linalg::YieldOp::create(b, l, addF(b, l, mulF(b, l, a[0], a[1]), a[2]));
                       })
                       .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<res::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t dim = op.getDim();
    SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
    offsets[dim] = rewriter.getIndexAttr(op.getOffset());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    sizes[dim] = rewriter.getIndexAttr(op.getSize());
    SmallVector<OpFoldResult> strides(type.getRank(), rewriter.getIndexAttr(1));
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, type, x, offsets, sizes, strides);
    return success();
  }
};

/// The adjoint inserted into a zero tensor shaped like the input.
struct SliceGradLowering : OpConversionPattern<res::SliceGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::SliceGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value g = adaptor.getGrad(), x = adaptor.getInput();
    auto type = cast<RankedTensorType>(op.getType());
    Value zeros = fill(rewriter, loc, emptyTensor(rewriter, loc, type, {x}), 0.0);
    SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
    offsets[op.getDim()] = rewriter.getIndexAttr(op.getOffset());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, g);
    SmallVector<OpFoldResult> strides(type.getRank(), rewriter.getIndexAttr(1));
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(op, g, zeros, offsets, sizes, strides);
    return success();
  }
};

} // namespace

void resc::populateGradientPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceToLowering, BroadcastToLowering,
               ActivationGradLowering<res::ReluGradOp, reluGrad>,
               ActivationGradLowering<res::GeluGradOp, geluGrad>,
               ActivationGradLowering<res::SiluGradOp, siluGrad>,
               ActivationGradLowering<res::TanhGradOp, tanhGrad>,
               ActivationGradLowering<res::SigmoidGradOp, sigmoidGrad>,
               SoftmaxGradLowering<res::SoftmaxGradOp, false>,
               SoftmaxGradLowering<res::LogSoftmaxGradOp, true>, CrossEntropyGradLowering,
               MseGradLowering, LinearWeightGradLowering, SliceLowering,
               SliceGradLowering>(patterns.getContext());
}
