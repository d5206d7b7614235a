//===- resc.cpp - the resc compiler driver ----------------------*- C++ -*-===//
//
//   resc model.res [-o model.so] [--emit=ast|res|linalg|llvm-mlir|llvm|asm|obj|
//        header|so] [-D name=value]... [--model M] [--target-cpu=CPU]
//
// Errors in the program are printed as `file:line:col: error: ...` with the
// source line and a caret; resc exits 1 on any error and never crashes on
// user input.
//
//===----------------------------------------------------------------------===//

#include "res/ResDialect.h"
#include "resc/Frontend/MLIRGen.h"
#include "resc/Frontend/Parser.h"
#include "resc/Frontend/Sema.h"
#include "resc/Pipeline/Pipeline.h"
#include "resc/Target/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace resc;
namespace cl = llvm::cl;

static cl::OptionCategory rescCategory("resc options");

static cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<model.res>"),
                                          cl::Required, cl::cat(rescCategory));
static cl::opt<std::string> outputFilename(
    "o", cl::desc("Output file ('-' for stdout; default: <input>.so for --emit=so, "
                  "stdout otherwise)"),
    cl::value_desc("file"), cl::init(""), cl::cat(rescCategory));

enum class Emit { AST, Res, ResGrad, Linalg, Memref, LLVMMLIR, LLVMIR, Asm, Obj, Header, SharedLib };
static cl::opt<Emit> emitAction(
    "emit", cl::desc("What to produce"), cl::init(Emit::SharedLib),
    cl::values(clEnumValN(Emit::AST, "ast", "the parsed syntax tree"),
               clEnumValN(Emit::Res, "res", "the `res` dialect (one function per entry point)"),
               clEnumValN(Emit::ResGrad, "res-grad",
                          "the res dialect after derive-backward (adds <Model>_loss_grad)"),
               clEnumValN(Emit::Linalg, "linalg", "linalg/tensor/arith/math/scf on tensors"),
               clEnumValN(Emit::Memref, "memref",
                          "kernels on buffers after the memory plan (res-plan-scratch)"),
               clEnumValN(Emit::LLVMMLIR, "llvm-mlir", "the MLIR LLVM dialect"),
               clEnumValN(Emit::LLVMIR, "llvm", "optimized LLVM IR with the C-ABI entry points"),
               clEnumValN(Emit::Asm, "asm", "assembly for the target CPU"),
               clEnumValN(Emit::Obj, "obj", "an object file"),
               clEnumValN(Emit::Header, "header", "the C header for direct linking"),
               clEnumValN(Emit::SharedLib, "so", "a shared library (the default)")),
    cl::cat(rescCategory));
static cl::opt<std::string> targetCPU(
    "target-cpu", cl::desc("CPU to generate code for: 'native' (default, this machine) "
                           "or an LLVM CPU name such as x86-64-v3 for a portable library"),
    cl::init("native"), cl::cat(rescCategory));

static cl::opt<unsigned> jobs(
    "jobs", cl::desc("Threads for LLVM's optimization and machine code of a shared library "
                     "(default 0: one per hardware thread; 1: the whole module on one thread)"),
    cl::value_desc("n"), cl::init(0), cl::cat(rescCategory));

static cl::list<std::string> defines("D", cl::Prefix,
                                     cl::desc("Override a model parameter or pin a "
                                              "symbolic dimension: -D depth=64 -D N=32"),
                                     cl::value_desc("name=value"), cl::cat(rescCategory));
static cl::opt<std::string> modelName("model", cl::desc("The model to compile when the "
                                                        "file defines several"),
                                      cl::value_desc("name"), cl::cat(rescCategory));
enum class Remark { Fusion, Memory };
static cl::list<Remark> remarkKinds(
    "remarks", cl::desc("Print optimisation remarks at source locations"),
    cl::values(clEnumValN(Remark::Fusion, "fusion",
                          "one remark per residual add: fused (forward/backward) or why not"),
               clEnumValN(Remark::Memory, "memory",
                          "one remark per entry point: its scratch arena, slots and buffers")),
    cl::CommaSeparated, cl::cat(rescCategory));

