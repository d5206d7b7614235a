//===- Loss.cpp - cross_entropy and mse -------------------------*- C++ -*-===//

#include "Utils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace resc;

/// Sum of a 1-D tensor divided by its length, as a rank-0 tensor.
static Value meanOf1D(OpBuilder &b, Location loc, Value v) {
  Value sum = reduceDim(b, loc, v, 0, 0.0, [](OpBuilder &nb, Location l, Value in, Value acc) -> Value {
    return arith::AddFOp::create(nb, l, in, acc);
  });
  auto type = cast<RankedTensorType>(sum.getType());
  Value count = countAsFloat(b, loc, v, {0}, type.getElementType());
  return elementwise(b, loc, type, ValueRange{sum}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
    return arith::DivFOp::create(nb, l, a[0], count);
  });
}

namespace {

/// mean over rows of logsumexp(x_r) - x_r[y_r]. Labels are range-checked
/// before the call (the runtime reports RESC_ENTRY_LABEL_OUT_OF_RANGE); the
/// select keeps even an unchecked call in bounds.
struct CrossEntropyLowering : OpConversionPattern<res::CrossEntropyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::CrossEntropyOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getLogits(), y = adaptor.getLabels();
    auto xt = cast<RankedTensorType>(x.getType());
    if (xt.getRank() == 3) {
      x = tensor::CollapseShapeOp::create(rewriter, loc, x,
                                          SmallVector<ReassociationIndices>{{0, 1}, {2}});
      y = collapseToVector(rewriter, loc, y);
      xt = cast<RankedTensorType>(x.getType());
    }
    Type elt = xt.getElementType();
    ExpAlong parts = expAlong(rewriter, loc, x, 1);
    Value sum = parts.sum, max = parts.max;
    Value numClasses = tensor::DimOp::create(rewriter, loc, x, 1);
    AffineMap id1 = AffineMap::getMultiDimIdentityMap(1, ctx);
    Value perRow = mapLike(
        rewriter, loc, sum, ValueRange{sum, max, y}, {id1, id1, id1},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value lse = arith::AddFOp::create(b, l, math::LogOp::create(b, l, a[0]), a[1]);
          Value label = arith::IndexCastOp::create(b, l, b.getIndexType(), a[2]);
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value inRange = arith::AndIOp::create(
              b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, label, zero),
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, label, numClasses));
          Value safe = arith::SelectOp::create(b, l, inRange, label, zero);
          Value r = linalg::IndexOp::create(b, l, 0);
          Value picked = tensor::ExtractOp::create(b, l, x, ValueRange{r, safe});
          return arith::SubFOp::create(b, l, lse, picked);
        });
    (void)elt;
    rewriter.replaceOp(op, meanOf1D(rewriter, loc, perRow));
    return success();
  }
};

/// mean((input - target)^2) over every element.
struct MseLowering : OpConversionPattern<res::MseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::MseOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value a = adaptor.getInput(), t = adaptor.getTarget();
    if (cast<RankedTensorType>(a.getType()).getRank() == 0) {
      a = tensor::ExpandShapeOp::create(rewriter, loc,
                                        RankedTensorType::get({1}, getElementTypeOrSelf(a)), a,
                                        SmallVector<ReassociationIndices>{},
                                        SmallVector<OpFoldResult>{rewriter.getIndexAttr(1)});
      t = tensor::ExpandShapeOp::create(rewriter, loc,
                                        RankedTensorType::get({1}, getElementTypeOrSelf(t)), t,
                                        SmallVector<ReassociationIndices>{},
                                        SmallVector<OpFoldResult>{rewriter.getIndexAttr(1)});
    }
    Value fa = collapseToVector(rewriter, loc, a), ft = collapseToVector(rewriter, loc, t);
    Value sq = elementwise(rewriter, loc, cast<RankedTensorType>(fa.getType()), ValueRange{fa, ft},
                           [](OpBuilder &b, Location l, ValueRange v) -> Value {
                             Value d = arith::SubFOp::create(b, l, v[0], v[1]);
                             return arith::MulFOp::create(b, l, d, d);
                           });
    rewriter.replaceOp(op, meanOf1D(rewriter, loc, sq));
    return success();
  }
};

} // namespace

void resc::populateLossPatterns(RewritePatternSet &patterns) {
  patterns.add<CrossEntropyLowering, MseLowering>(patterns.getContext());
}
