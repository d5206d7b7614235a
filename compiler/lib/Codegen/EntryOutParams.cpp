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
#include "ReturnedBuffers.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/SetVector.h"

#include <set>

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
  memref::CopyOp copy = resc::soleCopyInto(alloc, ret);
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

/// Copies of fresh buffers into disjoint slices of out-param `out` (a
/// stacked parameter's gradient assembled from its instances) become the
/// slices themselves: the kernels write the caller's buffer directly. `out`
/// must be caller memory the function does not read.
static void writeSlicesInPlace(func::FuncOp fn, Value out) {
  SmallVector<std::pair<memref::SubViewOp, memref::CopyOp>> slices;
  std::set<SmallVector<int64_t>> offsets;
  for (Operation *user : out.getUsers()) {
    auto slice = dyn_cast<memref::SubViewOp>(user);
    if (!slice || !slice->hasOneUse())
      return;
    auto copy = dyn_cast<memref::CopyOp>(*slice->user_begin());
    if (!copy || copy.getTarget() != slice.getResult() ||
        ShapedType::isDynamicShape(slice.getStaticOffsets()) ||
        !offsets.insert(SmallVector<int64_t>(slice.getStaticOffsets())).second)
      return;
    slices.push_back({slice, copy});
  }
  if (slices.size() < 2)
    return;
  Block &body = fn.getBody().front();
  for (auto [slice, copy] : slices) {
    Value source = copy.getSource();
    auto expand = source.getDefiningOp<memref::ExpandShapeOp>();
    if (expand && !expand->hasOneUse())
      continue;
    auto alloc = (expand ? expand.getSrc() : source).getDefiningOp<memref::AllocOp>();
    if (!alloc || alloc->getBlock() != &body || copy->getBlock() != &body ||
        !alloc.getType().hasStaticShape())
      continue;
    // The slice must be the buffer with unit dims added, not reshaped (a
    // convolution's weight gradient is made as [O, C*KH*KW] and expanded
    // to [1, O, C, KH, KW]: left as a copy).
    if (!computeRankReductionMask(slice.getStaticSizes(), alloc.getType().getShape()))
      continue;
    // The buffer is used through casts (kernel operands) before the copy.
    bool ok = true;
    for (Operation *user : alloc->getUsers()) {
      if (user == expand || (!expand && user == copy))
        continue;
      auto cast = dyn_cast<memref::CastOp>(user);
      ok &= cast && llvm::all_of(cast->getUsers(), [&](Operation *u) {
              return body.findAncestorOpInBlock(*u)->isBeforeInBlock(copy);
            });
    }
    MemRefType viewType = memref::SubViewOp::inferRankReducedResultType(
        alloc.getType().getShape(), cast<MemRefType>(out.getType()), slice.getStaticOffsets(),
        slice.getStaticSizes(), slice.getStaticStrides());
    for (Operation *user : alloc->getUsers())
      if (auto cast = dyn_cast<memref::CastOp>(user))
        ok &= memref::CastOp::areCastCompatible(viewType, cast.getType());
    if (!ok)
      continue;
    OpBuilder b(alloc);
    auto view = memref::SubViewOp::create(b, alloc.getLoc(), viewType, out,
                                          slice.getMixedOffsets(), slice.getMixedSizes(),
                                          slice.getMixedStrides());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (auto cast = dyn_cast<memref::CastOp>(user))
        cast.getSourceMutable().assign(view);
    copy.erase();
    if (expand)
      expand.erase();
    slice.erase();
    alloc.erase();
  }
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
  // What goes away, in creation order: buffers, then their copies.
  llvm::SetVector<Operation *> dead;
  for (unsigned i = 0; i < numResults; ++i) {
    Value v = ret.getOperand(i);
    if (failed(fn.insertArgument(firstOut + i, v.getType(), {}, fn.getLoc())))
      return failure();
    Value out = fn.getArgument(firstOut + i);
    bool update = updates && i < updates.size() && updates[i];
    SmallVector<Operation *> copyOps;
    memref::AllocOp buffer = update ? nullptr : replaceableBuffer(v, ret, copyOps);
    if (buffer && buffer.getType() == out.getType() && !dead.contains(buffer) &&
        llvm::none_of(copyOps, [&](Operation *op) { return dead.contains(op); })) {
      buffer.replaceAllUsesWith(out);
      dead.insert(buffer);
      dead.insert(copyOps.begin(), copyOps.end());
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
  for (unsigned i = 0; i < numResults; ++i)
    if (!(updates && i < updates.size() && updates[i]))
      writeSlicesInPlace(fn, fn.getArgument(firstOut + i));
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
