//===- NNGradUtils.h - helpers of the layers' adjoint lowerings -*- C++ -*-===//
//
// Private to ConvGrad.cpp, PoolGrad.cpp and NNGrad.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_LIB_CONVERSION_NNGRADUTILS_H
#define RESC_LIB_CONVERSION_NNGRADUTILS_H

#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace resc::nngrad {
using namespace mlir;

inline Value addF(OpBuilder &b, Location l, Value x, Value y) { return arith::AddFOp::create(b, l, x, y); }
inline Value subF(OpBuilder &b, Location l, Value x, Value y) { return arith::SubFOp::create(b, l, x, y); }
inline Value mulF(OpBuilder &b, Location l, Value x, Value y) { return arith::MulFOp::create(b, l, x, y); }
inline Value divF(OpBuilder &b, Location l, Value x, Value y) { return arith::DivFOp::create(b, l, x, y); }
inline Value cstIndex(OpBuilder &b, Location l, int64_t v) { return arith::ConstantIndexOp::create(b, l, v); }

/// Dynamic sizes of `type` taken from the same dims of `like`.
inline SmallVector<Value> dynamicSizesFrom(OpBuilder &b, Location loc,
                                           RankedTensorType type, Value like) {
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, like, i));
  return sizes;
}

/// A zero tensor of `type` whose dynamic sizes come from `like`.
inline Value zerosLike(OpBuilder &b, Location loc, RankedTensorType type, Value like) {
  return fill(b, loc, emptyTensorWithSizes(b, loc, type, dynamicSizesFrom(b, loc, type, like)),
              0.0);
}

/// 1 / sqrt(var + eps), elementwise.
inline Value rsqrtPlusEps(OpBuilder &b, Location loc, Value var, double eps) {
  return elementwise(b, loc, cast<RankedTensorType>(var.getType()), ValueRange{var},
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       Value e = floatConst(nb, l, a[0].getType(), eps);
                       return math::RsqrtOp::create(nb, l, addF(nb, l, a[0], e));
                     });
}

/// The patterns of each file.
void populateConvGradPatterns(RewritePatternSet &patterns);
void populatePoolGradPatterns(RewritePatternSet &patterns);

} // namespace resc::nngrad

#endif // RESC_LIB_CONVERSION_NNGRADUTILS_H