enum class MemoryPlan { Arena, Heap };
static cl::opt<MemoryPlan> memoryPlan(
    "memory-plan", cl::desc("Where the temporaries of an entry point live"),
    cl::init(MemoryPlan::Arena),
    cl::values(clEnumValN(MemoryPlan::Arena, "arena",
                          "one scratch arena per call, planned at compile time (the default)"),
               clEnumValN(MemoryPlan::Heap, "heap",
                          "malloc and free per buffer (for comparisons)")),
    cl::cat(rescCategory));

static cl::opt<FuseResidual> fuseResidual(
    "fuse-residual", cl::desc("Fold residual adds into contractions (res-fuse-residual)"),
    cl::init(FuseResidual::All),
    cl::values(clEnumValN(FuseResidual::All, "all", "forward and backward (the default)"),
               clEnumValN(FuseResidual::Forward, "forward", "only x + F(x) in forward passes"),
               clEnumValN(FuseResidual::Backward, "backward", "only adjoint sums dy + J^T dz"),
               clEnumValN(FuseResidual::None, "none", "no fusion (for comparisons)")),
    cl::cat(rescCategory));

static cl::opt<bool> fuseUpdate(
    "fuse-update",
    cl::desc("Fuse the optimizer update into each weight gradient's computation in train_step "
             "(true) or not (false: train_step calls loss_grad, then updates). Default: fused "
             "when the parameters take more than 16 MiB (faster for large MLPs, on two threads "
             "most; slower for TinyLM; longer compile)"),
    cl::init(false), cl::cat(rescCategory));

static cl::opt<bool> verifyDiagnostics(
    "verify-diagnostics",
    cl::desc("Check that emitted diagnostics match expected-* lines in the input"),
    cl::init(false), cl::cat(rescCategory));

static cl::opt<bool> splitInputFile(
    "split-input-file",
    cl::desc("Compile each '# -----'-separated chunk of the input on its own (for tests)"),
    cl::init(false), cl::cat(rescCategory));

static std::string sharedLibraryPath;
static int lower(mlir::ModuleOp module, llvm::raw_pwrite_stream &os, mlir::TimingScope &timing);
static int emitSharedLibrary(llvm::Module &llvmModule, const CodegenOptions &options,
                             mlir::TimingScope &timing);

static int compile(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
                   llvm::raw_pwrite_stream &os) {
  // --mlir-timing: one report for the whole compilation, MLIR passes and
  // the LLVM stages after them.
  mlir::DefaultTimingManager timingManager;
  mlir::applyDefaultTimingManagerCLOptions(timingManager);
  mlir::TimingScope timing = timingManager.getRootScope();
  mlir::TimingScope frontendTiming = timing.nest("front end (parse, sema, res dialect)");
  auto module = parseModule(sourceMgr, &context);
  if (!module)
    return 1;
  if (emitAction == Emit::AST) {
    dumpAST(*module, sourceMgr, os);
    return 0;
  }

  std::vector<Override> overrides;
  for (const std::string &d : defines) {
    size_t eq = d.find('=');
    if (eq == std::string::npos || eq == 0) {
      llvm::WithColor::error(llvm::errs(), "resc")
          << "-D expects name=value, got '" << d << "'\n";
      return 1;
    }
    overrides.push_back({d.substr(0, eq), d.substr(eq + 1)});
  }

  DiagEmitter diag(sourceMgr, &context);
  SymbolNames names;
  Sema sema(*module, diag, names);
  if (failed(sema.checkProgram()))
    return 1;
  const BlockDecl *model = sema.selectModel(modelName);
  if (!model)
    return 1;
  auto instance = sema.instantiateModel(model, overrides);
  if (failed(instance))
    return 1;
  auto ir = generateModule(sema, *instance);
  if (!ir)
    return 1;
  frontendTiming.stop();
  if (emitAction == Emit::Res) {
    ir->print(os);
    return 0;
  }
  return lower(*ir, os, timing);
}

