//===- MLIRGen.cpp - from the layer tree to the `res` dialect ---*- C++ -*-===//

#include "resc/Frontend/MLIRGen.h"
#include "resc/Frontend/Builtins.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace resc;
using llvm::SMLoc;
using llvm::StringRef;
using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::success;

//===----------------------------------------------------------------------===//
// Shared checks of the Elaborator
//===----------------------------------------------------------------------===//

mlir::Value Elaborator::create(StringRef opName, SMLoc at, const TensorType &result,
                               mlir::ValueRange operands,
                               llvm::ArrayRef<mlir::NamedAttribute> attrs) {
  mlir::OperationState state(loc(at), opName);
  state.addOperands(operands);
  state.addTypes(result.toMLIR(builder().getContext()));
  state.addAttributes(attrs);
  return builder().create(state)->getResult(0);
}

LogicalResult Elaborator::requireFloat(const RValue &v, StringRef what, SMLoc at) {
  if (v.isTensor() && isFloat(v.type.dtype))
    return success();
  error(at) << what << " needs a floating-point tensor, got " << v.describe(names());
  return failure();
}

LogicalResult Elaborator::requireRank(const RValue &v, int64_t rank, StringRef what,
                                      SMLoc at) {
  if (v.isTensor() && v.type.rank() == rank)
    return success();
  error(at) << what << " needs a tensor of rank " << rank << ", got "
            << v.describe(names());
  return failure();
}

LogicalResult Elaborator::requireMinRank(const RValue &v, int64_t rank, StringRef what,
                                         SMLoc at) {
  if (v.isTensor() && v.type.rank() >= rank)
    return success();
  error(at) << what << " needs a tensor of rank " << rank << " or more, got "
            << v.describe(names());
  return failure();
}

FailureOr<int64_t> Elaborator::normalizeDim(int64_t dim, int64_t rank, StringRef what,
                                            SMLoc at) {
  int64_t lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
  if (dim < lo || dim > hi) {
    error(at) << what << ": dim " << dim << " is out of range for a tensor of rank "
              << rank << " (expected " << lo << " to " << hi << ")";
    return failure();
  }
  return dim < 0 ? dim + std::max<int64_t>(rank, 1) : dim;
}

FailureOr<llvm::SmallVector<Dim, 4>> Elaborator::broadcast(const TensorType &a,
                                                           const TensorType &b,
                                                           StringRef what, SMLoc at) {
  int64_t rank = std::max(a.rank(), b.rank());
  llvm::SmallVector<Dim, 4> dims(rank);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    const Dim *da = ia >= 0 ? &a.dims[ia] : nullptr;
    const Dim *db = ib >= 0 ? &b.dims[ib] : nullptr;
    if (!da || (da->isKnown() && da->value() == 1 && db))
      dims[i] = *db;
    else if (!db || (db->isKnown() && db->value() == 1) || *da == *db)
      dims[i] = *da;
    else {
      error(at) << what << ": shapes " << str(a) << " and " << str(b)
                << " cannot be broadcast: dim " << i << " is " << str(*da) << " vs "
                << str(*db);
      return failure();
    }
  }
  return dims;
}

//===----------------------------------------------------------------------===//
// The generator
//===----------------------------------------------------------------------===//

namespace {

/// Names visible in a forward/loss body.
struct Scope {
  LayerInst *inst;                 // the block (or model) whose body this is
  llvm::StringMap<RValue> locals;  // arguments and assigned names
  bool isLoss = false;
};

class Generator : public Elaborator {
public:
  Generator(Sema &sema, ModelInstance &model)
      : sema(sema), model(model), b(sema.getDiag().getContext()) {}

  mlir::OwningOpRef<mlir::ModuleOp> run();

