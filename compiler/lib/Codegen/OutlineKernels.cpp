//===- OutlineKernels.cpp - one function per distinct linalg op -*- C++ -*-===//

#include "Schedule.h"
#include "SharedFunctions.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace resc {
#define GEN_PASS_DEF_RESOUTLINEKERNELS
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

class Outliner {
public:
  explicit Outliner(ModuleOp module) : module(module), kernels(module, "__resc_kernel_") {}

  /// Returns the ops it erased.
  SmallVector<Operation *> outline(linalg::LinalgOp op) {
    // The op that fills or broadcasts the accumulator goes into the kernel
    // too: each kernel then owns its output instead of copying a zero
    // buffer that CSE made shared.
    SmallVector<Operation *> body;
    auto addWithInits = [&](linalg::LinalgOp o) {
      for (OpOperand &init : o.getDpsInitsMutable())
        if (auto producer = init.get().getDefiningOp<linalg::LinalgOp>();
            producer && producer.hasPureTensorSemantics() &&
            producer.getNumLoops() == producer.getNumParallelLoops() &&
            producer->getNumResults() == 1 && !llvm::is_contained(body, producer.getOperation()))
          body.push_back(producer);
      body.push_back(o);
    };
    // An elementwise epilogue brings its contraction along: they are tiled
    // as one, so the product stays in registers (Schedule.h).
    if (linalg::LinalgOp producer = resc::codegen::epilogueProducer(op))
      addWithInits(producer);
    addWithInits(op);

    // Arguments: what the ops read from outside the kernel. Constants are
    // copied in so the kernel stays self-contained and foldable. An empty
    // tensor that CSE made the destination of two ops of the kernel (an
    // epilogue's and its contraction's) is made in the kernel, once per
    // use: shared, the contraction's partial tiles would read the buffer
    // the epilogue writes, and bufferization would copy it whole first.
    llvm::SetVector<Value> outside;
    llvm::SmallPtrSet<Operation *, 4> inKernel(body.begin(), body.end());
    llvm::DenseMap<Value, unsigned> uses;
    for (Operation *o : body)
      for (Value v : o->getOperands())
        ++uses[v];
    llvm::SmallVector<tensor::EmptyOp> split;
    for (Operation *o : body) {
      for (Value v : o->getOperands()) {
        auto empty = v.getDefiningOp<tensor::EmptyOp>();
        if (empty && uses[v] > 1 && !inKernel.contains(empty)) {
          if (!llvm::is_contained(split, empty))
            split.push_back(empty);
          for (Value size : empty.getDynamicSizes())
            outside.insert(size);
          continue;
        }
        if (!inKernel.contains(v.getDefiningOp()))
          outside.insert(v);
      }
      getUsedValuesDefinedAbove(o->getRegions(), outside);
    }
    SmallVector<Value> args;
    SmallVector<Operation *> constants;
    resc::codegen::splitCaptured(outside.getArrayRef(), args, constants);

    OpBuilder b(module.getContext());
    IRMapping map;
    auto kernel = resc::codegen::startOutlined(
        b, module, op.getLoc(), "__resc_kernel",
        b.getFunctionType(ValueRange(args).getTypes(), op->getResultTypes()), args, constants,
        map);
    // Called from inside a parallel loop (a convolution's per-image loop):
    // every thread already runs it, so res-tile-for-vectors does not split
    // it again (a nested OpenMP region runs on one thread anyway, after a
    // fork/join).
    if (op->getParentOfType<scf::ForallOp>())
      kernel->setAttr(resc::kSerialKernelAttr, b.getUnitAttr());
    SmallVector<Operation *> firstEmpty;
    for (tensor::EmptyOp empty : split)
      firstEmpty.push_back(b.clone(*empty, map));
    Operation *copy = nullptr;
    for (Operation *o : body)
      copy = b.clone(*o, map);
    for (Operation *first : firstEmpty)
      for (OpOperand &use : llvm::make_early_inc_range(llvm::drop_begin(first->getUses()))) {
        OpBuilder here(use.getOwner());
        use.set(here.clone(*first)->getResult(0));
      }
    func::ReturnOp::create(b, op.getLoc(), copy->getResults());

    func::FuncOp callee = kernels.intern(kernel);

    b.setInsertionPoint(op);
    auto call = func::CallOp::create(b, op.getLoc(), callee, args);
    op->replaceAllUsesWith(call.getResults());
    SmallVector<Operation *> erased;
    for (Operation *o : llvm::reverse(body))
      if (o->use_empty()) {
        erased.push_back(o);
        o->erase();
      }
    return erased;
  }

private:
  ModuleOp module;
  resc::codegen::SharedFunctions kernels;
};

struct ResOutlineKernels : resc::impl::ResOutlineKernelsBase<ResOutlineKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> ops;
    for (auto fn : module.getOps<func::FuncOp>())
      fn.walk([&](linalg::LinalgOp op) {
        // Loops only: a fill or a 0-d op costs less than a call.
        if (op.hasPureTensorSemantics() && op->getNumResults() > 0 && op.getNumLoops() > 0 &&
            !isa<linalg::FillOp>(op.getOperation()))
          ops.push_back(op);
      });
    // Consumers first, so a producer absorbed into its consumer's kernel is
    // gone (or still used elsewhere) by the time the walk reaches it.
    Outliner outliner(module);
    llvm::DenseSet<Operation *> erased;
    for (linalg::LinalgOp op : llvm::reverse(ops)) {
      if (erased.contains(op.getOperation()))
        continue;
      for (Operation *gone : outliner.outline(op))
        erased.insert(gone);
    }
  }
};

} // namespace
