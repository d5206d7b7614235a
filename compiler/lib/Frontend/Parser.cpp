//===- Parser.cpp - .res recursive-descent parser ---------------*- C++ -*-===//

#include "resc/Frontend/Parser.h"

#include "llvm/ADT/SmallVector.h"

using namespace resc;
using llvm::SMLoc;
using llvm::StringRef;

namespace {

/// Deeper expressions are rejected rather than risk the native stack: a
/// network description never needs this many levels.
constexpr unsigned kMaxNesting = 256;

class Parser {
public:
  Parser(const llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context)
      : lexer(sourceMgr, context), tok(lexer.lex()),
        module(std::make_unique<Module>()) {}

  std::unique_ptr<Module> parseFile();

private:
  //===--------------------------------------------------------------------===//
  // Token helpers
  //===--------------------------------------------------------------------===//

  void consume() { tok = lexer.lex(); }
  bool consumeIf(Token::Kind kind) {
    if (tok.isNot(kind))
      return false;
    consume();
    return true;
  }
  /// Reports an error at the current token, unless the lexer already did.
  bool emitError(const llvm::Twine &message) { return emitError(tok.getLoc(), message); }
  bool emitError(SMLoc loc, const llvm::Twine &message) {
    if (tok.is(Token::error))
      return false; // The lexer has reported this one.
    mlir::emitError(lexer.getLoc(loc), message);
    return false;
  }
  std::string found() const {
    if (tok.is(Token::eof))
      return "end of file";
    return ("'" + tok.getSpelling() + "'").str();
  }
  bool expect(Token::Kind kind, StringRef context) {
    if (consumeIf(kind))
      return true;
    return emitError("expected " + Token::describe(kind) + " " + context +
                     ", found " + found());
  }
  bool expectIdentifier(StringRef &name, SMLoc &loc, StringRef what) {
    if (tok.isNot(Token::identifier)) {
      if (tok.isKeyword())
        return emitError("expected " + what + ", found keyword " + found() +
                         ", which cannot be used as a name");
      return emitError("expected " + what + ", found " + found());
    }
    name = tok.getSpelling();
    loc = tok.getLoc();
    consume();
    return true;
  }

  //===--------------------------------------------------------------------===//
  // Declarations
  //===--------------------------------------------------------------------===//

  BlockDecl *parseBlock();
  bool parseParams(llvm::SmallVectorImpl<ParamDecl> &params);
  bool parseMember(BlockDecl *decl, llvm::SmallVectorImpl<LayerDecl> &layers);
  FunctionDecl *parseForward();
  FunctionDecl *parseLoss();
  bool parseArgs(llvm::SmallVectorImpl<ArgDecl> &args);
  TypeExpr *parseType();
  bool parseStmt(llvm::SmallVectorImpl<Stmt> &body);

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  Expr *parseExpr();
  Expr *parseOr();
  Expr *parseAnd();
  Expr *parseNot();
  Expr *parseComparison();
  Expr *parseAdditive();
  Expr *parseMultiplicative();
  Expr *parseUnary();
  Expr *parsePrimary();
  CallExpr *parseCallArgs(StringRef callee, SMLoc loc);
  Expr *parseList();

  /// RAII guard for recursion depth.
  struct NestingGuard {
    Parser &p;
    explicit NestingGuard(Parser &p) : p(p) { ++p.nesting; }
    ~NestingGuard() { --p.nesting; }
    /// Reports (once per chain) and returns true past the limit.
    bool tooDeep() const {
      if (p.nesting <= kMaxNesting)
        return false;
      p.emitError("expression nested more than " + llvm::Twine(kMaxNesting) +
                  " levels deep");
      return true;
    }
  };

  Lexer lexer;
  Token tok;
  std::unique_ptr<Module> module;
  unsigned nesting = 0;
};

} // namespace

/// file ::= (block | model)* EOF
std::unique_ptr<Module> Parser::parseFile() {
  while (tok.isNot(Token::eof)) {
    if (tok.is(Token::error))
      return nullptr;
    if (tok.isNot(Token::kw_block) && tok.isNot(Token::kw_model)) {
      emitError("expected 'block' or 'model' at top level, found " + found());
      return nullptr;
    }
    BlockDecl *decl = parseBlock();
    if (!decl)
      return nullptr;
    module->decls.push_back(decl);
  }
  return std::move(module);
}

