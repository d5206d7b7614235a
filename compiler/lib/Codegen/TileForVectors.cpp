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

/// Peels the partial last tile off each loop that may have one, innermost
/// loop first so the outer peel copies already-peeled inner loops.
static void peelPartialTiles(RewriterBase &rewriter, ArrayRef<LoopLikeOpInterface> loops) {
  for (LoopLikeOpInterface loop : llvm::reverse(loops)) {
    auto forOp = dyn_cast<scf::ForOp>(loop.getOperation());
    if (!forOp || !needsPeeling(forOp))
      continue;
    scf::ForOp partial;
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial);
  }
}

/// Tiles `op` as the schedule says and peels partial tiles.
static void tileAndPeel(RewriterBase &rewriter, Operation *op, const TileSchedule &s) {
  FailureOr<scf::SCFTilingResult> tiled = tile(rewriter, op, s.tileSizes, s.interchange);
  if (failed(tiled))
    return;
  peelPartialTiles(rewriter, tiled->loops);
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

/// Rows of a contraction's partial register tile (a dynamic batch's last
/// M mod 6 rows) go in pairs before a single last row: a one-row tile has
/// four accumulators, so its FMAs wait on each other's latency and it runs
/// at half speed; two rows keep eight in flight. ResMLP's batch 256 leaves
/// 4 rows per column of register tiles, batch 32 leaves 2. A dynamic
/// column remainder (attention's scores past the last 64 of T) goes in
/// pairs of columns the same way: 6 x 2 tiles instead of 6 x 1.
constexpr int64_t kRemainderRows = 2;

/// `op` (one result, one dynamic loop `dim`) as loops of static tiles:
/// tiles of kRemainderRows along `dim` up to the largest multiple of it,
/// then unit tiles. Built from TilingInterface directly: tileUsingSCF
/// bounds every tile by min(size, extent - offset), which stays dynamic
/// when the extent is itself a remainder. False when `op` is not such an op.
static bool tileDynamicInPairs(RewriterBase &rewriter, linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (op->getNumResults() != 1 || op.getNumDpsInits() != 1 ||
      llvm::count_if(ranges, ShapedType::isDynamic) != 1)
    return false;
  unsigned dim = llvm::find_if(ranges, ShapedType::isDynamic) - ranges.begin();
  if (op.getIteratorTypesArray()[dim] != utils::IteratorType::parallel)
    return false;
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto tiling = cast<TilingInterface>(op.getOperation());
  SmallVector<Range> domain = tiling.getIterationDomain(rewriter);
  Value extent = getValueOrCreateConstantIndexOp(rewriter, loc, domain[dim].size);
  AffineExpr e = rewriter.getAffineSymbolExpr(0);
  Value whole = affine::AffineApplyOp::create(
      rewriter, loc, AffineMap::get(0, 1, e.floorDiv(kRemainderRows) * kRemainderRows), extent);
  // One loop of tiles of `size` over [lb, ub), each a clone of `op` on the
  // loop's accumulator, tiled and inserted back.
  bool tiled = true;
  auto tileLoop = [&](Value lb, Value ub, int64_t size, Value init) -> scf::ForOp {
    Value step = arith::ConstantIndexOp::create(rewriter, loc, size);
    return scf::ForOp::create(
        rewriter, loc, lb, ub, step, ValueRange{init},
        [&](OpBuilder &b, Location l, Value iv, ValueRange args) {
          IRMapping map;
          map.map(op.getDpsInitOperand(0)->get(), args[0]);
          auto copy = cast<TilingInterface>(b.clone(*op.getOperation(), map));
          SmallVector<OpFoldResult> offsets, sizes;
          for (auto [d, r] : llvm::enumerate(domain)) {
            offsets.push_back(d == dim ? OpFoldResult(iv) : r.offset);
            sizes.push_back(d == dim ? OpFoldResult(b.getIndexAttr(size)) : r.size);
          }
          OpBuilder::InsertionGuard guard(rewriter);
          rewriter.setInsertionPoint(copy);
          FailureOr<TilingResult> tile = copy.getTiledImplementation(rewriter, offsets, sizes);
          SmallVector<OpFoldResult> resultOffsets, resultSizes;
          Value next = args[0];
          if (succeeded(tile) && succeeded(copy.getResultTilePosition(
                                     rewriter, 0, offsets, sizes, resultOffsets, resultSizes))) {
            SmallVector<OpFoldResult> strides(resultOffsets.size(), b.getIndexAttr(1));
            next = tensor::InsertSliceOp::create(b, l, tile->tiledValues.front(), args[0],
                                                 resultOffsets, resultSizes, strides);
          } else {
            tiled = false; // the loops are erased below; `op` stays
          }
          rewriter.eraseOp(copy);
          scf::YieldOp::create(b, l, next);
        });
  };
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  scf::ForOp pairs = tileLoop(zero, whole, kRemainderRows, op.getDpsInitOperand(0)->get());
  scf::ForOp rest = tileLoop(whole, extent, 1, pairs.getResult(0));
  if (!tiled) {
    rewriter.eraseOp(rest);
    rewriter.eraseOp(pairs);
    return false;
  }
  rewriter.replaceOp(op, rest.getResult(0));
  return true;
}

/// Tiles `root` (never along a reduction dim) and fuses the producers in
/// `fusable` into every tile; returns the tiled root first in
/// tiledAndFusedOps. Reduction dims must stay whole here: a producer fused
/// into a k loop would be recomputed at every k step.
static FailureOr<scf::SCFTileAndFuseResult>
tileAndFuse(RewriterBase &rewriter, linalg::LinalgOp root, ArrayRef<Operation *> fusable,
            ArrayRef<int64_t> sizes, ArrayRef<int64_t> interchange,
            scf::SCFTilingOptions::LoopType loopType) {
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(root->getContext(), sizes));
  if (!interchange.empty())
    tiling.setInterchange(interchange);
  tiling.setLoopType(loopType);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  llvm::SmallPtrSet<Operation *, 4> allowed(fusable.begin(), fusable.end());
  options.setFusionControlFn(
      [allowed](tensor::ExtractSliceOp, OpResult producer,
                bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        if (!allowed.contains(producer.getOwner()))
          return std::nullopt;
        return scf::SCFTileAndFuseOptions::ControlFnResult{};
      });
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> tiled = scf::tileConsumerAndFuseProducersUsingSCF(
      rewriter, cast<TilingInterface>(root.getOperation()), options);
  if (failed(tiled))
    return failure();
  for (Value r : root->getResults())
    if (Value replacement = tiled->replacements.lookup(r))
      rewriter.replaceAllUsesWith(r, replacement);
  if (root->use_empty())
    rewriter.eraseOp(root);
  // Producers go in use order (the contraction before its init).
  for (Operation *op : fusable)
    if (op->use_empty())
      rewriter.eraseOp(op);
  return tiled;
}