  // Elaborator
  mlir::OpBuilder &builder() override { return b; }
  mlir::Location loc(SMLoc at) override { return sema.getDiag().loc(at); }
  mlir::InFlightDiagnostic error(SMLoc at) override { return sema.getDiag().error(at); }
  SymbolNames &names() override { return sema.getNames(); }
  mlir::Value tensorOf(const LayerInst &inst, StringRef local) override {
    auto it = inst.tensors.find(local);
    if (it == inst.tensors.end())
      return {};
    return tensorValues.lookup(it->second);
  }
  mlir::Value scalarConstant(double value, DType dtype, SMLoc at) override;
  bool training() const override { return inLoss; }

private:
  LogicalResult genEntry(const FunctionDecl *fn, StringRef funcName, bool isLoss);
  FailureOr<TensorType> entryType(const ArgDecl &arg, Scope &scope,
                                  llvm::StringMap<Dim> &vars);
  LogicalResult matchType(const TypeExpr &type, const TensorType &actual, Scope &scope,
                          llvm::StringMap<Dim> &vars, llvm::Twine what, SMLoc at);
  FailureOr<RValue> applyLayer(LayerInst &inst, llvm::ArrayRef<RValue> args, SMLoc at);
  FailureOr<RValue> applyBlock(LayerInst &inst, llvm::ArrayRef<RValue> args, SMLoc at);
  FailureOr<RValue> applyRepeat(LayerInst &inst, const RValue &input, SMLoc at);
  FailureOr<RValue> runBody(const FunctionDecl &fn, Scope &scope);
  FailureOr<RValue> eval(const Expr *e, Scope &scope);
  FailureOr<RValue> evalCall(const CallExpr *call, Scope &scope);
  FailureOr<RValue> evalBinary(const BinaryExpr *e, Scope &scope);
  FailureOr<RValue> emitAdd(const RValue &lhs, const RValue &rhs, SMLoc at);
  mlir::Attribute dimsAttr(const TensorType &t);

  Sema &sema;
  ModelInstance &model;
  mlir::OpBuilder b;
  llvm::DenseMap<const TensorDecl *, mlir::Value> tensorValues;
  bool inLoss = false; // generating the loss entry (training mode)
};

} // namespace

mlir::Value Generator::scalarConstant(double value, DType dtype, SMLoc at) {
  mlir::Type elt = toMLIR(dtype, b.getContext());
  auto type = mlir::RankedTensorType::get({}, elt);
  mlir::Attribute attr;
  if (isFloat(dtype))
    attr = mlir::DenseElementsAttr::get(type, b.getFloatAttr(elt, value));
  else
    attr = mlir::DenseElementsAttr::get(type, b.getIntegerAttr(elt, int64_t(value)));
  mlir::OperationState state(loc(at), "res.constant");
  state.addTypes(type);
  state.addAttribute("value", attr);
  return b.create(state)->getResult(0);
}

mlir::Attribute Generator::dimsAttr(const TensorType &t) {
  llvm::SmallVector<mlir::Attribute> dims;
  for (const Dim &d : t.dims)
    dims.push_back(d.isKnown() ? mlir::Attribute(b.getI64IntegerAttr(d.value()))
                               : mlir::Attribute(b.getStringAttr(str(d))));
  return b.getArrayAttr(dims);
}

/// Whether `a` flows into `b` through at least one op of the same region.
static bool flowsInto(mlir::Value a, mlir::Value b) {
  llvm::SmallPtrSet<mlir::Operation *, 32> seen;
  llvm::SmallVector<mlir::Value> work{b};
  while (!work.empty()) {
    mlir::Value v = work.pop_back_val();
    mlir::Operation *def = v.getDefiningOp();
    if (!def || !seen.insert(def).second)
      continue;
    for (mlir::Value operand : def->getOperands()) {
      if (operand == a)
        return true;
      work.push_back(operand);
    }
  }
  return false;
}

/// A projection shortcut: a value computed from `s` by a 1-layer projection
/// (conv or linear, optionally followed by a norm). Returns its input.
static mlir::Value projectionInput(mlir::Value s) {
  mlir::Operation *def = s.getDefiningOp();
  if (def && def->getName().getStringRef() == "res.batch_norm")
    def = def->getOperand(0).getDefiningOp();
  if (def && (def->getName().getStringRef() == "res.conv2d" ||
              def->getName().getStringRef() == "res.linear"))
    return def->getOperand(0);
  return {};
}

