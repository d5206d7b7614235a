//===- Vectorize.cpp - static linalg tiles to vector code -------*- C++ -*-===//

#include "Canonicalize.h"
#include "Schedule.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Transforms/CSE.h"
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

/// A multi-reduction down to one element (every kept dim of size 1): one
/// vector.reduction of the flattened source, which LLVM reduces as a tree
/// (with reassociation allowed at the LLVM lowering). The multi-reduction
/// lowering would instead add the lanes one after another, a chain of 64
/// dependent adds after a 64-lane chunk loop.
struct MultiReductionToScalar : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    auto source = cast<VectorType>(op.getSource().getType());
    auto resultType = dyn_cast<VectorType>(op.getDestType());
    if (source.isScalable() || !resultType || resultType.getNumElements() != 1 ||
        source.getNumElements() < 2 ||
        cast<vector::MaskableOpInterface>(op.getOperation()).isMasked())
      return rewriter.notifyMatchFailure(op, "not a reduction to one element");
    Location loc = op.getLoc();
    Value flat = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get({source.getNumElements()}, source.getElementType()),
        op.getSource());
    Value acc = vector::ExtractOp::create(rewriter, loc, op.getAcc(),
                                          SmallVector<int64_t>(resultType.getRank(), 0));
    Value sum = vector::ReductionOp::create(rewriter, loc, op.getKind(), flat, acc);
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(op, resultType, sum);
    return success();
  }
};

/// The arith reduction of a float combining kind, for its neutral element.
static std::optional<arith::AtomicRMWKind> atomicKind(vector::CombiningKind kind) {
  switch (kind) {
  case vector::CombiningKind::ADD:
    return arith::AtomicRMWKind::addf;
  case vector::CombiningKind::MAXNUMF:
    return arith::AtomicRMWKind::maxnumf;
  case vector::CombiningKind::MINNUMF:
    return arith::AtomicRMWKind::minnumf;
  case vector::CombiningKind::MAXIMUMF:
    return arith::AtomicRMWKind::maximumf;
  case vector::CombiningKind::MINIMUMF:
    return arith::AtomicRMWKind::minimumf;
  default:
    return std::nullopt;
  }
}

