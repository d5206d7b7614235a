//===- AST.h - .res abstract syntax tree ------------------------*- C++ -*-===//
//
// The parser's output: a faithful tree of the source, with a location on
// every node. Nodes live in the ASTContext's arena and are never freed
// individually. Names are StringRefs into the source buffer.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_FRONTEND_AST_H
#define RESC_FRONTEND_AST_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Allocator.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/raw_ostream.h"
#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace resc {

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

class Expr {
public:
  enum class Kind { Int, Float, String, Bool, Name, List, Unary, Binary, Call, If, Repeat };
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }

protected:
  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}

private:
  Kind kind;
  llvm::SMLoc loc;
};

template <Expr::Kind K> class ExprBase : public Expr {
public:
  static bool classof(const Expr *e) { return e->getKind() == K; }

protected:
  explicit ExprBase(llvm::SMLoc loc) : Expr(K, loc) {}
};

class IntExpr : public ExprBase<Expr::Kind::Int> {
public:
  IntExpr(llvm::SMLoc loc, int64_t value) : ExprBase(loc), value(value) {}
  int64_t value;
};

class FloatExpr : public ExprBase<Expr::Kind::Float> {
public:
  FloatExpr(llvm::SMLoc loc, double value) : ExprBase(loc), value(value) {}
  double value;
};

class StringExpr : public ExprBase<Expr::Kind::String> {
public:
  StringExpr(llvm::SMLoc loc, llvm::StringRef value) : ExprBase(loc), value(value) {}
  llvm::StringRef value;
};

class BoolExpr : public ExprBase<Expr::Kind::Bool> {
public:
  BoolExpr(llvm::SMLoc loc, bool value) : ExprBase(loc), value(value) {}
  bool value;
};

class NameExpr : public ExprBase<Expr::Kind::Name> {
public:
  NameExpr(llvm::SMLoc loc, llvm::StringRef name) : ExprBase(loc), name(name) {}
  llvm::StringRef name;
};

class ListExpr : public ExprBase<Expr::Kind::List> {
public:
  ListExpr(llvm::SMLoc loc, llvm::ArrayRef<Expr *> elements)
      : ExprBase(loc), elements(elements) {}
  llvm::ArrayRef<Expr *> elements;
};

enum class UnaryOp { Neg, Not };
enum class BinaryOp { Add, Sub, Mul, Div, MatMul, Eq, Ne, Lt, Le, Gt, Ge, And, Or };
llvm::StringRef spell(UnaryOp op);
llvm::StringRef spell(BinaryOp op);

class UnaryExpr : public ExprBase<Expr::Kind::Unary> {
public:
  UnaryExpr(llvm::SMLoc loc, UnaryOp op, Expr *operand)
      : ExprBase(loc), op(op), operand(operand) {}
  UnaryOp op;
  Expr *operand;
};

class BinaryExpr : public ExprBase<Expr::Kind::Binary> {
public:
  BinaryExpr(llvm::SMLoc loc, BinaryOp op, Expr *lhs, Expr *rhs)
      : ExprBase(loc), op(op), lhs(lhs), rhs(rhs) {}
  BinaryOp op;
  Expr *lhs, *rhs;
};

/// One argument of a call: positional (`name` empty) or `name = value`.
struct CallArg {
  llvm::StringRef name;
  llvm::SMLoc nameLoc;
  Expr *value;
};

class CallExpr : public ExprBase<Expr::Kind::Call> {
public:
  CallExpr(llvm::SMLoc loc, llvm::StringRef callee, llvm::ArrayRef<CallArg> args)
      : ExprBase(loc), callee(callee), args(args) {}
  llvm::StringRef callee;
  llvm::ArrayRef<CallArg> args;
};

/// `if cond then a else b` — chosen when the layer is defined.
class IfExpr : public ExprBase<Expr::Kind::If> {
public:
  IfExpr(llvm::SMLoc loc, Expr *cond, Expr *thenExpr, Expr *elseExpr)
      : ExprBase(loc), cond(cond), thenExpr(thenExpr), elseExpr(elseExpr) {}
  Expr *cond, *thenExpr, *elseExpr;
};

/// `repeat(count) Block(args)`.
class RepeatExpr : public ExprBase<Expr::Kind::Repeat> {
public:
  RepeatExpr(llvm::SMLoc loc, Expr *count, CallExpr *body)
      : ExprBase(loc), count(count), body(body) {}
  Expr *count;
  CallExpr *body;
};

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

/// `f32[N, 784]`: an element type and dimensions (names or int expressions).
struct TypeExpr {
  llvm::SMLoc loc;
  llvm::StringRef dtype;
  llvm::ArrayRef<Expr *> dims;
};

/// A block or model parameter: `depth: int = 8`.
struct ParamDecl {
  llvm::SMLoc loc;
  llvm::StringRef name;
  enum class Type { Int, Float, Bool } type;
  Expr *defaultValue; // may be null
};

/// An argument of `forward` or `loss`: `x: f32[N, 784]` or just `x`.
struct ArgDecl {
  llvm::SMLoc loc;
  llvm::StringRef name;
  TypeExpr *type; // may be null (shape taken from the caller)
};

/// `name = expr` or `return expr` in a forward body.
struct Stmt {
  llvm::SMLoc loc;
  llvm::StringRef target; // empty for return
  Expr *value;
  bool isReturn() const { return target.empty(); }
};

/// `forward(args) -> type { stmts }` or `loss(args) = expr`.
struct FunctionDecl {
  llvm::SMLoc loc;
  llvm::StringRef name; // "forward" or "loss"
  llvm::ArrayRef<ArgDecl> args;
  TypeExpr *resultType; // may be null
  llvm::ArrayRef<Stmt> body;
};

/// `name = Layer(...)` (a sub-layer) inside a block.
struct LayerDecl {
  llvm::SMLoc loc;
  llvm::StringRef name;
  Expr *init;
};

/// `block Name(params) { ... }` or `model Name(params) { ... }`.
struct BlockDecl {
  llvm::SMLoc loc;
  bool isModel;
  llvm::StringRef name;
  llvm::ArrayRef<ParamDecl> params;
  llvm::ArrayRef<LayerDecl> layers;
  FunctionDecl *forward = nullptr;
  FunctionDecl *loss = nullptr;
  CallExpr *optimizer = nullptr;
  llvm::SMLoc optimizerLoc;
};

/// The whole file. Owns every node through its allocator.
class Module {
public:
  template <typename T, typename... Args> T *create(Args &&...args) {
    return new (allocator.Allocate<T>()) T(std::forward<Args>(args)...);
  }
  template <typename T> llvm::ArrayRef<T> copy(llvm::ArrayRef<T> elements) {
    if (elements.empty())
      return {};
    T *data = allocator.Allocate<T>(elements.size());
    std::uninitialized_copy(elements.begin(), elements.end(), data);
    return llvm::ArrayRef<T>(data, elements.size());
  }

  std::vector<BlockDecl *> decls;

private:
  llvm::BumpPtrAllocator allocator;
};

/// Prints the tree for `resc --emit=ast`.
void dumpAST(const Module &module, const llvm::SourceMgr &sourceMgr,
             llvm::raw_ostream &os);

} // namespace resc

#endif // RESC_FRONTEND_AST_H