/// The contraction `root` tiles: its epilogue's producer, or itself.
static linalg::LinalgOp contractionOf(linalg::LinalgOp root) {
  linalg::LinalgOp producer = epilogueProducer(root);
  return producer ? producer : root;
}

/// The producers fused into `root`'s tiles: for an epilogue its
/// contraction and that one's init; for a contraction its init.
static SmallVector<Operation *> fusedProducers(linalg::LinalgOp root) {
  SmallVector<Operation *> ops;
  linalg::LinalgOp contraction = root;
  if (linalg::LinalgOp producer = epilogueProducer(root)) {
    ops.push_back(producer);
    contraction = producer;
  }
  if (linalg::LinalgOp init = fusableInit(contraction))
    ops.push_back(init);
  return ops;
}

/// The transpose feeding `contraction` (res-transpose-contraction-operands'
/// copy of Linear's weight, [k, n]) that can move into the thread chunks
/// `chunks` (on the contraction's loops): the chunks split only dims the
/// transposed operand is indexed by (its column panel), so each chunk
/// transposes just the panel it multiplies by, into a buffer that stays in
/// cache, instead of the whole weight going through memory before the
/// product (BLAS packs B the same way).
static linalg::TransposeOp packableTranspose(linalg::LinalgOp contraction,
                                             ArrayRef<int64_t> chunks) {
  for (OpOperand *in : contraction.getDpsInputOperands()) {
    auto t = in->get().getDefiningOp<linalg::TransposeOp>();
    // A chunk's panel lives on the worker's stack: static sizes only.
    if (!t || !in->get().hasOneUse() || !t.hasPureTensorSemantics() ||
        !cast<ShapedType>(in->get().getType()).hasStaticShape())
      continue;
    AffineMap map = contraction.getMatchingIndexingMap(in);
    bool splitsOnlyItsDims = true;
    for (auto [d, size] : llvm::enumerate(chunks))
      if (size != 0 && !map.isFunctionOfDim(d))
        splitsOnlyItsDims = false;
    if (splitsOnlyItsDims)
      return t;
  }
  return {};
}

