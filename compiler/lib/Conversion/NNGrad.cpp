//===- NNGrad.cpp - the layers' adjoints to linalg --------------*- C++ -*-===//
//
// One pattern per gradient op of ResGradientOps.td (formulas there):
// - conv2d_grad_input is a transposed convolution written as an ordinary
//   one, so it stays a linalg named conv: dy is scattered with stride s into
//   a zero buffer padded by d (k - 1), then convolved (stride 1, dilation d)
//   with the flipped weight whose in/out channels are swapped per group;
// - conv2d_grad_weight is one generic reducing over (n, oh, ow);
// - the pooling adjoints gather: each input position sums over the window
//   offsets (kh, kw) whose window contains it, so there is no scatter and no
//   write conflict; max pooling first records each window's argmax;
// - embedding_grad is the one scatter-add, an scf.for over the positions
//   adding a row of dy into the row its index selects;
// - batch_norm_grad / layer_norm_grad recompute the statistics (cheaper to
//   recompute than to keep from the forward) and apply the closed forms.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include <limits>

using namespace mlir;
using namespace resc;

namespace {

Value addF(OpBuilder &b, Location l, Value x, Value y) { return arith::AddFOp::create(b, l, x, y); }
Value subF(OpBuilder &b, Location l, Value x, Value y) { return arith::SubFOp::create(b, l, x, y); }
Value mulF(OpBuilder &b, Location l, Value x, Value y) { return arith::MulFOp::create(b, l, x, y); }
Value divF(OpBuilder &b, Location l, Value x, Value y) { return arith::DivFOp::create(b, l, x, y); }
Value cstIndex(OpBuilder &b, Location l, int64_t v) { return arith::ConstantIndexOp::create(b, l, v); }

/// Dynamic sizes of `type` taken from the same dims of `like`.
SmallVector<Value> dynamicSizesFrom(OpBuilder &b, Location loc, RankedTensorType type,
                                    Value like) {
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, like, i));
  return sizes;
}

/// A zero tensor of `type` whose dynamic sizes come from `like`.
Value zerosLike(OpBuilder &b, Location loc, RankedTensorType type, Value like) {
  return fill(b, loc, emptyTensorWithSizes(b, loc, type, dynamicSizesFrom(b, loc, type, like)),
              0.0);
}

/// 1 / sqrt(var + eps), elementwise.
Value rsqrtPlusEps(OpBuilder &b, Location loc, Value var, double eps) {
  return elementwise(b, loc, cast<RankedTensorType>(var.getType()), ValueRange{var},
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       Value e = floatConst(nb, l, a[0].getType(), eps);
                       return math::RsqrtOp::create(nb, l, addF(nb, l, a[0], e));
                     });
}

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

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// The gather form of a window op's adjoint: dx[n, c, h, w] is the sum, over
/// window offsets (i, j), of `contribution(oh, ow)` for the output position
/// (oh, ow) = ((h + p - i) / s, (w + p - j) / s) when that division is exact
/// and in range (the windows that contain (h, w)); `contribution` receives
/// in-bounds (clamped) indices, and invalid terms are replaced by 0.
Value windowAdjoint(OpBuilder &b, Location loc, RankedTensorType type, Value like, Value dy,
                    ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride, ArrayRef<int64_t> pad,
                    function_ref<Value(OpBuilder &, Location, ValueRange nchw, Value oh,
                                       Value ow)>
                        contribution) {
  MLIRContext *ctx = b.getContext();
  Type elt = type.getElementType();
  Value outH = tensor::DimOp::create(b, loc, dy, 2), outW = tensor::DimOp::create(b, loc, dy, 3);
  Value window = tensor::EmptyOp::create(b, loc, kernel, elt);
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(6, 0, {d(4), d(5)}, ctx),
                              AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx)};
  SmallVector<utils::IteratorType> its(6, utils::IteratorType::parallel);
  its[4] = its[5] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{window},
             ValueRange{zerosLike(b, loc, type, like)}, maps, its,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value zero = cstIndex(nb, l, 0);
               Value valid;
               SmallVector<Value> out;
               Value sizes[2] = {outH, outW};
               for (int i = 0; i < 2; ++i) {
                 Value pos = linalg::IndexOp::create(nb, l, 2 + i);
                 Value off = linalg::IndexOp::create(nb, l, 4 + i);
                 Value num = arith::SubIOp::create(
                     nb, l, arith::AddIOp::create(nb, l, pos, cstIndex(nb, l, pad[i])), off);
                 Value s = cstIndex(nb, l, stride[i]);
                 Value q = arith::DivSIOp::create(nb, l, num, s);
                 Value ok = arith::AndIOp::create(
                     nb, l, arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, num, zero),
                     arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                           arith::RemSIOp::create(nb, l, num, s), zero));
                 ok = arith::AndIOp::create(
                     nb, l, ok, arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, q, sizes[i]));
                 valid = valid ? Value(arith::AndIOp::create(nb, l, valid, ok)) : ok;
                 out.push_back(arith::SelectOp::create(nb, l, ok, q, zero));
               }
               SmallVector<Value> nchw;
               for (unsigned i = 0; i < 4; ++i)
                 nchw.push_back(linalg::IndexOp::create(nb, l, i));
               Value term = contribution(nb, l, nchw, out[0], out[1]);
               term = arith::SelectOp::create(nb, l, valid, term, floatConst(nb, l, elt, 0.0));
               linalg::YieldOp::create(nb, l, addF(nb, l, a[1], term));
             })
      .getResult(0);
}

