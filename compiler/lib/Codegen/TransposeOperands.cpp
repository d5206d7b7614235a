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

/// Transposes the operands of one contraction that index the output's
/// innermost dim `n` anywhere but innermost. Returns true if it changed.
static bool transposeOperands(RewriterBase &rewriter, linalg::GenericOp op) {
  if (!linalg::isaContractionOpInterface(op))
    return false;
  std::optional<unsigned> n = resc::codegen::innermostOutputDim(op);
  if (!n)
    return false;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  bool changed = false;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = maps[in->getOperandNumber()];
    std::optional<unsigned> pos = resultPosition(map, *n);
    unsigned last = map.getNumResults() - 1;
    if (!pos || *pos == last || !map.isProjectedPermutation())
      continue;
    // Swap n's position with the innermost one.
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
