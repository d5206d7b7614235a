//===- HoistKernelAllocs.cpp - kernel temporaries from the caller ---------===//
//
// res-hoist-kernel-allocs: a kernel's top-level buffers (a transposed
// operand, an out-of-place result) become arguments its callers allocate
// just before the call, so the entry's memory plan places them in the
// scratch arena with everything else. A kernel result that was such a
// buffer is dropped: the caller already holds it. A buffer of the
// kernel's thread chunks (a weight gradient's B panel, sized by the batch)
// whose size has no bound (so res-stack-temporaries cannot put it on the
// workers' stacks) first becomes one buffer with a piece per chunk.
//
//===----------------------------------------------------------------------===//

#include "IndexRebuilder.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace resc {
#define GEN_PASS_DEF_RESHOISTKERNELALLOCS
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// The sizes of `alloc` (in `fn`) rebuilt at `call`, or failure.
static FailureOr<SmallVector<Value>> sizesAt(memref::AllocOp alloc, func::FuncOp fn,
                                             func::CallOp call, OpBuilder &b) {
  IRMapping map;
  for (auto [arg, operand] : llvm::zip(fn.getArguments(), call.getOperands()))
    map.map(arg, operand);
  resc::IndexRebuilder rebuilder(b, map);
  return rebuilder.rebuildAll(alloc.getDynamicSizes());
}

/// Whether `v` is available before `loop`: defined outside it, or a
/// `memref.dim` of something that is (the batch size read in the body).
static bool definedOutside(Value v, Operation *loop) {
  if (!loop->isAncestor(v.getParentBlock()->getParentOp()))
    return true;
  auto dim = v.getDefiningOp<memref::DimOp>();
  return dim && llvm::all_of(dim->getOperands(), [&](Value operand) {
           return definedOutside(operand, loop);
         });
}

/// `v` (definedOutside `loop`) as a value before it, cloning what it needs.
static Value hoistedOutOf(Value v, Operation *loop, OpBuilder &b) {
  if (!loop->isAncestor(v.getParentBlock()->getParentOp()))
    return v;
  Operation *op = v.getDefiningOp();
  IRMapping map;
  for (Value operand : op->getOperands())
    map.map(operand, hoistedOutOf(operand, loop, b));
  return b.clone(*op, map)->getResult(cast<OpResult>(v).getResultNumber());
}

/// An unbounded buffer allocated in the body of one of `fn`'s top-level
/// one-dim `scf.forall`s (static bounds, sizes from outside the loop, read
/// and written by vector transfers only) becomes a piece of one buffer
/// allocated before the loop, [chunks, ...] with iteration i using piece i,
/// which the hoisting below then moves to the callers. Otherwise each
/// chunk mallocs and frees its buffer on every call (fresh pages each time).
static void expandChunkBuffers(func::FuncOp fn) {
  for (auto forall : fn.getBody().front().getOps<scf::ForallOp>()) {
    if (forall.getRank() != 1)
      continue;
    int64_t lb = forall.getStaticLowerBound()[0], ub = forall.getStaticUpperBound()[0],
            step = forall.getStaticStep()[0];
    if (ShapedType::isDynamic(lb) || ShapedType::isDynamic(ub) || ShapedType::isDynamic(step) ||
        step <= 0)
      continue;
    int64_t chunks = llvm::divideCeil(ub - lb, step);
    for (auto alloc : llvm::make_early_inc_range(forall.getBody()->getOps<memref::AllocOp>())) {
      MemRefType type = alloc.getType();
      bool movable = !resc::boundBytes(alloc) && type.getLayout().isIdentity() &&
                     llvm::all_of(alloc.getDynamicSizes(),
                                  [&](Value v) { return definedOutside(v, forall); }) &&
                     llvm::all_of(alloc->getUsers(), [](Operation *user) {
                       return isa<vector::TransferReadOp, vector::TransferWriteOp>(user);
                     });
      if (!movable)
        continue;
      OpBuilder b(forall);
      SmallVector<Value> dynamicSizes;
      for (Value size : alloc.getDynamicSizes())
        dynamicSizes.push_back(hoistedOutOf(size, forall, b));
      SmallVector<int64_t> shape{chunks};
      llvm::append_range(shape, type.getShape());
      auto whole = memref::AllocOp::create(
          b, alloc.getLoc(), MemRefType::get(shape, type.getElementType()),
          dynamicSizes, alloc.getAlignmentAttr());
      b.setInsertionPoint(alloc);
      AffineExpr iv = b.getAffineDimExpr(0);
      Value piece = affine::AffineApplyOp::create(b, alloc.getLoc(), (iv - lb).floorDiv(step),
                                                  ValueRange{forall.getInductionVars()[0]});
      SmallVector<OpFoldResult> offsets{piece}, sizes{b.getIndexAttr(1)};
      SmallVector<OpFoldResult> strides(shape.size(), b.getIndexAttr(1));
      auto dynamicSize = alloc.getDynamicSizes().begin();
      for (int64_t extent : type.getShape()) {
        offsets.push_back(b.getIndexAttr(0));
        sizes.push_back(ShapedType::isDynamic(extent) ? OpFoldResult(*dynamicSize++)
                                                      : b.getIndexAttr(extent));
      }
      auto resultType = cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
          type.getShape(), whole.getType(), offsets, sizes, strides));
      Value view = memref::SubViewOp::create(b, alloc.getLoc(), resultType, whole, offsets,
                                             sizes, strides);
      alloc.replaceAllUsesWith(view);
      alloc.erase();
    }
  }
}

