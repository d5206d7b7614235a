//===- SpecializeKernelLayouts.cpp - static strides where callers agree ---===//
//
// res-specialize-kernel-layouts: each memref argument of a private function
// takes the join of the layouts its call sites pass (before their casts to
// the fully dynamic bufferized layout): static strides and offset where all
// callers agree.
//
//===----------------------------------------------------------------------===//

#include "ReturnedBuffers.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

namespace resc {
#define GEN_PASS_DEF_RESSPECIALIZEKERNELLAYOUTS
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// `current` (the argument's type) with each stride and the offset static
/// where every type in `passed` has that same static value.
static MemRefType joinLayouts(MemRefType current, ArrayRef<MemRefType> passed) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(current.getStridesAndOffset(strides, offset)))
    return current;
  SmallVector<int64_t> joined(strides.size(), ShapedType::kDynamic);
  int64_t joinedOffset = ShapedType::kDynamic;
  for (auto [i, type] : llvm::enumerate(passed)) {
    SmallVector<int64_t> s;
    int64_t o;
    if (!type || type.getRank() != current.getRank() ||
        failed(type.getStridesAndOffset(s, o)))
      return current;
    for (unsigned d = 0; d < s.size(); ++d)
      joined[d] = i == 0 ? s[d] : (joined[d] == s[d] ? s[d] : ShapedType::kDynamic);
    joinedOffset = i == 0 ? o : (joinedOffset == o ? o : ShapedType::kDynamic);
  }
  // Only ever more static than the argument was.
  for (unsigned d = 0; d < strides.size(); ++d)
    if (!ShapedType::isDynamic(strides[d]))
      joined[d] = strides[d];
  if (!ShapedType::isDynamic(offset))
    joinedOffset = offset;
  auto layout = StridedLayoutAttr::get(current.getContext(), joinedOffset, joined);
  return MemRefType::get(current.getShape(), current.getElementType(), layout,
                         current.getMemorySpace());
}

struct ResSpecializeKernelLayouts
    : resc::impl::ResSpecializeKernelLayoutsBase<ResSpecializeKernelLayouts> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection tables;
    SymbolUserMap users(tables, module);
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (!fn.isPrivate() || fn.isExternal())
        continue;
      // Called directly, and only so: an address taken would see the old
      // type.
      SmallVector<func::CallOp> calls;
      bool onlyCalls = true;
      for (Operation *user : users.getUsers(fn)) {
        auto call = dyn_cast<func::CallOp>(user);
        if (!call) {
          onlyCalls = false;
          break;
        }
        calls.push_back(call);
      }
      if (!onlyCalls || calls.empty())
        continue;
      Block &entry = fn.getBody().front();
      OpBuilder b(fn.getContext());
      for (BlockArgument arg : entry.getArguments()) {
        auto type = dyn_cast<MemRefType>(arg.getType());
        if (!type)
          continue;
        SmallVector<MemRefType> passed;
        for (func::CallOp call : calls)
          passed.push_back(dyn_cast<MemRefType>(
              resc::stripCasts(call.getOperand(arg.getArgNumber())).getType()));
        MemRefType joined = joinLayouts(type, passed);
        if (joined == type)
          continue;
        // The body keeps the old type through a cast (canonicalization
        // folds it into the users); each call casts to the new one.
        arg.setType(joined);
        b.setInsertionPointToStart(&entry);
        auto cast = memref::CastOp::create(b, fn.getLoc(), type, arg);
        arg.replaceAllUsesExcept(cast, cast);
        for (func::CallOp call : calls) {
          OpOperand &operand = call->getOpOperand(arg.getArgNumber());
          Value source = resc::stripCasts(operand.get());
          b.setInsertionPoint(call);
          operand.set(source.getType() == joined
                          ? source
                          : memref::CastOp::create(b, call.getLoc(), joined, source).getResult());
        }
      }
      fn.setType(FunctionType::get(fn.getContext(), entry.getArgumentTypes(),
                                   fn.getFunctionType().getResults()));
    }
  }
};

} // namespace
