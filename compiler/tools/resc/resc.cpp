//===- resc.cpp - the resc compiler driver ----------------------*- C++ -*-===//
//
//   resc model.res --emit=ast|res [-o out] [-D name=value]... [--model M]
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

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace resc;
namespace cl = llvm::cl;

static cl::OptionCategory rescCategory("resc options");

static cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<model.res>"),
                                          cl::Required, cl::cat(rescCategory));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file ('-' for stdout)"),
                                           cl::value_desc("file"), cl::init("-"),
                                           cl::cat(rescCategory));

enum class Emit { AST, Res };
static cl::opt<Emit> emitAction(
    "emit", cl::desc("What to produce"), cl::init(Emit::Res),
    cl::values(clEnumValN(Emit::AST, "ast", "the parsed syntax tree"),
               clEnumValN(Emit::Res, "res", "the `res` dialect (one function per entry point)")),
    cl::cat(rescCategory));

static cl::list<std::string> defines("D", cl::Prefix,
                                     cl::desc("Override a model parameter or pin a "
                                              "symbolic dimension: -D depth=64 -D N=32"),
                                     cl::value_desc("name=value"), cl::cat(rescCategory));
static cl::opt<std::string> modelName("model", cl::desc("The model to compile when the "
                                                        "file defines several"),
                                      cl::value_desc("name"), cl::cat(rescCategory));
static cl::opt<bool> verifyDiagnostics(
    "verify-diagnostics",
    cl::desc("Check that emitted diagnostics match expected-* lines in the input"),
    cl::init(false), cl::cat(rescCategory));

static cl::opt<bool> splitInputFile(
    "split-input-file",
    cl::desc("Compile each '# -----'-separated chunk of the input on its own (for tests)"),
    cl::init(false), cl::cat(rescCategory));

static int compile(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
                   llvm::raw_ostream &os) {
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
  ir->print(os);
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
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
  auto output = mlir::openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::WithColor::error(llvm::errs(), "resc") << errorMessage << "\n";
    return 1;
  }

  // One compilation per buffer (the whole file, or each chunk under
  // --split-input-file); each gets a fresh context and diagnostics handler.
  auto processBuffer = [&](std::unique_ptr<llvm::MemoryBuffer> buffer,
                           llvm::raw_ostream &os) -> mlir::LogicalResult {
    mlir::MLIRContext context;
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
