//===- Sema.h - names, parameters and the layer tree ------------*- C++ -*-===//
//
// Semantic analysis in two steps:
//  1. checkProgram: names are unique, every layer or block a declaration
//     names exists, blocks do not instantiate themselves (directly or
//     through others).
//  2. instantiateModel: evaluates the model's int/float parameters (with
//     -D overrides), builds the tree of layer instances — choosing `if`
//     branches, counting `repeat`s — and lists every parameter and buffer
//     tensor with its PyTorch state_dict name and shape.
// Shapes of tensor expressions are checked when bodies are elaborated
// (MLIRGen.h), because a block's `forward(x)` takes its shapes from each
// call site.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_FRONTEND_SEMA_H
#define RESC_FRONTEND_SEMA_H

#include "resc/Frontend/AST.h"
#include "resc/Frontend/Diagnostics.h"
#include "resc/Frontend/Types.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringMap.h"
#include <deque>
#include <map>

namespace resc {

class BuiltinLayer;
struct LayerInst;

/// A value of the language: a definition-time constant, a list, a tensor
/// during elaboration, or a layer.
struct RValue {
  enum class Kind { None, Int, Float, Bool, String, List, Tensor, Layer };
  Kind kind = Kind::None;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<RValue> list;
  TensorType type;    // Tensor
  mlir::Value value;  // Tensor
  LayerInst *layer = nullptr;
  llvm::SMLoc loc;    // where the value was written, for messages

  static RValue ofInt(int64_t v) { RValue r; r.kind = Kind::Int; r.i = v; return r; }
  static RValue ofFloat(double v) { RValue r; r.kind = Kind::Float; r.f = v; return r; }
  static RValue ofBool(bool v) { RValue r; r.kind = Kind::Bool; r.b = v; return r; }
  static RValue ofString(llvm::StringRef v) { RValue r; r.kind = Kind::String; r.s = v.str(); return r; }
  static RValue ofTensor(TensorType t, mlir::Value v) {
    RValue r; r.kind = Kind::Tensor; r.type = std::move(t); r.value = v; return r;
  }
  static RValue ofLayer(LayerInst *l) { RValue r; r.kind = Kind::Layer; r.layer = l; return r; }

  bool isTensor() const { return kind == Kind::Tensor; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  double asDouble() const { return kind == Kind::Int ? double(i) : f; }
  /// "int 3", "f32[N, 784]", "layer Linear", for messages.
  std::string describe(const SymbolNames &names) const;
};

/// What kind of value a built-in's argument takes.
enum class ArgKind { Int, Float, Bool, String, IntList, IntOrList, Tensor, TensorList, Any };

/// One formal argument of a built-in layer, function or optimizer.
struct ParamSpec {
  const char *name;
  ArgKind kind;
  bool required;
  RValue defaultValue;
};
inline ParamSpec required(const char *name, ArgKind kind) { return {name, kind, true, {}}; }
inline ParamSpec optional(const char *name, ArgKind kind, RValue def) {
  return {name, kind, false, std::move(def)};
}

/// Arguments after binding to a ParamSpec list: by name, with locations.
struct BoundArgs {
  llvm::StringMap<RValue> values;
  llvm::SMLoc callLoc;
  const RValue &operator[](llvm::StringRef name) const { return values.find(name)->second; }
  int64_t getInt(llvm::StringRef name) const { return (*this)[name].i; }
  double getFloat(llvm::StringRef name) const { return (*this)[name].asDouble(); }
  bool getBool(llvm::StringRef name) const { return (*this)[name].b; }
  /// An IntOrList argument as a list, an int `k` repeated `n` times.
  llvm::SmallVector<int64_t> getInts(llvm::StringRef name, unsigned n) const;
  llvm::SMLoc locOf(llvm::StringRef name) const;
};

/// An argument as written at a call, evaluated.
struct ActualArg {
  llvm::StringRef name; // empty when positional
  RValue value;
  llvm::SMLoc loc;
};

/// Binds positional and keyword arguments to `spec`, fills defaults, checks
/// kinds. Reports errors naming `callee`.
mlir::FailureOr<BoundArgs> bindArgs(llvm::ArrayRef<ParamSpec> spec,
                                    llvm::ArrayRef<ActualArg> actuals,
                                    llvm::StringRef callee, llvm::SMLoc callLoc,
                                    DiagEmitter &diag, const SymbolNames &names);

/// A parameter or buffer tensor of the model.
struct TensorDecl {
  std::string name;                // PyTorch name; '*' per enclosing repeat
  llvm::SmallVector<int64_t> shape; // leading dims: one per enclosing repeat
  unsigned stackDepth = 0;          // how many leading dims are repeat counts
  DType dtype = DType::F32;
  bool isBuffer = false;
  std::string init;                 // how PyTorch initialises it (docs/abi.md)
  llvm::SMLoc loc;                  // the layer declaration
};

/// One node of the instantiated layer tree.
struct LayerInst {
  enum class Kind { Builtin, Block, Repeat };
  Kind kind;
  std::string path;      // dotted path of the instance, '*' inside repeats
  std::string typeName;  // "Linear", "Residual", "repeat"
  llvm::SMLoc loc;       // the declaration `name = ...`
  unsigned stackDepth = 0;
  // Builtin
  const BuiltinLayer *builtin = nullptr;
  BoundArgs config;
  llvm::StringMap<TensorDecl *> tensors; // local name ("weight") -> tensor
  // Block (and model)
  const BlockDecl *block = nullptr;
  llvm::StringMap<RValue> params;
  llvm::StringMap<LayerInst *> members;
  // Repeat
  int64_t count = 0;
  LayerInst *body = nullptr;

