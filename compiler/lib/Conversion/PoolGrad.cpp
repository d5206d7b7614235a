//===- PoolGrad.cpp - the pooling adjoints to linalg ------------*- C++ -*-===//
//
// Both gather: each input position sums over the window offsets (kh, kw)
// whose window contains it, so there is no scatter and no write conflict;
// max pooling first records each window's argmax.
//
//===----------------------------------------------------------------------===//

#include "NNGradUtils.h"
#include "res/ResOps.h"
#include <limits>

using namespace mlir;
using namespace resc;
using namespace resc::nngrad;

namespace {

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

} // namespace

void resc::nngrad::populatePoolGradPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPool2dGradLowering, AvgPool2dGradLowering>(patterns.getContext());
}
