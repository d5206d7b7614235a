//===- FuseElementwise.cpp - one loop per elementwise chain -----*- C++ -*-===//

#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace resc {
#define GEN_PASS_DEF_RESFUSEELEMENTWISE
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

/// Every loop parallel: elementwise, broadcast or transpose-like.
static bool isAllParallel(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumLoops() == linalgOp.getNumParallelLoops();
}

/// Fuse only elementwise into elementwise, and only a producer nothing else
/// reads (otherwise it would be computed twice).
static bool shouldFuse(OpOperand *use) {
  Operation *producer = use->get().getDefiningOp();
  Operation *consumer = use->getOwner();
  return isAllParallel(producer) && isAllParallel(consumer) && use->get().hasOneUse();
}

namespace {
struct ResFuseElementwise : resc::impl::ResFuseElementwiseBase<ResFuseElementwise> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
