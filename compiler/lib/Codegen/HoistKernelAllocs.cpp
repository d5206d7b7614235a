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
#include "ReturnedBuffers.h"
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

/// `fn`'s arguments sent to `values` (a call's operands, or the arguments
/// themselves to recompute a size elsewhere in `fn`).
static IRMapping argumentsTo(func::FuncOp fn, ValueRange values) {
  IRMapping map;
  for (auto [arg, value] : llvm::zip(fn.getArguments(), values))
    map.map(arg, value);
  return map;
}

/// The dynamic sizes of `alloc` rebuilt at `b`'s insertion point from the
/// arguments as `map` sends them, or failure.
static FailureOr<SmallVector<Value>> sizesAt(memref::AllocOp alloc, const IRMapping &map,
                                             OpBuilder &b) {
  resc::IndexRebuilder rebuilder(b, map);
  return rebuilder.rebuildAll(alloc.getDynamicSizes());
}

/// Whether sizesAt succeeds; tried in a scratch block, so it leaves no trace.
static bool sizesKnown(memref::AllocOp alloc, const IRMapping &map) {
  OpBuilder b(alloc->getContext());
  Block scratch;
  b.setInsertionPointToStart(&scratch);
  bool ok = succeeded(sizesAt(alloc, map, b));
  scratch.clear();
  return ok;
}

/// An unbounded buffer allocated in the body of one of `fn`'s top-level
/// one-dim `scf.forall`s (static bounds, sizes computable from the
/// arguments, read and written by vector transfers only) becomes a piece of one buffer
/// allocated before the loop, [chunks, ...] with iteration i using piece i,
/// which the hoisting below then moves to the callers. Otherwise each
/// chunk mallocs and frees its buffer on every call (fresh pages each time).
static void expandChunkBuffers(func::FuncOp fn) {
  IRMapping arguments = argumentsTo(fn, fn.getArguments());
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
                     sizesKnown(alloc, arguments) &&
                     llvm::all_of(alloc->getUsers(), [](Operation *user) {
                       return isa<vector::TransferReadOp, vector::TransferWriteOp>(user);
                     });
      if (!movable)
        continue;
      OpBuilder b(forall);
      SmallVector<Value> dynamicSizes = *sizesAt(alloc, arguments, b);
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
    // Every call site must be able to compute the size from its operands.
    if (llvm::all_of(calls, [&](func::CallOp call) {
          return sizesKnown(alloc, argumentsTo(fn, call.getOperands()));
        }))
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
    for (OpOperand &use : ret->getOpOperands()) {
      if (resc::stripCasts(use.get()) == alloc.getResult() &&
          !dropResults.test(use.getOperandNumber())) {
        dropResults.set(use.getOperandNumber());
        resultArg[use.getOperandNumber()] = firstNew + k;
      }
    }
  }

  for (func::CallOp call : calls) {
    OpBuilder b(call);
    SmallVector<Value> buffers;
    for (memref::AllocOp alloc : allocs) {
      FailureOr<SmallVector<Value>> sizes =
          sizesAt(alloc, argumentsTo(fn, call.getOperands()), b);
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
