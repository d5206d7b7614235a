//===- Target.h - from the LLVM dialect to a shared library -----*- C++ -*-===//

#ifndef RESC_TARGET_TARGET_H
#define RESC_TARGET_TARGET_H

#include "resc/Target/ModelABI.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/ADT/SmallString.h"
#include <memory>
#include <vector>

namespace resc {

/// Renames each entry function of the res module to its implSymbol, so the
/// exported name is free for the C-ABI wrapper.
void renameEntryPoints(mlir::ModuleOp module, const ModelABI &abi);

/// Translates the lowered module to LLVM IR and adds the C-ABI wrappers and
/// the `resc_model` metadata (abi.h layout).
std::unique_ptr<llvm::Module> emitLLVMModule(mlir::ModuleOp module, const ModelABI &abi,
                                             llvm::LLVMContext &context);

struct CodegenOptions {
  std::string cpu = "native"; // "native" = the host CPU and its features
};

/// Runs LLVM's O3 pipeline for the target, then writes assembly or an object.
mlir::LogicalResult optimizeModule(llvm::Module &module, const CodegenOptions &options,
                                   std::string &error);
mlir::LogicalResult emitMachineCode(llvm::Module &module, const CodegenOptions &options,
                                    bool assembly, llvm::raw_pwrite_stream &os,
                                    std::string &error);

/// Optimizes and compiles `module` into object files: with `jobs` > 1,
/// split into that many partitions compiled on as many threads
/// (ParallelCodegen.cpp); with 1, the whole module as optimizeModule and
/// emitMachineCode do.
mlir::LogicalResult compileToObjects(llvm::Module &module, const CodegenOptions &options,
                                     unsigned jobs, std::vector<llvm::SmallString<0>> &objects,
                                     std::string &error);

/// Links the object files into the shared library `outputPath` (ld.lld).
mlir::LogicalResult linkSharedLibrary(llvm::ArrayRef<std::string> objectPaths,
                                      llvm::StringRef outputPath, std::string &error);

/// The C header for direct linking (`--emit=header`), from the module after
/// the memory plan (its layout functions give the scratch-size macros).
mlir::LogicalResult emitHeader(const ModelABI &abi, mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace resc

#endif // RESC_TARGET_TARGET_H
