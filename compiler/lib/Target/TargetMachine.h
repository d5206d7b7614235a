//===- TargetMachine.h - shared by Codegen and ParallelCodegen --*- C++ -*-===//

#ifndef RESC_LIB_TARGET_TARGETMACHINE_H
#define RESC_LIB_TARGET_TARGETMACHINE_H

#include "resc/Target/Target.h"

#include "llvm/Target/TargetMachine.h"

namespace resc {

/// A TargetMachine for the host triple and `options.cpu`; null and `error`
/// set when the CPU is unknown. One per thread: they are not shared.
std::unique_ptr<llvm::TargetMachine> makeTargetMachine(const CodegenOptions &options,
                                                       std::string &error);

/// Sets the triple, data layout and per-function CPU attributes of `tm`.
void prepareModule(llvm::Module &module, llvm::TargetMachine &tm);

/// IPSCCP and dead-argument elimination: on the whole module, before it is
/// split for parallel codegen.
void runInterproceduralPasses(llvm::Module &module, llvm::TargetMachine &tm);

/// The per-function clean-up pipeline (docs/passes.md); any partition.
void runFunctionPasses(llvm::Module &module, llvm::TargetMachine &tm);

/// Machine code for `module` as assembly or an object into `os`.
mlir::LogicalResult runCodegen(llvm::Module &module, llvm::TargetMachine &tm, bool assembly,
                               llvm::raw_pwrite_stream &os, std::string &error);

} // namespace resc

#endif // RESC_LIB_TARGET_TARGETMACHINE_H
