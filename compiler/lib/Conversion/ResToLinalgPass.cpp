//===- ResToLinalgPass.cpp - the res-convert-to-linalg pass -----*- C++ -*-===//

#include "res/ResDialect.h"
#include "res/ResOps.h"
#include "resc/Conversion/Passes.h"
#include "resc/Conversion/ResToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace resc {
#define GEN_PASS_DEF_RESCONVERTTOLINALG
#include "resc/Conversion/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {
struct ResConvertToLinalg
    : resc::impl::ResConvertToLinalgBase<ResConvertToLinalg> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect, math::MathDialect,
                           scf::SCFDialect, tensor::TensorDialect, func::FuncDialect>();
    target.addIllegalDialect<res::ResDialect>();
    RewritePatternSet patterns(ctx);
    resc::populateElementwisePatterns(patterns);
    resc::populateContractionPatterns(patterns);
    resc::populateReductionPatterns(patterns);
    resc::populateShapePatterns(patterns);
    resc::populateLossPatterns(patterns);
    resc::populateRepeatPatterns(patterns);
    resc::populateNNPatterns(patterns);
    resc::populateGradientPatterns(patterns);
    resc::populateNNGradientPatterns(patterns);
    // Ops without a lowering are reported at their source location.
    bool unsupported = false;
    llvm::DenseSet<OperationName> reported; // one error per op kind is enough
    getOperation().walk([&](Operation *op) {
      if (op->getDialect() && isa<res::ResDialect>(op->getDialect()) &&
          !isa<res::YieldOp>(op)) {
        bool known = false;
        for (const auto &p : patterns.getNativePatterns())
          if (p->getRootKind() && *p->getRootKind() == op->getName())
            known = true;
        if (!known && reported.insert(op->getName()).second) {
          op->emitError() << "'" << op->getName()
                          << "' has no native lowering yet (see docs/passes.md)";
        }
        unsupported |= !known;
      }
    });
    if (unsupported)
      return signalPassFailure();
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
