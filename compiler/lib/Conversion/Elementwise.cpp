//===- Elementwise.cpp - res elementwise ops to linalg.generic --*- C++ -*-===//
//
// One pattern per op; each supplies only the scalar computation. Broadcasting
// comes from the operands' indexing maps (Utils.cpp).
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>

using namespace mlir;
using namespace resc;

namespace {

using ScalarFn = Value (*)(OpBuilder &, Location, ValueRange, Operation *);

/// Lowers an elementwise op whose scalar body is `Fn`.
template <typename OpTy, ScalarFn Fn>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Operation *raw = op.getOperation();
    Value result = elementwise(rewriter, op.getLoc(), type, adaptor.getOperands(),
                               [&](OpBuilder &b, Location loc, ValueRange args) {
                                 return Fn(b, loc, args, raw);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

Value constLike(OpBuilder &b, Location loc, Value like, double v) {
  return floatConst(b, loc, like.getType(), v);
}

Value add(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return arith::AddFOp::create(b, loc, a[0], a[1]);
}
Value sub(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return arith::SubFOp::create(b, loc, a[0], a[1]);
}
Value mul(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return arith::MulFOp::create(b, loc, a[0], a[1]);
}
Value div(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return arith::DivFOp::create(b, loc, a[0], a[1]);
}
Value neg(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return arith::NegFOp::create(b, loc, a[0]);
}
// maxnumf: relu(NaN) is not specified by the language, and maxnum is the
// cheaper instruction (TOOLCHAIN.md, pitfall 7).
Value relu(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return arith::MaxNumFOp::create(b, loc, a[0], constLike(b, loc, a[0], 0.0));
}
Value sigmoidOf(OpBuilder &b, Location loc, Value x) {
  Value negX = arith::NegFOp::create(b, loc, x);
  Value e = math::ExpOp::create(b, loc, negX);
  Value den = arith::AddFOp::create(b, loc, constLike(b, loc, x, 1.0), e);
  return arith::DivFOp::create(b, loc, constLike(b, loc, x, 1.0), den);
}
Value sigmoid(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return sigmoidOf(b, loc, a[0]);
}
Value silu(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return arith::MulFOp::create(b, loc, a[0], sigmoidOf(b, loc, a[0]));
}
Value tanhFn(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return math::TanhOp::create(b, loc, a[0]);
}
Value expFn(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return math::ExpOp::create(b, loc, a[0]);
}
Value logFn(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return math::LogOp::create(b, loc, a[0]);
}
Value sqrtFn(OpBuilder &b, Location loc, ValueRange a, Operation *) {
  return math::SqrtOp::create(b, loc, a[0]);
}
/// Exact: x/2 (1 + erf(x/sqrt 2)); tanh: x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))).
Value gelu(OpBuilder &b, Location loc, ValueRange a, Operation *op) {
  Value x = a[0];
  Value half = arith::MulFOp::create(b, loc, x, constLike(b, loc, x, 0.5));
  Value inner;
  if (cast<res::GeluOp>(op).getApproximate() == "tanh") {
    Value x3 = arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value poly = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, x3, constLike(b, loc, x, 0.044715)));
    Value scaled =
        arith::MulFOp::create(b, loc, poly, constLike(b, loc, x, std::sqrt(2.0 / M_PI)));
    inner = math::TanhOp::create(b, loc, scaled);
  } else {
    Value scaled = arith::MulFOp::create(b, loc, x, constLike(b, loc, x, M_SQRT1_2));
    inner = math::ErfOp::create(b, loc, scaled);
  }
  Value onePlus = arith::AddFOp::create(b, loc, constLike(b, loc, x, 1.0), inner);
  return arith::MulFOp::create(b, loc, half, onePlus);
}

/// Chris Wellons' lowbias32 integer hash on i32 values (wrapping).
static Value mix32(OpBuilder &b, Location loc, Value x) {
  auto c = [&](uint32_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(static_cast<int32_t>(v)));
  };
  auto xorShift = [&](Value v, uint32_t s) {
    return arith::XOrIOp::create(b, loc, v, arith::ShRUIOp::create(b, loc, v, c(s)));
  };
  x = arith::MulIOp::create(b, loc, xorShift(x, 16), c(0x7FEB352Du));
  x = arith::MulIOp::create(b, loc, xorShift(x, 15), c(0x846CA68Bu));
  return xorShift(x, 16);
}

