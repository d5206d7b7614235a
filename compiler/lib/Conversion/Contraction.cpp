//===- Contraction.cpp - res.linear and res.matmul --------------*- C++ -*-===//
//
// Both become one linalg.generic with a reduction dim, so any batch rank and
// broadcasting is handled by indexing maps. The generics are plain
// contractions that later tiling/vectorization passes recognise.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace resc;

namespace {

/// y[..., n] = addend[..., n] + bias[n] + sum_k x[..., k] * w[n, k]: the
/// accumulator starts as the bias broadcast, or as the addend (plus the
/// bias, in place) when there is one, so a fused residual add costs no pass
/// of its own and the result can take the addend's buffer.
static Value lowerLinear(ConversionPatternRewriter &rewriter, Location loc,
                         RankedTensorType type, Value x, Value weight, Value bias,
                         Value addend) {
  MLIRContext *ctx = rewriter.getContext();
  int64_t rank = type.getRank(); // iteration space: rank-1 leading, n, k
  SmallVector<AffineExpr> lead;
  for (int64_t i = 0; i + 1 < rank; ++i)
    lead.push_back(getAffineDimExpr(i, ctx));
  AffineExpr n = getAffineDimExpr(rank - 1, ctx), k = getAffineDimExpr(rank, ctx);
  SmallVector<AffineExpr> outExprs(lead);
  outExprs.push_back(n);
  AffineMap outMap = AffineMap::get(rank + 1, 0, outExprs, ctx);

  Value acc;
  if (addend) {
    acc = addend.getType() == type ? addend : tensor::CastOp::create(rewriter, loc, type, addend);
    // A dead addend's buffer takes the bias in place; a live one is read
    // into a new accumulator (1 read + 1 write, as a plain bias broadcast).
    if (bias && addend.hasOneUse())
      acc = addBroadcastInPlace(rewriter, loc, bias, acc, rank - 1);
    else if (bias)
      acc = addBroadcast(rewriter, loc, bias, acc, emptyTensor(rewriter, loc, type, ValueRange{x}),
                         rank - 1);
  } else {
    Value init = emptyTensor(rewriter, loc, type, ValueRange{x});
    acc = bias ? broadcastInto(rewriter, loc, bias, init, rank - 1)
               : fill(rewriter, loc, init, 0.0);
  }
  SmallVector<AffineExpr> xExprs(lead);
  xExprs.push_back(k);
  SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, xExprs, ctx),
                              AffineMap::get(rank + 1, 0, {n, k}, ctx), outMap};
  SmallVector<utils::IteratorType> its(rank + 1, utils::IteratorType::parallel);
  its[rank] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(rewriter, loc, TypeRange{type}, ValueRange{x, weight},
                                   ValueRange{acc}, maps, its, macBody)
      .getResult(0);
}

/// The addend of a fused contraction; none for the plain ops.
static Value addendOf(res::LinearOp::Adaptor) { return {}; }
static Value addendOf(res::FusedLinearOp::Adaptor a) { return a.getAddend(); }
static Value addendOf(res::MatmulOp::Adaptor) { return {}; }
static Value addendOf(res::FusedMatmulOp::Adaptor a) { return a.getAddend(); }

template <typename OpTy>
struct LinearLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, lowerLinear(rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
                                       adaptor.getInput(), adaptor.getWeight(),
                                       adaptor.getBias(), addendOf(adaptor)));
    return success();
  }
};