FailureOr<RValue> Generator::emitAdd(const RValue &lhs, const RValue &rhs, SMLoc at) {
  if (lhs.isTensor() && rhs.isTensor() && lhs.value != rhs.value) {
    // A skip edge: one side feeds the other (x + F(x)), directly or through
    // a projection shortcut (conv/linear of x) + F(x).
    const RValue *skip = nullptr, *branch = nullptr;
    auto isSkipOf = [](const RValue &s, const RValue &f) {
      if (flowsInto(s.value, f.value))
        return true;
      mlir::Value in = projectionInput(s.value);
      return in && !flowsInto(f.value, s.value) && (in == f.value || flowsInto(in, f.value));
    };
    if (isSkipOf(rhs, lhs))
      skip = &rhs, branch = &lhs;
    else if (isSkipOf(lhs, rhs))
      skip = &lhs, branch = &rhs;
    if (skip) {
      if (skip->type != branch->type) {
        error(at) << "residual add: the skip path has shape " << str(skip->type)
                  << " but the residual branch has shape " << str(branch->type)
                  << "; both sides of a skip connection must have the same shape";
        return failure();
      }
      mlir::Value v = create("res.residual_add", at, branch->type,
                             mlir::ValueRange{branch->value, skip->value});
      return RValue::ofTensor(branch->type, v);
    }
  }
  return emitArith(*this, BinaryOp::Add, lhs, rhs, at);
}

FailureOr<RValue> Generator::evalBinary(const BinaryExpr *e, Scope &scope) {
  auto lhs = eval(e->lhs, scope);
  if (failed(lhs))
    return failure();
  auto rhs = eval(e->rhs, scope);
  if (failed(rhs))
    return failure();
  if (!lhs->isTensor() && !rhs->isTensor())
    return sema.foldBinary(e->op, *lhs, *rhs, e->getLoc());
  switch (e->op) {
  case BinaryOp::Add:
    return emitAdd(*lhs, *rhs, e->getLoc());
  case BinaryOp::Sub:
  case BinaryOp::Mul:
  case BinaryOp::Div:
    return emitArith(*this, e->op, *lhs, *rhs, e->getLoc());
  case BinaryOp::MatMul:
    return emitMatmul(*this, *lhs, *rhs, e->getLoc());
  default:
    error(e->getLoc()) << "operator '" << spell(e->op) << "' is not defined on tensors";
    return failure();
  }
}

FailureOr<RValue> Generator::eval(const Expr *e, Scope &scope) {
  SMLoc at = e->getLoc();
  if (auto *n = llvm::dyn_cast<NameExpr>(e)) {
    auto local = scope.locals.find(n->name);
    if (local != scope.locals.end()) {
      RValue v = local->second;
      v.loc = at;
      return v;
    }
    auto member = scope.inst->members.find(n->name);
    if (member != scope.inst->members.end()) {
      RValue v = RValue::ofLayer(member->second);
      v.loc = at;
      return v;
    }
    auto param = scope.inst->params.find(n->name);
    if (param != scope.inst->params.end()) {
      RValue v = param->second;
      v.loc = at;
      return v;
    }
    auto d = error(at);
    d << "unknown name '" << n->name << "'";
    if (lookupBuiltinFunction(n->name))
      d << "; '" << n->name << "' is a function: call it as " << n->name << "(...)";
    return failure();
  }
  if (auto *l = llvm::dyn_cast<ListExpr>(e)) {
    RValue list;
    list.kind = RValue::Kind::List;
    list.loc = at;
    for (const Expr *element : l->elements) {
      auto v = eval(element, scope);
      if (failed(v))
        return failure();
      list.list.push_back(*v);
    }
    return list;
  }
  if (auto *u = llvm::dyn_cast<UnaryExpr>(e)) {
    auto v = eval(u->operand, scope);
    if (failed(v))
      return failure();
    if (v->isTensor()) {
      if (u->op == UnaryOp::Not) {
        error(at) << "'not' is not defined on tensors";
        return failure();
      }
      mlir::Value r = create("res.neg", at, v->type, v->value);
      return RValue::ofTensor(v->type, r);
    }
    return sema.evalConst(e, scope.inst->params); // constants fold the same way
  }
  if (auto *be = llvm::dyn_cast<BinaryExpr>(e))
    return evalBinary(be, scope);
  if (auto *call = llvm::dyn_cast<CallExpr>(e))
    return evalCall(call, scope);
  if (auto *ife = llvm::dyn_cast<IfExpr>(e)) {
    auto cond = eval(ife->cond, scope);
    if (failed(cond))
      return failure();
    if (cond->kind != RValue::Kind::Bool) {
      error(ife->cond->getLoc()) << "the condition of 'if' must be known when the model "
                                    "is compiled (true or false), got "
                                 << cond->describe(names());
      return failure();
    }
    return eval(cond->b ? ife->thenExpr : ife->elseExpr, scope);
  }
  if (llvm::isa<RepeatExpr>(e)) {
    error(at) << "repeat(...) declares layers: write it as a member, "
                 "'blocks = repeat(n) Block(...)', and call blocks(x) in forward";
    return failure();
  }
  // Literals.
  return sema.evalConst(e, scope.inst->params);
}