/// block ::= ('block' | 'model') IDENT params? '{' member* '}'
BlockDecl *Parser::parseBlock() {
  auto *decl = module->create<BlockDecl>();
  decl->loc = tok.getLoc();
  decl->isModel = tok.is(Token::kw_model);
  consume();
  SMLoc nameLoc;
  if (!expectIdentifier(decl->name, nameLoc,
                        decl->isModel ? "model name" : "block name"))
    return nullptr;
  decl->loc = nameLoc;

  llvm::SmallVector<ParamDecl> params;
  if (tok.is(Token::l_paren) && !parseParams(params))
    return nullptr;
  decl->params = module->copy<ParamDecl>(params);

  if (!expect(Token::l_brace, "to open the body of '" + decl->name.str() + "'"))
    return nullptr;
  llvm::SmallVector<LayerDecl> layers;
  while (!consumeIf(Token::r_brace)) {
    if (tok.is(Token::eof)) {
      emitError("expected '}' to close '" + decl->name.str() + "', found end of file");
      return nullptr;
    }
    if (!parseMember(decl, layers))
      return nullptr;
  }
  decl->layers = module->copy<LayerDecl>(layers);
  return decl;
}

/// params ::= '(' (param (',' param)*)? ')'
/// param  ::= IDENT ':' ('int' | 'float' | 'bool') ('=' expr)?
bool Parser::parseParams(llvm::SmallVectorImpl<ParamDecl> &params) {
  consume(); // '('
  if (consumeIf(Token::r_paren))
    return true;
  do {
    ParamDecl param;
    if (!expectIdentifier(param.name, param.loc, "parameter name"))
      return false;
    if (!expect(Token::colon, "after parameter name (parameters are written "
                              "'name: int' or 'name: float')"))
      return false;
    if (consumeIf(Token::kw_int))
      param.type = ParamDecl::Type::Int;
    else if (consumeIf(Token::kw_float))
      param.type = ParamDecl::Type::Float;
    else if (consumeIf(Token::kw_bool))
      param.type = ParamDecl::Type::Bool;
    else
      return emitError("expected parameter type 'int', 'float' or 'bool', found " + found());
    param.defaultValue = nullptr;
    if (consumeIf(Token::equal) && !(param.defaultValue = parseExpr()))
      return false;
    params.push_back(param);
  } while (consumeIf(Token::comma));
  return expect(Token::r_paren, "to close the parameter list");
}

/// member ::= 'forward' ... | 'loss' ... | 'optimizer' '=' call
///          | IDENT '=' expr
bool Parser::parseMember(BlockDecl *decl, llvm::SmallVectorImpl<LayerDecl> &layers) {
  SMLoc loc = tok.getLoc();
  if (tok.is(Token::kw_forward)) {
    if (decl->forward) {
      mlir::emitError(lexer.getLoc(tok.getLoc()),
                      "'" + decl->name + "' already has a forward")
              .attachNote(lexer.getLoc(decl->forward->loc))
          << "the first forward is here";
      return false;
    }
    return (decl->forward = parseForward()) != nullptr;
  }
  if (tok.is(Token::kw_loss)) {
    if (decl->loss)
      return emitError("'" + decl->name + "' already has a loss");
    return (decl->loss = parseLoss()) != nullptr;
  }
  if (tok.is(Token::kw_optimizer)) {
    if (decl->optimizer)
      return emitError("'" + decl->name + "' already has an optimizer");
    consume();
    if (!expect(Token::equal, "after 'optimizer'"))
      return false;
    StringRef name;
    SMLoc nameLoc;
    if (!expectIdentifier(name, nameLoc, "optimizer such as SGD(...) or AdamW(...)"))
      return false;
    if (tok.isNot(Token::l_paren))
      return emitError("expected '(' after optimizer name '" + name + "'");
    decl->optimizer = parseCallArgs(name, nameLoc);
    decl->optimizerLoc = loc;
    return decl->optimizer != nullptr;
  }
  LayerDecl layer;
  if (!expectIdentifier(layer.name, layer.loc,
                        "member: 'name = Layer(...)', 'forward', 'loss' or 'optimizer'"))
    return false;
  if (!expect(Token::equal, "after member name '" + layer.name.str() + "'"))
    return false;
  if (!(layer.init = parseExpr()))
    return false;
  layers.push_back(layer);
  return true;
}

