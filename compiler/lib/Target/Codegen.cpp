//===- Codegen.cpp - LLVM O3 and machine code for the host ------*- C++ -*-===//

#include "TargetMachine.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace resc;

/// A TargetMachine for the host triple and `options.cpu` ("native" = this
/// machine's CPU and features). PIC: the code goes into a shared library.
std::unique_ptr<llvm::TargetMachine> resc::makeTargetMachine(const CodegenOptions &options,
                                                            std::string &error) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = options.cpu;
  std::string features;
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures f;
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      f.AddFeature(feature.first(), feature.second);
    features = f.getString();
  }
  {
    // Check the name first: LLVM would only warn and fall back to generic.
    std::unique_ptr<llvm::MCSubtargetInfo> sti(target->createMCSubtargetInfo(triple, "", ""));
    if (!sti || !sti->isCPUStringValid(cpu)) {
      error = "unknown target CPU '" + options.cpu + "' (try x86-64-v3 or native)";
      return nullptr;
    }
  }
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm) {
    error = "cannot create a target machine for CPU '" + options.cpu + "'";
    return nullptr;
  }
  return tm;
}

void resc::prepareModule(llvm::Module &module, llvm::TargetMachine &tm) {
  module.setTargetTriple(tm.getTargetTriple());
  module.setDataLayout(tm.createDataLayout());
  for (llvm::Function &f : module) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", tm.getTargetCPU());
    f.addFnAttr("target-features", tm.getTargetFeatureString());
    // Cache-line aligned functions: with LLVM's default of 16 bytes a
    // kernel's hot loops moved against 64-byte lines whenever a neighbour
    // changed size, and the same TinyLM kernel ran 30% slower or faster
    // from one build to the next (docs/performance.md, "Results after
    // session 7").
    f.setAlignment(llvm::Align(64));
  }
}

void resc::runOptimizationPipeline(llvm::Module &module, llvm::TargetMachine &tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  // No late loop unrolling: MLIR already unrolled the register tiles, and
  // unrolling their loops again made the code 16-21% larger (ResNet8: 437
  // -> 346 KB of text) and its compile 8% slower, for no measurable speed
  // (docs/performance.md, "Compile time"). Full unrolling of small
  // constant loops (LoopFullUnrollPass) stays. No loop load elimination
  // either: it forwards stored values to loads of later iterations, which
  // the register tiles already keep in registers, and its dependence
  // analysis of every loop was 18% of O2 (ResNet8: IR optimization 1.19 ->
  // 0.96-1.04 s on one thread, same machine code size and speed).
  llvm::PassInstrumentationCallbacks pic;
  pic.registerShouldRunOptionalPassCallback([](llvm::StringRef pass, llvm::Any) {
    return pass != "LoopUnrollPass" && pass != "LoopLoadEliminationPass";
  });
  llvm::PassBuilder pb(&tm, llvm::PipelineTuningOptions(), std::nullopt, &pic);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  // O2, not O3: the kernels arrive vectorized and register-tiled, and O3's
  // extra unrolling only made them bigger. Same speed on the three
  // fixtures (forward and train_step), and ResNet8 compiled ~40% faster in
  // LLVM (docs/performance.md, "Compile time").
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  mpm.run(module, mam);
}

mlir::LogicalResult resc::runCodegen(llvm::Module &module, llvm::TargetMachine &tm,
                                     bool assembly, llvm::raw_pwrite_stream &os,
                                     std::string &error) {
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             assembly ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit this file type";
    return mlir::failure();
  }
  pm.run(module);
  return mlir::success();
}

mlir::LogicalResult resc::optimizeModule(llvm::Module &module, const CodegenOptions &options,
                                         std::string &error) {
  auto tm = makeTargetMachine(options, error);
  if (!tm)
    return mlir::failure();
  prepareModule(module, *tm);
  runOptimizationPipeline(module, *tm);
  return mlir::success();
}

mlir::LogicalResult resc::emitMachineCode(llvm::Module &module, const CodegenOptions &options,
                                          bool assembly, llvm::raw_pwrite_stream &os,
                                          std::string &error) {
  auto tm = makeTargetMachine(options, error);
  if (!tm)
    return mlir::failure();
  return runCodegen(module, *tm, assembly, os, error);
}
