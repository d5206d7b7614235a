//===- ApproximateMath.cpp - vector math without libm calls ---------------===//
//
// res-approximate-math: f32 vector exp/log/erf/tanh become MLIR's polynomial
// approximations, so they stay vector code instead of one libm call per lane.
//
//===----------------------------------------------------------------------===//

#include "Schedule.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace resc {
#define GEN_PASS_DEF_RESAPPROXIMATEMATH
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

struct ResApproximateMath : resc::impl::ResApproximateMathBase<ResApproximateMath> {
  void runOnOperation() override {
    // Only f32 vectors: a scalar call costs no more than the polynomial, and
    // keeps libm's accuracy where it is cheap to have.
    auto isF32Vector = [](Operation *op) {
      auto type = dyn_cast<VectorType>(op->getResultTypes().front());
      return type && type.getElementType().isF32();
    };
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (resc::codegen::isPolynomialMath(op) && isF32Vector(op))
        ops.push_back(op);
    });
    if (ops.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      return name == "math.exp" || name == "math.log" || name == "math.erf" ||
             name == "math.tanh";
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace
