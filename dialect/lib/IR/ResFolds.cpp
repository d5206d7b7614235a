//===- ResFolds.cpp - Folds and canonicalizations of res ops --------------===//
//
// Each fold replaces an op by an existing value only when that value has
// exactly the op's result type, so folding never changes a type.
//
//===----------------------------------------------------------------------===//

#include "res/ResOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace res;

/// `value` if it has the type of `op`'s single result, otherwise nothing.
static OpFoldResult sameTypeOrNull(Operation *op, Value value) {
  if (value && value.getType() == op->getResult(0).getType())
    return value;
  return {};
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

// neg(neg(x)) -> x
OpFoldResult NegOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return sameTypeOrNull(*this, inner.getInput());
  return {};
}

// dropout(x, p = 0) -> x
OpFoldResult DropoutOp::fold(FoldAdaptor) {
  if (getPAttr().getValueAsDouble() == 0.0)
    return sameTypeOrNull(*this, getInput());
  return {};
}

// transpose(x, d, d) -> x;  transpose(transpose(x, a, b), a, b) -> x
// (also with the inner dims given as b, a).
OpFoldResult TransposeOp::fold(FoldAdaptor) {
  uint64_t d0 = getDim0(), d1 = getDim1();
  if (d0 == d1)
    return sameTypeOrNull(*this, getInput());
  auto inner = getInput().getDefiningOp<TransposeOp>();
  if (!inner)
    return {};
  uint64_t i0 = inner.getDim0(), i1 = inner.getDim1();
  if ((i0 == d0 && i1 == d1) || (i0 == d1 && i1 == d0))
    return sameTypeOrNull(*this, inner.getInput());
  return {};
}

// reshape(x) -> x when x already has the result type. (A single `?` in the
// result is determined by the element count, so equal types mean identity.)
OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  return sameTypeOrNull(*this, getInput());
}

namespace {
/// reshape(reshape(x, s1), s2) -> reshape(x, s2): a row-major reshape only
/// depends on the element order, which the inner reshape preserves. The new
/// op keeps the outer result type.
struct FoldReshapeOfReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReshapeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "input is not a res.reshape");
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inner.getInput(),
                                           op.getShapeAttr());
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<FoldReshapeOfReshape>(context);
}

namespace {
/// add(slice_grad(a, x, d, o), slice_grad(b, x, d, o + size(a)))
///   -> slice_grad(concat(a, b, d), x, d, o),
/// and a slice_grad that covers all of x along d is its gradient. Each
/// slice_grad is a zero tensor of x's size with one slice filled in: the
/// sum of three (attention's q, k, v weight gradients, 384 x 128 each per
/// layer) was three zero fills, three inserts and two full-size adds.
struct MergeAdjacentSliceGrads : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op, PatternRewriter &rewriter) const override {
    auto lo = op.getLhs().getDefiningOp<SliceGradOp>();
    auto hi = op.getRhs().getDefiningOp<SliceGradOp>();
    if (!lo || !hi)
      return rewriter.notifyMatchFailure(op, "operands are not both slice_grad");
    if (lo.getOffset() > hi.getOffset())
      std::swap(lo, hi);
    int64_t dim = lo.getDim();
    auto loType = cast<RankedTensorType>(lo.getGrad().getType());
    auto hiType = cast<RankedTensorType>(hi.getGrad().getType());
    if (lo.getInput() != hi.getInput() || hi.getDim() != dim || !lo->hasOneUse() ||
        !hi->hasOneUse() || lo.getType() != op.getType() || hi.getType() != op.getType() ||
        loType.isDynamicDim(dim) || hiType.isDynamicDim(dim) ||
        lo.getOffset() + loType.getDimSize(dim) != hi.getOffset())
      return rewriter.notifyMatchFailure(op, "not adjacent slices of one tensor");
    SmallVector<int64_t> shape(loType.getShape());
    shape[dim] += hiType.getDimSize(dim);
    // Where one grad has a static size and the other a dynamic one, the
    // concatenation keeps the static size.
    for (size_t i = 0; i < shape.size(); ++i)
      if (ShapedType::isDynamic(shape[i]))
        shape[i] = hiType.getDimSize(i);
    auto joinedType = RankedTensorType::get(shape, loType.getElementType());
    Value joined = ConcatOp::create(rewriter, op.getLoc(), joinedType,
                                    ValueRange{lo.getGrad(), hi.getGrad()},
                                    rewriter.getI64IntegerAttr(dim));
    auto whole = cast<RankedTensorType>(op.getType());
    if (lo.getOffset() == 0 && joinedType == whole) {
      rewriter.replaceOp(op, joined);
      return success();
    }
    rewriter.replaceOpWithNewOp<SliceGradOp>(op, op.getType(), joined, lo.getInput(),
                                             lo.getDimAttr(), lo.getOffsetAttr());
    return success();
  }
};
} // namespace

void AddOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<MergeAdjacentSliceGrads>(context);
}

// repeat 0 carry(...) -> the inits
LogicalResult RepeatOp::fold(FoldAdaptor,
                             SmallVectorImpl<OpFoldResult> &results) {
  if (getCountAttr().getInt() != 0)
    return failure();
  for (auto [result, init] : llvm::zip_equal(getResults(), getInits()))
    if (result.getType() != init.getType())
      return failure();
  for (Value init : getInits())
    results.push_back(init);
  return success();
}

// reduce_to(g, like) -> g when g already has like's type (nothing reduced).
OpFoldResult ReduceToOp::fold(FoldAdaptor) {
  return sameTypeOrNull(*this, getGrad());
}
