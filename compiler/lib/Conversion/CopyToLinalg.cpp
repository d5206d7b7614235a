//===- CopyToLinalg.cpp - memref.copy -> linalg.copy ------------*- C++ -*-===//

#include "resc/Conversion/Passes.h"

#include "Copies.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace resc {
#define GEN_PASS_DEF_RESCOPYTOLINALG
#include "resc/Conversion/Passes.h.inc"
} // namespace resc

using namespace mlir;

bool resc::lowersToMemcpy(memref::CopyOp op) {
  auto contiguous = [](Type type) {
    auto memref = dyn_cast<MemRefType>(type);
    return memref && (memref.getLayout().isIdentity() ||
                      memref::isStaticShapeAndContiguousRowMajor(memref));
  };
  return contiguous(op.getSource().getType()) && contiguous(op.getTarget().getType());
}

namespace {

struct CopyToLinalg : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op, PatternRewriter &rewriter) const override {
    if (resc::lowersToMemcpy(op))
      return rewriter.notifyMatchFailure(op, "contiguous: memcpy");
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(), op.getTarget());
    return success();
  }
};

struct ResCopyToLinalg : resc::impl::ResCopyToLinalgBase<ResCopyToLinalg> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToLinalg>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