/// Without a key the identity. With one (train_step), element i (row-major,
/// mod 2^32) is kept iff mix32(i * 0x9E3779B9 + stream) >= p * 2^32 (unsigned),
/// stream = mix32(key ^ mix32(site + 1)); kept elements are scaled by 1/(1-p).
/// A counter-based generator: no state, the same mask for the adjoint, and
/// independent of how the loop is tiled or threaded.
struct DropoutLowering : OpConversionPattern<res::DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::DropoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    if (!adaptor.getKey()) {
      rewriter.replaceOp(op, x);
      return success();
    }
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    Type i32 = rewriter.getI32Type();
    double p = op.getP().convertToDouble();
    auto cst = [&](OpBuilder &b, uint32_t v) -> Value {
      return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(static_cast<int32_t>(v)));
    };
    Value key = tensor::ExtractOp::create(rewriter, loc, adaptor.getKey(), ValueRange{});
    int64_t site = op.getSite().value_or(0);
    Value stream = mix32(rewriter, loc,
                         arith::XOrIOp::create(rewriter, loc, key,
                                               mix32(rewriter, loc, cst(rewriter, site + 1))));
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(arith::IndexCastOp::create(
          rewriter, loc, i32,
          getValueOrCreateConstantIndexOp(rewriter, loc, tensor::getMixedSize(rewriter, loc, x, d))));
    auto threshold = static_cast<uint32_t>(std::llround(p * 4294967296.0));
    Type elt = type.getElementType();
    Value result = mapLike(
        rewriter, loc, x, x, AffineMap::getMultiDimIdentityMap(rank, getContext()),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value index = cst(b, 0);
          for (int64_t d = 0; d < rank; ++d) {
            Value i = arith::IndexCastOp::create(b, l, i32, linalg::IndexOp::create(b, l, d));
            index = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, index, sizes[d]), i);
          }
          Value h = mix32(b, l, arith::AddIOp::create(
                                    b, l, arith::MulIOp::create(b, l, index, cst(b, 0x9E3779B9u)),
                                    stream));
          Value keep = arith::CmpIOp::create(b, l, arith::CmpIPredicate::uge, h, cst(b, threshold));
          Value scaled = arith::MulFOp::create(b, l, args[0], floatConst(b, l, elt, 1.0 / (1.0 - p)));
          return arith::SelectOp::create(b, l, keep, scaled, floatConst(b, l, elt, 0.0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// select(j > i, fill, x) with i, j the indices of the last two dims.
struct CausalMaskLowering : OpConversionPattern<res::CausalMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::CausalMaskOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    double fillValue = op.getFill().convertToDouble();
    Value result = mapLike(
        rewriter, op.getLoc(), x, x, AffineMap::getMultiDimIdentityMap(rank, getContext()),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value i = linalg::IndexOp::create(b, loc, rank - 2);
          Value j = linalg::IndexOp::create(b, loc, rank - 1);
          Value above = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, j, i);
          return arith::SelectOp::create(b, loc, above,
                                         floatConst(b, loc, args[0].getType(), fillValue),
                                         args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConstantLowering : OpConversionPattern<res::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "constant is not a typed attribute");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

} // namespace

void resc::populateElementwisePatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ElementwiseLowering<res::AddOp, add>, ElementwiseLowering<res::SubOp, sub>,
               ElementwiseLowering<res::MulOp, mul>, ElementwiseLowering<res::DivOp, div>,
               ElementwiseLowering<res::ResidualAddOp, add>,
               ElementwiseLowering<res::NegOp, neg>, ElementwiseLowering<res::ReluOp, relu>,
               ElementwiseLowering<res::SigmoidOp, sigmoid>,
               ElementwiseLowering<res::SiluOp, silu>, ElementwiseLowering<res::TanhOp, tanhFn>,
               ElementwiseLowering<res::ExpOp, expFn>, ElementwiseLowering<res::LogOp, logFn>,
               ElementwiseLowering<res::SqrtOp, sqrtFn>,
               ElementwiseLowering<res::GeluOp, gelu>, DropoutLowering, CausalMaskLowering,
               ConstantLowering>(ctx);
}
