//===- Parser.h - .res recursive-descent parser -----------------*- C++ -*-===//
//
// The grammar is written out in docs/language.md and, production by
// production, on each parse method. The parser stops at the first error,
// which it reports through MLIR's diagnostic engine at the offending token.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_FRONTEND_PARSER_H
#define RESC_FRONTEND_PARSER_H

#include "resc/Frontend/AST.h"
#include "resc/Frontend/Lexer.h"
#include <memory>

namespace resc {

/// Parses the main buffer of `sourceMgr`. Returns null after reporting an
/// error.
std::unique_ptr<Module> parseModule(const llvm::SourceMgr &sourceMgr,
                                    mlir::MLIRContext *context);

} // namespace resc

#endif // RESC_FRONTEND_PARSER_H
