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

/// The all-parallel op that initialises a contraction's accumulator (a
/// zero fill, a bias broadcast, a fused residual addend plus bias) when it
/// can move into the contraction's tiles: then each output tile is
/// initialised in registers right before its k loop instead of by a
/// separate pass over memory. Only for one reduction dim: with outer
/// reduction dims (a convolution's weight gradient) a tile is revisited.
static linalg::LinalgOp fusableInit(linalg::LinalgOp op) {
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->k.size() != 1 || op.getNumDpsInits() != 1)
    return {};
  auto init = op.getDpsInitOperand(0)->get().getDefiningOp<linalg::LinalgOp>();
  if (!init || !init.hasPureTensorSemantics() || init->getNumResults() != 1 ||
      init.getNumLoops() != init.getNumParallelLoops() || !init->getResult(0).hasOneUse() ||
      !isa<TilingInterface>(init.getOperation()))
    return {};
  return init;
}

/// Tiles contraction `op` without its reduction dim, fusing `init` into
/// every tile (the fused init then reads the tile's own destination), and
/// returns the tiled contraction. k is tiled later, inside, by tileK.
static FailureOr<scf::SCFTileAndFuseResult>
tileWithInit(RewriterBase &rewriter, linalg::LinalgOp op, linalg::LinalgOp init,
             ArrayRef<int64_t> sizes, ArrayRef<int64_t> interchange,
             scf::SCFTilingOptions::LoopType loopType) {
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(op->getContext(), sizes));
  if (!interchange.empty())
    tiling.setInterchange(interchange);
  tiling.setLoopType(loopType);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  Operation *initOp = init.getOperation();
  options.setFusionControlFn(
      [initOp](tensor::ExtractSliceOp, OpResult producer,
               bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        if (producer.getOwner() != initOp)
          return std::nullopt;
        return scf::SCFTileAndFuseOptions::ControlFnResult{};
      });
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()),
                                                options);
  if (failed(tiled))
    return failure();
  for (Value r : op->getResults())
    if (Value replacement = tiled->replacements.lookup(r))
      rewriter.replaceAllUsesWith(r, replacement);
  if (op->use_empty())
    rewriter.eraseOp(op);
  if (init->use_empty())
    rewriter.eraseOp(init);
  return tiled;
}

/// A contraction whose accumulator initialisation moves into its tiles:
/// threads, then the register tile (m, n) with the init fused at both
/// levels, peeled; k stays whole until tileK.
static bool tileContractionWithInit(RewriterBase &rewriter, linalg::LinalgOp op,
                                    const TileSchedule &s, bool parallel) {
  linalg::LinalgOp init = fusableInit(op);
  if (!init)
    return false;
  unsigned k = linalg::inferContractionDims(op)->k.front();
  if (parallel)
    if (std::optional<SmallVector<int64_t>> chunks = chooseParallelTiles(op)) {
      FailureOr<scf::SCFTileAndFuseResult> forall = tileWithInit(
          rewriter, op, init, *chunks, {}, scf::SCFTilingOptions::LoopType::ForallOp);
      if (failed(forall))
        return false;
      op = cast<linalg::LinalgOp>(forall->tiledAndFusedOps.front());
      init = fusableInit(op);
      if (!init)
        return true; // tiled for threads; the rest is left to the scalar path
    }
  SmallVector<int64_t> sizes(s.tileSizes);
  sizes[k] = 0;
  FailureOr<scf::SCFTileAndFuseResult> tiled = tileWithInit(
      rewriter, op, init, sizes, s.interchange, scf::SCFTilingOptions::LoopType::ForOp);
  if (failed(tiled))
    return true;
  for (LoopLikeOpInterface loop : llvm::reverse(tiled->loops)) {
    auto forOp = dyn_cast<scf::ForOp>(loop.getOperation());
    if (!forOp || !needsPeeling(forOp))
      continue;
    scf::ForOp partial;
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial);
  }
  return true;
}

/// The k loop of register tiles made by tileContractionWithInit: steps of
/// one, the accumulator carried through it (and hoisted into registers by
/// res-vectorize).
static void tileK(RewriterBase &rewriter, linalg::LinalgOp op) {
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->k.size() != 1)
    return;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned k = dims->k.front();
  if (ranges[k] == 1 || llvm::any_of(ranges, ShapedType::isDynamic))
    return;
  SmallVector<int64_t> sizes(op.getNumLoops(), 0);
  sizes[k] = 1;
  (void)tile(rewriter, op, sizes);
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
    // Inits that move into their contraction's tiles are not tiled alone
    // (and are gone by the time the walk would reach them).
    llvm::SmallPtrSet<Operation *, 8> fusedInits;
    for (linalg::LinalgOp op : ops)
      if (linalg::isaContractionOpInterface(op) && chooseTiles(op))
        if (linalg::LinalgOp init = fusableInit(op))
          fusedInits.insert(init.getOperation());
    for (linalg::LinalgOp op : ops) {
      if (!isa<TilingInterface>(op.getOperation()) || fusedInits.contains(op.getOperation()))
        continue;
      std::optional<TileSchedule> schedule = chooseTiles(op);
      if (schedule && linalg::isaContractionOpInterface(op) &&
          tileContractionWithInit(rewriter, op, *schedule, parallel))
        continue;
      if (parallel)
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
    SmallVector<linalg::LinalgOp> wholeK;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && linalg::isaContractionOpInterface(op))
        wholeK.push_back(op);
    });
    for (linalg::LinalgOp op : wholeK)
      tileK(rewriter, op);
    if (failed(canonicalize(func, canonicalization)))
      return signalPassFailure();
  }
};
} // namespace
