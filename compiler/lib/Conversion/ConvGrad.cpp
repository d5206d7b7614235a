//===- ConvGrad.cpp - conv2d's adjoints to linalg ---------------*- C++ -*-===//
//
// Both adjoints are contractions over the columns of Im2col.h, blocked per
// image like the forward (ConvBlocks.h). conv2d_grad_weight reduces dy
// against im2col(x) over (n, p), in partial sums per chunk of images.
// conv2d_grad_input with stride 1 is a convolution of dy with the flipped
// kernel; with a larger stride it computes the columns' adjoint
// dcol = W^T dy and scatters it back with col2im.
//
//===----------------------------------------------------------------------===//

#include "ConvBlocks.h"
#include "NNGradUtils.h"
#include "res/ResOps.h"

using namespace mlir;
using namespace resc;
using namespace resc::nngrad;

/// Wf[g, c, (o, kh, kw)] = W[g, o, c, KH-1-kh, KW-1-kw] ([G, C/G, O/G KH KW])
/// from W [O, C/G, KH, KW]: the kernel of the convolution that is a
/// stride-1 convolution's input adjoint (channels swapped, window flipped).
/// A small generic (at most a few 10K elements) that stays scalar: its read
/// map is not a permutation.
static Value flippedWeight(OpBuilder &b, Location loc, Value w, int64_t groups) {
  MLIRContext *ctx = b.getContext();
  auto wt = cast<RankedTensorType>(w.getType());
  int64_t og = wt.getDimSize(0) / groups, cg = wt.getDimSize(1), kh = wt.getDimSize(2),
          kw = wt.getDimSize(3);
  Value src = conv::regroup(b, loc, w, {{0}, {1}, {2}, {3}}, {{0, 1}, {2}, {3}, {4}},
                            {b.getIndexAttr(groups), b.getIndexAttr(og), b.getIndexAttr(cg),
                             b.getIndexAttr(kh), b.getIndexAttr(kw)});
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // Loops (g, c, o, kh, kw).
  AffineMap read = AffineMap::get(5, 0, {d(0), d(2), d(1), kh - 1 - d(3), kw - 1 - d(4)}, ctx);
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{groups, cg, og, kh, kw},
                                       wt.getElementType());
  Value flipped =
      linalg::GenericOp::create(b, loc, TypeRange{init.getType()}, ValueRange{src},
                                ValueRange{init},
                                SmallVector<AffineMap>{read, AffineMap::getMultiDimIdentityMap(5, ctx)},
                                conv::iterators(5, 0),
                                [](OpBuilder &nb, Location l, ValueRange a) {
                                  linalg::YieldOp::create(nb, l, a[0]);
                                })
          .getResult(0);
  return tensor::CollapseShapeOp::create(b, loc, flipped,
                                         SmallVector<ReassociationIndices>{{0}, {1}, {2, 3, 4}});
}

namespace {

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

/// dx: a convolution of dy (stride 1), or dcol[n, g, k, p] =
/// sum_o W[g, o, k] dy[n, g, o, p], then dx = col2im(dcol): each input
/// position receives what every window that read it sends back.
struct Conv2dGradInputLowering : OpConversionPattern<res::Conv2dGradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::Conv2dGradInputOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value dy = adaptor.getGrad(), w = adaptor.getWeight(), like = adaptor.getLike();
    auto wt = cast<RankedTensorType>(w.getType());
    int64_t groups = op.getGroups();
    if (!wt.hasStaticShape() || type.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "dynamic channel or kernel sizes");
    if (groups < 1 || wt.getDimSize(0) % groups != 0)
      return rewriter.notifyMatchFailure(op, "output channels not divisible by groups");
    conv::Window window{{wt.getDimSize(2), wt.getDimSize(3)}, op.getStride(), op.getDilation(),
                        op.getPadding()};
    SmallVector<OpFoldResult> dySizes = tensor::getMixedSizes(rewriter, loc, dy);
    SmallVector<OpFoldResult> xSizes = tensor::getMixedSizes(rewriter, loc, like);
    Value out = emptyTensor(rewriter, loc, type, ValueRange{like});

    // Stride 1: dx[c, i, j] = sum W[o, c, kh, kw] dy[o, i + p - kh d, j + p - kw d]
    // is a convolution of dy padded by (K - 1) d - p with the flipped kernel
    // (when that padding is not negative): one contraction over
    // O/G KH KW per output pixel, in the register tile like the forward,
    // instead of a short one over O/G into K x K times larger columns that
    // col2im then adds up.
    SmallVector<int64_t> flipPad, unit{1, 1};
    for (int i = 0; i < 2; ++i)
      flipPad.push_back((window.kernel[i] - 1) * window.dilation[i] - window.padding[i]);
    Value dx;
    if (llvm::all_equal({window.stride[0], window.stride[1], int64_t(1)}) &&
        flipPad[0] >= 0 && flipPad[1] >= 0) {
      conv::Window flippedWindow{{window.kernel[0], window.kernel[1]}, unit, window.dilation,
                                 flipPad};
      dx = conv::convolveImage(rewriter, loc, dy, flippedWeight(rewriter, loc, w, groups),
                               Value(), out, flippedWindow, groups);
    } else {
      bool flat = conv::flatSpatial(dySizes[2], dySizes[3]);
      dx = conv::scatterColumns(rewriter, loc, conv::groupImage(rewriter, loc, dy, groups, flat),
                                conv::groupWeight(rewriter, loc, w, groups), out, window,
                                dySizes[2], dySizes[3], groups);
    }
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// dw[g, o, k] = sum over (n, p) of dy[n, g, o, p] col[n, g, k, p]: the
/// columns of the padded input, rebuilt per image as in the forward,
/// reshaped to [O, C/G, kh, kw].
struct Conv2dGradWeightLowering : OpConversionPattern<res::Conv2dGradWeightOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::Conv2dGradWeightOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    if (!type.hasStaticShape() ||
        cast<RankedTensorType>(adaptor.getInput().getType()).isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "dynamic channel or kernel sizes");
    int64_t groups = op.getGroups();
    if (groups < 1 || type.getDimSize(0) % groups != 0)
      return rewriter.notifyMatchFailure(op, "output channels not divisible by groups");
    conv::Window window{{type.getDimSize(2), type.getDimSize(3)}, op.getStride(),
                        op.getDilation(), op.getPadding()};
    rewriter.replaceOp(op, conv::weightGradientImage(rewriter, loc, adaptor.getGrad(),
                                                     adaptor.getInput(), window, groups, type));
    return success();
  }
};

} // namespace

void resc::nngrad::populateConvGradPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2dGradInputLowering, Conv2dGradWeightLowering>(patterns.getContext());
}