/// Largest row panel a thread chunk copies onto its stack (res-stack-
/// temporaries keeps up to 1 MiB per parallel body there).
constexpr int64_t kMaxPanelBytes = 512 * 1024;
/// Fewest output rows (four 6-row tiles) for which a panel copy pays.
constexpr int64_t kMinPackedRows = 4 * kMr;

/// The operand B[k, n] of `contraction` (n its innermost dim, the register
/// tile's vector dim; static n) when the thread chunks `chunks` split only
/// n into panels narrower than B's rows: each chunk reads a [K, panel]
/// strip of rows a whole row apart (a data gradient's W: 2-4 KB), once per
/// 6-row register tile, each row on another page, where the hardware
/// prefetchers do not follow; with many rows (a weight gradient's X, K = the
/// batch: 1024 rows 2 KB apart in TinyLM) the strip also maps to a few
/// cache sets only and is evicted between tiles (half speed). Copied into a
/// contiguous panel per chunk, as BLAS packs B, the tiles stream it. Null
/// for anything else.
static OpOperand *packableRows(linalg::LinalgOp contraction, ArrayRef<int64_t> chunks) {
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(contraction);
  if (failed(dims) || dims->n.size() != 1 || dims->k.size() != 1)
    return nullptr;
  unsigned n = dims->n.front(), k = dims->k.front();
  SmallVector<int64_t> ranges = contraction.getStaticLoopRanges();
  for (auto [d, size] : llvm::enumerate(chunks))
    if (size != 0 && d != n)
      return nullptr;
  if (chunks[n] == 0 || ShapedType::isDynamic(ranges[n]) || chunks[n] >= ranges[n])
    return nullptr;
  // A copy is read once per row tile: with a few (a classifier head's 10
  // rows) it costs about what it saves.
  auto staticRows = [&]() -> std::optional<int64_t> {
    int64_t rows = 1;
    for (unsigned m : dims->m) {
      if (ShapedType::isDynamic(ranges[m]))
        return std::nullopt;
      rows *= ranges[m];
    }
    return rows;
  };
  if (std::optional<int64_t> rows = staticRows(); rows && *rows < kMinPackedRows)
    return nullptr;
  for (OpOperand *in : contraction.getDpsInputOperands()) {
    AffineMap map = contraction.getMatchingIndexingMap(in);
    Value b = in->get();
    if (map.getNumResults() != 2 || map.getDimPosition(0) != k || map.getDimPosition(1) != n ||
        b.getDefiningOp<linalg::TransposeOp>() || b.getDefiningOp<linalg::CopyOp>())
      continue;
    if (ShapedType::isDynamic(ranges[k]))
      return in;
    int64_t bytes = ranges[k] * chunks[n] * getElementTypeOrSelf(b).getIntOrFloatBitWidth() / 8;
    return bytes <= kMaxPanelBytes ? in : nullptr;
  }
  return nullptr;
}

/// Makes `contraction` read its packableRows operand through a copy, which
/// then moves into the thread chunks with it; null when there is none.
static linalg::CopyOp packRows(RewriterBase &rewriter, linalg::LinalgOp contraction,
                               ArrayRef<int64_t> chunks) {
  OpOperand *rows = packableRows(contraction, chunks);
  if (!rows)
    return {};
  rewriter.setInsertionPoint(contraction);
  Location loc = contraction.getLoc();
  auto type = cast<RankedTensorType>(rows->get().getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, rows->get(), d));
  Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType(),
                                        dynamicSizes);
  auto copy = linalg::CopyOp::create(rewriter, loc, rows->get(), empty);
  rewriter.modifyOpInPlace(contraction, [&] { rows->set(copy.getResult(0)); });
  return copy;
}

