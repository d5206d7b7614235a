//===- VectorizeCopies.cpp - strided copies as vector rows ------*- C++ -*-===//
//
// res-vectorize-copies: a memref.copy whose innermost dims are contiguous in
// both views becomes loops over the outer dims around vector loads and
// stores of that run. As scalar loops (res-copy-to-linalg) LLVM unrolls
// them element by element: the views may alias, so it cannot vectorize.
//
//===----------------------------------------------------------------------===//

#include "resc/Conversion/Passes.h"

#include "Copies.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace resc {
#define GEN_PASS_DEF_RESVECTORIZECOPIES
#include "resc/Conversion/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// One vector register (AVX-512); narrower targets split the vector.
constexpr int64_t kRegisterBits = 512;
/// Longer runs are a loop of whole registers: unrolled, an image-sized run
/// (3136 floats) would be hundreds of instructions.
constexpr int64_t kMaxUnrolledRun = 256;

struct Run {
  int64_t dims = 0;     ///< trailing dims contiguous in both views
  int64_t elements = 1; ///< their static number of elements
};

/// The trailing dims of two views of one shape that are contiguous in
/// both: innermost stride 1, each outer stride the product of the sizes
/// inside it, all static.
static Run contiguousRun(MemRefType a, MemRefType b) {
  SmallVector<int64_t> stridesA, stridesB;
  int64_t offsetA, offsetB;
  Run run;
  if (failed(a.getStridesAndOffset(stridesA, offsetA)) ||
      failed(b.getStridesAndOffset(stridesB, offsetB)))
    return run;
  for (int64_t i = a.getRank() - 1; i >= 0; --i) {
    int64_t size = ShapedType::isDynamic(a.getDimSize(i)) ? b.getDimSize(i) : a.getDimSize(i);
    if (ShapedType::isDynamic(size) || stridesA[i] != run.elements ||
        stridesB[i] != run.elements)
      break;
    run.elements *= size;
    ++run.dims;
  }
  return run;
}

/// `view` with its last `dims` dims collapsed into one (they are contiguous).
static Value collapseTrailing(PatternRewriter &rewriter, Location loc, Value view, int64_t dims) {
  int64_t rank = cast<MemRefType>(view.getType()).getRank();
  if (dims == 1)
    return view;
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank - dims; ++d)
    groups.push_back({d});
  groups.emplace_back();
  for (int64_t d = rank - dims; d < rank; ++d)
    groups.back().push_back(d);
  return memref::CollapseShapeOp::create(rewriter, loc, view, groups);
}

struct CopyRows : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op, PatternRewriter &rewriter) const override {
    if (resc::lowersToMemcpy(op))
      return rewriter.notifyMatchFailure(op, "contiguous: memcpy");
    auto sourceType = dyn_cast<MemRefType>(op.getSource().getType());
    auto targetType = dyn_cast<MemRefType>(op.getTarget().getType());
    // Whole bytes only: a vector of i1 is stored packed, one bit per lane,
    // a memref of i1 one byte per element.
    if (!sourceType || !targetType || !sourceType.getElementType().isIntOrFloat() ||
        sourceType.getElementType().getIntOrFloatBitWidth() % 8 != 0)
      return rewriter.notifyMatchFailure(op, "not a ranked copy of whole-byte scalars");
    Run run = contiguousRun(sourceType, targetType);
    if (run.dims == 0 || run.elements < 2)
      return rewriter.notifyMatchFailure(op, "no contiguous inner run");

    Location loc = op.getLoc();
    Value source = collapseTrailing(rewriter, loc, op.getSource(), run.dims);
    Value target = collapseTrailing(rewriter, loc, op.getTarget(), run.dims);
    auto index = [&](int64_t value) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, value);
    };
    Value zero = index(0), one = index(1);
    SmallVector<Value> ivs;
    for (int64_t d = 0, outer = sourceType.getRank() - run.dims; d < outer; ++d) {
      Value size = rewriter.createOrFold<memref::DimOp>(loc, source, d);
      auto loop = scf::ForOp::create(rewriter, loc, zero, size, one);
      rewriter.setInsertionPointToStart(loop.getBody());
      ivs.push_back(loop.getInductionVar());
    }
    Type element = sourceType.getElementType();
    auto copyPiece = [&](Value offset, int64_t width) {
      SmallVector<Value> indices(ivs);
      indices.push_back(offset);
      auto type = VectorType::get({width}, element);
      Value piece = vector::LoadOp::create(rewriter, loc, type, source, indices);
      vector::StoreOp::create(rewriter, loc, piece, target, indices);
    };
    int64_t lanes = std::max<int64_t>(1, kRegisterBits / element.getIntOrFloatBitWidth());
    int64_t whole = run.elements / lanes * lanes;
    if (run.elements <= kMaxUnrolledRun) {
      for (int64_t offset = 0; offset < whole; offset += lanes)
        copyPiece(index(offset), lanes);
    } else {
      auto loop = scf::ForOp::create(rewriter, loc, zero, index(whole), index(lanes));
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loop.getBody());
      copyPiece(loop.getInductionVar(), lanes);
    }
    if (whole < run.elements)
      copyPiece(index(whole), run.elements - whole);
    rewriter.eraseOp(op);
    return success();
  }
};

struct ResVectorizeCopies : resc::impl::ResVectorizeCopiesBase<ResVectorizeCopies> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyRows>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
