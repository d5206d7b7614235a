//===- TransposeOperands.cpp - contiguous contraction operands --*- C++ -*-===//

#include "Schedule.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace resc {
#define GEN_PASS_DEF_RESTRANSPOSECONTRACTIONOPERANDS
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

/// Position of loop dim `dim` among the results of `map`, if it is there.
static std::optional<unsigned> resultPosition(AffineMap map, unsigned dim) {
  for (auto [i, e] : llvm::enumerate(map.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == dim)
      return i;
  return std::nullopt;
}

/// The reduction dim k of a weight gradient `dY^T X` ([k, m] x [k, n],
/// k = the batch): its lhs [k, m] is read 6 consecutive m at a time, each
/// k step a row further (4 KB at m = 1024), so every register tile touched a
/// new line per k step for 24 bytes of it, and the lines were gone again by
/// the next tile. Transposed to [m, k] once, each of the tile's 6 rows is a
/// sequential stream, as a forward GEMM's lhs is. None for other shapes.
static std::optional<unsigned> rowMajorLhsRows(linalg::GenericOp op) {
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 || dims->k.size() != 1 ||
      !dims->batch.empty())
    return std::nullopt;
  unsigned m = dims->m.front(), k = dims->k.front();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamic(ranges[m]) || ranges[m] < 64)
    return std::nullopt;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (map.getNumResults() == 2 && map.getDimPosition(0) == k && map.getDimPosition(1) == m)
      return k;
  }
  return std::nullopt;
}

/// Transposes the operands of one contraction that index the output's
/// innermost dim `n` anywhere but innermost. Returns true if it changed.
static bool transposeOperands(RewriterBase &rewriter, linalg::GenericOp op) {
  if (!linalg::isaContractionOpInterface(op))
    return false;
  // A product summed over every dim but the output's (batch-norm's
  // sum(dy * xhat) once the product fused into the sum) reads both inputs
  // along the same contiguous dim already: a reduction, not a matrix
  // product whose B would want its rows contiguous.
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty())
    return false;
  std::optional<unsigned> n = resc::codegen::innermostOutputDim(op);
  if (!n)
    return false;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  std::optional<unsigned> kRows = rowMajorLhsRows(op);
  bool changed = false;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = maps[in->getOperandNumber()];
    std::optional<unsigned> pos = resultPosition(map, *n);
    unsigned last = map.getNumResults() - 1;
    if (!map.isProjectedPermutation())
      continue;
    if (!pos && kRows)
      pos = resultPosition(map, *kRows); // the lhs: its k dim goes innermost
    if (!pos || *pos == last)
      continue;
    // Swap the position with the innermost one.
    SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, map.getNumResults()));
    std::swap(perm[*pos], perm[last]);
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    Value src = in->get();
    auto srcType = cast<RankedTensorType>(src.getType());
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : perm)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, src, p));
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, srcType.getElementType());
    Value transposed = linalg::TransposeOp::create(rewriter, loc, src, init, perm).getResult()[0];
    SmallVector<AffineExpr> exprs;
    for (int64_t p : perm)
      exprs.push_back(map.getResult(p));
    maps[in->getOperandNumber()] = AffineMap::get(map.getNumDims(), 0, exprs, op.getContext());
    rewriter.modifyOpInPlace(op, [&] { in->set(transposed); });
    changed = true;
  }
  if (changed)
    rewriter.modifyOpInPlace(op, [&] { op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps)); });
  return changed;
}

namespace {
struct ResTransposeContractionOperands
    : resc::impl::ResTransposeContractionOperandsBase<ResTransposeContractionOperands> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) { ops.push_back(op); });
    for (linalg::GenericOp op : ops)
      transposeOperands(rewriter, op);
  }
};
} // namespace