/// Tiles a thread chunk's packing: a transpose in 16 x 16 register blocks,
/// a panel copy in row vectors.
static void tilePacking(RewriterBase &rewriter, ArrayRef<Operation *> chunkOps) {
  for (Operation *op : chunkOps)
    if (isa<linalg::TransposeOp, linalg::CopyOp>(op))
      if (std::optional<TileSchedule> s = chooseTiles(cast<linalg::LinalgOp>(op)))
        tileAndPeel(rewriter, op, *s);
}

/// `root` tiled into the thread chunks `sizes` (an scf.forall, on root's
/// loops) with `producers` fused, `packing` (a panel transpose or copy, or
/// null) among them and then tiled inside each chunk. A failed tiling
/// undoes the panel copy: the contraction reads B in place again.
static FailureOr<scf::SCFTileAndFuseResult> tileIntoChunks(RewriterBase &rewriter,
                                                           linalg::LinalgOp root,
                                                           SmallVector<Operation *> producers,
                                                           Operation *packing,
                                                           ArrayRef<int64_t> sizes) {
  if (packing)
    producers.push_back(packing);
  FailureOr<scf::SCFTileAndFuseResult> forall =
      tileAndFuse(rewriter, root, producers, sizes, {}, scf::SCFTilingOptions::LoopType::ForallOp);
  if (failed(forall)) {
    if (auto copy = dyn_cast_or_null<linalg::CopyOp>(packing))
      rewriter.replaceOp(copy, copy.getInputs().front());
    return failure();
  }
  tilePacking(rewriter, forall->tiledAndFusedOps.getArrayRef());
  return forall;
}

/// The outer level: an scf.forall over chunks the threads share. Returns
/// the tiled op inside it (or the op itself when it is not split).
static linalg::LinalgOp distribute(RewriterBase &rewriter, linalg::LinalgOp op) {
  std::optional<SmallVector<int64_t>> tiles = chooseParallelTiles(op);
  if (!tiles)
    return op;
  if (linalg::isaContractionOpInterface(op))
    if (linalg::CopyOp copy = packRows(rewriter, op, *tiles)) {
      FailureOr<scf::SCFTileAndFuseResult> forall = tileIntoChunks(rewriter, op, {}, copy, *tiles);
      return succeeded(forall) ? cast<linalg::LinalgOp>(forall->tiledAndFusedOps.front()) : op;
    }
  // One tiled op is expected; anything else is left as the scheduler made it.
  FailureOr<scf::SCFTilingResult> tiled =
      tile(rewriter, op, *tiles, {}, scf::SCFTilingOptions::LoopType::ForallOp);
  if (failed(tiled))
    return op;
  return cast<linalg::LinalgOp>(tiled->tiledOps.back());
}

/// packableTranspose for the thread chunks chooseParallelTiles makes.
static linalg::TransposeOp chunkTranspose(linalg::LinalgOp contraction) {
  std::optional<SmallVector<int64_t>> chunks = chooseParallelTiles(contraction);
  return chunks ? packableTranspose(contraction, *chunks) : linalg::TransposeOp();
}

/// The loop-dim correspondence of an epilogue: epilogue loop r is the
/// contraction loop that indexes result dim r.
static SmallVector<unsigned> contractionDimsOf(linalg::LinalgOp contraction) {
  SmallVector<unsigned> dims;
  for (AffineExpr e :
       contraction.getMatchingIndexingMap(contraction.getDpsInitOperand(0)).getResults())
    dims.push_back(cast<AffineDimExpr>(e).getPosition());
  return dims;
}

/// Tile sizes (and order) of the contraction's schedule, on the loops of
/// `root`: the contraction itself (reductions left whole), or its epilogue.
static void scheduleOnRoot(linalg::LinalgOp root, linalg::LinalgOp contraction,
                           ArrayRef<int64_t> sizes, ArrayRef<int64_t> interchange,
                           SmallVector<int64_t> &rootSizes,
                           SmallVector<int64_t> &rootInterchange) {
  if (root == contraction) {
    rootSizes.assign(sizes.begin(), sizes.end());
    for (auto [size, iterator] : llvm::zip(rootSizes, contraction.getIteratorTypesArray()))
      if (iterator == utils::IteratorType::reduction)
        size = 0;
    rootInterchange.assign(interchange.begin(), interchange.end());
    return;
  }
  SmallVector<unsigned> dims = contractionDimsOf(contraction);
  rootSizes.clear();
  for (unsigned d : dims)
    rootSizes.push_back(sizes[d]);
  rootInterchange.clear();
  for (int64_t d : interchange)
    if (auto *it = llvm::find(dims, unsigned(d)); it != dims.end())
      rootInterchange.push_back(it - dims.begin());
}