/// Everything after the res dialect: ABI, pipelines, LLVM, machine code.
static int lower(mlir::ModuleOp module, llvm::raw_pwrite_stream &os,
                 mlir::TimingScope &timing) {
  // One MLIR pipeline, timed as its own stage.
  auto runStage = [&](const char *name, llvm::StringRef pipeline) {
    mlir::TimingScope stage = timing.nest(name);
    return succeeded(runPipeline(module, pipeline, &stage));
  };
  bool memoryRemarks = llvm::is_contained(remarkKinds, Remark::Memory);
  // Gradients are derived in the res dialect, before anything is lowered.
  if (!runStage("training pipeline", trainingPipeline(memoryRemarks)) ||
      !runStage("fusion pipeline",
                fusionPipeline(fuseResidual, llvm::is_contained(remarkKinds, Remark::Fusion))) ||
      !runStage("train step pipeline",
                trainStepPipeline(fuseUpdate.getNumOccurrences() == 0 ? FuseUpdate::Auto
                                  : fuseUpdate                        ? FuseUpdate::Always
                                                                      : FuseUpdate::Never)))
    return 1;
  if (emitAction == Emit::ResGrad) {
    module.print(os);
    return 0;
  }
  auto abi = buildModelABI(module);
  if (failed(abi))
    return 1;
  renameEntryPoints(module, *abi);
  if (!runStage("res to linalg pipeline", resToLinalgPipeline()))
    return 1;
  if (emitAction == Emit::Linalg) {
    module.print(os);
    return 0;
  }
  if (!runStage("bufferization pipeline",
                bufferizationPipeline(memoryRemarks, memoryPlan == MemoryPlan::Arena)))
    return 1;
  if (emitAction == Emit::Memref) {
    module.print(os);
    return 0;
  }
  if (emitAction == Emit::Header) {
    // The scratch-size functions come from the memory plan.
    return failed(emitHeader(*abi, module, os)) ? 1 : 0;
  }
  if (!runStage("LLVM dialect pipeline", llvmLoweringPipeline(hasHeapBuffers(module))))
    return 1;
  if (emitAction == Emit::LLVMMLIR) {
    module.print(os);
    return 0;
  }
  llvm::LLVMContext llvmContext;
  mlir::TimingScope stage = timing.nest("translation to LLVM IR");
  auto llvmModule = emitLLVMModule(module, *abi, llvmContext);
  if (!llvmModule)
    return 1;
  stage.stop();
  CodegenOptions options;
  options.cpu = targetCPU;
  std::string error;
  if (emitAction == Emit::SharedLib)
    return emitSharedLibrary(*llvmModule, options, timing);
  stage = timing.nest("LLVM optimization");
  if (failed(optimizeModule(*llvmModule, options, error))) {
    llvm::WithColor::error(llvm::errs(), "resc") << error << "\n";
    return 1;
  }
  stage.stop();
  if (emitAction == Emit::LLVMIR) {
    llvmModule->print(os, nullptr);
    return 0;
  }
  if (emitAction == Emit::Asm || emitAction == Emit::Obj) {
    stage = timing.nest("machine code");
    if (failed(emitMachineCode(*llvmModule, options, emitAction == Emit::Asm, os, error))) {
      llvm::WithColor::error(llvm::errs(), "resc") << error << "\n";
      return 1;
    }
    return 0;
  }
  llvm_unreachable("every emit action is handled above");
}

