//===- ParallelCodegen.cpp - optimize and compile on several threads -*- C++ -*-===//
//
// LLVM's optimization and machine code took most of a fixture's compile
// time (ResNet8: ~60%), and a module is compiled on one thread. The module
// is split into one partition per thread after the interprocedural passes
// (kernels get their callers' constant strides and lose the dead
// descriptor arguments), and each partition is optimized and compiled in
// its own LLVMContext, by a pool of `jobs` threads.
//
//===----------------------------------------------------------------------===//

#include "TargetMachine.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include <queue>
#include <mutex>

using namespace resc;

/// `module` in `count` partitions of about equal size (instructions; each
/// function whole, the largest first into the smallest partition). LLVM's
/// SplitModule deals functions out round-robin: once each loop body was a
/// function next to its small caller (res-parallel-dispatch), alternate
/// partitions got all the bodies, and two threads finished 5% later than
/// on the old, larger code. Local symbols become hidden external ones, as
/// SplitModule makes them; global variables go to the first partition.
static std::vector<std::unique_ptr<llvm::Module>> splitBySize(llvm::Module &module,
                                                                unsigned count) {
  unsigned unnamed = 0;
  for (llvm::GlobalValue &gv : module.global_values()) {
    if (gv.hasLocalLinkage()) {
      gv.setLinkage(llvm::GlobalValue::ExternalLinkage);
      gv.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
    if (!gv.hasName())
      gv.setName("__resc_unnamed_" + llvm::Twine(unnamed++));
  }
  std::vector<std::pair<size_t, const llvm::Function *>> functions;
  for (const llvm::Function &f : module)
    if (!f.isDeclaration())
      functions.emplace_back(f.getInstructionCount(), &f);
  llvm::stable_sort(functions, [](auto &a, auto &b) { return a.first > b.first; });
  // Min-heap of (size, partition).
  using Load = std::pair<size_t, unsigned>;
  std::priority_queue<Load, std::vector<Load>, std::greater<Load>> loads;
  for (unsigned i = 0; i < count; ++i)
    loads.push({0, i});
  llvm::DenseMap<const llvm::GlobalValue *, unsigned> home;
  for (auto [size, f] : functions) {
    Load least = loads.top();
    loads.pop();
    home[f] = least.second;
    loads.push({least.first + size, least.second});
  }
  std::vector<std::unique_ptr<llvm::Module>> parts;
  for (unsigned i = 0; i < count; ++i) {
    llvm::ValueToValueMapTy map;
    parts.push_back(llvm::CloneModule(module, map, [&](const llvm::GlobalValue *gv) {
      auto it = home.find(gv);
      return it != home.end() ? it->second == i : i == 0;
    }));
  }
  return parts;
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
  // Interprocedural passes on the whole module, before it is split: split,
  // the kernels would be external and keep every descriptor argument.
  runInterproceduralPasses(module, *tm);
  if (jobs <= 1) {
    runFunctionPasses(module, *tm);
    objects.emplace_back();
    llvm::raw_svector_ostream os(objects.back());
    return runCodegen(module, *tm, /*assembly=*/false, os, error);
  }

  // Partitions travel as bitcode: an LLVMContext is not thread-safe.
  // Four partitions per thread, taken by whichever thread is free.
  std::vector<llvm::SmallString<0>> partitions;
  for (std::unique_ptr<llvm::Module> &part : splitBySize(module, 4 * jobs)) {
    partitions.emplace_back();
    llvm::raw_svector_ostream os(partitions.back());
    llvm::WriteBitcodeToFile(*part, os);
  }

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
      runFunctionPasses(**part, *partTM);
      llvm::raw_svector_ostream os(objects[i]);
      if (failed(runCodegen(**part, *partTM, /*assembly=*/false, os, partError)))
        fail(partError);
    });
  pool.wait();
  return mlir::success(error.empty());
}