/// Registers of one slice of an expensive epilogue: 8 independent
/// polynomial chains still keep both FMA pipes busy.
constexpr int64_t kEpilogueSliceRegisters = 8;

/// A register tile's epilogue with exp/log/erf/tanh (GELU and its adjoint)
/// becomes a loop over slices of at most kEpilogueSliceRegisters registers
/// (2 rows of a 6 x 64 tile): each of those functions expands to a
/// polynomial of ~20 instructions per register, and over the whole tile's 24
/// registers the epilogue was most of TinyLM's three largest kernels. The
/// product goes through a tile buffer in L1 (24 stores and loads against
/// the k loop's 24 FMAs per step).
static void sliceExpensiveEpilogue(RewriterBase &rewriter, linalg::LinalgOp op) {
  if (!llvm::any_of(op.getBlock()->getOperations(),
                    [](Operation &o) { return isPolynomialMath(&o); }))
    return;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.size() < 2 || llvm::any_of(ranges, ShapedType::isDynamic) ||
      ranges.back() % kLanes != 0 ||
      llvm::product_of(ranges) / kLanes <= kEpilogueSliceRegisters)
    return;
  // Slice the innermost dim with more than one element but the vector dim;
  // unit tiles of every dim outside it.
  int64_t perRow = ranges.back() / kLanes;
  SmallVector<int64_t> sizes(ranges.size(), 0);
  int64_t sliced = -1;
  for (int64_t d = int64_t(ranges.size()) - 2; d >= 0; --d) {
    if (ranges[d] == 1)
      continue;
    if (sliced >= 0) {
      sizes[d] = 1;
      continue;
    }
    sliced = d;
    int64_t rows = std::max<int64_t>(1, kEpilogueSliceRegisters / perRow);
    while (ranges[d] % rows != 0)
      --rows;
    sizes[d] = rows;
  }
  if (sliced >= 0)
    (void)tile(rewriter, op, sizes);
}

/// A contraction whose accumulator initialisation, or whose elementwise
/// epilogue, moves into its tiles, tiled from `root` (the epilogue when
/// there is one): threads, then the register tile (m, n) with the
/// producers fused at both levels, peeled; k stays whole until tileK.
/// Returns false when `root` is not such an op.
static bool tileWithProducers(RewriterBase &rewriter, linalg::LinalgOp root, bool parallel) {
  linalg::LinalgOp contraction = contractionOf(root);
  if (!isRegisterTiled(contraction))
    return false;
  SmallVector<Operation *> producers = fusedProducers(root);
  if (producers.empty())
    return false;
  std::optional<TileSchedule> s = chooseTiles(contraction);
  if (!s)
    return false;
  SmallVector<int64_t> sizes, order;
  if (parallel)
    if (std::optional<SmallVector<int64_t>> chunks = chooseParallelTiles(contraction)) {
      scheduleOnRoot(root, contraction, *chunks, {}, sizes, order);
      Operation *packing = packableTranspose(contraction, *chunks);
      if (!packing)
        packing = packRows(rewriter, contraction, *chunks);
      FailureOr<scf::SCFTileAndFuseResult> forall =
          tileIntoChunks(rewriter, root, producers, packing, sizes);
      if (failed(forall))
        return false;
      root = cast<linalg::LinalgOp>(forall->tiledAndFusedOps.front());
      // The contraction moved into the chunk too (the old op is gone).
      contraction = contractionOf(root);
      producers = fusedProducers(root);
      if (producers.empty())
        return true; // tiled for threads; the rest is left to the scalar path
    }
  scheduleOnRoot(root, contraction, s->tileSizes, s->interchange, sizes, order);
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      tileAndFuse(rewriter, root, producers, sizes, order, scf::SCFTilingOptions::LoopType::ForOp);
  if (failed(tiled))
    return true;
  peelPartialTiles(rewriter, tiled->loops);
  return true;
}

/// The k loop of register tiles made by tileWithProducers: steps of
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

