//===- Schedule.cpp - per-op tile sizes -------------------------*- C++ -*-===//

#include "Schedule.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace resc::codegen {

bool isPolynomialMath(Operation *op) {
  return isa<math::ExpOp, math::LogOp, math::ErfOp, math::TanhOp>(op);
}

std::optional<unsigned> innermostOutputDim(linalg::LinalgOp op) {
  if (op.getNumDpsInits() == 0)
    return std::nullopt;
  AffineMap map = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (map.getNumResults() == 0)
    return std::nullopt;
  if (auto d = dyn_cast<AffineDimExpr>(map.getResults().back()))
    return d.getPosition();
  return std::nullopt;
}

linalg::LinalgOp epilogueProducer(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp>(op.getOperation()) || !op.hasPureTensorSemantics() ||
      op.getNumLoops() == 0 || op.getNumLoops() != op.getNumParallelLoops())
    return {};
  for (OpOperand *in : op.getDpsInputOperands()) {
    auto producer = in->get().getDefiningOp<linalg::LinalgOp>();
    if (!producer || !producer.hasPureTensorSemantics() || producer->getNumResults() != 1 ||
        !in->get().hasOneUse() || !linalg::isaContractionOpInterface(producer))
      continue;
    FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(producer);
    if (failed(dims) || dims->k.size() != 1)
      continue;
    AffineMap read = op.getMatchingIndexingMap(in);
    AffineMap written = producer.getMatchingIndexingMap(producer.getDpsInitOperand(0));
    if (!read.isIdentity() || !written.isProjectedPermutation() ||
        written.getNumResults() != op.getNumLoops())
      continue;
    return producer;
  }
  return {};
}

linalg::LinalgOp fusableInit(linalg::LinalgOp op) {
  // A shifted contraction's reductions (kernel position and channels) all
  // run inside its register tile too.
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if ((failed(dims) || dims->k.size() != 1) && !matchShiftedContraction(op))
    return {};
  if (op.getNumDpsInits() != 1)
    return {};
  auto init = op.getDpsInitOperand(0)->get().getDefiningOp<linalg::LinalgOp>();
  if (!init || !init.hasPureTensorSemantics() || init->getNumResults() != 1 ||
      init.getNumLoops() != init.getNumParallelLoops() || !init->getResult(0).hasOneUse() ||
      !isa<TilingInterface>(init.getOperation()))
    return {};
  return init;
}

/// Can LLVM lower a vector of `lanes` f32 without shuffling it element by
/// element? Powers of two split into whole registers and a few lanes widen
/// into one; other lengths (48, 49) widen to the next power of two through
/// per-element inserts (the 7x7 convolutions ran 5x slower that way).
static bool isCleanWidth(int64_t lanes) {
  return lanes <= kLanes || llvm::isPowerOf2_64(lanes);
}

/// Tile for a dim of static extent `size` that is vectorized with width
/// `width`: whole when it fits, else `width` (a remainder is peeled); one
/// register wide when either would leave an unclean vector length.
static int64_t vectorTile(int64_t size, int64_t width) {
  // A dynamic extent (a sequence length T) gets full tiles of `width`; the
  // peeled remainder is cut into unit tiles later.
  if (ShapedType::isDynamic(size))
    return width;
  if (size <= width)
    return isCleanWidth(size) ? 0 : kLanes;
  return isCleanWidth(size % width) ? width : kLanes;
}

/// Is `dim` the innermost index of some input? Then a reduction over it
/// reads contiguous memory and is worth one vector.
/// With `fullOnly`, only inputs indexed by every loop count (not the
/// per-channel vectors a batch norm fused into its statistics reads).
static bool isInnermostOfAnInput(linalg::LinalgOp op, unsigned dim, bool fullOnly = false) {
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (map.getNumResults() == 0 || (fullOnly && !map.isPermutation()))
      continue;
    if (auto d = dyn_cast<AffineDimExpr>(map.getResults().back()); d && d.getPosition() == dim)
      return true;
  }
  return false;
}

