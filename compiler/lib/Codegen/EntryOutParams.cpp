//===- EntryOutParams.cpp - entry results into the caller's buffers -------===//
//
// res-entry-out-params: every result of an entry point becomes a trailing
// argument the caller passes (the C wrapper: the output tensor, the slot of
// the gradient arena, or the parameter's arena slot). A result computed
// into a fresh buffer is computed into the caller's buffer directly, so the
// entry neither allocates nor copies its outputs; any other result is
// copied into it before the return. Calls between entry points
// (train_step calls loss_grad) allocate the buffers at the call.
//
//===----------------------------------------------------------------------===//

#include "IndexRebuilder.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"

namespace resc {
#define GEN_PASS_DEF_RESENTRYOUTPARAMS
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// Whether `op`, or an op nested in it, uses `v`.
static bool usesValue(Operation *op, Value v) {
  WalkResult r = op->walk([&](Operation *inner) {
    return llvm::is_contained(inner->getOperands(), v) ? WalkResult::interrupt()
                                                       : WalkResult::advance();
  });
  return r.wasInterrupted();
}

/// The fresh buffer the caller's buffer can replace for returned value `v`:
/// `v`'s own allocation, or, when `v` is only a copy of another fresh
/// buffer made for the return, that buffer (the copy then goes away).
/// Null when neither applies; `copyOps` gets what goes away with it.
static memref::AllocOp replaceableBuffer(Value v, func::ReturnOp ret,
                                         SmallVectorImpl<Operation *> &copyOps) {
  auto alloc = v.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != ret->getBlock())
    return nullptr;
  memref::CopyOp copy;
  for (Operation *user : alloc->getUsers()) {
    if (user == ret)
      continue;
    auto c = dyn_cast<memref::CopyOp>(user);
    if (!c || c.getTarget() != v || copy)
      return alloc;
    copy = c;
  }
  auto source = copy ? copy.getSource().getDefiningOp<memref::AllocOp>() : nullptr;
  if (!source || source.getType() != alloc.getType() || source->getBlock() != ret->getBlock())
    return alloc;
  // The copy must be the source's last use.
  for (Operation *op = copy->getNextNode(); op; op = op->getNextNode())
    if (usesValue(op, source.getResult()))
      return alloc;
  copyOps.append({alloc, copy});
  return source;
}

/// Rewrites `fn`'s results into trailing arguments.
static LogicalResult convert(func::FuncOp fn, ArrayRef<func::CallOp> calls) {
  auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
  unsigned numResults = fn.getNumResults();
  auto updates = fn->getAttrOfType<DenseBoolArrayAttr>("res.kept_updates");

  // Callers allocate the buffers; sizes come from the callee's return values.
  for (func::CallOp call : calls) {
    OpBuilder b(call);
    IRMapping map;
    for (auto [arg, operand] : llvm::zip(fn.getArguments(), call.getOperands()))
      map.map(arg, operand);
    resc::IndexRebuilder rebuilder(b, map);
    SmallVector<Value> buffers;
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      auto type = cast<MemRefType>(v.getType());
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d))
          continue;
        FailureOr<Value> size = rebuilder.rebuildDim(v, d);
        if (failed(size))
          return call.emitError("internal error: cannot size the result buffer of a call to ")
                 << fn.getSymName();
        sizes.push_back(*size);
      }
      auto buffer = memref::AllocOp::create(b, call.getLoc(), type, sizes, b.getI64IntegerAttr(64));
      call->getResult(i).replaceAllUsesWith(buffer.getResult());
      buffers.push_back(buffer);
    }
    call->insertOperands(call->getNumOperands(), buffers);
  }

  unsigned firstOut = fn.getNumArguments();
  SmallVector<Operation *> dead;
  llvm::SmallPtrSet<Operation *, 4> replaced;
  for (unsigned i = 0; i < numResults; ++i) {
    Value v = ret.getOperand(i);
    if (failed(fn.insertArgument(firstOut + i, v.getType(), {}, fn.getLoc())))
      return failure();
    Value out = fn.getArgument(firstOut + i);
    bool update = updates && i < updates.size() && updates[i];
    SmallVector<Operation *> copyOps;
    memref::AllocOp buffer = update ? nullptr : replaceableBuffer(v, ret, copyOps);
    if (buffer && buffer.getType() == out.getType() && !replaced.contains(buffer) &&
        llvm::none_of(copyOps, [&](Operation *op) { return replaced.contains(op); })) {
      replaced.insert(buffer);
      replaced.insert(copyOps.begin(), copyOps.end());
      buffer.replaceAllUsesWith(out);
      dead.push_back(buffer);
      dead.append(copyOps);
      continue;
    }
    OpBuilder b(ret);
    memref::CopyOp::create(b, ret.getLoc(), v, out);
  }
  ret->eraseOperands(0, numResults);
  // Copies first: they use the buffers.
  for (Operation *op : llvm::reverse(dead))
    op->erase();
  if (failed(fn.eraseResults(llvm::BitVector(numResults, true))))
    return failure();
  for (func::CallOp call : calls) {
    OpBuilder b(call);
    auto replacement = func::CallOp::create(b, call.getLoc(), fn, call.getOperands());
    replacement->setDiscardableAttrs(call->getDiscardableAttrDictionary());
    call.erase();
  }
  fn->setAttr("res.out_args", OpBuilder(fn).getI64IntegerAttr(numResults));
  fn->removeAttr("res.kept_updates");
  return success();
}

struct ResEntryOutParams : resc::impl::ResEntryOutParamsBase<ResEntryOutParams> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto fn : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (fn.isPrivate() || fn.isExternal())
        continue;
      SmallVector<func::CallOp> calls;
      if (auto uses = SymbolTable::getSymbolUses(fn, module))
        for (const SymbolTable::SymbolUse &use : *uses)
          if (auto call = dyn_cast<func::CallOp>(use.getUser()))
            calls.push_back(call);
      if (failed(convert(fn, calls)))
        return signalPassFailure();
    }
  }
};

} // namespace
