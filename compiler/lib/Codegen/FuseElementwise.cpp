//===- FuseElementwise.cpp - one loop per elementwise chain -----*- C++ -*-===//

#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

/// Fuse an elementwise producer nothing else reads (otherwise it would be
/// computed twice) into an elementwise consumer, or into a reduction that
/// reads each of its elements once (through a permutation of all its
/// loops): batch-norm statistics sum (x - mean)^2 and its gradient sums
/// dy * xhat in the loop that computes them, instead of writing the whole
/// tensor and reading it back. A contraction reads its operands through
/// projections, several times each: never.
static bool shouldFuse(OpOperand *use) {
  Operation *producer = use->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::LinalgOp>(use->getOwner());
  if (!isAllParallel(producer) || !consumer || !use->get().hasOneUse())
    return false;
  return isAllParallel(consumer) || consumer.getMatchingIndexingMap(use).isPermutation();
}

/// A use through which a value only leaves the function: the return, or
/// the reassembly of a returned tensor (a stacked state's instances go
/// through expand_shape and an insert_slice chain into it).
static bool isReturnUse(OpOperand &use) {
  Operation *user = use.getOwner();
  if (isa<func::ReturnOp>(user))
    return true;
  if (!isa<tensor::ExpandShapeOp, tensor::CastOp, tensor::InsertSliceOp>(user))
    return false;
  return llvm::all_of(user->getResult(0).getUses(), isReturnUse);
}

/// A producer read by `consumer` (through one operand: a second one would
/// read the fused op's own result) and otherwise only returned: the return
/// can take the fused op's copy of its results. Any other reader might sit
/// between the two and would not see the fused op, or, fused into several
/// consumers, the producer would be computed twice.
static bool onlyOtherUseIsReturn(linalg::GenericOp producer, Operation *consumer) {
  if (llvm::count_if(consumer->getOperands(),
                     [&](Value v) { return v.getDefiningOp() == producer; }) != 1)
    return false;
  return llvm::all_of(producer->getResults(), [&](Value r) {
    return llvm::all_of(r.getUses(), [&](OpOperand &use) {
      return use.getOwner() == consumer || isReturnUse(use);
    });
  });
}

/// Fuses each producer that is also returned into its consumer, the fused
/// op yielding the producer's results too (SGD's new momentum is
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
          !onlyOtherUseIsReturn(producer, consumer) || !linalg::areElementwiseOpsFusable(operand))
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

/// Inputs of `op` indexed by all its loops (whole tensors, not broadcast
/// per-channel vectors or scalars).
static SmallVector<Value> wholeInputs(linalg::GenericOp op) {
  SmallVector<Value> inputs;
  for (OpOperand *in : op.getDpsInputOperands())
    if (op.getMatchingIndexingMap(in).isPermutation())
      inputs.push_back(in->get());
  return inputs;
}

/// At most this many arithmetic ops in a producer recomputed by each of
/// its consumers (batch norm's xhat = (x - mean) * rstd is two).
constexpr unsigned kMaxRecomputedOps = 4;

/// A cheap elementwise producer read by several consumers, each of which
/// it could fuse into, when recomputing it in each costs fewer whole-tensor
/// reads than writing it once and reading it back in each: batch norm's
/// xhat, read by the gradient's sum(dy * xhat) and by dx, which read x
/// instead (2 reads against a write and 2 reads). Gives each consumer its
/// own copy; returns whether it did.
static bool copyForEveryConsumer(func::FuncOp fn) {
  SmallVector<linalg::GenericOp> producers;
  fn.walk([&](linalg::GenericOp producer) {
    if (!isAllParallel(producer) || producer->getNumResults() != 1 ||
        producer.getNumDpsInputs() == 0)
      return;
    unsigned ops = 0;
    for (Operation &op : producer.getBody()->without_terminator()) {
      if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::NegFOp, arith::MaximumFOp,
               arith::MaxNumFOp>(op))
        return;
      ++ops;
    }
    Value result = producer->getResult(0);
    if (ops > kMaxRecomputedOps || result.hasOneUse() || result.use_empty())
      return;
    SmallVector<Value> inputs = wholeInputs(producer);
    unsigned extraReads = 0, uses = 0;
    for (OpOperand &use : result.getUses()) {
      auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
      if (!consumer || !consumer.isDpsInput(&use) ||
          !consumer.getMatchingIndexingMap(&use).isPermutation() ||
          !linalg::areElementwiseOpsFusable(&use))
        return;
      SmallVector<Value> read = wholeInputs(consumer);
      for (Value in : inputs)
        if (!llvm::is_contained(read, in))
          ++extraReads;
      ++uses;
    }
    if (extraReads < 1 + uses)
      producers.push_back(producer);
  });
  // One copy per consumer; the elementwise fusion patterns then fuse each
  // copy into its only reader.
  OpBuilder b(fn.getContext());
  for (linalg::GenericOp producer : producers) {
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : producer->getResult(0).getUses())
      uses.push_back(&use);
    b.setInsertionPointAfter(producer);
    for (OpOperand *use : ArrayRef<OpOperand *>(uses).drop_front())
      use->set(b.clone(*producer)->getResult(0));
  }
  return !producers.empty();
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
    if (copyForEveryConsumer(getOperation()) &&
        failed(applyPatternsGreedily(getOperation(), frozen)))
      return signalPassFailure();
  }
};
} // namespace