/// The register tile of output dims m (rows) and n (vectors) in `s`.
static void setRegisterTile(TileSchedule &s, ArrayRef<int64_t> ranges, unsigned m, unsigned n) {
  s.tileSizes[n] = vectorTile(ranges[n], kNr);
  // Narrow tiles (16 or 32 columns: a 7 x 7 image's 49 pixels, a weight
  // gradient's 16 output channels) take more rows, so the tile still holds
  // about kMr x kNr / kLanes accumulators: with 6 x 16 the FMAs waited on
  // each other (6 chains for two FMA pipes of latency 4).
  int64_t width = s.tileSizes[n] ? s.tileSizes[n] : ranges[n];
  int64_t mr = kMr;
  if (!ShapedType::isDynamic(width) && width < kNr)
    mr = kMr * kNr / (llvm::divideCeil(width, kLanes) * kLanes);
  s.tileSizes[m] = ShapedType::isDynamic(ranges[m]) || ranges[m] > mr ? mr : 0;
}

/// The 8 x 48 register tile (kShiftedMr x kShiftedNr) where 8 divides the
/// rows: 48 columns are three registers, and res-tile-for-vectors cuts the
/// tile into 16-column contractions sharing each k step (splitColumns).
static void useShiftedTile(TileSchedule &s, ArrayRef<int64_t> ranges, unsigned m, unsigned n) {
  if (ShapedType::isDynamic(ranges[m]) || ranges[m] % kShiftedMr != 0)
    return;
  s.tileSizes[m] = ranges[m] > kShiftedMr ? kShiftedMr : 0;
  s.tileSizes[n] = kShiftedNr;
}

/// Does the tile read its vectors along `n` from rows whose length 16 does
/// not divide (a convolution's columns read in place, [C kh kw, images x
/// 7 x 7])? Then most vector loads span two cache lines, and the 8 x 48
/// tile, with 3 of them per k instead of 4, pays as for shifted
/// contractions (7-10% on the [64 x 576] x [576 x 196] column GEMM with
/// intrinsics); a packed or 16-aligned B (Linear's panels) gains nothing.
static bool readsUnalignedRows(linalg::LinalgOp op, unsigned n) {
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    auto type = dyn_cast<RankedTensorType>(in->get().getType());
    if (!type || map.getNumResults() == 0 || map.getResults().back() != getAffineDimExpr(n, op.getContext()))
      continue;
    int64_t row = type.getShape().back();
    return !ShapedType::isDynamic(row) && row % kLanes != 0;
  }
  return false;
}

static std::optional<TileSchedule> contractionTiles(linalg::LinalgOp op) {
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  TileSchedule s;
  s.tileSizes.assign(op.getNumLoops(), 1);
  unsigned m = dims->m.back(), n = dims->n.back();
  setRegisterTile(s, ranges, m, n);
  if (readsUnalignedRows(op, n) && ranges[n] >= 2 * kShiftedNr)
    useShiftedTile(s, ranges, m, n);
  // Batch and outer m/n dims first, then the register tile, then k: the
  // accumulator tile stays put while k runs. Outer k dims (a convolution's
  // weight gradient sums over images, then pixels) go first of all: each
  // image's slice of B is then reused from cache by every output tile
  // instead of streamed from memory once per tile.
  for (unsigned d : ArrayRef<unsigned>(dims->k).drop_back())
    s.interchange.push_back(d);
  for (unsigned d : dims->batch)
    s.interchange.push_back(d);
  for (unsigned d : dims->m)
    if (d != m)
      s.interchange.push_back(d);
  for (unsigned d : dims->n)
    if (d != n)
      s.interchange.push_back(d);
  s.interchange.push_back(m);
  s.interchange.push_back(n);
  s.interchange.push_back(dims->k.back());
  if (s.interchange.size() != op.getNumLoops())
    return std::nullopt;
  return s;
}

