//===- ConvGrad.cpp - conv2d's adjoints to linalg ---------------*- C++ -*-===//
//
// Both adjoints are one contraction over the columns of Im2col.h, like the
// forward: conv2d_grad_weight reduces dy against im2col(x) over (n, p);
// conv2d_grad_input computes the columns' adjoint dcol = W^T dy and scatters
// it back with col2im (the adjoint of im2col's copies).
//
//===----------------------------------------------------------------------===//

#include "Im2col.h"
#include "NNGradUtils.h"
#include "res/ResOps.h"

using namespace mlir;
using namespace resc;
using namespace resc::nngrad;

namespace {

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

/// dcol[n, g, k, p] = sum_o W[g, o, k] dy[n, g, o, p], then dx = col2im(dcol):
/// each input position receives what every window that read it sends back.
struct Conv2dGradInputLowering : OpConversionPattern<res::Conv2dGradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::Conv2dGradInputOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
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

    bool flat = conv::flatSpatial(dySizes[2], dySizes[3]);
    unsigned spatial = flat ? 1 : 2, loops = 4 + spatial;
    Value dyg = conv::groupImage(rewriter, loc, dy, groups, flat); // [N, G, O/G, P]
    auto dygType = cast<RankedTensorType>(dyg.getType());
    int64_t perGroupK = wt.getDimSize(1) * window.kernel[0] * window.kernel[1];
    SmallVector<int64_t> dcolShape{dygType.getDimSize(0), groups, perGroupK};
    llvm::append_range(dcolShape, dygType.getShape().drop_front(3));
    auto dcolType = RankedTensorType::get(dcolShape, type.getElementType());
    Value init = fill(rewriter, loc, emptyTensor(rewriter, loc, dcolType, ValueRange{dyg}), 0.0);
    // Loops (n, g, k, p | o).
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineExpr o = d(loops - 1);
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, {d(1), o, d(2)}, ctx),
                                conv::withSpatial(ctx, loops, {d(0), d(1), o}, 3, flat),
                                conv::withSpatial(ctx, loops, {d(0), d(1), d(2)}, 3, flat)};
    Value dcol = conv::contract(rewriter, loc, conv::groupWeight(rewriter, loc, w, groups), dyg,
                                init, maps, conv::iterators(loops, 1));
    dcol = conv::ungroupColumns(rewriter, loc, dcol,
                                {dySizes[0], rewriter.getIndexAttr(type.getDimSize(1)),
                                 rewriter.getIndexAttr(window.kernel[0]),
                                 rewriter.getIndexAttr(window.kernel[1]), dySizes[2], dySizes[3]},
                                flat);

    SmallVector<OpFoldResult> xSizes = tensor::getMixedSizes(rewriter, loc, like);
    Value dx = conv::col2im(rewriter, loc, dcol, window, xSizes[2], xSizes[3]);
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// dw[g, o, k] = sum over (n, p) of dy[n, g, o, p] col[n, g, k, p]: the
/// columns of the padded input, as in the forward (CSE shares them when the
/// forward is in the same function), reshaped to [O, C/G, kh, kw].
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
    if (groups < 1 || type.getDimSize(0) % groups != 0)
      return rewriter.notifyMatchFailure(op, "output channels not divisible by groups");
    conv::Window window{{type.getDimSize(2), type.getDimSize(3)}, op.getStride(),
                        op.getDilation(), op.getPadding()};
    Value dy = adaptor.getGrad();
    SmallVector<OpFoldResult> dySizes = tensor::getMixedSizes(rewriter, loc, dy);
    bool flat = conv::flatSpatial(dySizes[2], dySizes[3]);
    unsigned spatial = flat ? 1 : 2, loops = 4 + spatial;
    Value col = conv::groupColumns(
        rewriter, loc, conv::im2col(rewriter, loc, adaptor.getInput(), window, dySizes[2], dySizes[3]),
        groups, flat);
    int64_t perGroupK = type.getDimSize(1) * window.kernel[0] * window.kernel[1];
    int64_t perGroupO = type.getDimSize(0) / groups;
    // Both operands run along p, but the register tile's vectors run along
    // the output's innermost dim, so the operand indexed by it gets
    // transposed (res-transpose-contraction-operands). With more column
    // rows than output channels (a 3x3 kernel's C * 9 > O) transposing dy
    // moves less: compute dw^T [G, K, O] and transpose that small result.
    bool transposed = perGroupK > perGroupO;
    SmallVector<int64_t> shape{groups, perGroupO, perGroupK};
    if (transposed)
      std::swap(shape[1], shape[2]);
    Value init = fill(rewriter, loc,
                      tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType()), 0.0);
    // Loops (g, o, k | n, p), or (g, k, o | n, p) when transposed.
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineExpr o = transposed ? d(2) : d(1), k = transposed ? d(1) : d(2);
    Value dyg = conv::groupImage(rewriter, loc, dy, groups, flat);
    SmallVector<AffineMap> maps{conv::withSpatial(ctx, loops, {d(3), d(0), o}, 4, flat),
                                conv::withSpatial(ctx, loops, {d(3), d(0), k}, 4, flat),
                                AffineMap::get(loops, 0, {d(0), d(1), d(2)}, ctx)};
    Value dw = transposed ? conv::contract(rewriter, loc, col, dyg, init,
                                           {maps[1], maps[0], maps[2]},
                                           conv::iterators(loops, 1 + spatial))
                          : conv::contract(rewriter, loc, dyg, col, init, maps,
                                           conv::iterators(loops, 1 + spatial));
    if (transposed) {
      Value out = tensor::EmptyOp::create(rewriter, loc, {groups, perGroupO, perGroupK},
                                          type.getElementType());
      dw = linalg::TransposeOp::create(rewriter, loc, dw, out, ArrayRef<int64_t>{0, 2, 1})
               .getResult()[0];
    }
    SmallVector<OpFoldResult> sizes;
    for (int64_t s : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(s));
    rewriter.replaceOp(op, conv::regroup(rewriter, loc, dw, {{0, 1}, {2}}, {{0}, {1, 2, 3}},
                                         sizes));
    return success();
  }
};

} // namespace

void resc::nngrad::populateConvGradPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2dGradInputLowering, Conv2dGradWeightLowering>(patterns.getContext());
}
