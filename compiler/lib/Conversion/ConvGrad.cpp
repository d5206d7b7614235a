//===- ConvGrad.cpp - conv2d's adjoints to linalg ---------------*- C++ -*-===//
//
// conv2d_grad_input is a transposed convolution written as an ordinary one,
// so it stays a linalg named conv: dy is scattered with stride s into a zero
// buffer padded by d (k - 1), then convolved (stride 1, dilation d) with the
// flipped weight whose in/out channels are swapped per group.
// conv2d_grad_weight is one generic reducing over (n, oh, ow).
//
//===----------------------------------------------------------------------===//

#include "NNGradUtils.h"
#include "res/ResOps.h"

using namespace mlir;
using namespace resc;
using namespace resc::nngrad;

namespace {

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

/// dx = conv(B, W'), where B[n, o, t] = dy[n, o, oh] at t = oh s - p + (k - 1) d
/// (zero elsewhere, size H + (k - 1) d) and W'[c, o, j] = W[o, c, k - 1 - j]
/// per group, with stride 1 and dilation d. Windows lying entirely in the
/// padding (t < 0 or t beyond the buffer) do not touch x and are dropped.
struct Conv2dGradInputLowering : OpConversionPattern<res::Conv2dGradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::Conv2dGradInputOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    auto type = cast<RankedTensorType>(op.getType());
    Value dy = adaptor.getGrad(), w = adaptor.getWeight(), like = adaptor.getLike();
    auto wt = cast<RankedTensorType>(w.getType());
    auto dyt = cast<RankedTensorType>(dy.getType());
    int64_t groups = op.getGroups();
    if (!wt.hasStaticShape() || type.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "dynamic channel or kernel sizes");
    ArrayRef<int64_t> stride = op.getStride(), pad = op.getPadding(), dil = op.getDilation();
    int64_t outC = wt.getDimSize(0), perGroupIn = wt.getDimSize(1);
    int64_t perGroupOut = outC / groups;
    int64_t k[2] = {wt.getDimSize(2), wt.getDimSize(3)};

