//===- AST.cpp - printing the .res AST --------------------------*- C++ -*-===//

#include "resc/Frontend/AST.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/SourceMgr.h"

using namespace resc;

llvm::StringRef resc::spell(UnaryOp op) { return op == UnaryOp::Neg ? "-" : "not"; }

llvm::StringRef resc::spell(BinaryOp op) {
  static const char *const names[] = {"+",  "-",  "*", "/",  "@",   "==", "!=",
                                      "<",  "<=", ">", ">=", "and", "or"};
  return names[static_cast<int>(op)];
}

namespace {
/// Prints one node per line, indented, with its line:col.
class ASTPrinter {
public:
  ASTPrinter(const llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os)
      : sourceMgr(sourceMgr), os(os) {}

  void print(const Module &module) {
    for (const BlockDecl *decl : module.decls)
      print(*decl);
  }

private:
  llvm::raw_ostream &line(llvm::SMLoc loc) {
    os.indent(indent * 2);
    auto lc = sourceMgr.getLineAndColumn(loc);
    return os << "@" << lc.first << ":" << lc.second << " ";
  }
  struct Indent {
    ASTPrinter &p;
    explicit Indent(ASTPrinter &p) : p(p) { ++p.indent; }
    ~Indent() { --p.indent; }
  };

  void print(const BlockDecl &decl) {
    line(decl.loc) << (decl.isModel ? "Model " : "Block ") << decl.name << "\n";
    Indent in(*this);
    for (const ParamDecl &param : decl.params) {
      static const char *const types[] = {"int", "float", "bool"};
      line(param.loc) << "Param " << param.name << ": "
                      << types[static_cast<int>(param.type)] << "\n";
      if (param.defaultValue) {
        Indent in2(*this);
        print(param.defaultValue);
      }
    }
    for (const LayerDecl &layer : decl.layers) {
      line(layer.loc) << "Layer " << layer.name << "\n";
      Indent in2(*this);
      print(layer.init);
    }
    if (decl.forward)
      print(*decl.forward);
    if (decl.loss)
      print(*decl.loss);
    if (decl.optimizer) {
      line(decl.optimizerLoc) << "Optimizer\n";
      Indent in2(*this);
      print(decl.optimizer);
    }
  }

  void print(const FunctionDecl &fn) {
    line(fn.loc) << "Function " << fn.name << "\n";
    Indent in(*this);
    for (const ArgDecl &arg : fn.args) {
      line(arg.loc) << "Arg " << arg.name;
      if (arg.type)
        printType(*arg.type);
      os << "\n";
    }
    if (fn.resultType) {
      line(fn.resultType->loc) << "Result";
      printType(*fn.resultType);
      os << "\n";
    }
    for (const Stmt &stmt : fn.body) {
      if (stmt.isReturn())
        line(stmt.loc) << "Return\n";
      else
        line(stmt.loc) << "Assign " << stmt.target << "\n";
      Indent in2(*this);
      print(stmt.value);
    }
  }

  void printType(const TypeExpr &type) {
    os << ": " << type.dtype << "[";
    llvm::interleaveComma(type.dims, os, [&](Expr *dim) { printInline(dim); });
    os << "]";
  }

  /// Dims are printed inline: names, integers and simple arithmetic.
  void printInline(const Expr *e) {
    if (auto *i = llvm::dyn_cast<IntExpr>(e))
      os << i->value;
    else if (auto *n = llvm::dyn_cast<NameExpr>(e))
      os << n->name;
    else if (auto *b = llvm::dyn_cast<BinaryExpr>(e)) {
      os << "(";
      printInline(b->lhs);
      os << " " << spell(b->op) << " ";
      printInline(b->rhs);
      os << ")";
    } else
      os << "<expr>";
  }

  void print(const Expr *e) {
    llvm::TypeSwitch<const Expr *>(e)
        .Case([&](const IntExpr *i) { line(e->getLoc()) << "Int " << i->value << "\n"; })
        .Case([&](const FloatExpr *f) { line(e->getLoc()) << "Float " << f->value << "\n"; })
        .Case([&](const StringExpr *s) { line(e->getLoc()) << "String \"" << s->value << "\"\n"; })
        .Case([&](const BoolExpr *b) {
          line(e->getLoc()) << "Bool " << (b->value ? "true" : "false") << "\n";
        })
        .Case([&](const NameExpr *n) { line(e->getLoc()) << "Name " << n->name << "\n"; })
        .Case([&](const ListExpr *l) {
          line(e->getLoc()) << "List\n";
          Indent in(*this);
          for (Expr *element : l->elements)
            print(element);
        })
        .Case([&](const UnaryExpr *u) {
          line(e->getLoc()) << "Unary " << spell(u->op) << "\n";
          Indent in(*this);
          print(u->operand);
        })
        .Case([&](const BinaryExpr *b) {
          line(e->getLoc()) << "Binary " << spell(b->op) << "\n";
          Indent in(*this);
          print(b->lhs);
          print(b->rhs);
        })
        .Case([&](const CallExpr *c) {
          line(e->getLoc()) << "Call " << c->callee << "\n";
          Indent in(*this);
          for (const CallArg &arg : c->args) {
            if (!arg.name.empty()) {
              line(arg.nameLoc) << "Keyword " << arg.name << "\n";
              Indent in2(*this);
              print(arg.value);
            } else {
              print(arg.value);
            }
          }
        })
        .Case([&](const IfExpr *i) {
          line(e->getLoc()) << "If\n";
          Indent in(*this);
          print(i->cond);
          print(i->thenExpr);
          print(i->elseExpr);
        })
        .Case([&](const RepeatExpr *r) {
          line(e->getLoc()) << "Repeat\n";
          Indent in(*this);
          print(r->count);
          print(r->body);
        });
  }

  const llvm::SourceMgr &sourceMgr;
  llvm::raw_ostream &os;
  unsigned indent = 0;
};
} // namespace

void resc::dumpAST(const Module &module, const llvm::SourceMgr &sourceMgr,
                   llvm::raw_ostream &os) {
  ASTPrinter(sourceMgr, os).print(module);
}
