//===- UpdateInPlace.cpp - optimizer updates into their arguments ---------===//
//
// res-update-in-place: the generic computing an updated parameter writes into
// the parameter's argument (destination passing), so one-shot bufferization
// can update the arena in place.
//
//===----------------------------------------------------------------------===//

#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace resc {
#define GEN_PASS_DEF_RESUPDATEINPLACE
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// The init of `result` can be replaced: the generic is all-parallel, writes
/// the result through an identity map and never reads the old value.
static OpOperand *replaceableInit(OpResult result) {
  auto generic = dyn_cast<linalg::GenericOp>(result.getOwner());
  if (!generic || generic.getNumLoops() != generic.getNumParallelLoops())
    return nullptr;
  OpOperand *init = generic.getDpsInitOperand(result.getResultNumber());
  if (!generic.getMatchingIndexingMap(init).isIdentity() ||
      generic.payloadUsesValueFromOperand(init))
    return nullptr;
  return init;
}

struct ResUpdateInPlace : resc::impl::ResUpdateInPlaceBase<ResUpdateInPlace> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    auto updates = fn->getAttrOfType<DenseI64ArrayAttr>("res.update_args");
    if (!updates || fn.isExternal())
      return;
    auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
    for (auto [i, arg] : llvm::enumerate(updates.asArrayRef())) {
      if (arg < 0 || i >= ret.getNumOperands())
        continue;
      Value argument = fn.getArgument(arg);
      auto result = dyn_cast<OpResult>(ret.getOperand(i));
      if (!result || result.getType() != argument.getType())
        continue;
      OpOperand *init = replaceableInit(result);
      if (!init)
        continue;
      init->set(argument);
      // An input reading the argument at the same index now reads the output
      // block argument instead (the same element, before it is written), so
      // that tiles read the loop-carried tensor and bufferization sees no
      // read of the old buffer after a write to it.
      auto generic = cast<linalg::GenericOp>(result.getOwner());
      BlockArgument out = generic.getMatchingBlockArgument(init);
      for (OpOperand *input : generic.getDpsInputOperands())
        if (input->get() == argument && generic.getMatchingIndexingMap(input).isIdentity())
          generic.getMatchingBlockArgument(input).replaceAllUsesWith(out);
    }
    // Drop the inputs no longer read.
    RewritePatternSet patterns(&getContext());
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(fn, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