/// The dims of `expr` when it is a sum of dims and constant multiples of
/// dims; false otherwise.
static bool sumOfDims(AffineExpr expr, SmallVectorImpl<unsigned> &dims) {
  if (auto d = dyn_cast<AffineDimExpr>(expr)) {
    dims.push_back(d.getPosition());
    return true;
  }
  auto bin = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!bin)
    return false;
  if (bin.getKind() == AffineExprKind::Add)
    return sumOfDims(bin.getLHS(), dims) && sumOfDims(bin.getRHS(), dims);
  auto d = dyn_cast<AffineDimExpr>(bin.getLHS());
  if (bin.getKind() != AffineExprKind::Mul || !d || !isa<AffineConstantExpr>(bin.getRHS()))
    return false;
  dims.push_back(d.getPosition());
  return true;
}

std::optional<ShiftedContraction> matchShiftedContraction(linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isProjectedPermutation() ||
      !linalg::detail::isContractionBody(*generic.getBody(), [](Operation *mul, Operation *add) {
        return isa<arith::MulFOp>(mul) && isa<arith::AddFOp>(add);
      }))
    return std::nullopt;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  auto isReduction = [&](unsigned d) { return iters[d] == utils::IteratorType::reduction; };
  std::optional<ShiftedContraction> match;
  for (OpOperand *in : op.getDpsInputOperands()) {
    for (AffineExpr expr : op.getMatchingIndexingMap(in).getResults()) {
      if (isa<AffineDimExpr>(expr))
        continue;
      // One parallel dim (the pixel) plus reduction dims (the kernel
      // position), in one result of one input.
      SmallVector<unsigned> dims;
      if (match || !sumOfDims(expr, dims) ||
          llvm::count_if(dims, [&](unsigned d) { return !isReduction(d); }) != 1)
        return std::nullopt;
      SmallVector<unsigned> steps;
      llvm::copy_if(dims, std::back_inserter(steps), isReduction);
      match = ShiftedContraction{steps};
    }
  }
  return match;
}

/// Tiles of a shifted contraction: the register tile over the output's
/// last two dims, a loop per shift dim (kernel position) inside it, the
/// remaining reduction (the channels) whole, for tileK once the positions
/// are gone (res-tile-for-vectors). The tile of y sums every kernel
/// position in registers: a contraction per position loaded and stored it
/// KH KW times and ran at ~20% of peak on ResNet8's 16-channel layers.
static std::optional<TileSchedule> shiftedContractionTiles(linalg::LinalgOp op) {
  std::optional<ShiftedContraction> shift = matchShiftedContraction(op);
  if (!shift)
    return std::nullopt;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (out.getNumResults() < 2 || llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  unsigned m = cast<AffineDimExpr>(out.getResults().drop_back().back()).getPosition();
  unsigned n = cast<AffineDimExpr>(out.getResults().back()).getPosition();
  TileSchedule s;
  s.tileSizes.assign(op.getNumLoops(), 0);
  for (AffineExpr e : out.getResults().drop_back(2))
    s.tileSizes[cast<AffineDimExpr>(e).getPosition()] = 1;
  setRegisterTile(s, ranges, m, n);
  if (ranges[n] > kShiftedNr)
    useShiftedTile(s, ranges, m, n);
  for (unsigned d : shift->steps)
    s.tileSizes[d] = 1;
  for (AffineExpr e : out.getResults().drop_back(2))
    s.interchange.push_back(cast<AffineDimExpr>(e).getPosition());
  s.interchange.append({m, n});
  s.interchange.append(shift->steps.begin(), shift->steps.end());
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (!llvm::is_contained(s.interchange, d))
      s.interchange.push_back(d);
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (ranges[d] == 1)
      s.tileSizes[d] = 0;
  return s;
}

/// A transpose moves 16x16 blocks: whole rows are read and written, and
/// the block is transposed in registers (AVX-512 shuffles), instead of one
/// element per cache line.
static std::optional<TileSchedule> transposeTiles(linalg::TransposeOp op) {
  ArrayRef<int64_t> perm = op.getPermutation();
  SmallVector<int64_t> ranges = cast<linalg::LinalgOp>(op.getOperation()).getStaticLoopRanges();
  unsigned rank = perm.size();
  if (rank < 2)
    return std::nullopt;
  // Loops are the output's dims; the input's innermost dim is output dim
  // j with perm[j] == rank - 1.
  unsigned outInner = rank - 1;
  unsigned inInner = std::find(perm.begin(), perm.end(), rank - 1) - perm.begin();
  TileSchedule s;
  s.tileSizes.assign(rank, 1);
  // The innermost dim stays innermost (heads moved past rows): whole rows
  // are copied, vector by vector.
  if (outInner == inInner) {
    s.tileSizes[outInner] = vectorTile(ranges[outInner], kVectorTile);
    return s;
  }
  // A dynamic extent (a sequence length T) gets full blocks; the peeled
  // remainder is cut into unit tiles later. So does a static one that 16
  // does not divide: taken whole, ResNet8's 16 x 49 gradient panels were
  // ~1,200 unrolled shuffles in each of three kernels (7% of its machine
  // code); as 16 x 16 blocks in a loop and a 16 x 1 rest, the same speed.
  for (unsigned d : {outInner, inInner})
    s.tileSizes[d] = ShapedType::isDynamic(ranges[d]) || ranges[d] > kTransposeBlock
                         ? kTransposeBlock
                         : 0;
  // Blocks in the order of the input: the innermost tile loop walks along
  // the input's contiguous dim, so each of a block's 16 source rows is read
  // as one sequential stream (the stores of the block go 16 rows apart in
  // the output instead). Walking the output's rows instead read the input
  // 2 KB apart per block and stalled on the loads: packing ResMLP's weight
  // panels took ~10% of its batch-256 forward; this order is 4% faster.
  for (unsigned d = 0; d < rank; ++d)
    if (d != outInner && d != inInner)
      s.interchange.push_back(d);
  s.interchange.append({outInner, inInner});
  return s;
}

/// Work below which a fork/join costs more than it saves (elements of the
/// iteration space).
constexpr int64_t kMinParallelWork = 1 << 15;

/// Every operand indexed by plain loop dims. Convolution-like maps
/// (oh * s + kh) and their adjoints (floordiv, mod) are left to the scalar
/// fallback for now: their tiles would need halo-aware slices.
static bool hasPermutationMaps(linalg::LinalgOp op) {
  return llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(/*allowZeroInResults=*/true); });
}