/// forward ::= 'forward' '(' args ')' ('->' type)? '{' stmt* '}'
FunctionDecl *Parser::parseForward() {
  auto *fn = module->create<FunctionDecl>();
  fn->loc = tok.getLoc();
  fn->name = tok.getSpelling();
  consume();
  llvm::SmallVector<ArgDecl> args;
  if (!parseArgs(args))
    return nullptr;
  fn->args = module->copy<ArgDecl>(args);
  fn->resultType = nullptr;
  if (consumeIf(Token::arrow) && !(fn->resultType = parseType()))
    return nullptr;
  if (!expect(Token::l_brace, "to open the body of forward"))
    return nullptr;
  llvm::SmallVector<Stmt> body;
  while (!consumeIf(Token::r_brace)) {
    if (tok.is(Token::eof)) {
      emitError("expected '}' to close forward, found end of file");
      return nullptr;
    }
    if (!parseStmt(body))
      return nullptr;
  }
  fn->body = module->copy<Stmt>(body);
  return fn;
}

/// loss ::= 'loss' '(' args ')' '=' expr
FunctionDecl *Parser::parseLoss() {
  auto *fn = module->create<FunctionDecl>();
  fn->loc = tok.getLoc();
  fn->name = tok.getSpelling();
  consume();
  llvm::SmallVector<ArgDecl> args;
  if (!parseArgs(args))
    return nullptr;
  fn->args = module->copy<ArgDecl>(args);
  fn->resultType = nullptr;
  if (!expect(Token::equal, "after the arguments of loss (loss(...) = expr)"))
    return nullptr;
  Stmt ret;
  ret.loc = tok.getLoc();
  if (!(ret.value = parseExpr()))
    return nullptr;
  fn->body = module->copy<Stmt>(ret);
  return fn;
}

/// args ::= '(' (arg (',' arg)*)? ')'
/// arg  ::= IDENT (':' type)?
bool Parser::parseArgs(llvm::SmallVectorImpl<ArgDecl> &args) {
  if (!expect(Token::l_paren, "to open the argument list"))
    return false;
  if (consumeIf(Token::r_paren))
    return true;
  do {
    ArgDecl arg;
    if (!expectIdentifier(arg.name, arg.loc, "argument name"))
      return false;
    arg.type = nullptr;
    if (consumeIf(Token::colon) && !(arg.type = parseType()))
      return false;
    args.push_back(arg);
  } while (consumeIf(Token::comma));
  return expect(Token::r_paren, "to close the argument list");
}

/// type ::= IDENT '[' (expr (',' expr)*)? ']'      e.g. f32[N, 784]
TypeExpr *Parser::parseType() {
  auto *type = module->create<TypeExpr>();
  SMLoc loc;
  if (!expectIdentifier(type->dtype, loc, "tensor type such as f32[N, 784]"))
    return nullptr;
  type->loc = loc;
  if (!expect(Token::l_square, "after element type '" + type->dtype.str() + "'"))
    return nullptr;
  llvm::SmallVector<Expr *> dims;
  if (!consumeIf(Token::r_square)) {
    do {
      Expr *dim = parseExpr();
      if (!dim)
        return nullptr;
      dims.push_back(dim);
    } while (consumeIf(Token::comma));
    if (!expect(Token::r_square, "to close the shape"))
      return nullptr;
  }
  type->dims = module->copy<Expr *>(dims);
  return type;
}

/// stmt ::= 'return' expr | IDENT '=' expr
bool Parser::parseStmt(llvm::SmallVectorImpl<Stmt> &body) {
  Stmt stmt;
  stmt.loc = tok.getLoc();
  if (consumeIf(Token::kw_return)) {
    if (!(stmt.value = parseExpr()))
      return false;
    body.push_back(stmt);
    return true;
  }
  SMLoc loc;
  if (!expectIdentifier(stmt.target, loc, "statement ('name = expr' or 'return expr')"))
    return false;
  if (!expect(Token::equal, "after '" + stmt.target.str() + "' (statements are "
                            "'name = expr' or 'return expr')"))
    return false;
  if (!(stmt.value = parseExpr()))
    return false;
  body.push_back(stmt);
  return true;
}

