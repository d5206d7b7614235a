//===- resc-fuzz.cpp - libFuzzer target for the front end -------*- C++ -*-===//
//
// Feeds arbitrary bytes through everything resc does with a .res file:
// lexing, parsing, semantic analysis, MLIRGen and the dialect verifier.
// Any crash, sanitizer report or abort is a bug; errors are expected and
// swallowed. Run with scripts/fuzz.sh.
//
//===----------------------------------------------------------------------===//

#include "res/ResDialect.h"
#include "resc/Frontend/MLIRGen.h"
#include "resc/Frontend/Parser.h"
#include "resc/Frontend/Sema.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context;
  context.loadDialect<res::ResDialect, mlir::func::FuncDialect>();
  context.printOpOnDiagnostic(false);
  // Errors are the expected outcome for most inputs; only crashes matter.
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) {});

  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.res"),
      llvm::SMLoc());
  auto module = resc::parseModule(sourceMgr, &context);
  if (!module)
    return 0;
  resc::DiagEmitter diag(sourceMgr, &context);
  resc::SymbolNames names;
  resc::Sema sema(*module, diag, names);
  if (failed(sema.checkProgram()))
    return 0;
  for (const resc::BlockDecl *decl : module->decls) {
    if (!decl->isModel)
      continue;
    auto instance = sema.instantiateModel(decl, {});
    if (failed(instance))
      continue;
    (void)resc::generateModule(sema, *instance);
  }
  return 0;
}