  /// Every tensor of this subtree, in declaration order.
  void collectTensors(std::vector<TensorDecl *> &out) const;
  std::vector<TensorDecl *> ownTensorsInOrder;
  std::vector<LayerInst *> membersInOrder;
};

/// The optimizer as declared, with torch.optim's defaults filled in.
struct OptimizerConfig {
  std::string name; // "" when the model declares none
  BoundArgs args;
};

/// The result of instantiation: everything MLIRGen needs.
struct ModelInstance {
  const BlockDecl *decl = nullptr;
  LayerInst *root = nullptr;
  std::vector<TensorDecl *> tensors; // in state_dict order (stacked)
  OptimizerConfig optimizer;
  /// Symbolic dims pinned by -D (name -> value).
  std::map<std::string, int64_t> pinnedDims;
};

/// A `-D name=value` from the command line.
struct Override {
  std::string name;
  std::string value;
};

class Sema {
public:
  Sema(const Module &module, DiagEmitter &diag, SymbolNames &names)
      : module(module), diag(diag), names(names) {}

  /// Step 1: names, duplicates, recursion.
  mlir::LogicalResult checkProgram();

  /// The model to compile: `name` if given, else the only model in the file.
  const BlockDecl *selectModel(llvm::StringRef name);

  /// Step 2: the layer tree with parameter values. Errors in -D overrides
  /// are printed to stderr (they have no source location).
  mlir::FailureOr<ModelInstance> instantiateModel(const BlockDecl *model,
                                                  llvm::ArrayRef<Override> overrides);

  const BlockDecl *lookupBlock(llvm::StringRef name) const;

  /// Definition-time evaluation of `expr` (constants, parameters, layers).
  mlir::FailureOr<RValue> evalConst(const Expr *expr,
                                    const llvm::StringMap<RValue> &env);

  /// Typed, checked arithmetic shared with tensor-time evaluation.
  mlir::FailureOr<RValue> foldBinary(BinaryOp op, const RValue &lhs,
                                     const RValue &rhs, llvm::SMLoc loc);

  DiagEmitter &getDiag() { return diag; }
  SymbolNames &getNames() { return names; }

private:
  mlir::FailureOr<LayerInst *> instantiateLayer(const Expr *init,
                                               const llvm::StringMap<RValue> &env,
                                               const std::string &path,
                                               unsigned stackDepth,
                                               llvm::ArrayRef<int64_t> stackDims,
                                               llvm::SMLoc declLoc);
  mlir::FailureOr<LayerInst *> instantiateCall(const CallExpr *call,
                                              const llvm::StringMap<RValue> &env,
                                              const std::string &path,
                                              unsigned stackDepth,
                                              llvm::ArrayRef<int64_t> stackDims,
                                              llvm::SMLoc declLoc);
  mlir::FailureOr<LayerInst *> instantiateBlock(const BlockDecl *block,
                                               llvm::StringMap<RValue> params,
                                               const std::string &path,
                                               unsigned stackDepth,
                                               llvm::ArrayRef<int64_t> stackDims,
                                               llvm::SMLoc declLoc);
  mlir::FailureOr<llvm::StringMap<RValue>>
  bindBlockParams(const BlockDecl *block, const CallExpr *call,
                  const llvm::StringMap<RValue> &env);
  mlir::LogicalResult checkRecursion();
  /// The branch of a definition-time `if` its condition selects.
  mlir::FailureOr<const Expr *> chooseBranch(const IfExpr *e,
                                             const llvm::StringMap<RValue> &env);

  const Module &module;
  DiagEmitter &diag;
  SymbolNames &names;
  std::deque<LayerInst> layers;
  std::deque<TensorDecl> tensorStorage;
  std::vector<TensorDecl *> allTensors;
  unsigned depth = 0;
  friend class LayerBuilder;
};

/// Handed to a built-in layer to declare its tensors.
class LayerBuilder {
public:
  LayerBuilder(Sema &sema, LayerInst &inst, llvm::ArrayRef<int64_t> stackDims,
               std::vector<TensorDecl *> &all, std::deque<TensorDecl> &storage)
      : sema(sema), inst(inst), stackDims(stackDims), all(all), storage(storage) {}

  /// Declares `path.name` with `shape` (the repeat stack dims are prepended).
  mlir::LogicalResult add(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                          llvm::StringRef init, bool isBuffer = false,
                          DType dtype = DType::F32);
  const BoundArgs &args() const { return inst.config; }
  /// An error at the argument `name` of the layer's declaration.
  mlir::InFlightDiagnostic error(llvm::StringRef argName);

private:
  Sema &sema;
  LayerInst &inst;
  llvm::ArrayRef<int64_t> stackDims;
  std::vector<TensorDecl *> &all;
  std::deque<TensorDecl> &storage;
};

} // namespace resc

#endif // RESC_FRONTEND_SEMA_H