/// Objects compiled on `--jobs` threads, written to temporary files and
/// linked into the shared library.
static int emitSharedLibrary(llvm::Module &llvmModule, const CodegenOptions &options,
                             mlir::TimingScope &timing) {
  std::string error;
  unsigned threads = jobs ? unsigned(jobs) : llvm::hardware_concurrency().compute_thread_count();
  mlir::TimingScope stage = timing.nest("LLVM optimization and machine code");
  std::vector<llvm::SmallString<0>> objects;
  if (failed(compileToObjects(llvmModule, options, threads, objects, error))) {
    llvm::WithColor::error(llvm::errs(), "resc") << error << "\n";
    return 1;
  }
  stage = timing.nest("link");
  std::vector<std::string> objectPaths;
  std::vector<llvm::FileRemover> removers;
  removers.reserve(objects.size());
  for (const llvm::SmallString<0> &object : objects) {
    llvm::SmallString<128> path;
    int fd;
    if (auto ec = llvm::sys::fs::createTemporaryFile("resc", "o", fd, path)) {
      llvm::WithColor::error(llvm::errs(), "resc")
          << "cannot create a temporary file: " << ec.message() << "\n";
      return 1;
    }
    removers.emplace_back(path);
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << object.str();
    objectPaths.push_back(std::string(path));
  }
  if (failed(linkSharedLibrary(objectPaths, sharedLibraryPath, error))) {
    llvm::WithColor::error(llvm::errs(), "resc") << error << "\n";
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  resc::registerPipelineOptions();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  // --help lists resc's own options; LLVM's and MLIR's hundreds (still
  // accepted: --mlir-print-ir-after-all, ...) only under --help-hidden.
  cl::HideUnrelatedOptions(rescCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "resc: compiles neural networks with residual "
                              "connections (.res) ahead of time\n");

  std::string errorMessage;
  auto input = mlir::openInputFile(inputFilename, &errorMessage);
  if (!input) {
    llvm::WithColor::error(llvm::errs(), "resc") << errorMessage << "\n";
    return 1;
  }
  // A shared library is written by the linker; everything else to -o.
  std::string outputPath = outputFilename;
  if (emitAction == Emit::SharedLib) {
    if (outputPath.empty() || outputPath == "-") {
      llvm::SmallString<128> path(llvm::sys::path::filename(inputFilename));
      llvm::sys::path::replace_extension(path, "so");
      outputPath = std::string(path);
    }
    sharedLibraryPath = outputPath;
    outputPath = "-";
  } else if (outputPath.empty()) {
    outputPath = "-";
  }
  auto output = mlir::openOutputFile(outputPath, &errorMessage);
  if (!output) {
    llvm::WithColor::error(llvm::errs(), "resc") << errorMessage << "\n";
    return 1;
  }

  // One compilation per buffer (the whole file, or each chunk under
  // --split-input-file); each gets a fresh context and diagnostics handler.
  mlir::DialectRegistry registry;
  registry.insert<res::ResDialect>();
  resc::registerPipelineDependencies(registry);
  auto processBuffer = [&](std::unique_ptr<llvm::MemoryBuffer> buffer,
                           llvm::raw_ostream &) -> mlir::LogicalResult {
    llvm::raw_pwrite_stream &os = output->os();
    mlir::MLIRContext context(registry);
    context.loadDialect<res::ResDialect, mlir::func::FuncDialect>();
    // Diagnostics carry FileLineColLoc, not IR dumps.
    context.printOpOnDiagnostic(false);
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
    if (verifyDiagnostics) {
      mlir::SourceMgrDiagnosticVerifierHandler handler(sourceMgr, &context);
      compile(sourceMgr, context, os);
      return handler.verify();
    }
    mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    return mlir::success(compile(sourceMgr, context, os) == 0);
  };

  int status;
  if (splitInputFile)
    status = failed(mlir::splitAndProcessBuffer(std::move(input), processBuffer,
                                                output->os(), "# -----", "// -----"))
                 ? 1
                 : 0;
  else
    status = failed(processBuffer(std::move(input), output->os())) ? 1 : 0;
  if (status == 0)
    output->keep();
  return status;
}
