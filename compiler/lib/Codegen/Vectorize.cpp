//===- Vectorize.cpp - static linalg tiles to vector code -------*- C++ -*-===//

#include "Canonicalize.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace resc {
#define GEN_PASS_DEF_RESVECTORIZE
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

/// A static iteration space small enough to be one set of vectors.
static bool isVectorSized(linalg::LinalgOp op, int64_t maxElements) {
  int64_t elements = 1;
  for (int64_t r : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(r))
      return false;
    elements *= r;
  }
  return op.getNumLoops() > 0 && elements <= maxElements;
}

namespace {
struct ResVectorize : resc::impl::ResVectorizeBase<ResVectorize> {
  using Base::Base;
  // Built once per pass instance: collecting every op's patterns is costly.
  FrozenRewritePatternSet cleanup, canonicalization;

  LogicalResult initialize(MLIRContext *ctx) override {
    // The clean-up the upstream vectorize transform applies: fold slices
    // into transfers, recognise contractions, sink broadcasts.
    RewritePatternSet patterns(ctx);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::populateSinkVectorOpsPatterns(patterns);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
    resc::codegen::addCanonicalizationPatterns(patterns);
    cleanup = std::move(patterns);
    RewritePatternSet canon(ctx);
    resc::codegen::addCanonicalizationPatterns(canon);
    canonicalization = std::move(canon);
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);

    SmallVector<linalg::LinalgOp> candidates;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && isVectorSized(op, maxVectorElements))
        candidates.push_back(op);
    });
    for (linalg::LinalgOp op : candidates) {
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::VectorizationResult> result =
          linalg::vectorize(rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
                            /*vectorizeNDExtract=*/true);
      if (succeeded(result))
        rewriter.replaceOp(op, result->replacements);
    }

    if (failed(applyPatternsGreedily(func, cleanup)))
      return signalPassFailure();

    // Keep loop-carried accumulator tiles in registers: a transfer_read of
    // the iter_arg at the top and the matching transfer_write at the bottom
    // of a reduction loop move out of it. Innermost loops first.
    SmallVector<scf::ForOp> loops;
    func.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      (void)hoistLoopInvariantSubsets(rewriter, cast<LoopLikeOpInterface>(loop.getOperation()));
    if (failed(resc::codegen::canonicalize(func, canonicalization)))
      return signalPassFailure();
  }
};
} // namespace
