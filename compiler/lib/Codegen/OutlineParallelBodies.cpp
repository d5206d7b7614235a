//===- OutlineParallelBodies.cpp - share entry points' parallel loops -*- C++ -*-===//
//
// forward, loss, loss_grad and train_step each run the same per-image
// loops (pad, im2col, kernel calls): ResNet8's 70 parallel loops have 20
// distinct bodies, and each was lowered and compiled once per entry point
// (a third of the fixture's machine code). A body moved into a private
// function, one per distinct body, is compiled once.
//
//===----------------------------------------------------------------------===//

#include "SharedFunctions.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace resc {
#define GEN_PASS_DEF_RESOUTLINEPARALLELBODIES
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// Replaces the body of `loop` (on buffers: no shared outputs) with a call
/// of `(induction variables..., captured values...)`.
void outlineBody(scf::ForallOp loop, resc::codegen::SharedFunctions &bodies, OpBuilder &b) {
  Block *body = loop.getBody();
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(loop.getRegion(), captured);
  SmallVector<Value> args(loop.getInductionVars());
  SmallVector<Operation *> constants;
  resc::codegen::splitCaptured(captured.getArrayRef(), args, constants);

  IRMapping map;
  auto fn = resc::codegen::startOutlined(
      b, loop->getParentOfType<ModuleOp>(), loop.getLoc(), "__resc_parallel_body",
      b.getFunctionType(ValueRange(args).getTypes(), {}), args, constants, map);
  for (Operation &op : body->without_terminator())
    b.clone(op, map);
  func::ReturnOp::create(b, loop.getLoc());
  func::FuncOp callee = bodies.intern(fn);

  // Last first: users go before the values they use.
  while (Operation *last = body->getTerminator()->getPrevNode())
    last->erase();
  b.setInsertionPoint(body->getTerminator());
  SmallVector<Value> operands(loop.getInductionVars());
  operands.append(args.begin() + loop.getRank(), args.end());
  func::CallOp::create(b, loop.getLoc(), callee, operands);
}

struct ResOutlineParallelBodies
    : resc::impl::ResOutlineParallelBodiesBase<ResOutlineParallelBodies> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ForallOp> loops;
    for (auto fn : module.getOps<func::FuncOp>()) {
      // Entry implementations only (res-entry-out-params marks them): a
      // kernel's thread-shared tile loops are compiled once already.
      if (!fn->hasAttr("res.out_args"))
        continue;
      fn.walk<WalkOrder::PreOrder>([&](scf::ForallOp loop) {
        if (loop.getOutputs().empty())
          loops.push_back(loop);
        return WalkResult::skip(); // a nested loop goes with its parent
      });
    }
    resc::codegen::SharedFunctions bodies(module, "__resc_parallel_body_");
    OpBuilder b(module.getContext());
    for (scf::ForallOp loop : loops)
      outlineBody(loop, bodies, b);
  }
};

} // namespace
