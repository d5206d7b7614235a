//===- Lexer.cpp - .res lexer -----------------------------------*- C++ -*-===//

#include "resc/Frontend/Lexer.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include <cerrno>
#include <cmath>
#include <cstdlib>

using namespace resc;

bool Token::isKeyword() const {
  switch (kind) {
#define TOK_KEYWORD(SPELLING)                                                  \
  case kw_##SPELLING:                                                          \
    return true;
#include "resc/Frontend/TokenKinds.def"
  default:
    return false;
  }
}

std::optional<int64_t> Token::getIntegerValue() const {
  int64_t value;
  if (spelling.getAsInteger(10, value))
    return std::nullopt;
  return value;
}

std::optional<double> Token::getFloatValue() const {
  // StringRef::getAsDouble rejects trailing garbage; the lexer guarantees a
  // well-formed number, so only overflow can fail here.
  double value;
  if (spelling.getAsDouble(value, /*AllowInexact=*/true))
    return std::nullopt;
  return value;
}

llvm::StringRef Token::getStringValue() const {
  return spelling.drop_front().drop_back();
}

llvm::StringRef Token::describe(Kind kind) {
  switch (kind) {
  case eof:
    return "end of file";
  case error:
    return "invalid token";
  case identifier:
    return "identifier";
  case integer:
    return "integer";
  case floating:
    return "number";
  case string:
    return "string";
#define TOK_PUNCT(NAME, SPELLING)                                              \
  case NAME:                                                                   \
    return "'" SPELLING "'";
#define TOK_KEYWORD(SPELLING)                                                  \
  case kw_##SPELLING:                                                          \
    return "'" #SPELLING "'";
#include "resc/Frontend/TokenKinds.def"
  }
  return "token";
}

Lexer::Lexer(const llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context)
    : sourceMgr(sourceMgr), context(context) {
  buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer();
  curPtr = buffer.begin();
}

mlir::Location Lexer::getLoc(llvm::SMLoc loc) const {
  unsigned bufferId = sourceMgr.getMainFileID();
  auto lineAndCol = sourceMgr.getLineAndColumn(loc, bufferId);
  auto *buf = sourceMgr.getMemoryBuffer(bufferId);
  return mlir::FileLineColLoc::get(context, buf->getBufferIdentifier(),
                                   lineAndCol.first, lineAndCol.second);
}

Token Lexer::emitError(const char *loc, const llvm::Twine &message) {
  mlir::emitError(getLoc(llvm::SMLoc::getFromPointer(loc)), message);
  return formToken(Token::error, loc);
}

void Lexer::skipComment() {
  while (curPtr != buffer.end() && *curPtr != '\n')
    ++curPtr;
}