/// An op of a register tile whose output rows are wider than one register
/// but no power of two and at most a tile wide (a shifted contraction's 48
/// columns, its 24-column remainder; other ops get clean widths from
/// Schedule.cpp) becomes one op per 16 columns (and one for the rest), each
/// inserted into the result: LLVM widens a 48-lane vector to 64 lanes, and
/// the tile's 8 accumulators of 48 lanes took 32 registers and spilled.
/// After tileK the pieces of the contraction share the k step (the same A
/// broadcasts, CSE'd), and res-vectorize carries each piece's accumulator
/// through the k loop as its own vector.
static void splitColumns(RewriterBase &rewriter, linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics())
    return;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() == 0 || !isa<AffineDimExpr>(out.getResults().back()))
    return;
  unsigned n = cast<AffineDimExpr>(out.getResults().back()).getPosition();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic) || ranges[n] <= kLanes || ranges[n] > kNr ||
      llvm::isPowerOf2_64(ranges[n]))
    return;
  auto tiling = cast<TilingInterface>(op.getOperation());
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value result = op.getDpsInits()[0];
  SmallVector<OpFoldResult> zeros(ranges.size(), rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> whole = getAsIndexOpFoldResult(op.getContext(), ranges);
  for (int64_t start = 0; start < ranges[n]; start += kLanes) {
    SmallVector<OpFoldResult> offsets = zeros, sizes = whole;
    offsets[n] = rewriter.getIndexAttr(start);
    sizes[n] = rewriter.getIndexAttr(std::min(kLanes, ranges[n] - start));
    FailureOr<TilingResult> piece = tiling.getTiledImplementation(rewriter, offsets, sizes);
    SmallVector<OpFoldResult> resultOffsets, resultSizes;
    if (failed(piece) ||
        failed(tiling.getResultTilePosition(rewriter, 0, offsets, sizes, resultOffsets,
                                            resultSizes)))
      return;
    SmallVector<OpFoldResult> strides(resultOffsets.size(), rewriter.getIndexAttr(1));
    result = tensor::InsertSliceOp::create(rewriter, loc, piece->tiledValues.front(), result,
                                           resultOffsets, resultSizes, strides);
  }
  rewriter.replaceOp(op, result);
}

/// A loop per shift dim (kernel position) around a register tile of a
/// shifted contraction made with its init fused (tileWithProducers leaves
/// the reductions whole); the tile itself when they are one already.
static linalg::GenericOp tileShifts(RewriterBase &rewriter, linalg::GenericOp op,
                                    const ShiftedContraction &shift) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<int64_t> sizes(op.getNumLoops(), 0);
  for (unsigned d : shift.steps)
    if (ranges[d] != 1)
      sizes[d] = 1;
  if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
    return op;
  FailureOr<scf::SCFTilingResult> tiled = tile(rewriter, op, sizes);
  if (failed(tiled))
    return {};
  return dyn_cast<linalg::GenericOp>(tiled->tiledOps.front());
}

