//===- NNGrad.cpp - the layers' adjoints to linalg --------------*- C++ -*-===//
//
// One pattern per gradient op of ResGradientOps.td (formulas there); conv2d
// in ConvGrad.cpp, pooling in PoolGrad.cpp, here:
// - embedding_grad, the one scatter-add: an scf.for over the positions
//   adding a row of dy into the row its index selects;
// - batch_norm_grad / layer_norm_grad recompute the statistics (cheaper to
//   recompute than to keep from the forward) and apply the closed forms.
//
//===----------------------------------------------------------------------===//

#include "NNGradUtils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace resc;
using namespace resc::nngrad;

namespace {

//===----------------------------------------------------------------------===//
// embedding_grad
//===----------------------------------------------------------------------===//

/// dw = 0; for each position i: dw[clamp(idx[i]), :] += dy[i, :]. A loop
/// rather than a generic because several positions may hit the same row.
struct EmbeddingGradLowering : OpConversionPattern<res::EmbeddingGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::EmbeddingGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value like = adaptor.getLike();
    Value idx = collapseToVector(rewriter, loc, adaptor.getIndices());
    Value dy = adaptor.getGrad();
    int64_t r = cast<RankedTensorType>(dy.getType()).getRank();
    if (r > 2) {
      ReassociationIndices lead;
      for (int64_t i = 0; i + 1 < r; ++i)
        lead.push_back(i);
      dy = tensor::CollapseShapeOp::create(rewriter, loc, dy,
                                           SmallVector<ReassociationIndices>{lead, {r - 1}});
    }
    Value init = zerosLike(rewriter, loc, type, like);
    Value rows = tensor::DimOp::create(rewriter, loc, like, 0);
    OpFoldResult cols = tensor::getMixedSize(rewriter, loc, like, 1);
    Value zero = cstIndex(rewriter, loc, 0), one = cstIndex(rewriter, loc, 1);
    Value lastRow = arith::SubIOp::create(rewriter, loc, rows, one);
    Value count = tensor::DimOp::create(rewriter, loc, idx, 0);
    auto rowType = RankedTensorType::get({1, type.getDimSize(1)}, type.getElementType());
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, count, one, ValueRange{init},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
          Value k = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                               tensor::ExtractOp::create(b, l, idx, ValueRange{i}));
          k = arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, k, lastRow), zero);
          SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), cols};
          SmallVector<OpFoldResult> unit(2, b.getIndexAttr(1));
          Value src = tensor::ExtractSliceOp::create(b, l, rowType, dy,
                                                     SmallVector<OpFoldResult>{i, b.getIndexAttr(0)},
                                                     sizes, unit);
          SmallVector<OpFoldResult> at{k, b.getIndexAttr(0)};
          Value cur = tensor::ExtractSliceOp::create(b, l, rowType, acc[0], at, sizes, unit);
          Value sum = elementwise(b, l, rowType, ValueRange{cur, src},
                                  [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                                    return addF(nb, nl, a[0], a[1]);
                                  });
          Value next = tensor::InsertSliceOp::create(b, l, sum, acc[0], at, sizes, unit);
          scf::YieldOp::create(b, l, next);
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// batch_norm_grad and layer_norm_grad
//===----------------------------------------------------------------------===//