/// Moves the buffers of `fn` to its callers (failure: an internal error).
static LogicalResult hoist(func::FuncOp fn, ArrayRef<func::CallOp> calls) {
  expandChunkBuffers(fn);
  SmallVector<memref::AllocOp> allocs;
  for (auto alloc : fn.getBody().front().getOps<memref::AllocOp>()) {
    // Every call site must be able to compute the size from its operands;
    // try it in a scratch block first so a failure leaves no trace.
    bool ok = true;
    for (func::CallOp call : calls) {
      OpBuilder b(call);
      Block scratch;
      b.setInsertionPointToStart(&scratch);
      ok &= succeeded(sizesAt(alloc, fn, call, b));
      scratch.clear();
    }
    if (ok)
      allocs.push_back(alloc);
  }
  if (allocs.empty())
    return success();

  auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
  unsigned firstNew = fn.getNumArguments();
  llvm::BitVector dropResults(fn.getNumResults());
  // Per dropped result, which new argument it was.
  SmallVector<int64_t> resultArg(fn.getNumResults(), -1);
  for (auto [k, alloc] : llvm::enumerate(allocs)) {
    if (failed(fn.insertArgument(firstNew + k, alloc.getType(), {}, alloc.getLoc())))
      return failure();
    BlockArgument arg = fn.getArgument(firstNew + k);
    for (OpOperand &use : ret->getOpOperands()) {
      Value v = use.get();
      while (auto cast = v.getDefiningOp<memref::CastOp>())
        v = cast.getSource();
      if (v == alloc.getResult() && !dropResults.test(use.getOperandNumber())) {
        dropResults.set(use.getOperandNumber());
        resultArg[use.getOperandNumber()] = firstNew + k;
      }
    }
  }

  for (func::CallOp call : calls) {
    OpBuilder b(call);
    SmallVector<Value> buffers;
    for (memref::AllocOp alloc : allocs) {
      FailureOr<SmallVector<Value>> sizes = sizesAt(alloc, fn, call, b);
      auto buffer = memref::AllocOp::create(b, alloc.getLoc(), alloc.getType(), *sizes,
                                            alloc.getAlignmentAttr());
      buffers.push_back(buffer);
    }
    call->insertOperands(call->getNumOperands(), buffers);
    for (unsigned r = 0; r < call->getNumResults(); ++r) {
      if (!dropResults.test(r))
        continue;
      Value buffer = buffers[resultArg[r] - firstNew];
      Value result = call->getResult(r);
      if (buffer.getType() != result.getType())
        buffer = memref::CastOp::create(b, call.getLoc(), result.getType(), buffer);
      result.replaceAllUsesWith(buffer);
    }
  }
  for (auto [k, alloc] : llvm::enumerate(allocs)) {
    alloc.replaceAllUsesWith(fn.getArgument(firstNew + k));
    alloc.erase();
  }
  ret->eraseOperands(dropResults);
  if (failed(fn.eraseResults(dropResults)))
    return failure();
  // The calls: rebuild them with the new operand list and fewer results.
  for (func::CallOp call : calls) {
    OpBuilder b(call);
    auto replacement = func::CallOp::create(b, call.getLoc(), fn, call.getOperands());
    replacement->setDiscardableAttrs(call->getDiscardableAttrDictionary());
    unsigned next = 0;
    for (unsigned r = 0; r < call->getNumResults(); ++r)
      if (!dropResults.test(r))
        call->getResult(r).replaceAllUsesWith(replacement->getResult(next++));
    call.erase();
  }
  return success();
}

struct ResHoistKernelAllocs : resc::impl::ResHoistKernelAllocsBase<ResHoistKernelAllocs> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Every kernel's calls, in one walk (a walk per kernel was quadratic:
    // half a second of ResNet8's compile). A kernel referenced other than
    // by a call is left alone.
    llvm::StringMap<SmallVector<func::CallOp>> calls;
    llvm::StringSet<> otherUses;
    module.walk([&](Operation *op) {
      if (auto call = dyn_cast<func::CallOp>(op)) {
        calls[call.getCallee()].push_back(call);
        return;
      }
      if (isa<func::FuncOp>(op))
        return;
      for (NamedAttribute attr : op->getAttrs())
        attr.getValue().walk([&](SymbolRefAttr ref) {
          otherUses.insert(ref.getRootReference().getValue());
        });
    });
    for (auto fn : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (!fn.isPrivate() || fn.isExternal() || otherUses.contains(fn.getSymName()))
        continue;
      if (failed(hoist(fn, calls.lookup(fn.getSymName()))))
        return signalPassFailure();
    }
  }
};

} // namespace
