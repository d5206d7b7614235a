//===- HoistLoopAllocas.cpp - stack buffers of sequential loops -*- C++ -*-===//
//
// scf.for is an automatic allocation scope (what an iteration allocates on
// the stack dies with it), but scf-to-cf lowers a `memref.alloca` in its
// body to a plain LLVM alloca: the stack grows every iteration. A register
// tile's buffer inside the tile loops of one thread's chunk overflowed the
// thread's stack (TinyLM, T = 1024). Before the loops are lowered, each
// such buffer moves out of the loops: one buffer serves all their
// iterations, each of which is done with it when it ends.
//
//===----------------------------------------------------------------------===//

#include "IndexRebuilder.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace resc {
#define GEN_PASS_DEF_RESHOISTLOOPALLOCAS
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

Operation *allocationScope(Operation *op) {
  return op->getParentWithTrait<OpTrait::AutomaticAllocationScope>();
}

/// The outermost of the scf.for scopes around `op` (stopping at the first
/// scope that is not an scf.for) whose body does not define `sizes`.
Operation *outermostLoopAbove(Operation *op, ValueRange sizes) {
  Operation *outermost = nullptr;
  for (Operation *loop = allocationScope(op); isa_and_nonnull<scf::ForOp>(loop);
       loop = allocationScope(loop)) {
    if (llvm::any_of(sizes, [&](Value size) {
          return loop->isAncestor(size.getParentBlock()->getParentOp());
        }))
      break;
    outermost = loop;
  }
  return outermost;
}

/// A buffer whose size changes with the loops (a partial tile's rows)
/// becomes a view of bytes for its largest size, allocated in front of the
/// loops. False when its size has no constant bound.
bool hoistAtBound(memref::AllocaOp alloca) {
  MemRefType type = alloca.getType();
  std::optional<int64_t> bytes = resc::boundBytes(type, alloca.getDynamicSizes());
  Operation *outermost = outermostLoopAbove(alloca, {});
  if (!bytes || !outermost)
    return false;
  OpBuilder b(outermost);
  Location loc = alloca.getLoc();
  auto rawType = MemRefType::get({*bytes}, b.getI8Type(), MemRefLayoutAttrInterface(),
                                 type.getMemorySpace());
  auto raw = memref::AllocaOp::create(b, loc, rawType, ValueRange{}, alloca.getAlignmentAttr());
  b.setInsertionPoint(alloca);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  auto view = memref::ViewOp::create(b, loc, type, raw, zero, alloca.getDynamicSizes());
  alloca.replaceAllUsesWith(view.getResult());
  alloca.erase();
  return true;
}

struct ResHoistLoopAllocas : resc::impl::ResHoistLoopAllocasBase<ResHoistLoopAllocas> {
  void runOnOperation() override {
    SmallVector<memref::AllocaOp> allocas;
    getOperation().walk([&](memref::AllocaOp alloca) {
      if (isa_and_nonnull<scf::ForOp>(allocationScope(alloca)))
        allocas.push_back(alloca);
    });
    for (memref::AllocaOp alloca : allocas) {
      if (Operation *outermost = outermostLoopAbove(alloca, alloca.getDynamicSizes()))
        alloca->moveBefore(outermost);
      if (isa<scf::ForOp>(allocationScope(alloca)) && !hoistAtBound(alloca))
        alloca.emitWarning("stack buffer in a loop of unbounded size: the stack grows every "
                           "iteration");
    }
  }
};

} // namespace
