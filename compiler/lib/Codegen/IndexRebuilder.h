//===- IndexRebuilder.h - recompute buffer sizes elsewhere -------*- C++ -*-===//
//
// The memory plan needs every buffer's size before the code that allocates
// it runs: at a kernel's call site, or in an entry's prologue and its
// scratch-size function. Sizes are index arithmetic over `memref.dim`s of
// function arguments; the rebuilder clones that arithmetic at another
// point, with the arguments mapped to other values, following dims through
// views, casts and loop-carried buffers to where they are known.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_CODEGEN_INDEXREBUILDER_H
#define RESC_CODEGEN_INDEXREBUILDER_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace resc {

class IndexRebuilder {
public:
  /// `map` sends the roots (function arguments) to their values at the
  /// builder's insertion point.
  IndexRebuilder(mlir::OpBuilder &b, mlir::IRMapping map) : b(b), map(std::move(map)) {}

  /// `v` (an index or integer) computed at the insertion point, or failure
  /// when it depends on something other than the roots.
  mlir::FailureOr<mlir::Value> rebuild(mlir::Value v);
  /// Size `dim` of memref `m`.
  mlir::FailureOr<mlir::Value> rebuildDim(mlir::Value m, int64_t dim);
  /// Each of `values` rebuilt, or failure.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>> rebuildAll(mlir::ValueRange values);
  /// Size `dim` of root `memref` is `size` (a scratch layout function's
  /// index arguments stand for the entry's dims).
  void mapDim(mlir::Value memref, int64_t dim, mlir::Value size) { dims[{memref, dim}] = size; }

private:
  mlir::OpBuilder &b;
  mlir::IRMapping map;
  llvm::DenseMap<std::pair<mlir::Value, int64_t>, mlir::Value> dims;
};

/// A constant upper bound of index `v` (value bounds, and the min of
/// chunked loops), or nullopt.
std::optional<int64_t> constantUpperBound(mlir::Value v);

/// The most bytes `alloc` can take (its dynamic sizes at their constant
/// upper bounds), or nullopt when a size is unbounded.
std::optional<int64_t> boundBytes(mlir::memref::AllocOp alloc);
/// The same for a buffer of `type` with these dynamic sizes.
std::optional<int64_t> boundBytes(mlir::MemRefType type, mlir::ValueRange dynamicSizes);

} // namespace resc

#endif
