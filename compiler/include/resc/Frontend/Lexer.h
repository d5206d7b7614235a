//===- Lexer.h - .res lexer -------------------------------------*- C++ -*-===//
//
// Turns a buffer owned by an llvm::SourceMgr into tokens. Tokens are
// StringRefs into that buffer, so locations are free to compute.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_FRONTEND_LEXER_H
#define RESC_FRONTEND_LEXER_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include <optional>

namespace resc {

class Token {
public:
  enum Kind {
#define TOK(NAME) NAME,
#include "resc/Frontend/TokenKinds.def"
  };

  Token(Kind kind, llvm::StringRef spelling) : kind(kind), spelling(spelling) {}

  Kind getKind() const { return kind; }
  bool is(Kind k) const { return kind == k; }
  bool isNot(Kind k) const { return kind != k; }
  bool isKeyword() const;
  llvm::StringRef getSpelling() const { return spelling; }
  llvm::SMLoc getLoc() const {
    return llvm::SMLoc::getFromPointer(spelling.data());
  }
  /// The value of an integer token, or nullopt when it does not fit in int64.
  std::optional<int64_t> getIntegerValue() const;
  /// The value of a floating (or integer) token.
  std::optional<double> getFloatValue() const;
  /// The contents of a string token, without quotes.
  llvm::StringRef getStringValue() const;

  /// A human-readable name for diagnostics: "'('", "identifier", ...
  static llvm::StringRef describe(Kind kind);

private:
  Kind kind;
  llvm::StringRef spelling;
};

class Lexer {
public:
  Lexer(const llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context);

  Token lex();
  /// Location of `loc` as an MLIR FileLineColLoc.
  mlir::Location getLoc(llvm::SMLoc loc) const;
  mlir::MLIRContext *getContext() const { return context; }
  const llvm::SourceMgr &getSourceMgr() const { return sourceMgr; }
  /// Save and restore the position, for one token of lookahead.
  const char *getPosition() const { return curPtr; }
  void resetPosition(const char *pos) { curPtr = pos; }

private:
  Token formToken(Token::Kind kind, const char *start) {
    return Token(kind, llvm::StringRef(start, curPtr - start));
  }
  Token emitError(const char *loc, const llvm::Twine &message);
  Token lexIdentifierOrKeyword(const char *start);
  Token lexNumber(const char *start);
  Token lexString(const char *start);
  void skipComment();

  const llvm::SourceMgr &sourceMgr;
  mlir::MLIRContext *context;
  llvm::StringRef buffer;
  const char *curPtr;
};

} // namespace resc

#endif // RESC_FRONTEND_LEXER_H
