//===- Pipeline.cpp - the pass pipelines of resc ----------------*- C++ -*-===//

#include "resc/Pipeline/Pipeline.h"
#include "res/Passes.h"
#include "resc/Codegen/Passes.h"
#include "resc/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/Timing.h"

using namespace mlir;

std::string resc::trainingPipeline(bool keptRemarks) {
  return std::string("res-decompose, res-derive-backward{remarks=") +
         (keptRemarks ? "true" : "false") + "}, canonicalize, cse";
}

std::string resc::trainStepPipeline(FuseUpdate fuse) {
  // Automatic: fused for parameters over 16 MiB. Separately, the update of
  // parameters that do not fit in cache streams the stored gradient, the
  // parameter and the optimizer state through memory once more, and two
  // threads share that bandwidth: ResMLP (34 MB) train_step at batch 256
  // on two threads ran 5% faster fused, its two-thread speed-up 1.81x ->
  // 1.90x; TinyLM (4 MB) ran 5% slower fused, ResNet8 the same
  // (docs/performance.md, "Session 10").
  constexpr int64_t kFuseAboveBytes = 16 << 20;
  std::string flags = fuse == FuseUpdate::Always ? "fuse-update=true"
                      : fuse == FuseUpdate::Never
                          ? "fuse-update=false"
                          : "fuse-update=false fuse-update-above=" + std::to_string(kFuseAboveBytes);
  return "res-build-train-step{" + flags + "}, canonicalize, cse";
}

std::string resc::fusionPipeline(FuseResidual which, bool remarks) {
  auto flag = [](bool b) { return b ? "true" : "false"; };
  bool forward = which == FuseResidual::All || which == FuseResidual::Forward;
  bool backward = which == FuseResidual::All || which == FuseResidual::Backward;
  return std::string("res-fuse-residual{forward=") + flag(forward) + " backward=" +
         flag(backward) + " remarks=" + flag(remarks) + "}, canonicalize, cse";
}

llvm::StringRef resc::resToLinalgPipeline() {
  return "res-convert-to-linalg, canonicalize, cse";
}

std::string resc::bufferizationPipeline(bool memoryRemarks, bool memoryPlan) {
  // Function boundaries keep identity layouts so the entry wrappers can
  // build descriptors from plain pointers.
  // Tiles and vectors are made on tensors, where slices and loop-carried
  // accumulators are values.
  // Passes that do not need the whole module run nested in func.func /
  // llvm.func, where MLIR runs functions on all threads: most of this
  // pipeline's time is spent in them (docs/performance.md, "Compile time").
  // After bufferization every buffer of a call is planned into the
  // caller's scratch arena (docs/memory.md); deallocation then only frees
  // what the plan left on the heap.
  return std::string("func.func(res-fuse-elementwise, res-update-in-place, res-collapse-dims), "
                     "res-outline-kernels, "
                     "func.func(res-transpose-contraction-operands, res-tile-for-vectors, "
                     "res-vectorize, canonicalize, cse), res-bufferize, "
                     "func.func(canonicalize, cse), drop-equivalent-buffer-results, "
                     "func.func(canonicalize), res-drop-in-place-results, "
                     "res-coalesce-copies, res-hoist-kernel-allocs, func.func(res-stack-temporaries{limit=") +
         (memoryPlan ? "1048576" : "0") + "}), res-entry-out-params, res-plan-scratch{remarks=" +
         (memoryRemarks ? "true" : "false") + " plan=" + (memoryPlan ? "true" : "false") +
         "}, res-specialize-kernel-layouts, func.func(canonicalize, cse), res-outline-parallel-bodies";
}

std::string resc::llvmLoweringPipeline(bool deallocate) {
  // Buffer deallocation only where something is left on the heap: after
  // the memory plan the fixtures have no memref.alloc left, and the
  // pipeline's eight module-level passes took ~0.2 s of ResNet8's compile.
  // Ops the vectorizer leaves become loops.
  return std::string(deallocate ? "buffer-deallocation-pipeline, " : "") +
         "func.func(canonicalize, res-hoist-loop-allocas, res-vectorize-copies, res-copy-to-linalg, convert-linalg-to-loops, "
         "lower-vector-multi-reduction, convert-vector-to-scf{full-unroll}, "
         // The thread-shared tile loops become OpenMP work-sharing loops;
         // their bodies sit in memref.alloca_scope, which must be lowered
         // while they are still one block (before scf-to-cf).
         "scf-forall-to-parallel), convert-scf-to-openmp, "
         "func.func(lower-affine, res-expand-shape-to-cast, expand-strided-metadata, lower-affine, "
         "res-approximate-math, convert-math-to-llvm), convert-math-to-libm, "
         "func.func(convert-vector-to-llvm{reassociate-fp-reductions vector-contract-lowering=outerproduct "
         "vector-transpose-lowering=shuffle16x16}), "
         "finalize-memref-to-llvm, func.func(convert-scf-to-cf{allow-pattern-rollback=false}), convert-to-llvm{allow-pattern-rollback=false}, "
         "reconcile-unrealized-casts, llvm.func(canonicalize, cse), "
         "res-parallel-dispatch";
}

bool resc::hasHeapBuffers(ModuleOp module) {
  return module
      .walk([](Operation *op) {
        return isa<memref::AllocOp, memref::ReallocOp>(op) ? WalkResult::interrupt()
                                                           : WalkResult::advance();
      })
      .wasInterrupted();
}

void resc::registerPipelineDependencies(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  static bool once = [] {
    registerAllPasses();
    res::registerResPasses();
    resc::registerResConversionPasses();
    resc::registerResCodegenPasses();
    return true;
  }();
  (void)once;
}

void resc::registerPipelineOptions() {
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
}

LogicalResult resc::runPipeline(ModuleOp module, llvm::StringRef pipeline,
                                TimingScope *timing) {
  PassManager pm(module.getContext());
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    return failure();
  // --mlir-print-ir-after-all, ... when the tool registered them.
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  if (timing)
    pm.enableTiming(*timing);
  return pm.run(module);
}
