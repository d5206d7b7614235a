//===- Pipeline.h - the pass pipelines of resc ------------------*- C++ -*-===//
//
// The textual pipelines below are exactly what `resc` runs on the module;
// `res-opt` can replay any of them with
// `res-opt --pass-pipeline='builtin.module(<pipeline>)'` (docs/passes.md).
//
//===----------------------------------------------------------------------===//

#ifndef RESC_PIPELINE_PIPELINE_H
#define RESC_PIPELINE_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir {
class DialectRegistry;
class TimingScope;
} // namespace mlir

namespace resc {

/// res: derive <Model>_loss_grad from <Model>_loss (reverse-mode AD).
/// `keptRemarks`: report the activations kept for the backward pass.
std::string trainingPipeline(bool keptRemarks = false);
/// Which residual adds res-fuse-residual folds into contractions.
enum class FuseResidual { All, Forward, Backward, None };
/// res: residual adds into contraction accumulators (after the training
/// pipeline, which differentiates the unfused ops).
std::string fusionPipeline(FuseResidual which, bool remarks);
/// res: <Model>_train_step from loss_grad and the optimizer (after the
/// fusion pipeline, so the step's body has the fused ops: each update is
/// placed after the last op reading its parameter). Fused updates are
/// placed with their gradients, for res-tile-for-vectors to fuse; `Auto`
/// fuses them for models with large parameters.
enum class FuseUpdate { Auto, Always, Never };
std::string trainStepPipeline(FuseUpdate fuse);
/// res on tensors -> linalg/tensor/arith/math/scf on tensors.
llvm::StringRef resToLinalgPipeline();
/// linalg on tensors -> kernels on buffers, every buffer of an entry in its
/// scratch arena (res-plan-scratch; `memoryRemarks` prints each plan;
/// without `memoryPlan` they stay on the heap, for comparisons).
std::string bufferizationPipeline(bool memoryRemarks, bool memoryPlan = true);
/// buffers -> the LLVM dialect (loops; with `deallocate`, frees for what
/// the memory plan left on the heap).
std::string llvmLoweringPipeline(bool deallocate = true);
/// Whether `module` allocates buffers on the heap (memref.alloc/realloc),
/// which the LLVM lowering must then deallocate.
bool hasHeapBuffers(mlir::ModuleOp module);

/// Registers every dialect, interface and pass the pipelines use.
void registerPipelineDependencies(mlir::DialectRegistry &registry);

/// Registers the pass-manager command-line options (--mlir-print-ir-after-all,
/// --mlir-timing) that runPipeline applies.
void registerPipelineOptions();

/// Runs `pipeline` on `module`; errors are reported through the context.
/// With `timing`, each pass's time is recorded under that scope.
mlir::LogicalResult runPipeline(mlir::ModuleOp module, llvm::StringRef pipeline,
                                mlir::TimingScope *timing = nullptr);

} // namespace resc

#endif // RESC_PIPELINE_PIPELINE_H