FailureOr<RValue> Generator::evalCall(const CallExpr *call, Scope &scope) {
  SMLoc at = call->getLoc();
  StringRef callee = call->callee;
  std::vector<ActualArg> actuals;
  for (const CallArg &arg : call->args) {
    auto v = eval(arg.value, scope);
    if (failed(v))
      return failure();
    actuals.push_back({arg.name, *v, arg.name.empty() ? arg.value->getLoc() : arg.nameLoc});
  }

  auto applyTo = [&](LayerInst &inst) -> FailureOr<RValue> {
    std::vector<RValue> inputs;
    for (const ActualArg &a : actuals) {
      if (!a.name.empty()) {
        error(a.loc) << "layer '" << callee << "' takes its inputs by position; "
                     << "keyword '" << a.name << "' is not allowed here";
        return failure();
      }
      if (!a.value.isTensor()) {
        error(a.loc) << "layer '" << callee << "' takes tensors, got "
                     << a.value.describe(names());
        return failure();
      }
      inputs.push_back(a.value);
    }
    return applyLayer(inst, inputs, at);
  };

  if (scope.locals.count(callee)) {
    error(at) << "'" << callee << "' is a value, not a layer or function";
    return failure();
  }
  auto member = scope.inst->members.find(callee);
  if (member != scope.inst->members.end())
    return applyTo(*member->second);
  if (callee == "forward") {
    if (!scope.isLoss) {
      error(at) << "forward can only be called from loss; a forward cannot call itself";
      return failure();
    }
    return applyTo(*model.root);
  }
  if (const BuiltinFunction *fn = lookupBuiltinFunction(callee)) {
    auto bound = bindArgs(fn->signature(), actuals, callee, at, sema.getDiag(), names());
    if (failed(bound))
      return failure();
    return fn->apply(*this, *bound, at);
  }
  if (sema.lookupBlock(callee) || lookupBuiltinLayer(callee)) {
    error(at) << "'" << callee << "' is a layer type; declare an instance as a member "
              << "(e.g. 'f = " << callee << "(...)') and call that in forward";
    return failure();
  }
  error(at) << "unknown function or layer '" << callee << "'";
  return failure();
}

FailureOr<RValue> Generator::applyLayer(LayerInst &inst, llvm::ArrayRef<RValue> args,
                                        SMLoc at) {
  switch (inst.kind) {
  case LayerInst::Kind::Block:
    return applyBlock(inst, args, at);
  case LayerInst::Kind::Repeat:
  case LayerInst::Kind::Builtin:
    if (args.size() != 1) {
      error(at) << "'" << (inst.path.empty() ? inst.typeName : inst.path) << "' ("
                << inst.typeName << ") takes 1 input, got " << args.size();
      return failure();
    }
    if (inst.kind == LayerInst::Kind::Repeat)
      return applyRepeat(inst, args[0], at);
    return inst.builtin->apply(*this, inst, args[0], at);
  }
  return failure();
}

