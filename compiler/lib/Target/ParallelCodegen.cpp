//===- ParallelCodegen.cpp - optimize and compile on several threads -*- C++ -*-===//
//
// LLVM's optimization and machine code took most of a fixture's compile
// time (ResNet8: ~60%), and a module is compiled on one thread. The module
// is split into one partition per thread after the interprocedural passes
// that matter here (kernels get their callers' constant strides and lose
// the dead descriptor arguments, as under whole-module O2), and each
// partition is optimized and compiled in its own LLVMContext, by a pool of
// `jobs` threads.
//
//===----------------------------------------------------------------------===//

#include "TargetMachine.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Transforms/Utils/SplitModule.h"
#include <mutex>

using namespace resc;

/// IPSCCP and dead-argument elimination on the whole module, before it is
/// split: split, the kernels would be external and keep every descriptor
/// argument.
static void runInterproceduralPasses(llvm::Module &module, llvm::TargetMachine &tm) {
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
  llvm::cantFail(pb.parsePassPipeline(mpm, "ipsccp,deadargelim"));
  mpm.run(module, mam);
}

mlir::LogicalResult resc::compileToObjects(llvm::Module &module, const CodegenOptions &options,
                                           unsigned jobs,
                                           std::vector<llvm::SmallString<0>> &objects,
                                           std::string &error) {
  auto tm = makeTargetMachine(options, error);
  if (!tm)
    return mlir::failure();
  prepareModule(module, *tm);
  objects.clear();
  if (jobs <= 1) {
    runOptimizationPipeline(module, *tm);
    objects.emplace_back();
    llvm::raw_svector_ostream os(objects.back());
    return runCodegen(module, *tm, /*assembly=*/false, os, error);
  }

  runInterproceduralPasses(module, *tm);
  // Partitions travel as bitcode: an LLVMContext is not thread-safe.
  // Four partitions per thread, taken by whichever thread is free: with
  // one each, ResNet8's two halves differed by a quarter in size.
  std::vector<llvm::SmallString<0>> partitions;
  llvm::SplitModule(
      module, 4 * jobs,
      [&](std::unique_ptr<llvm::Module> part) {
        partitions.emplace_back();
        llvm::raw_svector_ostream os(partitions.back());
        llvm::WriteBitcodeToFile(*part, os);
      },
      /*PreserveLocals=*/false, /*RoundRobin=*/true);

  objects.resize(partitions.size());
  std::mutex errorMutex;
  llvm::DefaultThreadPool pool(llvm::hardware_concurrency(jobs));
  for (size_t i = 0; i < partitions.size(); ++i)
    pool.async([&, i] {
      std::string partError;
      auto fail = [&](std::string message) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (error.empty())
          error = std::move(message);
      };
      llvm::LLVMContext context;
      auto part = llvm::parseBitcodeFile(
          llvm::MemoryBufferRef(partitions[i].str(), "partition"), context);
      if (!part)
        return fail(llvm::toString(part.takeError()));
      auto partTM = makeTargetMachine(options, partError);
      if (!partTM)
        return fail(partError);
      runOptimizationPipeline(**part, *partTM);
      llvm::raw_svector_ostream os(objects[i]);
      if (failed(runCodegen(**part, *partTM, /*assembly=*/false, os, partError)))
        fail(partError);
    });
  pool.wait();
  return mlir::success(error.empty());
}
