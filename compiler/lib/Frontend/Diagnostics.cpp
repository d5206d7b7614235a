//===- Diagnostics.cpp ------------------------------------------*- C++ -*-===//

#include "resc/Frontend/Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace resc;

mlir::Location DiagEmitter::loc(llvm::SMLoc at) const {
  unsigned bufferId = sourceMgr.getMainFileID();
  if (!at.isValid())
    return mlir::UnknownLoc::get(context);
  auto lc = sourceMgr.getLineAndColumn(at, bufferId);
  return mlir::FileLineColLoc::get(
      context, sourceMgr.getMemoryBuffer(bufferId)->getBufferIdentifier(),
      lc.first, lc.second);
}

mlir::InFlightDiagnostic DiagEmitter::error(llvm::SMLoc at) {
  mlir::InFlightDiagnostic diag = mlir::emitError(loc(at));
  // Innermost call first, like a backtrace.
  for (auto it = stack.rbegin(); it != stack.rend(); ++it)
    diag.attachNote(loc(it->first)) << it->second;
  return diag;
}
