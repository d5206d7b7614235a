//===- Sema.cpp - names, parameters and the layer tree ----------*- C++ -*-===//

#include "resc/Frontend/Sema.h"
#include "resc/Frontend/Builtins.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/WithColor.h"
#include <cmath>

using namespace resc;
using llvm::SMLoc;
using llvm::StringRef;
using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::success;

/// Blocks nest at most this deep; deeper means runaway input, not a network.
constexpr unsigned kMaxInstanceDepth = 64;

//===----------------------------------------------------------------------===//
// Values and argument binding
//===----------------------------------------------------------------------===//

std::string RValue::describe(const SymbolNames &names) const {
  switch (kind) {
  case Kind::None: return "nothing";
  case Kind::Int: return "int " + std::to_string(i);
  case Kind::Float: return "float " + formatNumber(f);
  case Kind::Bool: return b ? "bool true" : "bool false";
  case Kind::String: return "string \"" + s + "\"";
  case Kind::List: return "a list of " + std::to_string(list.size());
  case Kind::Tensor: return "tensor " + type.str(names);
  case Kind::Layer: return "layer " + (layer ? layer->typeName : std::string("?"));
  }
  return "value";
}

static StringRef describeKind(ArgKind kind) {
  switch (kind) {
  case ArgKind::Int: return "an int";
  case ArgKind::Float: return "a number";
  case ArgKind::Bool: return "true or false";
  case ArgKind::String: return "a string";
  case ArgKind::IntList: return "a list of ints";
  case ArgKind::IntOrList: return "an int or a list of ints";
  case ArgKind::Tensor: return "a tensor";
  case ArgKind::TensorList: return "a list of tensors";
  case ArgKind::Any: return "a value";
  }
  return "a value";
}

/// Checks (and where harmless, converts) `value` to `kind`.
static bool convertArg(RValue &value, ArgKind kind) {
  using K = RValue::Kind;
  auto allInts = [&]() {
    return llvm::all_of(value.list, [](const RValue &e) { return e.kind == K::Int; });
  };
  switch (kind) {
  case ArgKind::Int: return value.kind == K::Int;
  case ArgKind::Float:
    if (value.kind == K::Int) {
      value = RValue::ofFloat(double(value.i));
      return true;
    }
    return value.kind == K::Float;
  case ArgKind::Bool: return value.kind == K::Bool;
  case ArgKind::String: return value.kind == K::String;
  case ArgKind::IntList: return value.kind == K::List && allInts();
  case ArgKind::IntOrList:
    return value.kind == K::Int || (value.kind == K::List && allInts());
  case ArgKind::Tensor: return value.kind == K::Tensor;
  case ArgKind::TensorList:
    return value.kind == K::List &&
           llvm::all_of(value.list, [](const RValue &e) { return e.kind == K::Tensor; });
  case ArgKind::Any: return true;
  }
  return false;
}

FailureOr<BoundArgs> resc::bindArgs(llvm::ArrayRef<ParamSpec> spec,
                                    llvm::ArrayRef<ActualArg> actuals, StringRef callee,
                                    SMLoc callLoc, DiagEmitter &diag,
                                    const SymbolNames &names) {
  BoundArgs bound;
  bound.callLoc = callLoc;
  auto signature = [&]() {
    std::string s = callee.str() + "(";
    for (size_t i = 0; i < spec.size(); ++i)
      s += (i ? ", " : "") + std::string(spec[i].name);
    return s + ")";
  };
  size_t positional = 0;
  for (const ActualArg &actual : actuals) {
    const ParamSpec *target = nullptr;
    if (actual.name.empty()) {
      if (positional >= spec.size()) {
        diag.error(actual.loc) << "too many arguments to '" << callee << "': it takes "
                               << spec.size() << ", as " << signature();
        return failure();
      }
      target = &spec[positional++];
    } else {
      for (const ParamSpec &p : spec)
        if (actual.name == p.name)
          target = &p;
      if (!target) {
        diag.error(actual.loc) << "'" << callee << "' has no argument named '"
                               << actual.name << "'; it takes " << signature();
        return failure();
      }
    }
    if (bound.values.count(target->name)) {
      diag.error(actual.loc) << "argument '" << target->name << "' of '" << callee
                             << "' is given twice";
      return failure();
    }
    RValue value = actual.value;
    value.loc = actual.loc;
    if (!convertArg(value, target->kind)) {
      diag.error(actual.loc) << "argument '" << target->name << "' of '" << callee
                             << "' must be " << describeKind(target->kind) << ", got "
                             << actual.value.describe(names);
      return failure();
    }
    bound.values[target->name] = std::move(value);
  }
  for (const ParamSpec &p : spec) {
    if (bound.values.count(p.name))
      continue;
    if (p.required) {
      diag.error(callLoc) << "'" << callee << "' is missing argument '" << p.name
                          << "'; it takes " << signature();
      return failure();
    }
    RValue def = p.defaultValue;
    def.loc = callLoc;
    bound.values[p.name] = def;
  }
  return bound;
}

