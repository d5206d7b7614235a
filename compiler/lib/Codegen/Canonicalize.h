//===- Canonicalize.h - in-pass canonicalization ----------------*- C++ -*-===//

#ifndef RESC_CODEGEN_CANONICALIZE_H
#define RESC_CODEGEN_CANONICALIZE_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"

namespace resc::codegen {

/// Adds every loaded dialect's and op's canonicalization patterns, as the
/// canonicalize pass does; codegen passes run them between steps so the
/// next step sees folded (often static) shapes.
void addCanonicalizationPatterns(mlir::RewritePatternSet &patterns);

/// Applies a frozen set of them greedily to `root`.
mlir::LogicalResult canonicalize(mlir::Operation *root,
                                 const mlir::FrozenRewritePatternSet &patterns);

} // namespace resc::codegen

#endif // RESC_CODEGEN_CANONICALIZE_H
