//===- Canonicalize.cpp - in-pass canonicalization --------------*- C++ -*-===//

#include "Canonicalize.h"

#include "mlir/IR/Dialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

void resc::codegen::addCanonicalizationPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
}

LogicalResult resc::codegen::canonicalize(Operation *root,
                                         const FrozenRewritePatternSet &patterns) {
  return applyPatternsGreedily(root, patterns);
}
