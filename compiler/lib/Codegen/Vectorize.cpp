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

/// Drops the unit-size reduction dims of a vector.contract that has more
/// than one reduction dim (a convolution's weight gradient sums over images
/// and pixels; its tiles keep one image). The outer-product lowering takes
/// exactly one reduction; with two, LLVM got one horizontal sum per output
/// element.
struct DropUnitReductionDims : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    if (cast<vector::MaskableOpInterface>(op.getOperation()).isMasked())
      return rewriter.notifyMatchFailure(op, "masked");
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<vector::IteratorType> iters = op.getIteratorTypesArray();
    unsigned numLoops = iters.size();
    // Loop extents, read off the operands.
    SmallVector<int64_t> extent(numLoops, 0);
    for (auto [map, v] : llvm::zip(ArrayRef(maps).take_front(2), ValueRange{op.getLhs(), op.getRhs()}))
      for (auto [i, e] : llvm::enumerate(map.getResults()))
        extent[cast<AffineDimExpr>(e).getPosition()] =
            cast<VectorType>(v.getType()).getDimSize(i);
    llvm::SmallBitVector drop(numLoops);
    unsigned reductions = 0;
    for (unsigned d = 0; d < numLoops; ++d)
      if (iters[d] == vector::IteratorType::reduction) {
        ++reductions;
        if (extent[d] == 1)
          drop.set(d);
      }
    if (reductions < 2 || drop.none())
      return rewriter.notifyMatchFailure(op, "one reduction dim, or none of unit size");
    if (drop.count() == reductions) // keep the innermost one
      drop.reset(drop.find_last());

    auto castAway = [&](Value v, AffineMap map, AffineMap &newMap) -> Value {
      llvm::SmallBitVector positions(map.getNumResults());
      SmallVector<int64_t> shape;
      auto type = cast<VectorType>(v.getType());
      for (auto [i, e] : llvm::enumerate(map.getResults())) {
        if (drop.test(cast<AffineDimExpr>(e).getPosition()))
          positions.set(i);
        else
          shape.push_back(type.getDimSize(i));
      }
      newMap = compressDims(map.dropResults(positions), drop);
      return vector::ShapeCastOp::create(rewriter, op.getLoc(),
                                         VectorType::get(shape, type.getElementType()), v);
    };
    AffineMap lhsMap, rhsMap;
    Value lhs = castAway(op.getLhs(), maps[0], lhsMap);
    Value rhs = castAway(op.getRhs(), maps[1], rhsMap);
    AffineMap accMap = compressDims(maps[2], drop);
    SmallVector<Attribute> newIters;
    for (unsigned d = 0; d < numLoops; ++d)
      if (!drop.test(d))
        newIters.push_back(op.getIteratorTypes()[d]);
    rewriter.replaceOpWithNewOp<vector::ContractionOp>(
        op, lhs, rhs, op.getAcc(), rewriter.getAffineMapArrayAttr({lhsMap, rhsMap, accMap}),
        rewriter.getArrayAttr(newIters), op.getKind());
    return success();
  }
};

struct ResVectorize : resc::impl::ResVectorizeBase<ResVectorize> {
  using Base::Base;
  // Built once per pass instance: collecting every op's patterns is costly.
  FrozenRewritePatternSet cleanup, unitReductions, canonicalization;

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
    // After the clean-up has folded broadcasts and transposes into the
    // contractions' maps (shape casts would block that).
    RewritePatternSet contracts(ctx);
    contracts.add<DropUnitReductionDims>(ctx);
    unitReductions = std::move(contracts);
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

    if (failed(applyPatternsGreedily(func, cleanup)) ||
        failed(applyPatternsGreedily(func, unitReductions)))
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
