//===- Diagnostics.h - located errors for the front end ---------*- C++ -*-===//
//
// Every front-end error goes through MLIR's diagnostic engine at a
// FileLineColLoc, so the SourceMgr handler prints `file:line:col: error:`,
// the line and a caret, and `--verify-diagnostics` can test it. While a
// block body is being elaborated, each error also gets a note for every
// call that led there ("in block 'Basic' called here").
//
//===----------------------------------------------------------------------===//

#ifndef RESC_FRONTEND_DIAGNOSTICS_H
#define RESC_FRONTEND_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include <string>
#include <vector>

namespace resc {

class DiagEmitter {
public:
  DiagEmitter(const llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context)
      : sourceMgr(sourceMgr), context(context) {}

  mlir::Location loc(llvm::SMLoc loc) const;
  mlir::MLIRContext *getContext() const { return context; }

  /// An error at `loc`, with the current call stack attached as notes.
  mlir::InFlightDiagnostic error(llvm::SMLoc at);

  /// Scoped entry of the call stack, for the notes.
  struct Frame {
    DiagEmitter &d;
    Frame(DiagEmitter &d, llvm::SMLoc callLoc, std::string what) : d(d) {
      d.stack.push_back({callLoc, std::move(what)});
    }
    ~Frame() { d.stack.pop_back(); }
  };

private:
  const llvm::SourceMgr &sourceMgr;
  mlir::MLIRContext *context;
  std::vector<std::pair<llvm::SMLoc, std::string>> stack;
};

} // namespace resc

#endif // RESC_FRONTEND_DIAGNOSTICS_H
