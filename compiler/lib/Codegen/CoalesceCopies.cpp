//===- CoalesceCopies.cpp - rename a buffer instead of copying it -*- C++ -*-===//

#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace resc {
#define GEN_PASS_DEF_RESCOALESCECOPIES
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {
/// An op that uses a buffer, or a view of it, as `value`.
struct Access {
  Operation *op;
  Value value;
};
} // namespace

/// Every access of `buffer` through itself or a view (an effect-free op
/// returning memrefs of it: casts, subviews, reshapes), nested ones too.
/// Memrefs returned by any other user (a call returning its argument) are
/// taken as views as well.
static SmallVector<Access> accesses(Value buffer) {
  SmallVector<Access> found;
  SmallVector<Value> worklist{buffer};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      bool view = isMemoryEffectFree(user) && user->getNumResults() > 0 &&
                  llvm::all_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>);
      if (!view)
        found.push_back({user, v});
      for (Value result : user->getResults())
        if (isa<BaseMemRefType>(result.getType()))
          worklist.push_back(result);
    }
  }
  return found;
}

/// Might `op` write (or free) the buffer it accesses as `value`?
static bool mightWriteOrFree(Operation *op, Value value) {
  return mightHaveEffect<MemoryEffects::Write, MemoryEffects::Free>(op, value);
}

/// Which arguments each kernel might write, asked once per callee and
/// argument. The pass works on the module: a function pass would read its
/// callees' bodies while other threads rewrite them.
class WrittenArguments {
public:
  explicit WrittenArguments(ModuleOp module) : symbols(module) {}

  /// Might `a` write (or free) its buffer? Calls are asked about through
  /// their callee; a return counts as a write (the caller may write the
  /// result).
  bool mightWrite(const Access &a) {
    if (auto call = dyn_cast<func::CallOp>(a.op)) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      for (OpOperand &operand : call->getOpOperands())
        if (operand.get() == a.value && writes(callee, operand.getOperandNumber()))
          return true;
      return false;
    }
    if (isa<func::ReturnOp>(a.op))
      return true;
    return mightWriteOrFree(a.op, a.value);
  }

private:
  /// Might `callee` write its argument `i`? A declaration might.
  bool writes(func::FuncOp callee, unsigned i) {
    if (!callee || callee.isExternal())
      return true;
    auto [it, inserted] = cache.try_emplace({callee, i}, false);
    if (inserted)
      it->second = llvm::any_of(accesses(callee.getArgument(i)), [](const Access &a) {
        return isa<CallOpInterface>(a.op) || mightWriteOrFree(a.op, a.value);
      });
    return it->second;
  }

  SymbolTable symbols;
  llvm::DenseMap<std::pair<Operation *, unsigned>, bool> cache;
};

/// Where `access` sits relative to `at` in `at`'s block: -1 before, +1
/// after, 0 at `at` itself or outside the block.
static int side(const Access &access, Operation *at) {
  Operation *ancestor = at->getBlock()->findAncestorOpInBlock(*access.op);
  if (!ancestor || ancestor == at)
    return 0;
  return ancestor->isBeforeInBlock(at) ? -1 : 1;
}

/// `memref.copy %src, %dst` between two allocations of one type in the
/// copy's block, `dst` untouched before the copy. `dst` can be `src`
/// itself when, after the copy, `src` is not accessed at all (its last
/// value moves), or neither is written (both hold the same data).
static bool coalesce(memref::CopyOp copy, WrittenArguments &written) {
  auto src = copy.getSource().getDefiningOp<memref::AllocOp>();
  auto dst = copy.getTarget().getDefiningOp<memref::AllocOp>();
  Block *block = copy->getBlock();
  if (!src || !dst || src.getType() != dst.getType() || src->getBlock() != block ||
      dst->getBlock() != block)
    return false;
  SmallVector<Access> srcAccesses = accesses(src), dstAccesses = accesses(dst);
  bool srcDead = true, readOnly = true;
  for (const Access &a : srcAccesses) {
    int s = side(a, copy);
    if (s == 0 && a.op != copy)
      return false;
    if (s > 0) {
      srcDead = false;
      readOnly &= !written.mightWrite(a);
    }
  }
  for (const Access &a : dstAccesses) {
    int s = side(a, copy);
    if ((s == 0 && a.op != copy) || s < 0)
      return false;
    if (s > 0)
      readOnly &= !written.mightWrite(a);
  }
  if (!srcDead && !readOnly)
    return false;
  dst.getResult().replaceAllUsesWith(src.getResult());
  copy->erase();
  dst->erase();
  return true;
}

namespace {
struct ResCoalesceCopies : resc::impl::ResCoalesceCopiesBase<ResCoalesceCopies> {
  void runOnOperation() override {
    WrittenArguments written(getOperation());
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp copy : copies)
      coalesce(copy, written);
  }
};
} // namespace