std::optional<SmallVector<int64_t>> chooseParallelTiles(linalg::LinalgOp op) {
  if (op.getNumLoops() == 0 || !op.hasPureTensorSemantics() ||
      isa<linalg::FillOp>(op.getOperation()) || !hasPermutationMaps(op))
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  int64_t work = 1;
  bool dynamic = false;
  for (int64_t r : ranges) {
    if (ShapedType::isDynamic(r))
      dynamic = true;
    else
      work *= r;
  }
  if (!dynamic && work < kMinParallelWork)
    return std::nullopt;
  SmallVector<int64_t> tiles(op.getNumLoops(), 0);
  if (linalg::isaContractionOpInterface(op)) {
    FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
    if (failed(dims) || dims->m.empty() || dims->n.empty())
      return std::nullopt;
    // A batch dim, or an m/n dim outside the register tile (the image of a
    // convolution's columns), splits into independent problems: chunks of
    // it leave every inner extent static.
    unsigned m = dims->m.back(), n = dims->n.back();
    SmallVector<unsigned> outer(dims->batch.begin(), dims->batch.end());
    for (unsigned d : llvm::concat<const unsigned>(dims->m, dims->n))
      if (d != m && d != n)
        outer.push_back(d);
    llvm::sort(outer);
    for (unsigned d : outer) {
      if (ranges[d] == 1)
        continue;
      tiles[d] = ShapedType::isDynamic(ranges[d]) ? 4 : std::max<int64_t>(1, ranges[d] / 8);
      return tiles;
    }
    // Whole column panels of the output per thread: each thread streams its
    // own part of B. Batches of rows when the output is narrow, or when the
    // panels would not divide the columns (a partial panel has a dynamic
    // width, which the register tile cannot vectorize).
    int64_t panel = ShapedType::isDynamic(ranges[n])
                        ? 0
                        : std::max<int64_t>(kNr, ranges[n] / 8 / kNr * kNr);
    if (panel && ranges[n] >= 4 * kNr && ranges[n] % panel == 0)
      tiles[n] = panel;
    else
      tiles[m] = 4 * kMr;
    return tiles;
  }
  // Otherwise split the outermost parallel dim.
  for (unsigned d = 0; d < op.getNumLoops(); ++d) {
    if (iters[d] != utils::IteratorType::parallel || ranges[d] == 1)
      continue;
    tiles[d] = ShapedType::isDynamic(ranges[d]) ? 4 : std::max<int64_t>(1, ranges[d] / 8);
    return tiles;
  }
  return std::nullopt;
}