/// expr ::= 'if' expr 'then' expr 'else' expr
///        | 'repeat' '(' expr ')' call
///        | or-expr
Expr *Parser::parseExpr() {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nullptr;
  SMLoc loc = tok.getLoc();
  if (consumeIf(Token::kw_if)) {
    Expr *cond = parseExpr();
    if (!cond || !expect(Token::kw_then, "after the condition of 'if'"))
      return nullptr;
    Expr *thenExpr = parseExpr();
    if (!thenExpr || !expect(Token::kw_else, "in 'if ... then ... else ...'"))
      return nullptr;
    Expr *elseExpr = parseExpr();
    if (!elseExpr)
      return nullptr;
    return module->create<IfExpr>(loc, cond, thenExpr, elseExpr);
  }
  if (consumeIf(Token::kw_repeat)) {
    if (!expect(Token::l_paren, "after 'repeat' (repeat(n) Block(...))"))
      return nullptr;
    Expr *count = parseExpr();
    if (!count || !expect(Token::r_paren, "after the repeat count"))
      return nullptr;
    StringRef callee;
    SMLoc calleeLoc;
    if (!expectIdentifier(callee, calleeLoc, "block to repeat, as in repeat(n) Block(...)"))
      return nullptr;
    if (tok.isNot(Token::l_paren)) {
      emitError("expected '(' after '" + callee + "' in repeat");
      return nullptr;
    }
    CallExpr *body = parseCallArgs(callee, calleeLoc);
    if (!body)
      return nullptr;
    return module->create<RepeatExpr>(loc, count, body);
  }
  return parseOr();
}

/// or-expr ::= and-expr ('or' and-expr)*
Expr *Parser::parseOr() {
  Expr *lhs = parseAnd();
  while (lhs && tok.is(Token::kw_or)) {
    SMLoc loc = tok.getLoc();
    consume();
    Expr *rhs = parseAnd();
    if (!rhs)
      return nullptr;
    lhs = module->create<BinaryExpr>(loc, BinaryOp::Or, lhs, rhs);
  }
  return lhs;
}

/// and-expr ::= not-expr ('and' not-expr)*
Expr *Parser::parseAnd() {
  Expr *lhs = parseNot();
  while (lhs && tok.is(Token::kw_and)) {
    SMLoc loc = tok.getLoc();
    consume();
    Expr *rhs = parseNot();
    if (!rhs)
      return nullptr;
    lhs = module->create<BinaryExpr>(loc, BinaryOp::And, lhs, rhs);
  }
  return lhs;
}

/// not-expr ::= 'not' not-expr | comparison
Expr *Parser::parseNot() {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nullptr;
  SMLoc loc = tok.getLoc();
  if (consumeIf(Token::kw_not)) {
    Expr *operand = parseNot();
    return operand ? module->create<UnaryExpr>(loc, UnaryOp::Not, operand) : nullptr;
  }
  return parseComparison();
}

/// comparison ::= additive (('==' | '!=' | '<' | '<=' | '>' | '>=') additive)?
Expr *Parser::parseComparison() {
  Expr *lhs = parseAdditive();
  if (!lhs)
    return nullptr;
  BinaryOp op;
  switch (tok.getKind()) {
  case Token::equal_equal: op = BinaryOp::Eq; break;
  case Token::not_equal: op = BinaryOp::Ne; break;
  case Token::less: op = BinaryOp::Lt; break;
  case Token::less_equal: op = BinaryOp::Le; break;
  case Token::greater: op = BinaryOp::Gt; break;
  case Token::greater_equal: op = BinaryOp::Ge; break;
  default: return lhs;
  }
  SMLoc loc = tok.getLoc();
  consume();
  Expr *rhs = parseAdditive();
  if (!rhs)
    return nullptr;
  return module->create<BinaryExpr>(loc, op, lhs, rhs);
}

/// additive ::= multiplicative (('+' | '-') multiplicative)*
Expr *Parser::parseAdditive() {
  Expr *lhs = parseMultiplicative();
  while (lhs && (tok.is(Token::plus) || tok.is(Token::minus))) {
    BinaryOp op = tok.is(Token::plus) ? BinaryOp::Add : BinaryOp::Sub;
    SMLoc loc = tok.getLoc();
    consume();
    Expr *rhs = parseMultiplicative();
    if (!rhs)
      return nullptr;
    lhs = module->create<BinaryExpr>(loc, op, lhs, rhs);
  }
  return lhs;
}

