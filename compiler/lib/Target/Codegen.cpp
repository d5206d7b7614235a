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

/// Runs `pipeline` (opt's -passes syntax) on `module`.
static void runPasses(llvm::Module &module, llvm::TargetMachine &tm, llvm::StringRef pipeline) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  // The pipelines are constants of this file: a parse error is a bug here.
  llvm::cantFail(pb.parsePassPipeline(mpm, pipeline));
  mpm.run(module, mam);
}

void resc::runInterproceduralPasses(llvm::Module &module, llvm::TargetMachine &tm) {
  // Kernels get their callers' constant strides and sizes and lose the
  // descriptor arguments nobody reads.
  runPasses(module, tm, "ipsccp,deadargelim");
}

void resc::runFunctionPasses(llvm::Module &module, llvm::TargetMachine &tm) {
  // Not LLVM's O2: the kernels arrive tiled, vectorized and unrolled from
  // MLIR, so LLVM only has to clean up after the lowering -- promote the
  // descriptor allocas (sroa), fold the index arithmetic (instcombine,
  // early-cse, gvn), hoist loop invariants (licm) and rotate loops so they
  // test at the bottom (loop-rotate: without it every inner k loop paid a
  // jump). O2's inliner, loop idioms, induction-variable rewriting, full
  // unrolling and late simplifycfg made no kernel faster but took 40% of
  // LLVM's time and made instruction selection slower on the larger blocks
  // they left: ResNet8 compiled in 1.96 s with O2, 1.57 s with this,
  // TinyLM 1.57 -> 1.28, ResMLP 0.89 -> 0.76. ResMLP and TinyLM run at the
  // same speed; ResNet8 1-3% slower, spread over small copy kernels whose
  // short constant loops O2 unrolled (docs/performance.md, "Session 12").
  runPasses(module, tm,
            "function(sroa,early-cse<memssa>,instcombine<max-iterations=1>,simplifycfg,"
            "loop-mssa(licm,loop-rotate,licm),gvn,instcombine<max-iterations=1>,dse,"
            "simplifycfg,loop-mssa(licm)),globaldce");
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
  runInterproceduralPasses(module, *tm);
  runFunctionPasses(module, *tm);
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
