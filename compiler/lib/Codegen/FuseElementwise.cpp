//===- FuseElementwise.cpp - one loop per elementwise chain -----*- C++ -*-===//

#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
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
/// reads, through any of its results (otherwise it would be computed
/// twice).
static bool shouldFuse(OpOperand *use) {
  Operation *producer = use->get().getDefiningOp();
  Operation *consumer = use->getOwner();
  return isAllParallel(producer) && isAllParallel(consumer) && use->get().hasOneUse() &&
         llvm::all_of(producer->getUsers(), [&](Operation *user) { return user == consumer; });
}

/// Every other reader of `producer` comes after `consumer` (the function's
/// return, the reassembly of a stacked state): they can take the fused
/// op's copy of its results. A reader between the two would not see the
/// fused op.
static bool otherUsersFollow(linalg::GenericOp producer, Operation *consumer) {
  Block *block = consumer->getBlock();
  // Read through one operand only: a second one would read the fused op's
  // own result.
  if (llvm::count_if(consumer->getOperands(),
                     [&](Value v) { return v.getDefiningOp() == producer; }) != 1)
    return false;
  return llvm::all_of(producer->getUsers(), [&](Operation *user) {
    if (user == consumer)
      return true;
    Operation *at = block->findAncestorOpInBlock(*user);
    return at && at != consumer && consumer->isBeforeInBlock(at);
  });
}

/// Fuses each producer that is also read later into its consumer, the
/// fused op yielding the producer's results too (SGD's new momentum is
/// returned and read by the parameter update: one pass over parameter,
/// gradient and momentum instead of two; as one op it can also be the
/// epilogue of the weight gradient). Pairs sharing an op wait for the next
/// round, since a fusion replaces both ops. Returns whether it fused
/// anything.
static bool fuseReturnedProducers(func::FuncOp fn) {
  SmallVector<OpOperand *> pairs;
  llvm::SmallPtrSet<Operation *, 16> claimed;
  fn.walk([&](linalg::GenericOp consumer) {
    if (!isAllParallel(consumer) || claimed.contains(consumer))
      return;
    for (OpOperand *operand : consumer.getDpsInputOperands()) {
      auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
      if (!producer || claimed.contains(producer) || !isAllParallel(producer) ||
          !otherUsersFollow(producer, consumer) || !linalg::areElementwiseOpsFusable(operand))
        continue;
      claimed.insert(producer);
      claimed.insert(consumer);
      pairs.push_back(operand);
      return;
    }
  });
  IRRewriter rewriter(fn.getContext());
  bool fused = false;
  for (OpOperand *operand : pairs) {
    Operation *consumer = operand->getOwner();
    Operation *producer = operand->get().getDefiningOp();
    rewriter.setInsertionPoint(consumer);
    FailureOr<linalg::ElementwiseOpFusionResult> result =
        linalg::fuseElementwiseOps(rewriter, operand);
    if (failed(result))
      continue;
    for (auto [original, replacement] : result->replacements)
      rewriter.replaceAllUsesWith(original, replacement);
    rewriter.eraseOp(consumer);
    if (producer->use_empty())
      rewriter.eraseOp(producer);
    fused = true;
  }
  return fused;
}

namespace {
struct ResFuseElementwise : resc::impl::ResFuseElementwiseBase<ResFuseElementwise> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    FrozenRewritePatternSet frozen(std::move(patterns));
    if (failed(applyPatternsGreedily(getOperation(), frozen)))
      return signalPassFailure();
    // Then producers that are also returned, a round of independent pairs
    // at a time, cleaning up in between.
    while (fuseReturnedProducers(getOperation()))
      if (failed(applyPatternsGreedily(getOperation(), frozen)))
        return signalPassFailure();
  }
};
} // namespace