/// multiplicative ::= unary (('*' | '/' | '@') unary)*
Expr *Parser::parseMultiplicative() {
  Expr *lhs = parseUnary();
  while (lhs && (tok.is(Token::star) || tok.is(Token::slash) || tok.is(Token::at))) {
    BinaryOp op = tok.is(Token::star)    ? BinaryOp::Mul
                  : tok.is(Token::slash) ? BinaryOp::Div
                                         : BinaryOp::MatMul;
    SMLoc loc = tok.getLoc();
    consume();
    Expr *rhs = parseUnary();
    if (!rhs)
      return nullptr;
    lhs = module->create<BinaryExpr>(loc, op, lhs, rhs);
  }
  return lhs;
}

/// unary ::= '-' unary | primary
Expr *Parser::parseUnary() {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nullptr;
  SMLoc loc = tok.getLoc();
  if (consumeIf(Token::minus)) {
    Expr *operand = parseUnary();
    return operand ? module->create<UnaryExpr>(loc, UnaryOp::Neg, operand) : nullptr;
  }
  return parsePrimary();
}

/// primary ::= INTEGER | NUMBER | STRING | 'true' | 'false'
///           | IDENT | IDENT call-args | '(' expr ')' | list
Expr *Parser::parsePrimary() {
  SMLoc loc = tok.getLoc();
  switch (tok.getKind()) {
  case Token::integer: {
    int64_t value = *tok.getIntegerValue();
    consume();
    return module->create<IntExpr>(loc, value);
  }
  case Token::floating: {
    double value = *tok.getFloatValue();
    consume();
    return module->create<FloatExpr>(loc, value);
  }
  case Token::string: {
    StringRef value = tok.getStringValue();
    consume();
    return module->create<StringExpr>(loc, value);
  }
  case Token::kw_true:
  case Token::kw_false: {
    bool value = tok.is(Token::kw_true);
    consume();
    return module->create<BoolExpr>(loc, value);
  }
  case Token::kw_forward:
  case Token::identifier: {
    StringRef name = tok.getSpelling();
    consume();
    if (tok.is(Token::l_paren))
      return parseCallArgs(name, loc);
    return module->create<NameExpr>(loc, name);
  }
  case Token::l_paren: {
    consume();
    Expr *inner = parseExpr();
    if (!inner || !expect(Token::r_paren, "to close '('"))
      return nullptr;
    return inner;
  }
  case Token::l_square:
    return parseList();
  case Token::error:
    return nullptr;
  default:
    emitError("expected an expression, found " + found());
    return nullptr;
  }
}

/// call-args ::= '(' (call-arg (',' call-arg)*)? ')'
/// call-arg  ::= (IDENT '=')? expr
CallExpr *Parser::parseCallArgs(StringRef callee, SMLoc loc) {
  consume(); // '('
  llvm::SmallVector<CallArg> args;
  if (!consumeIf(Token::r_paren)) {
    do {
      CallArg arg;
      arg.nameLoc = tok.getLoc();
      // `name = value`: an identifier followed by '=' (not '==').
      if (tok.is(Token::identifier)) {
        Token save = tok;
        const char *savePos = lexer.getPosition();
        consume();
        if (tok.is(Token::error))
          return nullptr;
        if (tok.is(Token::equal)) {
          arg.name = save.getSpelling();
          consume();
        } else {
          tok = save;
          lexer.resetPosition(savePos);
        }
      }
      if (!(arg.value = parseExpr()))
        return nullptr;
      if (arg.name.empty() && !args.empty() && !args.back().name.empty()) {
        emitError(arg.value->getLoc(),
                  "positional argument after keyword argument '" +
                      args.back().name + "'");
        return nullptr;
      }
      args.push_back(arg);
    } while (consumeIf(Token::comma));
    if (!expect(Token::r_paren, "to close the arguments of '" + callee.str() + "'"))
      return nullptr;
  }
  return module->create<CallExpr>(loc, callee, module->copy<CallArg>(args));
}

/// list ::= '[' (expr (',' expr)*)? ']'
Expr *Parser::parseList() {
  SMLoc loc = tok.getLoc();
  consume(); // '['
  llvm::SmallVector<Expr *> elements;
  if (!consumeIf(Token::r_square)) {
    do {
      Expr *element = parseExpr();
      if (!element)
        return nullptr;
      elements.push_back(element);
    } while (consumeIf(Token::comma));
    if (!expect(Token::r_square, "to close the list"))
      return nullptr;
  }
  return module->create<ListExpr>(loc, module->copy<Expr *>(elements));
}

std::unique_ptr<Module> resc::parseModule(const llvm::SourceMgr &sourceMgr,
                                          mlir::MLIRContext *context) {
  return Parser(sourceMgr, context).parseFile();
}