/// Each window's dy goes to its argmax: first the argmax of every window (as
/// a flat h * W + w index into the unpadded input), then the gather. Ties go
/// to the smallest index, PyTorch's first-in-row-major-order, in a way that
/// does not depend on the order the reduction visits the window.
struct MaxPool2dGradLowering : OpConversionPattern<res::MaxPool2dGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::MaxPool2dGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    auto type = cast<RankedTensorType>(op.getType());
    Type elt = type.getElementType();
    Value x = adaptor.getInput(), dy = adaptor.getGrad();
    auto dyt = cast<RankedTensorType>(dy.getType());
    ArrayRef<int64_t> kernel = op.getKernel(), stride = op.getStride(), pad = op.getPadding();
    const double inf = std::numeric_limits<double>::infinity();
    Value xp = padSpatial(rewriter, loc, x, pad, -inf);
    Value width = tensor::DimOp::create(rewriter, loc, x, 3);

    auto idxType = RankedTensorType::get(dyt.getShape(), rewriter.getI64Type());
    SmallVector<Value> dySizes = dynamicSizesFrom(rewriter, loc, dyt, dy);
    Value maxInit = fill(rewriter, loc, emptyTensorWithSizes(rewriter, loc, dyt, dySizes), -inf);
    Value idxInit = linalg::FillOp::create(
                        rewriter, loc,
                        ValueRange{arith::ConstantOp::create(
                            rewriter, loc,
                            rewriter.getI64IntegerAttr(std::numeric_limits<int64_t>::max()))},
                        ValueRange{emptyTensorWithSizes(rewriter, loc, idxType, dySizes)})
                        .getResult(0);
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, elt);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineMap outMap = AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx);
    SmallVector<AffineMap> maps{
        AffineMap::get(6, 0, {d(0), d(1), d(2) * stride[0] + d(4), d(3) * stride[1] + d(5)}, ctx),
        AffineMap::get(6, 0, {d(4), d(5)}, ctx), outMap, outMap};
    SmallVector<utils::IteratorType> its(6, utils::IteratorType::parallel);
    its[4] = its[5] = utils::IteratorType::reduction;
    auto argmax = linalg::GenericOp::create(
        rewriter, loc, TypeRange{dyt, idxType}, ValueRange{xp, window},
        ValueRange{maxInit, idxInit}, maps, its, [&](OpBuilder &b, Location l, ValueRange a) {
          Value row[2];
          for (int i = 0; i < 2; ++i)
            row[i] = arith::SubIOp::create(
                b, l,
                arith::AddIOp::create(
                    b, l,
                    arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, 2 + i),
                                          cstIndex(b, l, stride[i])),
                    linalg::IndexOp::create(b, l, 4 + i)),
                cstIndex(b, l, pad[i]));
          Value flat = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, row[0], width),
                                             row[1]);
          flat = arith::IndexCastOp::create(b, l, b.getI64Type(), flat);
          Value greater = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, a[0], a[2]);
          Value equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, a[0], a[2]);
          Value earlier = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, flat, a[3]);
          Value take = arith::OrIOp::create(b, l, greater,
                                            arith::AndIOp::create(b, l, equal, earlier));
          linalg::YieldOp::create(b, l,
                                  ValueRange{arith::SelectOp::create(b, l, take, a[0], a[2]),
                                             arith::SelectOp::create(b, l, take, flat, a[3])});
        });
    Value indices = argmax.getResult(1);

    Value result = windowAdjoint(
        rewriter, loc, type, x, dy, kernel, stride, pad,
        [&](OpBuilder &b, Location l, ValueRange nchw, Value oh, Value ow) -> Value {
          Value at = tensor::ExtractOp::create(b, l, indices, ValueRange{nchw[0], nchw[1], oh, ow});
          Value self = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, nchw[2], width),
                                             nchw[3]);
          self = arith::IndexCastOp::create(b, l, b.getI64Type(), self);
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, at, self);
          Value g = tensor::ExtractOp::create(b, l, dy, ValueRange{nchw[0], nchw[1], oh, ow});
          return arith::SelectOp::create(b, l, hit, g, floatConst(b, l, elt, 0.0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// dx[n, c, h, w] = sum over the windows containing (h, w) of dy / (kh kw).
struct AvgPool2dGradLowering : OpConversionPattern<res::AvgPool2dGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::AvgPool2dGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value dy = adaptor.getGrad();
    ArrayRef<int64_t> kernel = op.getKernel();
    double area = double(kernel[0] * kernel[1]);
    Value result = windowAdjoint(
        rewriter, loc, type, adaptor.getLike(), dy, kernel, op.getStride(), op.getPadding(),
        [&](OpBuilder &b, Location l, ValueRange nchw, Value oh, Value ow) -> Value {
          Value g = tensor::ExtractOp::create(b, l, dy, ValueRange{nchw[0], nchw[1], oh, ow});
          return divF(b, l, g, floatConst(b, l, type.getElementType(), area));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// embedding_grad
//===----------------------------------------------------------------------===//

/// dw = 0; for each position i: dw[clamp(idx[i]), :] += dy[i, :]. A loop
/// rather than a generic because several positions may hit the same row.
struct EmbeddingGradLowering : OpConversionPattern<res::EmbeddingGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::EmbeddingGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value like = adaptor.getLike();
    Value idx = collapseToVector(rewriter, loc, adaptor.getIndices());
    Value dy = adaptor.getGrad();
    int64_t r = cast<RankedTensorType>(dy.getType()).getRank();
    if (r > 2) {
      ReassociationIndices lead;
      for (int64_t i = 0; i + 1 < r; ++i)
        lead.push_back(i);
      dy = tensor::CollapseShapeOp::create(rewriter, loc, dy,
                                           SmallVector<ReassociationIndices>{lead, {r - 1}});
    }
    Value init = zerosLike(rewriter, loc, type, like);
    Value rows = tensor::DimOp::create(rewriter, loc, like, 0);
    OpFoldResult cols = tensor::getMixedSize(rewriter, loc, like, 1);
    Value zero = cstIndex(rewriter, loc, 0), one = cstIndex(rewriter, loc, 1);
    Value lastRow = arith::SubIOp::create(rewriter, loc, rows, one);
    Value count = tensor::DimOp::create(rewriter, loc, idx, 0);
    auto rowType = RankedTensorType::get({1, type.getDimSize(1)}, type.getElementType());
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, count, one, ValueRange{init},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
          Value k = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                               tensor::ExtractOp::create(b, l, idx, ValueRange{i}));
          k = arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, k, lastRow), zero);
          SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), cols};
          SmallVector<OpFoldResult> unit(2, b.getIndexAttr(1));
          Value src = tensor::ExtractSliceOp::create(b, l, rowType, dy,
                                                     SmallVector<OpFoldResult>{i, b.getIndexAttr(0)},
                                                     sizes, unit);
          SmallVector<OpFoldResult> at{k, b.getIndexAttr(0)};
          Value cur = tensor::ExtractSliceOp::create(b, l, rowType, acc[0], at, sizes, unit);
          Value sum = elementwise(b, l, rowType, ValueRange{cur, src},
                                  [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                                    return addF(nb, nl, a[0], a[1]);
                                  });
          Value next = tensor::InsertSliceOp::create(b, l, sum, acc[0], at, sizes, unit);
          scf::YieldOp::create(b, l, next);
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// batch_norm_grad and layer_norm_grad
//===----------------------------------------------------------------------===//

