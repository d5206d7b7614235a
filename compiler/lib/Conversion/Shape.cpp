//===- Shape.cpp - reshape, transpose, concat, split/merge, instance ------===//

#include "Utils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace resc;

namespace {

/// Row-major reshape: collapse to 1-D, expand to the target. The one dynamic
/// target dim (if any) is the element count divided by the known ones.
struct ReshapeLowering : OpConversionPattern<res::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::ReshapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    auto type = cast<RankedTensorType>(op.getType());
    if (xt == type) {
      rewriter.replaceOp(op, x);
      return success();
    }
    if (type.getNumDynamicDims() > 1)
      return rewriter.notifyMatchFailure(op, "more than one dynamic result dim");
    if (xt.getRank() == 0 || type.getRank() == 0) {
      // Rank-0 on either side: one element; collapse/expand with no groups.
      if (xt.getRank() == 0)
        rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
            op, type, x, SmallVector<ReassociationIndices>{},
            SmallVector<OpFoldResult>(type.getRank(), rewriter.getIndexAttr(1)));
      else
        rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, type, x,
                                                             SmallVector<ReassociationIndices>{});
      return success();
    }
    Value flat = collapseToVector(rewriter, loc, x);
    if (type.getRank() == 1) {
      rewriter.replaceOp(op, flat);
      return success();
    }
    SmallVector<OpFoldResult> outShape;
    int64_t known = 1;
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d))
        known *= d;
    for (int64_t d : type.getShape()) {
      if (!ShapedType::isDynamic(d)) {
        outShape.push_back(rewriter.getIndexAttr(d));
        continue;
      }
      Value total = tensor::DimOp::create(rewriter, loc, flat, 0);
      Value k = arith::ConstantIndexOp::create(rewriter, loc, known);
      outShape.push_back(Value(arith::DivUIOp::create(rewriter, loc, total, k)));
    }
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, type, flat,
        SmallVector<ReassociationIndices>{ReassociationIndices(allDims(type.getRank()))},
        outShape);
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<res::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> perm;
    for (int64_t i = 0; i < type.getRank(); ++i)
      perm.push_back(i);
    std::swap(perm[op.getDim0()], perm[op.getDim1()]);
    Value x = adaptor.getInput();
    SmallVector<Value> sizes;
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (type.isDynamicDim(i))
        sizes.push_back(tensor::DimOp::create(rewriter, loc, x, perm[i]));
    Value init = emptyTensorWithSizes(rewriter, loc, type, sizes);
    auto t = linalg::TransposeOp::create(rewriter, loc, x, init, perm);
    rewriter.replaceOp(op, t.getResult()[0]);
    return success();
  }
};

/// Each input is inserted at its running offset along `dim`.
struct ConcatLowering : OpConversionPattern<res::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t dim = op.getDim();
    if (type.isDynamicDim(dim))
      return rewriter.notifyMatchFailure(op, "concatenation along a dynamic dim");
    Value result = emptyTensor(rewriter, loc, type, adaptor.getInputs());
    int64_t offset = 0;
    for (Value in : adaptor.getInputs()) {
      auto it = cast<RankedTensorType>(in.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      offsets[dim] = rewriter.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, in);
      SmallVector<OpFoldResult> strides(type.getRank(), rewriter.getIndexAttr(1));
      result = tensor::InsertSliceOp::create(rewriter, loc, in, result, offsets, sizes, strides);
      offset += it.getDimSize(dim);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// res.split_dim: an expand_shape of one dim into [parts, size / parts].
struct SplitDimLowering : OpConversionPattern<res::SplitDimOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::SplitDimOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value split = splitDim(rewriter, op.getLoc(), adaptor.getInput(), op.getDim(), op.getParts());
    if (split.getType() != op.getType())
      split = tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), split);
    rewriter.replaceOp(op, split);
    return success();
  }
};

/// res.merge_dims: a collapse_shape of dims dim and dim + 1.
struct MergeDimsLowering : OpConversionPattern<res::MergeDimsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::MergeDimsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<ReassociationIndices> groups;
    for (int64_t i = 0, dim = op.getDim(); i < type.getRank(); ++i)
      groups.push_back(i < dim ? ReassociationIndices{i}
                       : i == dim ? ReassociationIndices{i, i + 1}
                                  : ReassociationIndices{i + 1});
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, type, adaptor.getInput(), groups);
    return success();
  }
};

/// res.instance %stack {index = i}: the i-th slice, leading dim dropped.
struct InstanceLowering : OpConversionPattern<res::InstanceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::InstanceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value index = arith::ConstantIndexOp::create(rewriter, op.getLoc(), op.getIndex());
    rewriter.replaceOp(op, sliceInstance(rewriter, op.getLoc(), adaptor.getStack(), index));
    return success();
  }
};

} // namespace

Value resc::sliceInstance(OpBuilder &b, Location loc, Value stack, Value index) {
  auto st = cast<RankedTensorType>(stack.getType());
  auto type = RankedTensorType::get(st.getShape().drop_front(), st.getElementType());
  SmallVector<OpFoldResult> offsets(st.getRank(), b.getIndexAttr(0));
  offsets[0] = index;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, stack);
  sizes[0] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(st.getRank(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, stack, offsets, sizes, strides);
}

void resc::populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, TransposeLowering, ConcatLowering, SplitDimLowering,
               MergeDimsLowering, InstanceLowering>(
      patterns.getContext());
}
