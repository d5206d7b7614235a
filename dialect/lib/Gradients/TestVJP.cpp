//===- TestVJP.cpp - res-test-vjp: one op's VJP as a function -------------===//
//
// Test-only pass (TestPasses.td): rewrites each `vjp_*` function, whose body
// is one differentiable op and whose last argument is the adjoint of its
// result, to return the operand adjoints that the op's buildVJP emits.
//
//===----------------------------------------------------------------------===//

#include "res/ResOps.h"
#include "res/TestPasses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace res {
#define GEN_PASS_DEF_TESTVJP
#include "res/TestPasses.h.inc"
} // namespace res

using namespace mlir;
using namespace res;

namespace {

/// Replaces the return of `func` by the VJP of its one differentiable op.
LogicalResult rewriteVJPFunction(func::FuncOp func) {
  if (func.isExternal() || !func.getBody().hasOneBlock())
    return func.emitError("a vjp_ function needs a body of one block");
  Block &body = func.getBody().front();
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret)
    return func.emitError("a vjp_ function must end with func.return");
  SmallVector<GradientOpInterface> ops;
  func.walk([&](GradientOpInterface op) { ops.push_back(op); });
  if (ops.size() != 1)
    return func.emitError("a vjp_ function needs exactly one op with a VJP, "
                          "found ")
           << ops.size();
  Operation *op = ops.front();
  if (op->getNumResults() != 1)
    return op->emitError("res-test-vjp handles ops with one result, got ")
           << op->getNumResults();
  if (body.getNumArguments() == 0 ||
      body.getArguments().back().getType() != op->getResult(0).getType())
    return func.emitError("the last argument must be the adjoint of the "
                          "result, of type ")
           << op->getResult(0).getType();
  Value dy = body.getArguments().back();

  SmallVector<bool> needed(op->getNumOperands(), true);
  if (auto attr = func->getAttrOfType<DenseBoolArrayAttr>("res.test_needed")) {
    if (attr.size() != static_cast<int64_t>(needed.size()))
      return func.emitError("res.test_needed has ")
             << attr.size() << " entries but the op has "
             << needed.size() << " operands";
    needed.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
  }

  OpBuilder builder(ret);
  SmallVector<Value> grads;
  if (failed(cast<GradientOpInterface>(op).buildVJP(builder, ValueRange{dy},
                                                     needed, grads)))
    return failure();
  if (grads.size() != op->getNumOperands())
    return op->emitError("buildVJP returned ")
           << grads.size() << " adjoints for " << op->getNumOperands()
           << " operands";
  SmallVector<Value> results;
  for (auto [i, g] : llvm::enumerate(grads)) {
    if (!g)
      continue;
    if (g.getType() != op->getOperand(i).getType())
      return op->emitError("adjoint of operand #")
             << i << " has type " << g.getType() << " but the operand has "
             << op->getOperand(i).getType();
    results.push_back(g);
  }
  func::ReturnOp::create(builder, ret.getLoc(), results);
  ret.erase();
  func.setType(FunctionType::get(func.getContext(), body.getArgumentTypes(),
                                 TypeRange(results)));
  return success();
}

struct TestVJP : res::impl::TestVJPBase<TestVJP> {
  void runOnOperation() override {
    bool ok = true;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.getName().starts_with("vjp_"))
        ok &= succeeded(rewriteVJPFunction(func));
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