LogicalResult Generator::matchType(const TypeExpr &type, const TensorType &actual,
                                   Scope &scope, llvm::StringMap<Dim> &vars,
                                   llvm::Twine what, SMLoc at) {
  auto dtype = parseDType(type.dtype);
  if (!dtype) {
    error(type.loc) << "unknown element type '" << type.dtype
                    << "'; expected f32, f64, i32 or i64";
    return failure();
  }
  // Build the expected type with the bindings so far, binding new names.
  TensorType expected;
  expected.dtype = *dtype;
  bool ok = *dtype == actual.dtype && type.dims.size() == actual.dims.size();
  for (size_t i = 0; i < type.dims.size(); ++i) {
    const Expr *dimExpr = type.dims[i];
    Dim d;
    auto *name = llvm::dyn_cast<NameExpr>(dimExpr);
    if (name && !scope.inst->params.count(name->name)) {
      auto it = vars.find(name->name);
      if (it != vars.end())
        d = it->second;
      else if (i < actual.dims.size())
        d = vars[name->name] = actual.dims[i];
      else
        d = Dim::symbol(names().getOrCreate(name->name));
    } else {
      auto v = sema.evalConst(dimExpr, scope.inst->params);
      if (failed(v))
        return failure();
      if (v->kind != RValue::Kind::Int || v->i < 0) {
        error(dimExpr->getLoc()) << "a dimension must be a non-negative int or a name, got "
                                 << v->describe(names());
        return failure();
      }
      d = Dim::known(v->i);
    }
    ok &= i < actual.dims.size() && d == actual.dims[i];
    expected.dims.push_back(d);
  }
  if (!ok) {
    error(at) << what << " expects " << str(expected) << ", got " << str(actual);
    return failure();
  }
  return success();
}

FailureOr<RValue> Generator::runBody(const FunctionDecl &fn, Scope &scope) {
  for (size_t i = 0; i < fn.body.size(); ++i) {
    const Stmt &stmt = fn.body[i];
    auto v = eval(stmt.value, scope);
    if (failed(v))
      return failure();
    if (stmt.isReturn()) {
      if (i + 1 != fn.body.size()) {
        error(fn.body[i + 1].loc) << "statement after return is never executed";
        return failure();
      }
      if (!v->isTensor()) {
        error(stmt.value->getLoc()) << "forward must return a tensor, got "
                                    << v->describe(names());
        return failure();
      }
      v->loc = stmt.value->getLoc();
      return *v;
    }
    if (scope.inst->members.count(stmt.target)) {
      error(stmt.loc) << "'" << stmt.target << "' is a layer of '" << scope.inst->typeName
                      << "'; choose another name for this value";
      return failure();
    }
    scope.locals[stmt.target] = *v;
  }
  error(fn.loc) << fn.name << " of '" << scope.inst->typeName << "' has no return";
  return failure();
}

FailureOr<RValue> Generator::applyBlock(LayerInst &inst, llvm::ArrayRef<RValue> args,
                                        SMLoc at) {
  const FunctionDecl &fn = *inst.block->forward;
  std::string where = inst.path.empty() ? inst.typeName : inst.path;
  if (args.size() != fn.args.size()) {
    error(at) << "'" << where << "' takes " << fn.args.size() << " input"
              << (fn.args.size() == 1 ? "" : "s") << ", got " << args.size();
    return failure();
  }
  Scope scope;
  scope.inst = &inst;
  llvm::StringMap<Dim> vars;
  for (size_t i = 0; i < args.size(); ++i) {
    const ArgDecl &arg = fn.args[i];
    if (arg.type && failed(matchType(*arg.type, args[i].type, scope, vars,
                                     "argument '" + arg.name + "' of " + inst.typeName +
                                         ".forward",
                                     args[i].loc.isValid() ? args[i].loc : at)))
      return failure();
    scope.locals[arg.name] = args[i];
  }
  // Errors inside the body get a note pointing at this call.
  DiagEmitter::Frame frame(sema.getDiag(), at,
                           "in '" + where + "' (" + inst.typeName + ") called here");
  auto result = runBody(fn, scope);
  if (failed(result))
    return failure();
  if (fn.resultType &&
      failed(matchType(*fn.resultType, result->type, scope, vars,
                       "the result of " + inst.typeName + ".forward", result->loc)))
    return failure();
  return result;
}