/// A loop over the chunks of a reduction (a row longer than one vector, or
/// of dynamic length: softmax and layer norm over T, batch-norm statistics
/// over images) carries the reduced value and reduces each chunk across
/// its lanes, a chain of shuffles per chunk. Carry the whole chunk instead,
/// combined lane by lane, and reduce across lanes once after the loop. A
/// sum is then added in another order (lane-parallel partial sums, as
/// PyTorch's vectorized kernels do): its rounding differs, not its accuracy.
/// A row cut into a full vector and a peeled remainder (28 = 16 + 12)
/// reduces a chain of chunks per iteration: each gets its own carried
/// vector. Returns the loop that replaced `loop`, or null when nothing
/// changed.
static scf::ForOp widenReduction(RewriterBase &rewriter, scf::ForOp loop) {
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  for (auto [i, arg] : llvm::enumerate(loop.getRegionIterArgs())) {
    // The chain arg -> red_1 -> ... -> red_k -> yield, each link used once.
    SmallVector<vector::MultiDimReductionOp> chain;
    Value link = yield.getOperand(i);
    while (auto red = link.getDefiningOp<vector::MultiDimReductionOp>()) {
      if (red->getBlock() != loop.getBody() || !red->hasOneUse())
        break;
      chain.push_back(red);
      link = red.getAcc();
    }
    if (chain.empty() || link != arg || !arg.hasOneUse())
      continue;
    std::reverse(chain.begin(), chain.end());
    vector::CombiningKind combining = chain.front().getKind();
    std::optional<arith::AtomicRMWKind> kind = atomicKind(combining);
    // At most one chunk of registers per link: a whole 1024-float row
    // carried through a loop would spill.
    bool widenable = kind && llvm::all_of(chain, [&](vector::MultiDimReductionOp red) {
      auto type = cast<VectorType>(red.getSource().getType());
      return red.getKind() == combining && isa<FloatType>(type.getElementType()) &&
             type.getNumElements() <= resc::codegen::kVectorTile;
    });
    if (!widenable)
      continue;
    Location loc = chain.front().getLoc();
    rewriter.setInsertionPoint(loop);
    SmallVector<Value> inits;
    for (vector::MultiDimReductionOp red : chain) {
      auto type = cast<VectorType>(red.getSource().getType());
      TypedAttr neutral = arith::getIdentityValueAttr(*kind, type.getElementType(), rewriter, loc);
      inits.push_back(
          arith::ConstantOp::create(rewriter, loc, DenseElementsAttr::get(type, neutral)));
    }
    FailureOr<LoopLikeOpInterface> widened = cast<LoopLikeOpInterface>(loop.getOperation())
        .replaceWithAdditionalYields(rewriter, inits, /*replaceInitOperandUsesInLoop=*/false,
                                     [&](OpBuilder &b, Location l, ArrayRef<BlockArgument> args) {
                                       SmallVector<Value> combined;
                                       for (auto [red, wide] : llvm::zip(chain, args))
                                         combined.push_back(vector::makeArithReduction(
                                             b, l, combining, red.getSource(), wide));
                                       return combined;
                                     });
    if (failed(widened))
      return {};
    auto newLoop = cast<scf::ForOp>(widened->getOperation());
    // The old accumulator passes through unchanged: it is the init the
    // lanes are reduced into after the loop.
    auto newYield = cast<scf::YieldOp>(newLoop.getBody()->getTerminator());
    BlockArgument oldArg = newLoop.getRegionIterArgs()[i];
    rewriter.modifyOpInPlace(newYield, [&] { newYield->setOperand(i, oldArg); });
    // The body moved into the new loop: the chain's ops are still these.
    for (vector::MultiDimReductionOp red : llvm::reverse(chain))
      rewriter.eraseOp(red);
    rewriter.setInsertionPointAfter(newLoop);
    Value acc = newLoop.getResult(i);
    Value reduced = acc;
    Operation *firstReduction = nullptr;
    unsigned first = newLoop.getNumResults() - chain.size();
    for (auto [j, red] : llvm::enumerate(chain)) {
      reduced = vector::MultiDimReductionOp::create(rewriter, loc, newLoop.getResult(first + j),
                                                    reduced, red.getReductionMask(), combining);
      if (!firstReduction)
        firstReduction = reduced.getDefiningOp();
    }
    rewriter.replaceAllUsesExcept(acc, reduced, firstReduction);
    return newLoop;
  }
  return {};
}

/// (M, N) of an f32 outer-product contraction: every reduction dim of
/// extent 1 (one k step); the accumulator's last dim n (N lanes) read by
/// the rhs, not the lhs; at most one other dim of extent > 1, m, read by
/// the lhs and the accumulator, not the rhs. Every operand is then a vector
/// of its one or two non-unit dims in order: lhs [M], rhs [N], accumulator
/// [M, N].
static std::optional<std::pair<int64_t, int64_t>> outerProductShape(vector::ContractionOp op) {
  if (op.getKind() != vector::CombiningKind::ADD ||
      cast<vector::MaskableOpInterface>(op.getOperation()).isMasked())
    return std::nullopt;
  auto accType = dyn_cast<VectorType>(op.getAccType());
  if (!accType || !accType.getElementType().isF32() ||
      !op.getLhsType().getElementType().isF32() || !op.getRhsType().getElementType().isF32())
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<vector::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<int64_t> extent(iters.size(), 1);
  SmallVector<Value, 3> operands = {op.getLhs(), op.getRhs(), op.getAcc()};
  for (auto [map, v] : llvm::zip(maps, operands))
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim)
        return std::nullopt;
      extent[dim.getPosition()] = cast<VectorType>(v.getType()).getDimSize(i);
    }
  auto reads = [&](unsigned operand, unsigned d) {
    return maps[operand].isFunctionOfDim(d);
  };
  auto n = dyn_cast<AffineDimExpr>(maps[2].getResults().back());
  if (!n || !reads(1, n.getPosition()) || reads(0, n.getPosition()))
    return std::nullopt;
  int64_t rows = 1;
  for (unsigned d = 0; d < iters.size(); ++d) {
    if (d == n.getPosition() || extent[d] == 1)
      continue;
    if (iters[d] == vector::IteratorType::reduction || rows != 1 || !reads(0, d) ||
        !reads(2, d) || reads(1, d))
      return std::nullopt;
    rows = extent[d];
  }
  return std::make_pair(rows, extent[n.getPosition()]);
}