/// torch.matmul: 1-D operands get a unit dim that is removed afterwards;
/// batch dims broadcast.
/// With an addend (res.fused_matmul: both operands of rank >= 2, so no
/// unit dims are added) the accumulator starts as the addend instead of
/// zeros.
template <typename OpTy>
struct MatmulLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = this->getContext();
    Value a = adaptor.getLhs(), bv = adaptor.getRhs();
    auto at = cast<RankedTensorType>(a.getType()), bt = cast<RankedTensorType>(bv.getType());
    Type elt = at.getElementType();
    bool aVec = at.getRank() == 1, bVec = bt.getRank() == 1;
    // Promote vectors to matrices.
    if (aVec) {
      OpFoldResult k = tensor::getMixedSize(rewriter, loc, a, 0);
      at = RankedTensorType::get({1, at.getDimSize(0)}, elt);
      a = tensor::ExpandShapeOp::create(rewriter, loc, at, a,
                                        SmallVector<ReassociationIndices>{{0, 1}},
                                        SmallVector<OpFoldResult>{rewriter.getIndexAttr(1), k});
    }
    if (bVec) {
      OpFoldResult k = tensor::getMixedSize(rewriter, loc, bv, 0);
      bt = RankedTensorType::get({bt.getDimSize(0), 1}, elt);
      bv = tensor::ExpandShapeOp::create(rewriter, loc, bt, bv,
                                         SmallVector<ReassociationIndices>{{0, 1}},
                                         SmallVector<OpFoldResult>{k, rewriter.getIndexAttr(1)});
    }
    int64_t batch = std::max(at.getRank(), bt.getRank()) - 2;
    int64_t rank = batch + 2;
    // Result shape: broadcast batch dims, then m, n.
    auto fullType = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> shape;
    SmallVector<Value> sizes;
    for (int64_t i = 0; i < batch; ++i) {
      int64_t ia = at.getRank() - 2 - batch + i, ib = bt.getRank() - 2 - batch + i;
      int64_t da = ia >= 0 ? at.getDimSize(ia) : 1, db = ib >= 0 ? bt.getDimSize(ib) : 1;
      int64_t d = da == 1 ? db : da;
      if (da != 1 && db != 1 && !ShapedType::isDynamic(da))
        d = da;
      else if (da != 1 && db != 1)
        d = db;
      shape.push_back(d);
      if (ShapedType::isDynamic(d)) {
        bool fromA = ia >= 0 && at.isDynamicDim(ia);
        sizes.push_back(tensor::DimOp::create(rewriter, loc, fromA ? a : bv, fromA ? ia : ib));
      }
    }
    shape.push_back(at.getDimSize(at.getRank() - 2));
    if (at.isDynamicDim(at.getRank() - 2))
      sizes.push_back(tensor::DimOp::create(rewriter, loc, a, at.getRank() - 2));
    shape.push_back(bt.getDimSize(bt.getRank() - 1));
    if (bt.isDynamicDim(bt.getRank() - 1))
      sizes.push_back(tensor::DimOp::create(rewriter, loc, bv, bt.getRank() - 1));
    auto type = RankedTensorType::get(shape, elt);
    Value acc;
    if (Value addend = addendOf(adaptor))
      acc = addend.getType() == type ? addend
                                     : tensor::CastOp::create(rewriter, loc, type, addend);
    else
      acc = fill(rewriter, loc, emptyTensorWithSizes(rewriter, loc, type, sizes), 0.0);

    auto operandMap = [&](RankedTensorType t, bool isLhs) {
      SmallVector<AffineExpr> exprs;
      int64_t tb = t.getRank() - 2;
      for (int64_t j = 0; j < tb; ++j) {
        int64_t i = batch - tb + j;
        bool bcast = t.getDimSize(j) == 1 && shape[i] != 1;
        exprs.push_back(bcast ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(i, ctx));
      }
      AffineExpr m = getAffineDimExpr(batch, ctx), n = getAffineDimExpr(batch + 1, ctx),
                 k = getAffineDimExpr(batch + 2, ctx);
      if (isLhs) {
        exprs.push_back(m);
        exprs.push_back(k);
      } else {
        exprs.push_back(k);
        exprs.push_back(n);
      }
      return AffineMap::get(rank + 1, 0, exprs, ctx);
    };
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < rank; ++i)
      outExprs.push_back(getAffineDimExpr(i, ctx));
    SmallVector<AffineMap> maps{operandMap(at, true), operandMap(bt, false),
                                AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> its(rank + 1, utils::IteratorType::parallel);
    its[rank] = utils::IteratorType::reduction;
    Value result = linalg::GenericOp::create(rewriter, loc, TypeRange{type}, ValueRange{a, bv},
                                             ValueRange{acc}, maps, its, macBody)
                       .getResult(0);
    // Remove the unit dims of promoted vectors.
    if (aVec || bVec) {
      SmallVector<ReassociationIndices> groups;
      for (int64_t i = 0; i < batch; ++i)
        groups.push_back({i});
      // [.., 1, n] -> [.., n], [.., m, 1] -> [.., m], [1, 1] -> [] (no groups).
      if (!(aVec && bVec))
        groups.push_back({batch, batch + 1});
      result = tensor::CollapseShapeOp::create(rewriter, loc, fullType, result, groups);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void resc::populateContractionPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearLowering<res::LinearOp>, LinearLowering<res::FusedLinearOp>,
               MatmulLowering<res::MatmulOp>, MatmulLowering<res::FusedMatmulOp>>(
      patterns.getContext());
}