/// Per channel (dim 1): xhat and rstd from the batch statistics (training)
/// or the running ones; db = sum(dy), dw = sum(dy xhat);
/// dx = w rstd (dy - db / M - xhat dw / M) in training, w rstd dy otherwise.
struct BatchNormGradLowering : OpConversionPattern<res::BatchNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::BatchNormGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight(), dy = adaptor.getGrad();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    SmallVector<bool> reduced(rank, true);
    reduced[1] = false;
    Value mean = adaptor.getRunningMean(), var = adaptor.getRunningVar(), count;
    bool training = op.getTraining();
    if (training) {
      Moments stats = moments(rewriter, loc, x, reduced);
      mean = stats.mean, var = stats.var, count = stats.count;
    }
    Value rstd = rsqrtPlusEps(rewriter, loc, var, op.getEps().convertToDouble());
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap ch = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    Value xhat = mapLike(rewriter, loc, x, ValueRange{x, mean, rstd}, {id, ch, ch},
                         [](OpBuilder &b, Location l, ValueRange a) -> Value {
                           return mulF(b, l, subF(b, l, a[0], a[1]), a[2]);
                         });
    Value dyXhat = mapLike(rewriter, loc, x, ValueRange{dy, xhat}, {id, id},
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return mulF(b, l, a[0], a[1]);
                           });
    Value db = sumDims(rewriter, loc, dy, reduced);
    Value dw = sumDims(rewriter, loc, dyXhat, reduced);
    Value dx;
    if (training) {
      dx = mapLike(rewriter, loc, x, ValueRange{dy, xhat, w, rstd, db, dw},
                   {id, id, ch, ch, ch, ch}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                     Value centred = subF(b, l, a[0], divF(b, l, a[4], count));
                     Value v = subF(b, l, centred, mulF(b, l, a[1], divF(b, l, a[5], count)));
                     return mulF(b, l, mulF(b, l, a[2], a[3]), v);
                   });
    } else {
      dx = mapLike(rewriter, loc, x, ValueRange{dy, w, rstd}, {id, ch, ch},
                   [](OpBuilder &b, Location l, ValueRange a) -> Value {
                     return mulF(b, l, a[0], mulF(b, l, a[1], a[2]));
                   });
    }
    rewriter.replaceOp(op, ValueRange{dx, dw, db});
    return success();
  }
};