llvm::SmallVector<int64_t> BoundArgs::getInts(StringRef name, unsigned n) const {
  const RValue &v = (*this)[name];
  llvm::SmallVector<int64_t> out;
  if (v.kind == RValue::Kind::Int)
    out.assign(n, v.i);
  else
    for (const RValue &e : v.list)
      out.push_back(e.i);
  return out;
}

SMLoc BoundArgs::locOf(StringRef name) const {
  auto it = values.find(name);
  return it == values.end() || !it->second.loc.isValid() ? callLoc : it->second.loc;
}

//===----------------------------------------------------------------------===//
// Step 1: the program
//===----------------------------------------------------------------------===//

const BlockDecl *Sema::lookupBlock(StringRef name) const {
  for (const BlockDecl *decl : module.decls)
    if (decl->name == name)
      return decl;
  return nullptr;
}

/// Names of blocks a layer initializer may instantiate (both if-branches).
static void collectCallees(const Expr *e, llvm::SmallVectorImpl<const CallExpr *> &out) {
  if (auto *call = llvm::dyn_cast<CallExpr>(e))
    out.push_back(call);
  else if (auto *rep = llvm::dyn_cast<RepeatExpr>(e))
    out.push_back(rep->body);
  else if (auto *ife = llvm::dyn_cast<IfExpr>(e)) {
    collectCallees(ife->thenExpr, out);
    collectCallees(ife->elseExpr, out);
  }
}

LogicalResult Sema::checkRecursion() {
  // Depth-first search over "block A declares a layer of block B".
  enum class Mark { None, Active, Done };
  llvm::DenseMap<const BlockDecl *, Mark> marks;
  std::vector<std::pair<const BlockDecl *, const CallExpr *>> path;

  std::function<LogicalResult(const BlockDecl *)> visit =
      [&](const BlockDecl *decl) -> LogicalResult {
    marks[decl] = Mark::Active;
    for (const LayerDecl &layer : decl->layers) {
      llvm::SmallVector<const CallExpr *> callees;
      collectCallees(layer.init, callees);
      for (const CallExpr *call : callees) {
        const BlockDecl *callee = lookupBlock(call->callee);
        if (!callee)
          continue;
        if (callee->isModel) {
          diag.error(call->getLoc()) << "'" << call->callee
                                     << "' is a model; only blocks can be used as layers";
          return failure();
        }
        path.push_back({decl, call});
        if (marks[callee] == Mark::Active) {
          std::string chain;
          bool on = false;
          for (auto &[from, c] : path) {
            if (from == callee)
              on = true;
            if (on)
              chain += from->name.str() + " -> ";
          }
          chain += callee->name.str();
          diag.error(call->getLoc())
              << "recursive block: '" << callee->name
              << "' contains itself (" << chain
              << "); blocks cannot be recursive, use repeat(n) for depth";
          return failure();
        }
        if (marks[callee] == Mark::None && failed(visit(callee)))
          return failure();
        path.pop_back();
      }
    }
    marks[decl] = Mark::Done;
    return success();
  };
  for (const BlockDecl *decl : module.decls)
    if (marks[decl] == Mark::None && failed(visit(decl)))
      return failure();
  return success();
}

