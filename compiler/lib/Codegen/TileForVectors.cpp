//===- TileForVectors.cpp - static vector-sized tiles -----------*- C++ -*-===//

#include "Canonicalize.h"
#include "Schedule.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace resc {
#define GEN_PASS_DEF_RESTILEFORVECTORS
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;
using namespace resc::codegen;

/// Does this loop leave a partial last tile (or might it)?
static bool needsPeeling(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step)
    return true;
  return (*ub - *lb) % *step != 0;
}

/// Tiles `op` as the schedule says and peels partial tiles, innermost loop
/// first so the outer peel copies already-peeled inner loops.
static void tileAndPeel(RewriterBase &rewriter, TilingInterface op, const TileSchedule &s) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), s.tileSizes));
  if (!s.interchange.empty())
    options.setInterchange(s.interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(rewriter, op, options);
  if (failed(tiled))
    return; // left whole; lowered by the scalar fallback
  rewriter.replaceOp(op, tiled->replacements);
  for (LoopLikeOpInterface loop : llvm::reverse(tiled->loops)) {
    auto forOp = dyn_cast<scf::ForOp>(loop.getOperation());
    if (!forOp || !needsPeeling(forOp))
      continue;
    scf::ForOp partial;
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial);
  }
}

/// After peeling, the partial tiles of a dynamic dim still have dynamic
/// extents; cutting those dims into unit tiles makes every tile static.
static void tileDynamicDimsByOne(RewriterBase &rewriter, linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (!llvm::any_of(ranges, ShapedType::isDynamic))
    return;
  TileSchedule s;
  for (int64_t r : ranges)
    s.tileSizes.push_back(ShapedType::isDynamic(r) ? 1 : 0);
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), s.tileSizes));
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (succeeded(tiled))
    rewriter.replaceOp(op, tiled->replacements);
}

/// The outer level: an scf.forall over chunks the threads share. Returns
/// the tiled op inside it (or the op itself when it is not split).
static linalg::LinalgOp distribute(RewriterBase &rewriter, linalg::LinalgOp op) {
  std::optional<SmallVector<int64_t>> tiles = chooseParallelTiles(op);
  if (!tiles)
    return op;
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), *tiles));
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled) || tiled->tiledOps.size() != 1)
    return op;
  rewriter.replaceOp(op, tiled->replacements);
  return cast<linalg::LinalgOp>(tiled->tiledOps.front());
}

namespace {
struct ResTileForVectors : resc::impl::ResTileForVectorsBase<ResTileForVectors> {
  using Base::Base;
  // Built once per pass instance: collecting every op's patterns is costly.
  FrozenRewritePatternSet canonicalization;

  LogicalResult initialize(MLIRContext *ctx) override {
    RewritePatternSet patterns(ctx);
    addCanonicalizationPatterns(patterns);
    canonicalization = std::move(patterns);
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());

    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    SmallVector<std::pair<linalg::LinalgOp, TileSchedule>> work;
    for (linalg::LinalgOp op : ops) {
      if (!isa<TilingInterface>(op.getOperation()))
        continue;
      if (parallel)
        op = distribute(rewriter, op);
      if (auto s = chooseTiles(op))
        work.emplace_back(op, std::move(*s));
    }
    for (auto &[op, s] : work)
      tileAndPeel(rewriter, cast<TilingInterface>(op.getOperation()), s);

    // Fold the peeled bounds into static slice types before looking for
    // what is still dynamic.
    if (failed(canonicalize(func, canonicalization)))
      return signalPassFailure();
    SmallVector<linalg::LinalgOp> dynamic;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumLoops() > 0)
        dynamic.push_back(op);
    });
    for (linalg::LinalgOp op : dynamic)
      tileDynamicDimsByOne(rewriter, op);
    if (failed(canonicalize(func, canonicalization)))
      return signalPassFailure();
  }
};
} // namespace
