//===- ExpandShapeToCast.cpp - work around an expand_shape crash ----------===//
//
// res-expand-shape-to-cast: memref.expand_shape groups with more than one
// dynamic size become an explicit reinterpret_cast, which MLIR 22's
// expand-strided-metadata cannot build for them (it crashes).
//
//===----------------------------------------------------------------------===//

#include "resc/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace resc {
#define GEN_PASS_DEF_RESEXPANDSHAPETOCAST
#include "resc/Conversion/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// True if some reassociation group has two or more dynamic result sizes.
static bool hasMultiDynamicGroup(memref::ExpandShapeOp op) {
  ArrayRef<int64_t> shape = op.getResultType().getShape();
  for (const ReassociationIndices &group : op.getReassociationIndices())
    if (llvm::count_if(group, [&](int64_t d) { return ShapedType::isDynamic(shape[d]); }) > 1)
      return true;
  return false;
}

struct ExpandShapeToCast : OpRewritePattern<memref::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::ExpandShapeOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasMultiDynamicGroup(op))
      return rewriter.notifyMatchFailure(op, "left to expand-strided-metadata");
    Location loc = op.getLoc();
    auto meta = memref::ExtractStridedMetadataOp::create(rewriter, loc, op.getSrc());
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    SmallVector<OpFoldResult> strides(sizes.size());
    auto mul = [&](OpFoldResult a, OpFoldResult b) -> OpFoldResult {
      std::optional<int64_t> ca = getConstantIntValue(a), cb = getConstantIntValue(b);
      if (ca && cb)
        return rewriter.getIndexAttr(*ca * *cb);
      return arith::MulIOp::create(rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, a),
                                   getValueOrCreateConstantIndexOp(rewriter, loc, b))
          .getResult();
    };
    // A result type with a static stride needs the attribute, not a value.
    auto [resultStrides, resultOffset] = op.getResultType().getStridesAndOffset();
    for (auto [src, group] : llvm::enumerate(op.getReassociationIndices())) {
      OpFoldResult stride = getAsOpFoldResult(meta.getStrides()[src]);
      for (int64_t d : llvm::reverse(group)) {
        strides[d] = ShapedType::isDynamic(resultStrides[d])
                         ? stride
                         : OpFoldResult(rewriter.getIndexAttr(resultStrides[d]));
        if (d != group.front())
          stride = mul(stride, sizes[d]);
      }
    }
    OpFoldResult offset = ShapedType::isDynamic(resultOffset)
                              ? getAsOpFoldResult(meta.getOffset())
                              : OpFoldResult(rewriter.getIndexAttr(resultOffset));
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(op, op.getResultType(),
                                                           meta.getBaseBuffer(), offset, sizes,
                                                           strides);
    return success();
  }
};

struct ResExpandShapeToCast : resc::impl::ResExpandShapeToCastBase<ResExpandShapeToCast> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandShapeToCast>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