LogicalResult Sema::checkProgram() {
  llvm::StringMap<const BlockDecl *> seen;
  for (const BlockDecl *decl : module.decls) {
    auto [it, inserted] = seen.insert({decl->name, decl});
    if (!inserted) {
      auto d = diag.error(decl->loc);
      d << "'" << decl->name << "' is defined twice";
      d.attachNote(diag.loc(it->second->loc)) << "the first definition is here";
      return failure();
    }
    if (lookupBuiltinLayer(decl->name) || lookupBuiltinFunction(decl->name)) {
      diag.error(decl->loc) << "'" << decl->name
                            << "' is the name of a built-in; choose another name";
      return failure();
    }
    llvm::StringSet<> names;
    for (const ParamDecl &param : decl->params)
      if (!names.insert(param.name).second) {
        diag.error(param.loc) << "parameter '" << param.name << "' is declared twice";
        return failure();
      }
    for (const LayerDecl &layer : decl->layers) {
      if (!names.insert(layer.name).second) {
        diag.error(layer.loc) << "'" << layer.name << "' is already declared in '"
                              << decl->name << "'";
        return failure();
      }
    }
    if (!decl->forward) {
      diag.error(decl->loc) << "'" << decl->name << "' has no forward";
      return failure();
    }
    if (!decl->isModel && decl->loss) {
      diag.error(decl->loss->loc) << "only a model can have a loss; '" << decl->name
                                  << "' is a block";
      return failure();
    }
    if (!decl->isModel && decl->optimizer) {
      diag.error(decl->optimizerLoc) << "only a model can have an optimizer; '"
                                     << decl->name << "' is a block";
      return failure();
    }
  }
  return checkRecursion();
}