FailureOr<RValue> Generator::applyRepeat(LayerInst &inst, const RValue &input, SMLoc at) {
  // Stacked parameters of the body, and their per-instance slice types.
  std::vector<TensorDecl *> stacked;
  inst.body->collectTensors(stacked);
  llvm::SmallVector<mlir::Value> params;
  llvm::SmallVector<mlir::Type> argTypes{input.value.getType()};
  for (TensorDecl *t : stacked) {
    mlir::Value v = tensorValues.lookup(t);
    params.push_back(v);
    auto type = llvm::cast<mlir::RankedTensorType>(v.getType());
    argTypes.push_back(mlir::RankedTensorType::get(type.getShape().drop_front(),
                                                   type.getElementType()));
  }
  mlir::OperationState state(loc(at), "res.repeat");
  state.addOperands(input.value);
  state.addOperands(params);
  state.addTypes(input.value.getType());
  state.addAttribute("count", b.getI64IntegerAttr(inst.count));
  state.addAttribute("operandSegmentSizes",
                     b.getDenseI32ArrayAttr({1, static_cast<int32_t>(params.size())}));
  mlir::Region *region = state.addRegion();
  mlir::Block *body = new mlir::Block();
  region->push_back(body);
  for (mlir::Type t : argTypes)
    body->addArgument(t, loc(at));
  mlir::Operation *op = b.create(state);

  // Elaborate the body once, on the block arguments.
  mlir::OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&op->getRegion(0).front());
  auto saved = tensorValues;
  for (size_t i = 0; i < stacked.size(); ++i)
    tensorValues[stacked[i]] = body->getArgument(i + 1);
  RValue carried = RValue::ofTensor(input.type, body->getArgument(0));
  carried.loc = input.loc;
  auto result = applyLayer(*inst.body, {carried}, at);
  tensorValues = std::move(saved);
  if (failed(result))
    return failure();
  if (result->type != input.type) {
    error(at) << "repeated block '" << inst.body->typeName << "' maps " << str(input.type)
              << " to " << str(result->type)
              << "; a repeated block must keep the shape of its input";
    return failure();
  }
  mlir::OperationState yield(loc(at), "res.yield");
  yield.addOperands(result->value);
  b.create(yield);
  return RValue::ofTensor(input.type, op->getResult(0));
}

FailureOr<TensorType> Generator::entryType(const ArgDecl &arg, Scope &scope,
                                           llvm::StringMap<Dim> &vars) {
  if (!arg.type) {
    error(arg.loc) << "argument '" << arg.name << "' of the model needs a type, such as "
                   << arg.name << ": f32[N, 784]";
    return failure();
  }
  auto dtype = parseDType(arg.type->dtype);
  if (!dtype) {
    error(arg.type->loc) << "unknown element type '" << arg.type->dtype
                         << "'; expected f32, f64, i32 or i64";
    return failure();
  }
  TensorType t;
  t.dtype = *dtype;
  for (const Expr *dimExpr : arg.type->dims) {
    auto *name = llvm::dyn_cast<NameExpr>(dimExpr);
    if (name && !scope.inst->params.count(name->name)) {
      auto it = vars.find(name->name);
      if (it == vars.end()) {
        auto pinned = model.pinnedDims.find(name->name.str());
        Dim d = pinned != model.pinnedDims.end()
                    ? Dim::known(pinned->second)
                    : Dim::symbol(names().getOrCreate(name->name));
        it = vars.insert({name->name, d}).first;
      }
      t.dims.push_back(it->second);
      continue;
    }
    auto v = sema.evalConst(dimExpr, scope.inst->params);
    if (failed(v))
      return failure();
    if (v->kind != RValue::Kind::Int || v->i < 0) {
      error(dimExpr->getLoc()) << "a dimension must be a non-negative int or a name, got "
                               << v->describe(names());
      return failure();
    }
    t.dims.push_back(Dim::known(v->i));
  }
  return t;
}