    // The buffer B: [N, O, H + (kh - 1) dh, W + (kw - 1) dw], zero.
    SmallVector<int64_t> bufShape{dyt.getDimSize(0), outC, ShapedType::kDynamic,
                                  ShapedType::kDynamic};
    SmallVector<Value> bufSizes;
    if (dyt.isDynamicDim(0))
      bufSizes.push_back(tensor::DimOp::create(rewriter, loc, dy, 0));
    SmallVector<OpFoldResult> srcOffsets{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)};
    SmallVector<OpFoldResult> counts{tensor::getMixedSize(rewriter, loc, dy, 0),
                                     rewriter.getIndexAttr(outC)};
    SmallVector<OpFoldResult> dstOffsets{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)};
    bool empty = false, whole = true; // nothing / all of dy lands in B
    for (int i = 0; i < 2; ++i) {
      int64_t reach = (k[i] - 1) * dil[i];
      int64_t h = type.getDimSize(2 + i), ho = dyt.getDimSize(2 + i);
      // First output row whose window touches x, and where it lands in B.
      int64_t first = pad[i] > reach ? (pad[i] - reach + stride[i] - 1) / stride[i] : 0;
      int64_t at = first * stride[i] - pad[i] + reach;
      srcOffsets.push_back(rewriter.getIndexAttr(first));
      dstOffsets.push_back(rewriter.getIndexAttr(at));
      if (!ShapedType::isDynamic(h) && !ShapedType::isDynamic(ho)) {
        bufShape[2 + i] = h + reach;
        // Last such row: min(Ho - 1, floor((H - 1 + p) / s)).
        int64_t last = std::min(ho - 1, (h - 1 + pad[i]) / stride[i]);
        empty |= last < first;
        whole &= first == 0 && last == ho - 1;
        counts.push_back(rewriter.getIndexAttr(std::max<int64_t>(0, last - first + 1)));
        continue;
      }
      // Dynamic H: the same formulas on index values.
      whole = false;
      Value hv = tensor::DimOp::create(rewriter, loc, like, 2 + i);
      bufSizes.push_back(arith::AddIOp::create(rewriter, loc, hv, cstIndex(rewriter, loc, reach)));
      Value hov = tensor::DimOp::create(rewriter, loc, dy, 2 + i);
      Value lastIn = arith::DivSIOp::create(
          rewriter, loc,
          arith::AddIOp::create(rewriter, loc, hv, cstIndex(rewriter, loc, pad[i] - 1)),
          cstIndex(rewriter, loc, stride[i]));
      Value last = arith::MinSIOp::create(
          rewriter, loc, arith::SubIOp::create(rewriter, loc, hov, cstIndex(rewriter, loc, 1)),
          lastIn);
      Value n = arith::SubIOp::create(rewriter, loc, last, cstIndex(rewriter, loc, first - 1));
      counts.push_back(
          Value(arith::MaxSIOp::create(rewriter, loc, n, cstIndex(rewriter, loc, 0))));
    }
    auto bufType = RankedTensorType::get(bufShape, type.getElementType());
    Value buf = fill(rewriter, loc, emptyTensorWithSizes(rewriter, loc, bufType, bufSizes), 0.0);
    if (!empty) {
      SmallVector<OpFoldResult> ones(4, rewriter.getIndexAttr(1));
      Value part =
          whole ? dy : tensor::ExtractSliceOp::create(rewriter, loc, dy, srcOffsets, counts, ones);
      SmallVector<OpFoldResult> strides{rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
                                        rewriter.getIndexAttr(stride[0]),
                                        rewriter.getIndexAttr(stride[1])};
      buf = tensor::InsertSliceOp::create(rewriter, loc, part, buf, dstOffsets, counts, strides);
    }

    // W'[g, c, o, j, l] = W[g * O/G + o, c, kh - 1 - j, kw - 1 - l].
    Value wg = splitDim(rewriter, loc, w, 0, groups); // [G, O/G, C/G, kh, kw]
    auto flippedType = RankedTensorType::get({groups, perGroupIn, perGroupOut, k[0], k[1]},
                                             type.getElementType());
    AffineExpr g = getAffineDimExpr(0, ctx), c = getAffineDimExpr(1, ctx),
               o = getAffineDimExpr(2, ctx), j = getAffineDimExpr(3, ctx),
               l = getAffineDimExpr(4, ctx);
    SmallVector<AffineMap> maps{AffineMap::get(5, 0, {g, o, c, k[0] - 1 - j, k[1] - 1 - l}, ctx),
                                AffineMap::getMultiDimIdentityMap(5, ctx)};
    Value flipped =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{flippedType}, ValueRange{wg},
            ValueRange{tensor::EmptyOp::create(rewriter, loc, flippedType.getShape(),
                                               flippedType.getElementType())},
            maps, SmallVector<utils::IteratorType>(5, utils::IteratorType::parallel),
            [](OpBuilder &b, Location l, ValueRange a) { linalg::YieldOp::create(b, l, a[0]); })
            .getResult(0);

    Attribute unit = rewriter.getI64TensorAttr({1, 1});
    Attribute dilations = rewriter.getI64TensorAttr(dil);
    Value result;
    if (groups == 1) {
      Value f = tensor::CollapseShapeOp::create(
          rewriter, loc, flipped, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
      result = linalg::Conv2DNchwFchwOp::create(rewriter, loc, TypeRange{type},
                                                ValueRange{buf, f},
                                                ValueRange{zerosLike(rewriter, loc, type, like)},
                                                unit, dilations)
                   .getResult(0);
    } else {
      Value bg = splitDim(rewriter, loc, buf, 1, groups);
      Value init = splitDim(rewriter, loc, zerosLike(rewriter, loc, type, like), 1, groups);
      Value yg = linalg::Conv2DNgchwGfchwOp::create(rewriter, loc, TypeRange{init.getType()},
                                                    ValueRange{bg, flipped}, ValueRange{init},
                                                    unit, dilations)
                     .getResult(0);
      result = tensor::CollapseShapeOp::create(
          rewriter, loc, type, yg, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// dw[g, o, c, kh, kw] = sum over (n, oh, ow) of
///   x_pad[n, g, c, oh s + kh d, ow s + kw d] * dy[n, g, o, oh, ow]
/// with the channel dims split per group; collapsed back to [O, C/G, kh, kw].
struct Conv2dGradWeightLowering : OpConversionPattern<res::Conv2dGradWeightOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::Conv2dGradWeightOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    auto type = cast<RankedTensorType>(op.getType());
    if (!type.hasStaticShape() ||
        cast<RankedTensorType>(adaptor.getInput().getType()).isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "dynamic channel or kernel sizes");
    int64_t groups = op.getGroups();
    ArrayRef<int64_t> stride = op.getStride(), dil = op.getDilation();
    Value x = padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(), 0.0);
    Value xg = splitDim(rewriter, loc, x, 1, groups);                // [N, G, C/G, Hp, Wp]
    Value dyg = splitDim(rewriter, loc, adaptor.getGrad(), 1, groups); // [N, G, O/G, Ho, Wo]
    auto groupedType = RankedTensorType::get(
        {groups, type.getDimSize(0) / groups, type.getDimSize(1), type.getDimSize(2),
         type.getDimSize(3)},
        type.getElementType());
    Value acc = fill(rewriter, loc,
                     tensor::EmptyOp::create(rewriter, loc, groupedType.getShape(),
                                             groupedType.getElementType()),
                     0.0);
    // Loops (g, o, c, kh, kw | n, oh, ow).
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineMap> maps{
        AffineMap::get(8, 0,
                       {d(5), d(0), d(2), d(6) * stride[0] + d(3) * dil[0],
                        d(7) * stride[1] + d(4) * dil[1]},
                       ctx),
        AffineMap::get(8, 0, {d(5), d(0), d(1), d(6), d(7)}, ctx),
        AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
    SmallVector<utils::IteratorType> its(8, utils::IteratorType::parallel);
    its[5] = its[6] = its[7] = utils::IteratorType::reduction;
    Value dw = linalg::GenericOp::create(
                   rewriter, loc, TypeRange{groupedType}, ValueRange{xg, dyg}, ValueRange{acc},
                   maps, its,
                   [](OpBuilder &b, Location l, ValueRange a) {
                     linalg::YieldOp::create(b, l, addF(b, l, mulF(b, l, a[0], a[1]), a[2]));
                   })
                   .getResult(0);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, type, dw, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
    return success();
  }
};

} // namespace

void resc::nngrad::populateConvGradPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2dGradInputLowering, Conv2dGradWeightLowering>(patterns.getContext());
}