/// A tile of a shifted contraction at one kernel position (each shift dim
/// of extent 1) is a plain contraction: its slice of the image already
/// starts at the shift. The shift dims leave the loops, and the unit dims
/// of the weights they indexed leave the operand (a rank-reducing slice),
/// so tileK and res-vectorize see the contraction they know.
static void unshift(RewriterBase &rewriter, linalg::GenericOp op,
                    const ShiftedContraction &shift) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(shift.steps, [&](unsigned d) { return ranges[d] != 1; }))
    return;
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  SmallVector<AffineExpr> replacement;
  SmallVector<utils::IteratorType> iterators;
  unsigned loops = 0;
  for (auto [d, iterator] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (llvm::is_contained(shift.steps, d)) {
      replacement.push_back(getAffineConstantExpr(0, ctx));
      continue;
    }
    replacement.push_back(getAffineDimExpr(loops++, ctx));
    iterators.push_back(iterator);
  }
  rewriter.setInsertionPoint(op);
  SmallVector<AffineMap> maps;
  SmallVector<Value> operands;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto type = cast<RankedTensorType>(operand.get().getType());
    SmallVector<AffineExpr> kept;
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, operand.get());
    SmallVector<int64_t> shape;
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      AffineExpr e = simplifyAffineExpr(expr.replaceDims(replacement), loops, 0);
      if (isa<AffineConstantExpr>(e))
        continue; // a unit dim at the tile's kernel position
      kept.push_back(e);
      shape.push_back(type.getDimSize(i));
    }
    Value value = operand.get();
    if (kept.size() != map.getNumResults())
      value = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()), value,
          SmallVector<OpFoldResult>(type.getRank(), rewriter.getIndexAttr(0)), sizes,
          SmallVector<OpFoldResult>(type.getRank(), rewriter.getIndexAttr(1)));
    maps.push_back(AffineMap::get(loops, 0, kept, ctx));
    operands.push_back(value);
  }
  unsigned inputs = op.getNumDpsInputs();
  auto plain = linalg::GenericOp::create(rewriter, loc, op->getResultTypes(),
                                         ArrayRef<Value>(operands).take_front(inputs),
                                         ArrayRef<Value>(operands).drop_front(inputs), maps,
                                         iterators);
  rewriter.inlineRegionBefore(op.getRegion(), plain.getRegion(), plain.getRegion().begin());
  rewriter.replaceOp(op, plain->getResults());
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
    // Producers that move into their consumer's tiles are not tiled alone
    // (and are gone by the time the walk would reach them). Roots are
    // epilogues, or contractions without one.
    llvm::SmallPtrSet<Operation *, 8> fused;
    SmallVector<linalg::LinalgOp> roots;
    for (linalg::LinalgOp op : llvm::reverse(ops)) {
      if (fused.contains(op.getOperation()))
        continue;
      linalg::LinalgOp contraction = contractionOf(op);
      if (!isRegisterTiled(contraction) || !chooseTiles(contraction))
        continue;
      SmallVector<Operation *> producers = fusedProducers(op);
      if (producers.empty())
        continue;
      fused.insert(producers.begin(), producers.end());
      // A weight transpose that moves into the thread chunks is not tiled
      // alone either.
      if (parallel && !func->hasAttr(resc::kSerialKernelAttr))
        if (linalg::TransposeOp t = chunkTranspose(contraction))
          fused.insert(t);
      roots.push_back(op);
    }
    llvm::SmallPtrSet<Operation *, 8> isRoot;
    for (linalg::LinalgOp op : roots)
      isRoot.insert(op.getOperation());
    for (linalg::LinalgOp op : ops) {
      if (!isa<TilingInterface>(op.getOperation()) || fused.contains(op.getOperation()))
        continue;
      bool split = parallel && !func->hasAttr(resc::kSerialKernelAttr);
      if (isRoot.contains(op.getOperation()) && tileWithProducers(rewriter, op, split))
        continue;
      if (split)
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
    SmallVector<std::pair<linalg::GenericOp, ShiftedContraction>> shifted;
    func.walk([&](linalg::GenericOp op) {
      if (std::optional<ShiftedContraction> s = matchShiftedContraction(op))
        shifted.emplace_back(op, *s);
    });
    for (auto &[op, s] : shifted)
      if (linalg::GenericOp tile = tileShifts(rewriter, op, s))
        unshift(rewriter, tile, s);
    // Full register tiles' epilogues are static now; the partial tiles'
    // ones are cut into rows below.
    SmallVector<linalg::LinalgOp> epilogues;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && epilogueProducer(op))
        epilogues.push_back(op);
    });
    for (linalg::LinalgOp op : epilogues)
      sliceExpensiveEpilogue(rewriter, op);
    SmallVector<linalg::LinalgOp> dynamic;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumLoops() > 0)
        dynamic.push_back(op);
    });
    for (linalg::LinalgOp op : dynamic)
      if (!linalg::isaContractionOpInterface(op) || !tileDynamicInPairs(rewriter, op))
        tileDynamicDimsByOne(rewriter, op);
    SmallVector<linalg::LinalgOp> wholeK;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && linalg::isaContractionOpInterface(op))
        wholeK.push_back(op);
    });
    for (linalg::LinalgOp op : wholeK)
      tileK(rewriter, op);
    SmallVector<linalg::LinalgOp> wide;
    func.walk([&](linalg::LinalgOp op) { wide.push_back(op); });
    for (linalg::LinalgOp op : wide)
      splitColumns(rewriter, op);
    if (failed(canonicalize(func, canonicalization)))
      return signalPassFailure();
  }
};
} // namespace