LogicalResult Generator::genEntry(const FunctionDecl *fn, StringRef funcName, bool isLoss) {
  mlir::MLIRContext *ctx = b.getContext();
  Scope scope;
  scope.inst = model.root;
  scope.isLoss = isLoss;
  inLoss = isLoss;
  llvm::StringMap<Dim> vars;
  std::vector<TensorType> inputTypes;
  for (const ArgDecl &arg : fn->args) {
    auto t = entryType(arg, scope, vars);
    if (failed(t))
      return failure();
    inputTypes.push_back(*t);
  }

  llvm::SmallVector<mlir::Type> argTypes;
  llvm::SmallVector<mlir::DictionaryAttr> argAttrs;
  for (size_t i = 0; i < fn->args.size(); ++i) {
    argTypes.push_back(inputTypes[i].toMLIR(ctx));
    argAttrs.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("res.name", b.getStringAttr(fn->args[i].name)),
         b.getNamedAttr("res.role", b.getStringAttr("input")),
         b.getNamedAttr("res.dims", dimsAttr(inputTypes[i]))}));
  }
  for (const TensorDecl *t : model.tensors) {
    argTypes.push_back(
        mlir::RankedTensorType::get(t->shape, toMLIR(t->dtype, ctx)));
    llvm::SmallVector<mlir::NamedAttribute> attrs{
        b.getNamedAttr("res.name", b.getStringAttr(t->name)),
        b.getNamedAttr("res.role", b.getStringAttr(t->isBuffer ? "buffer" : "param")),
        b.getNamedAttr("res.init", b.getStringAttr(t->init))};
    if (t->stackDepth)
      attrs.push_back(b.getNamedAttr("res.stacked", b.getI64IntegerAttr(t->stackDepth)));
    argAttrs.push_back(b.getDictionaryAttr(attrs));
  }

  auto func = mlir::func::FuncOp::create(b, loc(fn->loc), funcName,
                                         b.getFunctionType(argTypes, {}));
  func.setAllArgAttrs(argAttrs);
  mlir::Block *entry = func.addEntryBlock();
  mlir::OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);

  tensorValues.clear();
  for (size_t i = 0; i < model.tensors.size(); ++i)
    tensorValues[model.tensors[i]] = entry->getArgument(fn->args.size() + i);
  for (size_t i = 0; i < fn->args.size(); ++i) {
    RValue v = RValue::ofTensor(inputTypes[i], entry->getArgument(i));
    v.loc = fn->args[i].loc;
    scope.locals[fn->args[i].name] = v;
  }

  auto result = runBody(*fn, scope);
  if (failed(result))
    return failure();
  if (fn->resultType &&
      failed(matchType(*fn->resultType, result->type, scope, vars,
                       "the result of " + model.decl->name + "." + fn->name, result->loc)))
    return failure();
  if (isLoss && (result->type.rank() != 0 || !isFloat(result->type.dtype))) {
    error(fn->body.back().value->getLoc())
        << "loss must be a floating-point scalar, got " << str(result->type)
        << "; use a loss function such as cross_entropy or mse, or mean(...)";
    return failure();
  }
  mlir::func::ReturnOp::create(b, loc(fn->body.back().loc), result->value);
  func.setFunctionType(b.getFunctionType(argTypes, result->value.getType()));
  // The result's symbolic dims, so the ABI can size outputs from the inputs.
  func.setResultAttr(0, "res.dims", dimsAttr(result->type));
  return success();
}

mlir::OwningOpRef<mlir::ModuleOp> Generator::run() {
  mlir::MLIRContext *ctx = b.getContext();
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc(model.decl->loc));
  b.setInsertionPointToEnd(module->getBody());
  llvm::SmallVector<mlir::NamedAttribute> attrs{
      b.getNamedAttr("res.model", b.getStringAttr(model.decl->name))};
  if (!model.optimizer.name.empty()) {
    llvm::SmallVector<mlir::NamedAttribute> opt{
        b.getNamedAttr("name", b.getStringAttr(model.optimizer.name))};
    for (auto &entry : model.optimizer.args.values) {
      const RValue &v = entry.second;
      mlir::Attribute a = v.kind == RValue::Kind::Bool ? mlir::Attribute(b.getBoolAttr(v.b))
                                                       : mlir::Attribute(b.getF64FloatAttr(v.asDouble()));
      opt.push_back(b.getNamedAttr(entry.first(), a));
    }
    attrs.push_back(b.getNamedAttr("res.optimizer", b.getDictionaryAttr(opt)));
  }
  (*module)->setAttrs(b.getDictionaryAttr(attrs));
  (void)ctx;

  std::string name = model.decl->name.str();
  if (failed(genEntry(model.decl->forward, name + "_forward", /*isLoss=*/false)))
    return nullptr;
  if (model.decl->loss &&
      failed(genEntry(model.decl->loss, name + "_loss", /*isLoss=*/true)))
    return nullptr;
  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

mlir::OwningOpRef<mlir::ModuleOp> resc::generateModule(Sema &sema, ModelInstance &model) {
  return Generator(sema, model).run();
}
