//===- Utils.h - helpers shared by the res lowerings ------------*- C++ -*-===//

#ifndef RESC_LIB_CONVERSION_UTILS_H
#define RESC_LIB_CONVERSION_UTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include <functional>

namespace resc {

/// An empty tensor of `type`; each dynamic dim `i` is taken from the first of
/// `sources` whose dim at the same position counted from the right is
/// dynamic too (how broadcasting and most ops relate result and inputs).
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type, mlir::ValueRange sources);

/// An empty tensor of `type` whose dynamic sizes are given explicitly.
mlir::Value emptyTensorWithSizes(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::RankedTensorType type,
                                 llvm::ArrayRef<mlir::Value> dynamicSizes);

/// `init` filled with `value`.
mlir::Value fill(mlir::OpBuilder &b, mlir::Location loc, mlir::Value init, double value);

/// `x` zero-padded by `low` and `high` elements per dim (static; a dynamic
/// dim is not padded), writing each element once: `x` inserted into a fresh
/// tensor and zero bands filled around it. A tensor.pad fills the whole
/// result first and then copies `x` over it (a 16-channel 31 x 30 image:
/// 60 KB zeroed per image, mostly overwritten).
mlir::Value padWithZeroBands(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                             llvm::ArrayRef<int64_t> low, llvm::ArrayRef<int64_t> high);

/// The map from a `resultRank`-dim iteration space to an operand of `type`,
/// aligned from the right; static size-1 dims broadcast (map to 0).
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx, mlir::RankedTensorType type,
                             int64_t resultRank, mlir::RankedTensorType resultType);

/// `init` overwritten with `vector` (1-D) read along dim `dim`:
/// out[i0, ..., i_dim, ...] = vector[i_dim] (a bias as an accumulator).
mlir::Value broadcastInto(mlir::OpBuilder &b, mlir::Location loc, mlir::Value vector,
                          mlir::Value init, int64_t dim);

/// acc[..., i_dim, ...] + vector[i_dim], written into `acc` (a bias added
/// to an accumulator that already holds an addend).
mlir::Value addBroadcastInPlace(mlir::OpBuilder &b, mlir::Location loc, mlir::Value vector,
                                mlir::Value acc, int64_t dim);

/// tensor[...] + vector[i_dim], written into `init` (same shape as tensor).
mlir::Value addBroadcast(mlir::OpBuilder &b, mlir::Location loc, mlir::Value vector,
                         mlir::Value tensor, mlir::Value init, int64_t dim);

/// The body of a multiply-accumulate contraction: out + in0 * in1.
void macBody(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange args);

/// A float constant of `type`'s element type.
mlir::Value floatConst(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type, double v);

/// The number of elements along `dims` of `value`, as a float of `type`.
mlir::Value countAsFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                         llvm::ArrayRef<int64_t> dims, mlir::Type type);

/// An elementwise linalg.generic over `inputs` (broadcast to `resultType`)
/// computing `body(args)`.
mlir::Value elementwise(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                        llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                       mlir::ValueRange)>
                            body);

/// Reduces `input` over `dim` (result drops it) with `combine`, from `init`.
mlir::Value reduceDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      int64_t dim, double init,
                      llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                     mlir::Value, mlir::Value)>
                          combine);

/// A map of a rank-r iteration space that drops `dim` (to read a reduced tensor).
mlir::AffineMap dropDimMap(mlir::MLIRContext *ctx, int64_t rank, int64_t dim);

/// A parallel generic producing a tensor shaped like `like` from `inputs`
/// read through `inputMaps`.
mlir::Value mapLike(mlir::OpBuilder &b, mlir::Location loc, mlir::Value like,
                    mlir::ValueRange inputs, llvm::ArrayRef<mlir::AffineMap> inputMaps,
                    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                   mlir::ValueRange)>
                        body);

/// Sums `input` over the dims where `reduced` is true; the result drops them
/// (its dynamic sizes come from `input`).
mlir::Value sumDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                    llvm::ArrayRef<bool> reduced);

/// `value` with the size-1 dims of `type` inserted: `kept[j]` tells which
/// dims of `type` `value` has, in order; their sizes come from dim j of
/// `like`. `value` itself when it already has `type`.
mlir::Value expandUnitDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                           mlir::RankedTensorType type, llvm::ArrayRef<bool> kept,
                           mlir::Value like);

/// The parts of a numerically stable softmax of `x` along `dim`: the maximum
/// m (dim dropped), e = exp(x - m), and the sum of e along `dim`.
struct ExpAlong {
  mlir::Value max, exp, sum;
};
ExpAlong expAlong(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, int64_t dim);

/// [0, 1, ..., rank - 1]: every dim, as a reassociation group or dim list.
llvm::SmallVector<int64_t> allDims(int64_t rank);

/// `v` with all its dims collapsed into one (itself when already 1-D).
mlir::Value collapseToVector(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);

/// `x` ([N, C, H, W]) padded by `pad` on both sides of H and W with `value`;
/// `x` itself when there is no padding.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       llvm::ArrayRef<int64_t> pad, double value);

/// `value` with dim `dim` split into [groups, size / groups] (how grouped
/// convolutions see their channels, and attention its heads).
mlir::Value splitDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                     int64_t dim, int64_t groups);

/// The mean and biased variance of `x` over the dims where `reduced` is true
/// (both drop them), and the number of elements reduced, as a float.
struct Moments {
  mlir::Value mean, var, count;
};
Moments moments(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                llvm::ArrayRef<bool> reduced);

/// The `index`-th slice of a stacked [n, ...] tensor, leading dim dropped.
mlir::Value sliceInstance(mlir::OpBuilder &b, mlir::Location loc, mlir::Value stack,
                          mlir::Value index);

} // namespace resc

#endif // RESC_LIB_CONVERSION_UTILS_H
