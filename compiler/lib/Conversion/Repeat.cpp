//===- Repeat.cpp - res.repeat to scf.for -----------------------*- C++ -*-===//
//
// The loop keeps the IR one copy of the block body however large the count:
// iteration i reads slice i of every stacked parameter.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "res/ResOps.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace resc;

namespace {

struct RepeatLowering : OpConversionPattern<res::RepeatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(res::RepeatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value ub = arith::ConstantIndexOp::create(rewriter, loc, op.getCount());
    Value step = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(rewriter, loc, lb, ub, step, adaptor.getInits());
    Block *body = loop.getBody();
    rewriter.setInsertionPointToStart(body);
    SmallVector<Value> args(body->getArguments().drop_front());
    for (Value stack : adaptor.getParams())
      args.push_back(sliceInstance(rewriter, loc, stack, loop.getInductionVar()));
    Block &src = op.getBody().front();
    rewriter.mergeBlocks(&src, body, args);

    auto yield = cast<res::YieldOp>(body->getTerminator());
    rewriter.setInsertionPoint(yield);
    SmallVector<Value> results;
    for (auto [v, iter] : llvm::zip(yield.getValues(), loop.getRegionIterArgs())) {
      // A yield may be more static than the carried type.
      if (v.getType() != iter.getType())
        v = tensor::CastOp::create(rewriter, loc, iter.getType(), v);
      results.push_back(v);
    }
    scf::YieldOp::create(rewriter, loc, results);
    rewriter.eraseOp(yield);
    rewriter.replaceOp(op, loop.getResults());
    return success();
  }
};

} // namespace

void resc::populateRepeatPatterns(RewritePatternSet &patterns) {
  patterns.add<RepeatLowering>(patterns.getContext());
}
