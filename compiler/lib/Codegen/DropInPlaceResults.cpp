//===- DropInPlaceResults.cpp - results already in the arena --------------===//
//
// res-drop-in-place-results: an entry function returning one of its own
// arguments (an update bufferized in place), or a fresh copy of it, stops
// returning it; the kept results' original indices go to `res.kept_results`
// for the entry wrapper.
//
//===----------------------------------------------------------------------===//

#include "ReturnedBuffers.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"

namespace resc {
#define GEN_PASS_DEF_RESDROPINPLACERESULTS
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// The buffer `v` is: through memref.casts, and through calls of functions
/// that return one of their arguments (the kernels return their output).
static Value aliasRoot(Value v) {
  while (true) {
    if (auto cast = v.getDefiningOp<memref::CastOp>()) {
      v = cast.getSource();
      continue;
    }
    auto call = v.getDefiningOp<func::CallOp>();
    if (!call)
      return v;
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
    if (!callee || callee.isExternal())
      return v;
    auto ret = cast<func::ReturnOp>(callee.getBody().back().getTerminator());
    Value returned = ret.getOperand(cast<OpResult>(v).getResultNumber());
    auto arg = dyn_cast<BlockArgument>(resc::stripCasts(returned));
    if (!arg || arg.getOwner() != &callee.getBody().front())
      return v;
    v = call.getOperand(arg.getArgNumber());
  }
}

/// `v` is argument `arg` of `fn` (see aliasRoot).
static bool isArgument(Value v, func::FuncOp fn, int64_t arg) {
  v = aliasRoot(v);
  auto blockArg = dyn_cast<BlockArgument>(v);
  return blockArg && blockArg.getOwner() == &fn.getBody().front() &&
         blockArg.getArgNumber() == arg;
}

/// A fresh buffer `v` whose only writer is a copy of argument `arg` just
/// before `ret` (the identity-layout copy bufferization makes of a kernel's
/// strided result): the copy, or null.
static memref::CopyOp copyOfArgument(Value v, func::FuncOp fn, int64_t arg, Operation *ret) {
  auto alloc = v.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return nullptr;
  memref::CopyOp copy = resc::soleCopyInto(alloc, ret);
  if (!copy || copy->getBlock() != ret->getBlock() || !isArgument(copy.getSource(), fn, arg))
    return nullptr;
  // Nothing between the copy and the return may write the argument: only
  // more such copies into fresh buffers, their allocations, and casts.
  for (Operation *op = copy->getNextNode(); op && op != ret; op = op->getNextNode()) {
    if (isa<memref::CastOp, memref::AllocOp>(op))
      continue;
    auto other = dyn_cast<memref::CopyOp>(op);
    if (!other || !other.getTarget().getDefiningOp<memref::AllocOp>())
      return nullptr;
  }
  return copy;
}

struct ResDropInPlaceResults : resc::impl::ResDropInPlaceResultsBase<ResDropInPlaceResults> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      auto updates = fn->getAttrOfType<DenseI64ArrayAttr>("res.update_args");
      if (!updates || fn.isExternal())
        continue;
      auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
      if (updates.size() != static_cast<int64_t>(ret.getNumOperands()))
        continue;
      llvm::BitVector drop(ret.getNumOperands());
      SmallVector<int64_t> kept;
      SmallVector<bool> keptUpdates;
      SmallVector<Operation *> dead;
      for (auto [i, arg] : llvm::enumerate(updates.asArrayRef())) {
        Value v = ret.getOperand(i);
        if (arg >= 0 && isArgument(v, fn, arg)) {
          drop.set(i);
        } else if (memref::CopyOp copy = arg >= 0 ? copyOfArgument(v, fn, arg, ret) : nullptr) {
          drop.set(i);
          dead.append({copy, v.getDefiningOp()});
        } else {
          kept.push_back(static_cast<int64_t>(i));
          keptUpdates.push_back(arg >= 0);
        }
      }
      ret->eraseOperands(drop);
      for (Operation *op : dead)
        op->erase();
      if (failed(fn.eraseResults(drop)))
        return signalPassFailure();
      fn->setAttr("res.kept_results", DenseI64ArrayAttr::get(&getContext(), kept));
      // An update still returned goes to its arena slot, which the function
      // also reads: res-entry-out-params must not compute into it early.
      fn->setAttr("res.kept_updates", DenseBoolArrayAttr::get(&getContext(), keptUpdates));
      fn->removeAttr("res.update_args");
    }
  }
};

} // namespace
