//===- StackTemporaries.cpp - loop-local buffers on the stack -------------===//
//
// res-stack-temporaries: a buffer allocated inside a loop body and bounded
// in size (a per-image convolution temporary, a kernel's partial register
// tile) goes on the stack instead of the heap. Each thread of a parallel
// loop has its own stack, so this needs no per-thread arena; the loop body
// becomes a `memref.alloca_scope`, so the stack is released every
// iteration. The buffers of one body may take at most `limit` bytes.
//
//===----------------------------------------------------------------------===//

#include "IndexRebuilder.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace resc {
#define GEN_PASS_DEF_RESSTACKTEMPORARIES
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// Wraps the ops of `body` but its terminator in a memref.alloca_scope.
static void wrapInScope(Block &body) {
  Operation *terminator = body.getTerminator();
  if (body.begin() == Block::iterator(terminator) ||
      isa<memref::AllocaScopeOp>(body.front()))
    return;
  OpBuilder b(terminator);
  // Values the terminator reads come out of the scope.
  SmallVector<Value> escaping;
  for (Value v : terminator->getOperands())
    if (v.getParentBlock() == &body && !isa<BlockArgument>(v))
      escaping.push_back(v);
  SmallVector<Type> types;
  for (Value v : escaping)
    types.push_back(v.getType());
  auto scope = memref::AllocaScopeOp::create(b, terminator->getLoc(), types);
  Block *inner = new Block();
  scope.getBodyRegion().push_back(inner);
  inner->getOperations().splice(inner->end(), body.getOperations(), body.begin(),
                                Block::iterator(scope));
  OpBuilder ib = OpBuilder::atBlockEnd(inner);
  memref::AllocaScopeReturnOp::create(ib, terminator->getLoc(), escaping);
  for (auto [v, result] : llvm::zip(escaping, scope.getResults()))
    terminator->replaceUsesOfWith(v, result);
}

struct ResStackTemporaries : resc::impl::ResStackTemporariesBase<ResStackTemporaries> {
  using Base::Base;
  void runOnOperation() override {
    DenseMap<Block *, SmallVector<memref::AllocOp>> perBody;
    DenseMap<Block *, int64_t> bytes;
    getOperation().walk([&](memref::AllocOp alloc) {
      Operation *parent = alloc->getParentOp();
      if (!isa<scf::ForOp, scf::ForallOp, scf::ParallelOp>(parent))
        return;
      // Sequential loops of an entry point are res-plan-scratch's: their
      // buffers get one arena slot for all iterations.
      bool parallel = alloc->getParentOfType<scf::ForallOp>() ||
                      alloc->getParentOfType<scf::ParallelOp>();
      if (!parallel && getOperation().isPublic())
        return;
      // A buffer carried out of its iteration must outlive it.
      for (Operation *user : alloc->getUsers())
        if (isa<scf::YieldOp>(user))
          return;
      std::optional<int64_t> b = resc::boundBytes(alloc);
      if (!b)
        return;
      perBody[alloc->getBlock()].push_back(alloc);
      bytes[alloc->getBlock()] += *b;
    });
    for (auto &[body, allocs] : perBody) {
      if (bytes[body] > limit)
        continue;
      for (memref::AllocOp alloc : allocs) {
        OpBuilder b(alloc);
        auto alloca = memref::AllocaOp::create(b, alloc.getLoc(), alloc.getType(),
                                               alloc.getDynamicSizes(), alloc.getAlignmentAttr());
        alloc.replaceAllUsesWith(alloca.getResult());
        alloc.erase();
      }
      wrapInScope(*body);
    }
  }
};

} // namespace
