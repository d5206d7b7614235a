//===- LexerTest.cpp - tokens of the .res language --------------*- C++ -*-===//

#include "resc/Frontend/Lexer.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include <gtest/gtest.h>

using namespace resc;

namespace {

struct Lexed {
  std::vector<Token::Kind> kinds;
  std::vector<std::string> spellings;
  unsigned errors = 0;
};

Lexed lexAll(llvm::StringRef text) {
  mlir::MLIRContext context;
  Lexed out;
  context.getDiagEngine().registerHandler([&](mlir::Diagnostic &) { ++out.errors; });
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "t.res"),
                               llvm::SMLoc());
  Lexer lexer(sourceMgr, &context);
  for (Token tok = lexer.lex(); !tok.is(Token::eof); tok = lexer.lex()) {
    out.kinds.push_back(tok.getKind());
    out.spellings.push_back(tok.getSpelling().str());
    if (tok.is(Token::error))
      break;
  }
  return out;
}

TEST(Lexer, PunctuationAndOperators) {
  Lexed l = lexAll("-> - == = != <= < >= > @ ( ) [ ] { } , :");
  std::vector<Token::Kind> expected = {
      Token::arrow,     Token::minus,     Token::equal_equal, Token::equal,
      Token::not_equal, Token::less_equal, Token::less,       Token::greater_equal,
      Token::greater,   Token::at,        Token::l_paren,     Token::r_paren,
      Token::l_square,  Token::r_square,  Token::l_brace,     Token::r_brace,
      Token::comma,     Token::colon};
  EXPECT_EQ(l.kinds, expected);
  EXPECT_EQ(l.errors, 0u);
}

TEST(Lexer, NumbersKeywordsAndComments) {
  Lexed l = lexAll("model M # comment\n 784 5e-4 0.9 .5 repeat blocks \"tanh\"");
  std::vector<Token::Kind> expected = {Token::kw_model, Token::identifier, Token::integer,
                                       Token::floating, Token::floating, Token::floating,
                                       Token::kw_repeat, Token::identifier, Token::string};
  EXPECT_EQ(l.kinds, expected);
  EXPECT_EQ(l.spellings[3], "5e-4");
}

TEST(Lexer, RejectsBadInput) {
  EXPECT_EQ(lexAll("x $").errors, 1u);
  EXPECT_EQ(lexAll("99999999999999999999999").errors, 1u);
  EXPECT_EQ(lexAll("\"open").errors, 1u);
  EXPECT_EQ(lexAll("1e+").errors, 1u);
  EXPECT_EQ(lexAll(llvm::StringRef("a\0b", 3)).errors, 1u);
  EXPECT_EQ(lexAll("3abc").errors, 1u);
}

} // namespace
