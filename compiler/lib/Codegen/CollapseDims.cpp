//===- CollapseDims.cpp - one loop for dims contiguous in every operand ---===//
//
// A batch norm over [N, C, 28, 28] iterates h and w as two loops of 28:
// the vector along w is 28 floats (16 + 12, or a shuffled 32), and a
// channel's sum reduces across lanes once per row. h and w are adjacent
// and in order in every operand, and every operand's buffer holds each
// (h, w) plane contiguously, so they can be one loop of 784: chunks of 64
// with one remainder of 16.
//
//===----------------------------------------------------------------------===//

#include "Schedule.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace resc {
#define GEN_PASS_DEF_RESCOLLAPSEDIMS
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

/// Whether the buffer `v` will be bufferized into holds dims [first, last]
/// contiguously (each of dims first+1..last whole, unit strides), judged
/// from where the tensor comes from: fresh tensors are identity-laid
/// allocations, a destination-style result lives in its init (the
/// conservative guess: bufferization may give it a fresh buffer instead),
/// a slice keeps its source's layout. Anything else is not trusted.
static bool isContiguous(Value v, int64_t first, int64_t last, int depth = 0) {
  if (depth > 16)
    return false;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    // Entry points take identity-layout buffers (res-bufferize); private
    // functions take row-contiguous views with dynamic outer strides.
    if (auto fn = dyn_cast<func::FuncOp>(owner))
      return !fn.isPrivate();
    if (auto forall = dyn_cast<scf::ForallOp>(owner)) {
      if (OpOperand *init = forall.getTiedOpOperand(arg))
        return isContiguous(init->get(), first, last, depth + 1);
      return false;
    }
    if (auto loop = dyn_cast<scf::ForOp>(owner)) {
      if (OpOperand *init = loop.getTiedLoopInit(arg))
        return isContiguous(init->get(), first, last, depth + 1);
      return false;
    }
    return false;
  }
  Operation *def = v.getDefiningOp();
  if (isa<tensor::EmptyOp, tensor::PadOp, arith::ConstantOp>(def))
    return true;
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def)) {
    if (slice.getSourceType().getRank() != slice.getType().getRank())
      return false;
    for (int64_t d = first; d <= last; ++d) {
      if (!isConstantIntValue(slice.getMixedStrides()[d], 1))
        return false;
      if (d > first && (slice.getType().isDynamicDim(d) ||
                        slice.getType().getDimSize(d) != slice.getSourceType().getDimSize(d)))
        return false;
    }
    return isContiguous(slice.getSource(), first, last, depth + 1);
  }
  // A reshape of a buffer that is dense throughout is dense throughout.
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::CastOp>(def)) {
    auto src = cast<RankedTensorType>(def->getOperand(0).getType());
    return src.getRank() == 0 || isContiguous(def->getOperand(0), 0, src.getRank() - 1, depth + 1);
  }
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(def))
    return isContiguous(insert.getDest(), first, last, depth + 1);
  // A linalg op's result is an outlined kernel's result after
  // res-outline-kernels, and bufferizes to the kernel's row-contiguous
  // boundary type (dynamic outer strides): One-Shot would copy it into a
  // dense buffer to collapse it.
  if (isa<linalg::LinalgOp>(def))
    return false;
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(def)) {
    auto result = cast<OpResult>(v);
    return isContiguous(dps.getTiedOpOperand(result)->get(), first, last, depth + 1);
  }
  if (auto forall = dyn_cast<scf::ForallOp>(def))
    return isContiguous(forall.getOutputs()[cast<OpResult>(v).getResultNumber()], first, last,
                        depth + 1);
  if (auto loop = dyn_cast<scf::ForOp>(def))
    return isContiguous(loop.getInitArgs()[cast<OpResult>(v).getResultNumber()], first, last,
                        depth + 1);
  return false;
}

/// Ops that must keep their loop structure: contractions (their own
/// schedule), and an elementwise op that is a contraction's epilogue or
/// initialises its accumulator (fused into its register tiles by dims).
static bool touchesContraction(linalg::GenericOp op) {
  auto isContraction = [](Operation *o) {
    auto l = dyn_cast_or_null<linalg::LinalgOp>(o);
    return l && linalg::isaContractionOpInterface(l);
  };
  if (isContraction(op))
    return true;
  for (Value in : op->getOperands())
    if (isContraction(in.getDefiningOp()))
      return true;
  for (Operation *user : op->getUsers())
    if (isContraction(user))
      return true;
  return false;
}

