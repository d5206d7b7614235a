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
    Value x = adaptor.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t rank = xt.getRank();
    SmallVector<int64_t> dims(op.getDims());
    if (dims.empty())
      for (int64_t i = 0; i < rank; ++i)
        dims.push_back(i);
    SmallVector<bool> reduced(rank, false);
    for (int64_t d : dims)
      reduced[d] = true;
    Value result = sumDims(rewriter, loc, x, reduced);
    auto reducedType = cast<RankedTensorType>(result.getType());
    if (IsMean) {
      Value count = countAsFloat(rewriter, loc, x, dims, xt.getElementType());
      result = elementwise(rewriter, loc, reducedType, ValueRange{result},
                           [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                             return arith::DivFOp::create(b, l, args[0], count);
                           });
    }
    if (op.getKeepdim()) {
      SmallVector<bool> kept = llvm::map_to_vector(reduced, [](bool r) { return !r; });
      result = expandUnitDims(rewriter, loc, result, cast<RankedTensorType>(op.getType()), kept, x);
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