/// Per channel (dim 1): xhat and rstd from the batch statistics (training)
/// or the running ones; db = sum(dy), dw = sum(dy xhat);
/// dx = w rstd (dy - db / M - xhat dw / M) in training, w rstd dy otherwise.
struct BatchNormGradLowering : OpConversionPattern<res::BatchNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::BatchNormGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight(), dy = adaptor.getGrad();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    SmallVector<bool> reduced(rank, true);
    reduced[1] = false;
    Value mean = adaptor.getRunningMean(), var = adaptor.getRunningVar(), count;
    bool training = op.getTraining();
    if (training) {
      Moments stats = moments(rewriter, loc, x, reduced);
      mean = stats.mean, var = stats.var, count = stats.count;
    }
    Value rstd = rsqrtPlusEps(rewriter, loc, var, op.getEps().convertToDouble());
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap ch = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    Value xhat = mapLike(rewriter, loc, x, ValueRange{x, mean, rstd}, {id, ch, ch},
                         [](OpBuilder &b, Location l, ValueRange a) -> Value {
                           return mulF(b, l, subF(b, l, a[0], a[1]), a[2]);
                         });
    Value dyXhat = mapLike(rewriter, loc, x, ValueRange{dy, xhat}, {id, id},
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return mulF(b, l, a[0], a[1]);
                           });
    Value db = sumDims(rewriter, loc, dy, reduced);
    Value dw = sumDims(rewriter, loc, dyXhat, reduced);
    Value dx;
    if (training) {
      dx = mapLike(rewriter, loc, x, ValueRange{dy, xhat, w, rstd, db, dw},
                   {id, id, ch, ch, ch, ch}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                     Value centred = subF(b, l, a[0], divF(b, l, a[4], count));
                     Value v = subF(b, l, centred, mulF(b, l, a[1], divF(b, l, a[5], count)));
                     return mulF(b, l, mulF(b, l, a[2], a[3]), v);
                   });
    } else {
      dx = mapLike(rewriter, loc, x, ValueRange{dy, w, rstd}, {id, ch, ch},
                   [](OpBuilder &b, Location l, ValueRange a) -> Value {
                     return mulF(b, l, a[0], mulF(b, l, a[1], a[2]));
                   });
    }
    rewriter.replaceOp(op, ValueRange{dx, dw, db});
    return success();
  }
};

/// Per row (last dim), g = dy w: dx = rstd (g - mean(g) - xhat mean(g xhat));
/// dw = sum(dy xhat), db = sum(dy) over the leading dims.
struct LayerNormGradLowering : OpConversionPattern<res::LayerNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::LayerNormGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight(), dy = adaptor.getGrad();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank(), last = rank - 1;
    SmallVector<bool> lastOnly(rank, false), leading(rank, true);
    lastOnly[last] = true;
    leading[last] = false;
    Moments stats = moments(rewriter, loc, x, lastOnly);
    Value rstd = rsqrtPlusEps(rewriter, loc, stats.var, op.getEps().convertToDouble());
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap row = dropDimMap(ctx, rank, last);
    AffineMap feature = AffineMap::get(rank, 0, {getAffineDimExpr(last, ctx)}, ctx);
    auto mul = [](OpBuilder &b, Location l, ValueRange a) -> Value { return mulF(b, l, a[0], a[1]); };
    Value xhat = mapLike(rewriter, loc, x, ValueRange{x, stats.mean, rstd}, {id, row, row},
                         [](OpBuilder &b, Location l, ValueRange a) -> Value {
                           return mulF(b, l, subF(b, l, a[0], a[1]), a[2]);
                         });
    Value g = mapLike(rewriter, loc, x, ValueRange{dy, w}, {id, feature}, mul);
    Value gXhat = mapLike(rewriter, loc, x, ValueRange{g, xhat}, {id, id}, mul);
    Value sumG = sumDims(rewriter, loc, g, lastOnly);
    Value sumGXhat = sumDims(rewriter, loc, gXhat, lastOnly);
    Value count = stats.count;
    Value dx = mapLike(rewriter, loc, x, ValueRange{g, xhat, rstd, sumG, sumGXhat},
                       {id, id, row, row, row},
                       [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                         Value v = subF(b, l, a[0], divF(b, l, a[3], count));
                         v = subF(b, l, v, mulF(b, l, a[1], divF(b, l, a[4], count)));
                         return mulF(b, l, a[2], v);
                       });
    Value dyXhat = mapLike(rewriter, loc, x, ValueRange{dy, xhat}, {id, id}, mul);
    Value dw = sumDims(rewriter, loc, dyXhat, leading);
    Value db = sumDims(rewriter, loc, dy, leading);
    rewriter.replaceOp(op, ValueRange{dx, dw, db});
    return success();
  }
};

} // namespace

void resc::populateNNGradientPatterns(RewritePatternSet &patterns) {
  patterns.add<EmbeddingGradLowering, BatchNormGradLowering, LayerNormGradLowering>(
      patterns.getContext());
  populateConvGradPatterns(patterns);
  populatePoolGradPatterns(patterns);
}
