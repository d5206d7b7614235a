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

/// Tiles `op` into the given tile sizes (0 = whole) and replaces it; the
/// one place the three tiling levels below go through.
static FailureOr<scf::SCFTilingResult>
tile(RewriterBase &rewriter, Operation *op, ArrayRef<int64_t> sizes,
     ArrayRef<int64_t> interchange = {},
     scf::SCFTilingOptions::LoopType loopType = scf::SCFTilingOptions::LoopType::ForOp) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), sizes));
  if (!interchange.empty())
    options.setInterchange(interchange);
  options.setLoopType(loopType);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (succeeded(tiled))
    rewriter.replaceOp(op, tiled->replacements);
  return tiled; // on failure the op stays whole, for the scalar fallback
}

/// Tiles `op` as the schedule says and peels partial tiles, innermost loop
/// first so the outer peel copies already-peeled inner loops.
static void tileAndPeel(RewriterBase &rewriter, Operation *op, const TileSchedule &s) {
  FailureOr<scf::SCFTilingResult> tiled = tile(rewriter, op, s.tileSizes, s.interchange);
  if (failed(tiled))
    return;
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
  SmallVector<int64_t> sizes;
  for (int64_t r : ranges)
    sizes.push_back(ShapedType::isDynamic(r) ? 1 : 0);
  (void)tile(rewriter, op, sizes);
}

/// The outer level: an scf.forall over chunks the threads share. Returns
/// the tiled op inside it (or the op itself when it is not split).
static linalg::LinalgOp distribute(RewriterBase &rewriter, linalg::LinalgOp op) {
  std::optional<SmallVector<int64_t>> tiles = chooseParallelTiles(op);
  if (!tiles)
    return op;
  // One tiled op is expected; anything else is left as the scheduler made it.
  FailureOr<scf::SCFTilingResult> tiled =
      tile(rewriter, op, *tiles, {}, scf::SCFTilingOptions::LoopType::ForallOp);
  if (failed(tiled))
    return op;
  return cast<linalg::LinalgOp>(tiled->tiledOps.back());
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
      if (parallel && !func->hasAttr(resc::kSerialKernelAttr))
        op = distribute(rewriter, op);
      if (auto s = chooseTiles(op))
        work.emplace_back(op, std::move(*s));
    }
    for (auto &[op, s] : work)
      tileAndPeel(rewriter, op, s);

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