static bool isIdentStart(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool isIdentChar(char c) { return isalnum((unsigned char)c) || c == '_'; }

Token Lexer::lex() {
  while (true) {
    if (curPtr == buffer.end())
      return formToken(Token::eof, curPtr);
    const char *start = curPtr;
    char c = *curPtr++;
    switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
      continue;
    case '#':
      skipComment();
      continue;
    case '(':
      return formToken(Token::l_paren, start);
    case ')':
      return formToken(Token::r_paren, start);
    case '[':
      return formToken(Token::l_square, start);
    case ']':
      return formToken(Token::r_square, start);
    case '{':
      return formToken(Token::l_brace, start);
    case '}':
      return formToken(Token::r_brace, start);
    case ',':
      return formToken(Token::comma, start);
    case ':':
      return formToken(Token::colon, start);
    case '+':
      return formToken(Token::plus, start);
    case '*':
      return formToken(Token::star, start);
    case '/':
      return formToken(Token::slash, start);
    case '@':
      return formToken(Token::at, start);
    case '-':
      if (curPtr != buffer.end() && *curPtr == '>') {
        ++curPtr;
        return formToken(Token::arrow, start);
      }
      return formToken(Token::minus, start);
    case '=':
      if (curPtr != buffer.end() && *curPtr == '=') {
        ++curPtr;
        return formToken(Token::equal_equal, start);
      }
      return formToken(Token::equal, start);
    case '!':
      if (curPtr != buffer.end() && *curPtr == '=') {
        ++curPtr;
        return formToken(Token::not_equal, start);
      }
      return emitError(start, "unexpected '!'; did you mean '!=' or 'not'?");
    case '<':
      if (curPtr != buffer.end() && *curPtr == '=') {
        ++curPtr;
        return formToken(Token::less_equal, start);
      }
      return formToken(Token::less, start);
    case '>':
      if (curPtr != buffer.end() && *curPtr == '=') {
        ++curPtr;
        return formToken(Token::greater_equal, start);
      }
      return formToken(Token::greater, start);
    case '"':
      return lexString(start);
    default:
      if (isIdentStart(c))
        return lexIdentifierOrKeyword(start);
      if (isdigit((unsigned char)c) ||
          (c == '.' && curPtr != buffer.end() && isdigit((unsigned char)*curPtr)))
        return lexNumber(start);
      if (isprint((unsigned char)c))
        return emitError(start, llvm::Twine("unexpected character '") + llvm::Twine(c) + "'");
      return emitError(start, "unexpected byte 0x" +
                                  llvm::utohexstr((unsigned char)c, /*LowerCase=*/true) +
                                  "; .res files are ASCII text");
    }
  }
}

Token Lexer::lexIdentifierOrKeyword(const char *start) {
  while (curPtr != buffer.end() && isIdentChar(*curPtr))
    ++curPtr;
  llvm::StringRef spelling(start, curPtr - start);
  Token::Kind kind = llvm::StringSwitch<Token::Kind>(spelling)
#define TOK_KEYWORD(SPELLING) .Case(#SPELLING, Token::kw_##SPELLING)
#include "resc/Frontend/TokenKinds.def"
                         .Default(Token::identifier);
  return Token(kind, spelling);
}

/// number ::= digit+ ('.' digit*)? ([eE] [+-]? digit+)?  |  '.' digit+ ...
Token Lexer::lexNumber(const char *start) {
  auto isDigitAt = [&](const char *p) {
    return p != buffer.end() && isdigit((unsigned char)*p);
  };
  bool isFloat = *start == '.';
  while (isDigitAt(curPtr))
    ++curPtr;
  if (!isFloat && curPtr != buffer.end() && *curPtr == '.') {
    isFloat = true;
    ++curPtr;
    while (isDigitAt(curPtr))
      ++curPtr;
  }
  if (curPtr != buffer.end() && (*curPtr == 'e' || *curPtr == 'E')) {
    const char *expStart = curPtr++;
    if (curPtr != buffer.end() && (*curPtr == '+' || *curPtr == '-'))
      ++curPtr;
    if (!isDigitAt(curPtr))
      return emitError(expStart, "malformed exponent in number");
    while (isDigitAt(curPtr))
      ++curPtr;
    isFloat = true;
  }
  if (curPtr != buffer.end() && isIdentChar(*curPtr))
    return emitError(curPtr, "unexpected character after number; names "
                             "cannot start with a digit");
  Token tok = formToken(isFloat ? Token::floating : Token::integer, start);
  if (!isFloat && !tok.getIntegerValue())
    return emitError(start, "integer literal '" + tok.getSpelling() +
                                "' does not fit in 64 bits");
  if (isFloat && (!tok.getFloatValue() || !std::isfinite(*tok.getFloatValue())))
    return emitError(start, "number '" + tok.getSpelling() +
                                "' is out of range");
  return tok;
}

Token Lexer::lexString(const char *start) {
  while (curPtr != buffer.end() && *curPtr != '"' && *curPtr != '\n')
    ++curPtr;
  if (curPtr == buffer.end() || *curPtr != '"')
    return emitError(start, "unterminated string");
  ++curPtr;
  return formToken(Token::string, start);
}