/// Runs of adjacent loops of static extent and the same iterator type that
/// are adjacent and in order in every operand, whose buffers hold them
/// contiguously. Only runs of two or more are returned.
static SmallVector<ReassociationIndices> collapsibleRuns(linalg::GenericOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto extends = [&](const ReassociationIndices &run, int64_t d) {
    if (ShapedType::isDynamic(ranges[d]) || iters[d] != iters[run.front()])
      return false;
    ReassociationIndices longer(run);
    longer.push_back(d);
    if (!linalg::areDimSequencesPreserved(maps, {longer}))
      return false;
    for (OpOperand &operand : op->getOpOperands()) {
      AffineMap map = op.getMatchingIndexingMap(&operand);
      std::optional<unsigned> lo =
          map.getResultPosition(getAffineDimExpr(run.front(), op.getContext()));
      if (!lo)
        continue; // the operand is not indexed by the run (a broadcast)
      if (!isContiguous(operand.get(), *lo, *lo + longer.size() - 1))
        return false;
    }
    return true;
  };
  SmallVector<ReassociationIndices> runs;
  for (int64_t d = 0; d < op.getNumLoops(); ++d) {
    if (!runs.empty() && !ShapedType::isDynamic(ranges[runs.back().back()]) &&
        runs.back().back() == d - 1 && extends(runs.back(), d)) {
      runs.back().push_back(d);
      continue;
    }
    runs.push_back({d});
  }
  llvm::erase_if(runs, [](const ReassociationIndices &r) { return r.size() < 2; });
  return runs;
}

/// Every operand indexed by loop dims alone (each at most once), except
/// inputs' unit dims read at constant 0.
static bool readsDimsOrUnitConstants(linalg::GenericOp op) {
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type) {
      if (map.getNumResults() != 0)
        return false;
      continue;
    }
    bool input = op.isDpsInput(&operand);
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      auto c = dyn_cast<AffineConstantExpr>(e);
      if (c && input && c.getValue() == 0 && type.getDimSize(i) == 1)
        continue;
      if (!isa<AffineDimExpr>(e))
        return false;
    }
    if (!map.dropZeroResults().isProjectedPermutation())
      return false;
  }
  return true;
}

/// `op` with each input read through a constant index (a per-channel
/// [1, C, 1, 1] operand at (0, c, 0, 0)) collapsed to its other dims,
/// which `collapseOpIterationDims` needs (it takes dims only). Returns the
/// op unchanged when no input has such unit dims.
static linalg::GenericOp dropUnitInputDims(RewriterBase &rewriter, linalg::GenericOp op) {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  bool changed = false;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    auto type = dyn_cast<RankedTensorType>(in->get().getType());
    SmallVector<AffineExpr> kept;
    SmallVector<ReassociationIndices> groups;
    ReassociationIndices pending; // unit dims waiting for the next kept dim
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      pending.push_back(i);
      if (isa<AffineConstantExpr>(e) && type && type.getDimSize(i) == 1)
        continue;
      kept.push_back(e);
      groups.push_back(pending);
      pending.clear();
    }
    if (!type || kept.size() == map.getNumResults() ||
        llvm::any_of(kept, [](AffineExpr e) { return !isa<AffineDimExpr>(e); })) {
      inputs.push_back(in->get());
      maps.push_back(map);
      continue;
    }
    if (!groups.empty())
      groups.back().append(pending.begin(), pending.end());
    inputs.push_back(tensor::CollapseShapeOp::create(rewriter, op.getLoc(), in->get(), groups));
    maps.push_back(AffineMap::get(map.getNumDims(), 0, kept, op.getContext()));
    changed = true;
  }
  if (!changed)
    return op;
  for (OpOperand &out : op.getDpsInitsMutable())
    maps.push_back(op.getMatchingIndexingMap(&out));
  auto fresh = linalg::GenericOp::create(rewriter, op.getLoc(), op->getResultTypes(), inputs,
                                         op.getDpsInits(), maps, op.getIteratorTypesArray());
  rewriter.inlineRegionBefore(op.getRegion(), fresh.getRegion(), fresh.getRegion().begin());
  rewriter.replaceOp(op, fresh->getResults());
  return fresh;
}

namespace {
struct ResCollapseDims : resc::impl::ResCollapseDimsBase<ResCollapseDims> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.hasPureTensorSemantics() && op.getNumLoops() > 1 && !op.hasIndexSemantics() &&
          !touchesContraction(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : ops) {
      if (!readsDimsOrUnitConstants(op))
        continue;
      rewriter.setInsertionPoint(op);
      op = dropUnitInputDims(rewriter, op);
      SmallVector<ReassociationIndices> runs = collapsibleRuns(op);
      if (runs.empty())
        continue;
      FailureOr<linalg::CollapseResult> collapsed =
          linalg::collapseOpIterationDims(op, runs, rewriter);
      if (failed(collapsed))
        continue;
      rewriter.replaceOp(op, collapsed->results);
    }
  }
};
} // namespace