/// Outer-product contractions of one block that share their lhs (the
/// pieces of a register tile splitColumns cut into 16-column contractions)
/// as broadcast-FMA rows, row by row across the pieces: each broadcast is
/// used by all pieces' FMAs and dies. Lowered one contraction at a time,
/// the 8 broadcasts of an 8 x 48 tile stayed live across its three pieces
/// next to 24 accumulators, and LLVM spilled.
static void interleaveSharedLhs(func::FuncOp func) {
  IRRewriter rewriter(func.getContext());
  // Each piece reads the lhs itself; one read after CSE.
  DominanceInfo dominance(func);
  eliminateCommonSubExpressions(rewriter, dominance, func);
  // Per lhs: the contractions sharing it, each with its lanes (N); all of
  // one block and of the first one's rows (M).
  struct Piece {
    vector::ContractionOp op;
    int64_t lanes;
  };
  DenseMap<Value, SmallVector<Piece>> byLhs;
  DenseMap<Value, int64_t> rowsOf;
  SmallVector<Value> order;
  func.walk([&](vector::ContractionOp op) {
    std::optional<std::pair<int64_t, int64_t>> shape = outerProductShape(op);
    if (!shape)
      return;
    auto &group = byLhs[op.getLhs()];
    if (group.empty()) {
      order.push_back(op.getLhs());
      rowsOf[op.getLhs()] = shape->first;
    }
    if (group.empty() || (group.front().op->getBlock() == op->getBlock() &&
                          rowsOf[op.getLhs()] == shape->first))
      group.push_back({op, shape->second});
  });
  for (Value lhs : order) {
    ArrayRef<Piece> group = byLhs[lhs];
    if (group.size() < 2)
      continue;
    vector::ContractionOp last = group.front().op;
    for (const Piece &piece : group)
      if (last->isBeforeInBlock(piece.op))
        last = piece.op;
    int64_t rows = rowsOf[lhs];
    Location loc = last.getLoc();
    Type f32 = rewriter.getF32Type();
    rewriter.setInsertionPoint(last);
    Value column = vector::ShapeCastOp::create(rewriter, loc, VectorType::get({rows}, f32), lhs);
    SmallVector<Value> rhs, acc;
    for (auto [op, lanes] : group) {
      rhs.push_back(
          vector::ShapeCastOp::create(rewriter, loc, VectorType::get({lanes}, f32), op.getRhs()));
      acc.push_back(vector::ShapeCastOp::create(rewriter, loc,
                                                VectorType::get({rows, lanes}, f32), op.getAcc()));
    }
    for (int64_t i = 0; i < rows; ++i) {
      Value a = vector::ExtractOp::create(rewriter, loc, column, i);
      DenseMap<Type, Value> broadcasts;
      for (unsigned j = 0; j < group.size(); ++j) {
        Type rowType = rhs[j].getType();
        Value &b = broadcasts[rowType];
        if (!b)
          b = vector::BroadcastOp::create(rewriter, loc, rowType, a);
        Value row = vector::ExtractOp::create(rewriter, loc, acc[j], i);
        Value sum = vector::FMAOp::create(rewriter, loc, b, rhs[j], row);
        acc[j] = vector::InsertOp::create(rewriter, loc, sum, acc[j], i);
      }
    }
    for (auto [j, piece] : llvm::enumerate(group)) {
      vector::ContractionOp contract = piece.op;
      rewriter.replaceOp(contract, vector::ShapeCastOp::create(rewriter, loc,
                                                               contract.getResultType(), acc[j]));
    }
  }
}

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
    canon.add<MultiReductionToScalar>(ctx);
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
    loops.clear();
    func.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      while (scf::ForOp widened = widenReduction(rewriter, loop))
        loop = widened;
    interleaveSharedLhs(func);
    if (failed(resc::codegen::canonicalize(func, canonicalization)))
      return signalPassFailure();
  }
};
} // namespace