std::optional<TileSchedule> chooseTiles(linalg::LinalgOp op) {
  if (op.getNumLoops() == 0 || !op.hasPureTensorSemantics())
    return std::nullopt;
  if (!hasPermutationMaps(op))
    return shiftedContractionTiles(op);
  if (auto t = dyn_cast<linalg::TransposeOp>(op.getOperation()))
    return transposeTiles(t);
  if (linalg::isaContractionOpInterface(op))
    if (std::optional<TileSchedule> s = contractionTiles(op))
      return s;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  std::optional<unsigned> inner = innermostOutputDim(op);
  TileSchedule s;
  s.tileSizes.assign(op.getNumLoops(), 1);
  // A reduction along contiguous memory into an output dim that is strided
  // in the inputs (batch-norm statistics: [N, C, H * W] -> [C]) vectorizes
  // the reduction in chunks of clean width, one output element at a time:
  // a vector across the output dim would stride through memory.
  bool reduceAlongRows = inner && !isInnermostOfAnInput(op, *inner, /*fullOnly=*/true) &&
                         llvm::any_of(llvm::seq(op.getNumLoops()), [&](unsigned d) {
                           return iters[d] == utils::IteratorType::reduction &&
                                  isInnermostOfAnInput(op, d, /*fullOnly=*/true);
                         });
  for (unsigned d = 0; d < op.getNumLoops(); ++d) {
    if (reduceAlongRows && d == *inner)
      continue;
    if (reduceAlongRows && iters[d] == utils::IteratorType::reduction &&
        isInnermostOfAnInput(op, d, /*fullOnly=*/true))
      s.tileSizes[d] = ShapedType::isDynamic(ranges[d]) ? kVectorTile
                       : isCleanWidth(ranges[d]) && ranges[d] <= kMaxFullReduction
                           ? 0
                           : vectorTile(ranges[d], kVectorTile);
    else if (inner && d == *inner)
      // A dynamic dim is vectorized only where the inputs are contiguous
      // along it: a row reduction's [rows, 256] would become one
      // 64 x 256 vector otherwise.
      s.tileSizes[d] = ShapedType::isDynamic(ranges[d]) && op.getNumDpsInputs() > 0 &&
                               !isInnermostOfAnInput(op, d)
                           ? 1
                           : vectorTile(ranges[d], kVectorTile);
    // A reduction dim counts as contiguous only in the whole inputs: a
    // row's mean and rstd fused into layer norm's weight gradient
    // ([N, T] beside [N, T, D]) made T a 64-row vector with its per-row
    // values transposed across the lanes.
    else if (iters[d] == utils::IteratorType::reduction &&
             isInnermostOfAnInput(op, d, /*fullOnly=*/true))
      s.tileSizes[d] = ShapedType::isDynamic(ranges[d])   ? kVectorTile
                       : ranges[d] <= kMaxFullReduction ? 0
                                                        : 1;
  }
  // Unit extents need no loop.
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (ranges[d] == 1)
      s.tileSizes[d] = 0;
  if (llvm::all_of(s.tileSizes, [](int64_t t) { return t == 0; }))
    return std::nullopt;
  // Parallel loops outside, reductions inside: the output tile is carried
  // through the reduction loop and stays in registers.
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (iters[d] == utils::IteratorType::parallel)
      s.interchange.push_back(d);
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (iters[d] != utils::IteratorType::parallel)
      s.interchange.push_back(d);
  return s;
}

} // namespace resc::codegen