/// Per row (last dim), g = dy w: dx = rstd (g - mean(g) - xhat mean(g xhat));
/// dw = sum(dy xhat), db = sum(dy) over the leading dims.
struct LayerNormGradLowering : OpConversionPattern<res::LayerNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::LayerNormGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight(), dy = adaptor.getGrad();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank(), last = rank - 1;
    SmallVector<bool> lastOnly(rank, false), leading(rank, true);
    lastOnly[last] = true;
    leading[last] = false;
    Moments stats = moments(rewriter, loc, x, lastOnly);
    Value rstd = rsqrtPlusEps(rewriter, loc, stats.var, op.getEps().convertToDouble());
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap row = dropDimMap(ctx, rank, last);
    AffineMap feature = AffineMap::get(rank, 0, {getAffineDimExpr(last, ctx)}, ctx);
    auto mul = [](OpBuilder &b, Location l, ValueRange a) -> Value { return mulF(b, l, a[0], a[1]); };
    Value xhat = mapLike(rewriter, loc, x, ValueRange{x, stats.mean, rstd}, {id, row, row},
                         [](OpBuilder &b, Location l, ValueRange a) -> Value {
                           return mulF(b, l, subF(b, l, a[0], a[1]), a[2]);
                         });
    Value g = mapLike(rewriter, loc, x, ValueRange{dy, w}, {id, feature}, mul);
    Value gXhat = mapLike(rewriter, loc, x, ValueRange{g, xhat}, {id, id}, mul);
    Value sumG = sumDims(rewriter, loc, g, lastOnly);
    Value sumGXhat = sumDims(rewriter, loc, gXhat, lastOnly);
    Value count = stats.count;
    Value dx = mapLike(rewriter, loc, x, ValueRange{g, xhat, rstd, sumG, sumGXhat},
                       {id, id, row, row, row},
                       [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                         Value v = subF(b, l, a[0], divF(b, l, a[3], count));
                         v = subF(b, l, v, mulF(b, l, a[1], divF(b, l, a[4], count)));
                         return mulF(b, l, a[2], v);
                       });
    Value dyXhat = mapLike(rewriter, loc, x, ValueRange{dy, xhat}, {id, id}, mul);
    Value dw = sumDims(rewriter, loc, dyXhat, leading);
    Value db = sumDims(rewriter, loc, dy, leading);
    rewriter.replaceOp(op, ValueRange{dx, dw, db});
    return success();
  }
};

} // namespace

void resc::populateNNGradientPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2dGradInputLowering, Conv2dGradWeightLowering, MaxPool2dGradLowering,
               AvgPool2dGradLowering, EmbeddingGradLowering, BatchNormGradLowering,
               LayerNormGradLowering>(patterns.getContext());
}
