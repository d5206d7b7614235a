//===- Reduction.cpp - mean, sum, softmax, log_softmax ----------*- C++ -*-===//

#include "Utils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include <limits>

using namespace mlir;
using namespace resc;

namespace {

/// mean and sum over `dims`, optionally keeping them as size 1.
template <typename OpTy, bool IsMean>
struct ReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t rank = xt.getRank();
    SmallVector<int64_t> dims(op.getDims());
    if (dims.empty())
      for (int64_t i = 0; i < rank; ++i)
        dims.push_back(i);
    SmallVector<int64_t> shape;
    SmallVector<Value> sizes;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> its;
    for (int64_t i = 0; i < rank; ++i) {
      bool reduced = llvm::is_contained(dims, i);
      its.push_back(reduced ? utils::IteratorType::reduction : utils::IteratorType::parallel);
      if (reduced)
        continue;
      shape.push_back(xt.getDimSize(i));
      outExprs.push_back(getAffineDimExpr(i, ctx));
      if (xt.isDynamicDim(i))
        sizes.push_back(tensor::DimOp::create(rewriter, loc, x, i));
    }
    auto reducedType = RankedTensorType::get(shape, xt.getElementType());
    Value acc = fill(rewriter, loc, emptyTensorWithSizes(rewriter, loc, reducedType, sizes), 0);
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx),
                                AffineMap::get(rank, 0, outExprs, ctx)};
    Value result =
        linalg::GenericOp::create(rewriter, loc, TypeRange{reducedType}, ValueRange{x},
                                  ValueRange{acc}, maps, its,
                                  [](OpBuilder &b, Location l, ValueRange args) {
                                    linalg::YieldOp::create(
                                        b, l, ValueRange{arith::AddFOp::create(b, l, args[0], args[1])});
                                  })
            .getResult(0);
    if (IsMean) {
      Value count = countAsFloat(rewriter, loc, x, dims, xt.getElementType());
      result = elementwise(rewriter, loc, reducedType, ValueRange{result},
                           [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                             return arith::DivFOp::create(b, l, args[0], count);
                           });
    }
    auto finalType = cast<RankedTensorType>(op.getType());
    if (op.getKeepdim() && finalType != reducedType) {
      // Group each size-1 dim with a kept neighbour.
      SmallVector<ReassociationIndices> groups;
      SmallVector<OpFoldResult> outShape;
      ReassociationIndices pending;
      for (int64_t i = 0; i < rank; ++i) {
        bool reduced = llvm::is_contained(dims, i);
        outShape.push_back(reduced ? OpFoldResult(rewriter.getIndexAttr(1))
                                   : tensor::getMixedSize(rewriter, loc, x, i));
        pending.push_back(i);
        if (!reduced) {
          groups.push_back(pending);
          pending.clear();
        }
      }
      if (!pending.empty() && !groups.empty())
        groups.back().append(pending.begin(), pending.end());
      result = tensor::ExpandShapeOp::create(rewriter, loc, finalType, result, groups, outShape);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// softmax = exp(x - max) / sum(exp(x - max)); log_softmax = x - max - log(sum).
template <typename OpTy, bool IsLog>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    int64_t dim = op.getDim();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap reduced = dropDimMap(ctx, rank, dim);
    Value max = reduceDim(rewriter, loc, x, dim, -std::numeric_limits<double>::infinity(),
                          [](OpBuilder &b, Location l, Value in, Value acc) -> Value {
                            return arith::MaxNumFOp::create(b, l, in, acc);
                          });
    Value shifted = mapLike(rewriter, loc, x, ValueRange{x, max}, {id, reduced},
                            [](OpBuilder &b, Location l, ValueRange a) -> Value {
                              return arith::SubFOp::create(b, l, a[0], a[1]);
                            });
    Value e = mapLike(rewriter, loc, x, ValueRange{shifted}, {id},
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return math::ExpOp::create(b, l, a[0]);
                      });
    Value sum = reduceDim(rewriter, loc, e, dim, 0.0,
                          [](OpBuilder &b, Location l, Value in, Value acc) -> Value {
                            return arith::AddFOp::create(b, l, in, acc);
                          });
    Value result;
    if (IsLog)
      result = mapLike(rewriter, loc, x, ValueRange{shifted, sum}, {id, reduced},
                       [](OpBuilder &b, Location l, ValueRange a) -> Value {
                         return arith::SubFOp::create(b, l, a[0], math::LogOp::create(b, l, a[1]));
                       });
    else
      result = mapLike(rewriter, loc, x, ValueRange{e, sum}, {id, reduced},
                       [](OpBuilder &b, Location l, ValueRange a) -> Value {
                         return arith::DivFOp::create(b, l, a[0], a[1]);
                       });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void resc::populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<res::MeanOp, true>, ReduceLowering<res::SumOp, false>,
               SoftmaxLowering<res::SoftmaxOp, false>, SoftmaxLowering<res::LogSoftmaxOp, true>>(
      patterns.getContext());
}