const BlockDecl *Sema::selectModel(StringRef name) {
  std::vector<const BlockDecl *> models;
  for (const BlockDecl *decl : module.decls)
    if (decl->isModel)
      models.push_back(decl);
  if (!name.empty()) {
    for (const BlockDecl *m : models)
      if (m->name == name)
        return m;
    llvm::WithColor::error(llvm::errs(), "resc") << "no model named '" << name << "'";
    if (!models.empty()) {
      llvm::errs() << "; the file defines";
      for (const BlockDecl *m : models)
        llvm::errs() << " " << m->name;
    }
    llvm::errs() << "\n";
    return nullptr;
  }
  if (models.size() == 1)
    return models.front();
  if (models.empty()) {
    llvm::WithColor::error(llvm::errs(), "resc")
        << "the file defines no model; write 'model Name { ... }' with a forward\n";
    return nullptr;
  }
  llvm::WithColor::error(llvm::errs(), "resc")
      << "the file defines " << models.size() << " models; choose one with --model:";
  for (const BlockDecl *m : models)
    llvm::errs() << " " << m->name;
  llvm::errs() << "\n";
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Definition-time evaluation
//===----------------------------------------------------------------------===//

FailureOr<RValue> Sema::foldBinary(BinaryOp op, const RValue &lhs, const RValue &rhs,
                                   SMLoc loc) {
  using K = RValue::Kind;
  auto bad = [&]() -> FailureOr<RValue> {
    diag.error(loc) << "operator '" << spell(op) << "' cannot combine "
                    << lhs.describe(names) << " and " << rhs.describe(names);
    return failure();
  };
  if (op == BinaryOp::And || op == BinaryOp::Or) {
    if (lhs.kind != K::Bool || rhs.kind != K::Bool)
      return bad();
    return RValue::ofBool(op == BinaryOp::And ? lhs.b && rhs.b : lhs.b || rhs.b);
  }
  if (op == BinaryOp::Eq || op == BinaryOp::Ne) {
    bool eq;
    if (lhs.isNumber() && rhs.isNumber())
      eq = lhs.asDouble() == rhs.asDouble();
    else if (lhs.kind == rhs.kind && lhs.kind == K::Bool)
      eq = lhs.b == rhs.b;
    else if (lhs.kind == rhs.kind && lhs.kind == K::String)
      eq = lhs.s == rhs.s;
    else
      return bad();
    return RValue::ofBool(op == BinaryOp::Eq ? eq : !eq);
  }
  if (!lhs.isNumber() || !rhs.isNumber())
    return bad();
  switch (op) {
  case BinaryOp::Lt: return RValue::ofBool(lhs.asDouble() < rhs.asDouble());
  case BinaryOp::Le: return RValue::ofBool(lhs.asDouble() <= rhs.asDouble());
  case BinaryOp::Gt: return RValue::ofBool(lhs.asDouble() > rhs.asDouble());
  case BinaryOp::Ge: return RValue::ofBool(lhs.asDouble() >= rhs.asDouble());
  case BinaryOp::MatMul: return bad();
  default: break;
  }
  if (lhs.kind == K::Int && rhs.kind == K::Int) {
    int64_t result = 0;
    bool overflow = false;
    switch (op) {
    case BinaryOp::Add: overflow = llvm::AddOverflow(lhs.i, rhs.i, result); break;
    case BinaryOp::Sub: overflow = llvm::SubOverflow(lhs.i, rhs.i, result); break;
    case BinaryOp::Mul: overflow = llvm::MulOverflow(lhs.i, rhs.i, result); break;
    case BinaryOp::Div:
      if (rhs.i == 0) {
        diag.error(loc) << "division by zero";
        return failure();
      }
      if (lhs.i % rhs.i != 0 || (lhs.i == INT64_MIN && rhs.i == -1)) {
        diag.error(loc) << "'" << lhs.i << " / " << rhs.i
                        << "' is not a whole number; integer division must be exact "
                           "(write a float such as "
                        << lhs.i << ".0 / " << rhs.i << " for a fraction)";
        return failure();
      }
      result = lhs.i / rhs.i;
      break;
    default: return bad();
    }
    if (overflow) {
      diag.error(loc) << "integer overflow in '" << lhs.i << " " << spell(op) << " "
                      << rhs.i << "'";
      return failure();
    }
    return RValue::ofInt(result);
  }
  double a = lhs.asDouble(), b = rhs.asDouble(), r = 0;
  switch (op) {
  case BinaryOp::Add: r = a + b; break;
  case BinaryOp::Sub: r = a - b; break;
  case BinaryOp::Mul: r = a * b; break;
  case BinaryOp::Div:
    if (b == 0) {
      diag.error(loc) << "division by zero";
      return failure();
    }
    r = a / b;
    break;
  default: return bad();
  }
  return RValue::ofFloat(r);
}

FailureOr<const Expr *> Sema::chooseBranch(const IfExpr *e,
                                           const llvm::StringMap<RValue> &env) {
  auto cond = evalConst(e->cond, env);
  if (failed(cond))
    return failure();
  if (cond->kind != RValue::Kind::Bool) {
    diag.error(e->cond->getLoc())
        << "the condition of 'if' must be true or false, got " << cond->describe(names);
    return failure();
  }
  return cond->b ? e->thenExpr : e->elseExpr;
}

FailureOr<RValue> Sema::evalConst(const Expr *expr, const llvm::StringMap<RValue> &env) {
  SMLoc loc = expr->getLoc();
  auto withLoc = [&](RValue v) {
    v.loc = loc;
    return v;
  };
  if (auto *e = llvm::dyn_cast<IntExpr>(expr))
    return withLoc(RValue::ofInt(e->value));
  if (auto *e = llvm::dyn_cast<FloatExpr>(expr))
    return withLoc(RValue::ofFloat(e->value));
  if (auto *e = llvm::dyn_cast<StringExpr>(expr))
    return withLoc(RValue::ofString(e->value));
  if (auto *e = llvm::dyn_cast<BoolExpr>(expr))
    return withLoc(RValue::ofBool(e->value));
  if (auto *e = llvm::dyn_cast<NameExpr>(expr)) {
    auto it = env.find(e->name);
    if (it == env.end()) {
      diag.error(loc) << "unknown name '" << e->name << "'";
      return failure();
    }
    return withLoc(it->second);
  }
  if (auto *e = llvm::dyn_cast<ListExpr>(expr)) {
    RValue list;
    list.kind = RValue::Kind::List;
    for (const Expr *element : e->elements) {
      auto v = evalConst(element, env);
      if (failed(v))
        return failure();
      list.list.push_back(*v);
    }
    return withLoc(list);
  }
  if (auto *e = llvm::dyn_cast<UnaryExpr>(expr)) {
    auto v = evalConst(e->operand, env);
    if (failed(v))
      return failure();
    if (e->op == UnaryOp::Not) {
      if (v->kind != RValue::Kind::Bool) {
        diag.error(loc) << "'not' needs true or false, got " << v->describe(names);
        return failure();
      }
      return withLoc(RValue::ofBool(!v->b));
    }
    if (v->kind == RValue::Kind::Int) {
      if (v->i == INT64_MIN) {
        diag.error(loc) << "integer overflow in negation";
        return failure();
      }
      return withLoc(RValue::ofInt(-v->i));
    }
    if (v->kind == RValue::Kind::Float)
      return withLoc(RValue::ofFloat(-v->f));
    diag.error(loc) << "cannot negate " << v->describe(names);
    return failure();
  }
  if (auto *e = llvm::dyn_cast<BinaryExpr>(expr)) {
    auto lhs = evalConst(e->lhs, env);
    if (failed(lhs))
      return failure();
    auto rhs = evalConst(e->rhs, env);
    if (failed(rhs))
      return failure();
    auto r = foldBinary(e->op, *lhs, *rhs, loc);
    if (failed(r))
      return failure();
    return withLoc(*r);
  }
  if (auto *e = llvm::dyn_cast<IfExpr>(expr)) {
    auto branch = chooseBranch(e, env);
    if (failed(branch))
      return failure();
    return evalConst(*branch, env);
  }
  diag.error(loc) << "a layer or a call cannot appear here; expected a constant "
                     "expression of parameters";
  return failure();
}

//===----------------------------------------------------------------------===//
// Step 2: instantiation
//===----------------------------------------------------------------------===//

void LayerInst::collectTensors(std::vector<TensorDecl *> &out) const {
  for (TensorDecl *t : ownTensorsInOrder)
    out.push_back(t);
  for (LayerInst *m : membersInOrder)
    m->collectTensors(out);
  if (body)
    body->collectTensors(out);
}

LogicalResult LayerBuilder::add(StringRef name, llvm::ArrayRef<int64_t> shape,
                                StringRef init, bool isBuffer, DType dtype) {
  TensorDecl &t = storage.emplace_back();
  t.name = inst.path.empty() ? name.str() : inst.path + "." + name.str();
  t.shape.assign(stackDims.begin(), stackDims.end());
  t.shape.append(shape.begin(), shape.end());
  t.stackDepth = stackDims.size();
  t.dtype = dtype;
  t.isBuffer = isBuffer;
  t.init = init.str();
  t.loc = inst.loc;
  // The whole arena must stay addressable: refuse sizes that overflow.
  int64_t elements = 1, bytes = 0;
  bool overflow = false;
  for (int64_t d : t.shape)
    overflow |= d < 0 || llvm::MulOverflow(elements, d, elements);
  if (overflow || llvm::MulOverflow(elements, int64_t(8), bytes)) {
      sema.getDiag().error(inst.loc)
          << "'" << t.name << "' would have more elements than fit in 64 bits";
      return failure();
    }
  inst.tensors[name] = &t;
  inst.ownTensorsInOrder.push_back(&t);
  all.push_back(&t);
  return success();
}

mlir::InFlightDiagnostic LayerBuilder::error(StringRef argName) {
  return sema.getDiag().error(inst.config.locOf(argName));
}

FailureOr<llvm::StringMap<RValue>>
Sema::bindBlockParams(const BlockDecl *block, const CallExpr *call,
                      const llvm::StringMap<RValue> &env) {
  std::vector<ParamSpec> spec;
  for (const ParamDecl &p : block->params) {
    ArgKind kind = p.type == ParamDecl::Type::Int     ? ArgKind::Int
                   : p.type == ParamDecl::Type::Float ? ArgKind::Float
                                                      : ArgKind::Bool;
    spec.push_back({p.name.data(), kind, p.defaultValue == nullptr, {}});
  }
  // ParamSpec wants NUL-terminated names; keep copies alive for the call.
  std::vector<std::string> nameStorage;
  for (const ParamDecl &p : block->params)
    nameStorage.push_back(p.name.str());
  for (size_t i = 0; i < spec.size(); ++i)
    spec[i].name = nameStorage[i].c_str();

  std::vector<ActualArg> actuals;
  for (const CallArg &arg : call->args) {
    auto v = evalConst(arg.value, env);
    if (failed(v))
      return failure();
    actuals.push_back({arg.name, *v, arg.name.empty() ? arg.value->getLoc() : arg.nameLoc});
  }
  auto bound = bindArgs(spec, actuals, block->name, call->getLoc(), diag, names);
  if (failed(bound))
    return failure();
  llvm::StringSet<> given;
  size_t position = 0;
  for (const ActualArg &a : actuals)
    given.insert(a.name.empty() ? StringRef(spec[position++].name) : a.name);
  // Defaults are expressions over earlier parameters, evaluated in order.
  llvm::StringMap<RValue> params;
  for (size_t i = 0; i < spec.size(); ++i) {
    const ParamDecl &p = block->params[i];
    RValue value = bound->values[p.name];
    if (!given.count(p.name) && p.defaultValue) {
      auto def = evalConst(p.defaultValue, params);
      if (failed(def))
        return failure();
      value = *def;
      if (!convertArg(value, spec[i].kind)) {
        diag.error(p.defaultValue->getLoc())
            << "default of '" << p.name << "' must be " << describeKind(spec[i].kind)
            << ", got " << def->describe(names);
        return failure();
      }
    }
    params[p.name] = value;
  }
  return params;
}

FailureOr<LayerInst *> Sema::instantiateBlock(const BlockDecl *block,
                                             llvm::StringMap<RValue> params,
                                             const std::string &path, unsigned stackDepth,
                                             llvm::ArrayRef<int64_t> stackDims,
                                             SMLoc declLoc) {
  if (++depth > kMaxInstanceDepth) {
    diag.error(declLoc) << "blocks nested more than " << kMaxInstanceDepth << " deep";
    return failure();
  }
  LayerInst &inst = layers.emplace_back();
  inst.kind = LayerInst::Kind::Block;
  inst.path = path;
  inst.typeName = block->name.str();
  inst.loc = declLoc;
  inst.stackDepth = stackDepth;
  inst.block = block;
  inst.params = std::move(params);
  for (const LayerDecl &layer : block->layers) {
    std::string childPath = path.empty() ? layer.name.str() : path + "." + layer.name.str();
    auto child = instantiateLayer(layer.init, inst.params, childPath, stackDepth,
                                  stackDims, layer.loc);
    if (failed(child))
      return failure();
    inst.members[layer.name] = *child;
    inst.membersInOrder.push_back(*child);
  }
  --depth;
  return &inst;
}

FailureOr<LayerInst *> Sema::instantiateCall(const CallExpr *call,
                                            const llvm::StringMap<RValue> &env,
                                            const std::string &path, unsigned stackDepth,
                                            llvm::ArrayRef<int64_t> stackDims,
                                            SMLoc declLoc) {
  if (const BlockDecl *block = lookupBlock(call->callee)) {
    if (block->isModel) {
      diag.error(call->getLoc()) << "'" << call->callee
                                 << "' is a model; only blocks can be used as layers";
      return failure();
    }
    auto params = bindBlockParams(block, call, env);
    if (failed(params))
      return failure();
    return instantiateBlock(block, std::move(*params), path, stackDepth, stackDims,
                            declLoc);
  }
  const BuiltinLayer *builtin = lookupBuiltinLayer(call->callee);
  if (!builtin) {
    auto d = diag.error(call->getLoc());
    d << "unknown layer '" << call->callee << "'";
    if (lookupBuiltinFunction(call->callee))
      d << "; '" << call->callee
        << "' is a function, call it inside forward instead of declaring it as a layer";
    return failure();
  }
  std::vector<ActualArg> actuals;
  for (const CallArg &arg : call->args) {
    auto v = evalConst(arg.value, env);
    if (failed(v))
      return failure();
    actuals.push_back({arg.name, *v, arg.name.empty() ? arg.value->getLoc() : arg.nameLoc});
  }
  auto bound = bindArgs(builtin->signature(), actuals, builtin->name(), call->getLoc(),
                        diag, names);
  if (failed(bound))
    return failure();
  LayerInst &inst = layers.emplace_back();
  inst.kind = LayerInst::Kind::Builtin;
  inst.path = path;
  inst.typeName = builtin->name().str();
  inst.loc = call->getLoc();
  inst.stackDepth = stackDepth;
  inst.builtin = builtin;
  inst.config = std::move(*bound);
  LayerBuilder lb(*this, inst, stackDims, allTensors, tensorStorage);
  if (failed(builtin->declare(lb)))
    return failure();
  return &inst;
}

FailureOr<LayerInst *> Sema::instantiateLayer(const Expr *init,
                                             const llvm::StringMap<RValue> &env,
                                             const std::string &path, unsigned stackDepth,
                                             llvm::ArrayRef<int64_t> stackDims,
                                             SMLoc declLoc) {
  if (auto *ife = llvm::dyn_cast<IfExpr>(init)) {
    auto branch = chooseBranch(ife, env);
    if (failed(branch))
      return failure();
    return instantiateLayer(*branch, env, path, stackDepth, stackDims, declLoc);
  }
  if (auto *rep = llvm::dyn_cast<RepeatExpr>(init)) {
    auto count = evalConst(rep->count, env);
    if (failed(count))
      return failure();
    if (count->kind != RValue::Kind::Int) {
      diag.error(rep->count->getLoc())
          << "repeat count must be an int, got " << count->describe(names);
      return failure();
    }
    if (count->i < 0) {
      diag.error(rep->count->getLoc())
          << "repeat count must not be negative, got " << count->i;
      return failure();
    }
    LayerInst &inst = layers.emplace_back();
    inst.kind = LayerInst::Kind::Repeat;
    inst.path = path;
    inst.typeName = "repeat";
    inst.loc = declLoc;
    inst.stackDepth = stackDepth;
    inst.count = count->i;
    llvm::SmallVector<int64_t> innerStack(stackDims.begin(), stackDims.end());
    innerStack.push_back(count->i);
    auto body = instantiateCall(rep->body, env, path + ".*", stackDepth + 1, innerStack,
                                declLoc);
    if (failed(body))
      return failure();
    inst.body = *body;
    return &inst;
  }
  if (auto *call = llvm::dyn_cast<CallExpr>(init))
    return instantiateCall(call, env, path, stackDepth, stackDims, declLoc);
  diag.error(init->getLoc())
      << "expected a layer such as Linear(...), a block, 'repeat(n) Block(...)' or "
         "'if ... then ... else ...'";
  return failure();
}

/// Parses a -D value as an int, a float or a bool.
static std::optional<RValue> parseOverrideValue(StringRef text) {
  int64_t i;
  if (!text.getAsInteger(10, i))
    return RValue::ofInt(i);
  double f;
  if (!text.getAsDouble(f))
    return RValue::ofFloat(f);
  if (text == "true" || text == "false")
    return RValue::ofBool(text == "true");
  return std::nullopt;
}

/// Symbolic dimension names used in the model's entry-point signatures.
static void collectSignatureDims(const BlockDecl *model, const llvm::StringMap<RValue> &params,
                                 llvm::StringSet<> &out) {
  for (const FunctionDecl *fn : {model->forward, model->loss}) {
    if (!fn)
      continue;
    for (const ArgDecl &arg : fn->args)
      if (arg.type)
        for (const Expr *dim : arg.type->dims)
          if (auto *n = llvm::dyn_cast<NameExpr>(dim))
            if (!params.count(n->name))
              out.insert(n->name);
  }
}

FailureOr<ModelInstance> Sema::instantiateModel(const BlockDecl *model,
                                                llvm::ArrayRef<Override> overrides) {
  ModelInstance result;
  result.decl = model;
  auto cmdError = [&]() -> llvm::raw_ostream & {
    return llvm::WithColor::error(llvm::errs(), "resc");
  };

  // Evaluate the parameters in order: override, else default.
  llvm::StringMap<RValue> params;
  llvm::StringSet<> usedOverrides;
  for (const ParamDecl &p : model->params) {
    ArgKind kind = p.type == ParamDecl::Type::Int     ? ArgKind::Int
                   : p.type == ParamDecl::Type::Float ? ArgKind::Float
                                                      : ArgKind::Bool;
    const Override *ov = nullptr;
    for (const Override &o : overrides)
      if (o.name == p.name)
        ov = &o;
    RValue value;
    if (ov) {
      auto parsed = parseOverrideValue(ov->value);
      if (!parsed || !convertArg(*parsed, kind)) {
        cmdError() << "-D " << ov->name << "=" << ov->value << ": '" << p.name
                   << "' is " << describeKind(kind) << " parameter of model '"
                   << model->name << "'\n";
        return failure();
      }
      value = *parsed;
      usedOverrides.insert(p.name);
    } else if (p.defaultValue) {
      auto def = evalConst(p.defaultValue, params);
      if (failed(def))
        return failure();
      value = *def;
      if (!convertArg(value, kind)) {
        diag.error(p.defaultValue->getLoc())
            << "default of '" << p.name << "' must be " << describeKind(kind) << ", got "
            << def->describe(names);
        return failure();
      }
    } else {
      cmdError() << "model '" << model->name << "' needs a value for parameter '"
                 << p.name << "': give a default or pass -D " << p.name << "=...\n";
      return failure();
    }
    value.loc = p.loc;
    params[p.name] = value;
  }

  // The remaining overrides pin symbolic dimensions.
  llvm::StringSet<> dims;
  collectSignatureDims(model, params, dims);
  for (const Override &o : overrides) {
    if (usedOverrides.count(o.name))
      continue;
    if (!dims.count(o.name)) {
      auto &os = cmdError();
      os << "-D " << o.name << "=" << o.value << ": model '" << model->name
         << "' has no parameter or symbolic dimension named '" << o.name << "'";
      std::vector<std::string> known;
      for (const ParamDecl &p : model->params)
        known.push_back(p.name.str());
      for (auto &d : dims)
        known.push_back(d.getKey().str());
      if (!known.empty()) {
        os << " (it has";
        for (auto &k : known)
          os << " " << k;
        os << ")";
      }
      os << "\n";
      return failure();
    }
    int64_t v;
    if (StringRef(o.value).getAsInteger(10, v) || v <= 0) {
      cmdError() << "-D " << o.name << "=" << o.value
                 << ": a symbolic dimension must be pinned to a positive integer\n";
      return failure();
    }
    result.pinnedDims[o.name] = v;
  }

  auto root = instantiateBlock(model, std::move(params), "", 0, {}, model->loc);
  if (failed(root))
    return failure();
  result.root = *root;
  result.root->collectTensors(result.tensors);

  if (model->optimizer) {
    const BuiltinOptimizer *opt = lookupBuiltinOptimizer(model->optimizer->callee);
    if (!opt) {
      diag.error(model->optimizer->getLoc())
          << "unknown optimizer '" << model->optimizer->callee << "'; resc has SGD and AdamW";
      return failure();
    }
    std::vector<ActualArg> actuals;
    for (const CallArg &arg : model->optimizer->args) {
      auto v = evalConst(arg.value, result.root->params);
      if (failed(v))
        return failure();
      actuals.push_back({arg.name, *v, arg.name.empty() ? arg.value->getLoc() : arg.nameLoc});
    }
    auto bound = bindArgs(opt->signature(), actuals, opt->name(),
                          model->optimizer->getLoc(), diag, names);
    if (failed(bound) || failed(opt->validate(*bound, diag)))
      return failure();
    result.optimizer.name = opt->name().str();
    result.optimizer.args = std::move(*bound);
  }
  return result;
}
