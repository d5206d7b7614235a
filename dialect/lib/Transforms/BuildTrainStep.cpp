//===- BuildTrainStep.cpp - loss_grad + optimizer = train_step --*- C++ -*-===//
//
// res-build-train-step. One update rule per optimizer, each a small class;
// the update is written in res ops on whole tensors (broadcasting scalars),
// so it is lowered, fused and tested like everything else.
//
//===----------------------------------------------------------------------===//

#include "res/Passes.h"
#include "res/ResOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include <cmath>

namespace res {
#define GEN_PASS_DEF_RESBUILDTRAINSTEP
#include "res/Passes.h.inc"
} // namespace res

using namespace mlir;
using namespace res;

namespace {

/// Scalar arithmetic on tensors, broadcasting rank-0 operands.
struct Emit {
  OpBuilder &b;
  Location loc;
  Value c(double v) {
    auto t = RankedTensorType::get({}, b.getF32Type());
    return ConstantOp::create(b, loc, DenseElementsAttr::get(t, b.getF32FloatAttr(v)));
  }
  static Type bigger(Value x, Value y) {
    return cast<RankedTensorType>(x.getType()).getRank() >= cast<RankedTensorType>(y.getType()).getRank()
               ? x.getType()
               : y.getType();
  }
  Value add(Value x, Value y) { return AddOp::create(b, loc, bigger(x, y), x, y); }
  Value sub(Value x, Value y) { return SubOp::create(b, loc, bigger(x, y), x, y); }
  Value mul(Value x, Value y) { return MulOp::create(b, loc, bigger(x, y), x, y); }
  Value div(Value x, Value y) { return DivOp::create(b, loc, bigger(x, y), x, y); }
  Value mul(Value x, double y) { return mul(x, c(y)); }
  Value sqrt(Value x) { return SqrtOp::create(b, loc, x.getType(), x); }
  Value exp(Value x) { return ExpOp::create(b, loc, x.getType(), x); }
  Value relu(Value x) { return ReluOp::create(b, loc, x.getType(), x); }
};

/// The state one parameter needs and how it is updated.
class Optimizer {
public:
  virtual ~Optimizer() = default;
  /// Names of the per-parameter state tensors (suffixes after "<param>.").
  virtual SmallVector<StringRef> stateNames() const = 0;
  /// Returns the new parameter, and fills `newState` (same order).
  virtual Value update(Emit &e, Value p, Value g, ArrayRef<Value> state, Value lr,
                       Value step, Value t, SmallVectorImpl<Value> &newState) const = 0;
};

double get(DictionaryAttr opt, StringRef name, double def) {
  if (auto f = opt.getAs<FloatAttr>(name))
    return f.getValueAsDouble();
  return def;
}

/// torch.optim.SGD.
class SGD : public Optimizer {
public:
  explicit SGD(DictionaryAttr opt)
      : momentum(get(opt, "momentum", 0)), dampening(get(opt, "dampening", 0)),
        wd(get(opt, "weight_decay", 0)) {
    if (auto n = opt.getAs<BoolAttr>("nesterov"))
      nesterov = n.getValue();
  }
  SmallVector<StringRef> stateNames() const override {
    if (momentum == 0)
      return {};
    return {"momentum_buffer"};
  }
  Value update(Emit &e, Value p, Value g, ArrayRef<Value> state, Value lr, Value step, Value,
               SmallVectorImpl<Value> &newState) const override {
    if (wd != 0)
      g = e.add(g, e.mul(p, wd));
    if (momentum != 0) {
      // torch sets buf = g on the first step: the factor on g is 1 then and
      // 1 - dampening afterwards. relu(1 - step) is 1 at step 0, else 0.
      Value first = e.relu(e.sub(e.c(1.0), step));
      Value coef = e.add(e.c(1.0 - dampening), e.mul(first, dampening));
      Value buf = e.add(e.mul(e.mul(state[0], momentum), e.sub(e.c(1.0), first)),
                        e.mul(g, coef));
      newState.push_back(buf);
      g = nesterov ? e.add(g, e.mul(buf, momentum)) : buf;
    }
    return e.sub(p, e.mul(g, lr));
  }

private:
  double momentum, dampening, wd;
  bool nesterov = false;
};

/// torch.optim.AdamW (amsgrad = false).
class AdamW : public Optimizer {
public:
  explicit AdamW(DictionaryAttr opt)
      : b1(get(opt, "beta1", 0.9)), b2(get(opt, "beta2", 0.999)), eps(get(opt, "eps", 1e-8)),
        wd(get(opt, "weight_decay", 0.01)) {}
  SmallVector<StringRef> stateNames() const override { return {"exp_avg", "exp_avg_sq"}; }
  Value update(Emit &e, Value p, Value g, ArrayRef<Value> state, Value lr, Value, Value t,
               SmallVectorImpl<Value> &newState) const override {
    Value decayed = e.mul(p, e.sub(e.c(1.0), e.mul(lr, wd)));
    Value m = e.add(e.mul(state[0], b1), e.mul(g, 1.0 - b1));
    Value v = e.add(e.mul(state[1], b2), e.mul(e.mul(g, g), 1.0 - b2));
    newState.push_back(m);
    newState.push_back(v);
    // Bias corrections with the run-time step t: b^t = exp(t log b).
    Value bc1 = e.sub(e.c(1.0), e.exp(e.mul(t, std::log(b1))));
    Value bc2 = e.sub(e.c(1.0), e.exp(e.mul(t, std::log(b2))));
    Value stepSize = e.div(lr, bc1);
    Value denom = e.add(e.div(e.sqrt(v), e.sqrt(bc2)), e.c(eps));
    return e.sub(decayed, e.mul(e.div(m, denom), stepSize));
  }

private:
  double b1, b2, eps, wd;
};

std::unique_ptr<Optimizer> makeOptimizer(DictionaryAttr opt) {
  auto name = opt.getAs<StringAttr>("name");
  if (name && name.getValue() == "SGD")
    return std::make_unique<SGD>(opt);
  if (name && name.getValue() == "AdamW")
    return std::make_unique<AdamW>(opt);
  return nullptr;
}

/// The argument behind `v` (through unrolling's casts) and its instance
/// index, -1 when not an instance; no argument when `v` is neither.
std::pair<BlockArgument, int64_t> argumentOf(Value v) {
  while (auto c = v.getDefiningOp<tensor::CastOp>())
    v = c.getSource();
  if (auto inst = v.getDefiningOp<InstanceOp>())
    return {dyn_cast<BlockArgument>(inst.getStack()), inst.getIndexAttr().getInt()};
  return {dyn_cast<BlockArgument>(v), -1};
}

/// The BatchNorm buffers train_step updates in place, like PyTorch's
/// BatchNorm forward in train mode: running_mean/var move towards the batch
/// mean and the *unbiased* batch variance by `momentum`, and
/// num_batches_tracked counts the batches. Buffers of a repeated block are
/// stacked ([n, ...]); instance i updates slice i.
class BufferUpdates {
public:
  BufferUpdates(func::FuncOp step, Emit &e) : step(step), e(e) {
    for (BlockArgument a : step.getArguments())
      if (auto n = step.getArgAttrOfType<StringAttr>(a.getArgNumber(), "res.name"))
        byName[n.getValue()] = a;
  }

  /// One training-mode batch_norm application in the step's own body.
  LogicalResult add(BatchNormOp bn) {
    // Per channel ([C]); lowered through batch_norm's own moments, which
    // CSE then shares.
    auto stats = createChecked<BatchStatsOp>(e.b, bn.getLoc(), bn.getInput());
    if (failed(stats))
      return failure();
    add(bn.getRunningMean(), bn.getRunningVar(), bn.getMomentum().convertToDouble(),
        stats->getMean(), stats->getVar());
    return success();
  }

  /// One application whose batch statistics were computed elsewhere (the
  /// shared loss_grad returns them); `runningMean`/`runningVar` are the
  /// step's buffer arguments or instances of them.
  void add(Value runningMean, Value runningVar, double momentum, Value batchMean,
           Value batchVar) {
    Location loc = batchMean.getLoc();
    auto blend = [&](Value old, Value batch) -> Value {
      Value v = e.add(e.mul(old, 1.0 - momentum), e.mul(batch, momentum));
      return v.getType() == old.getType()
                 ? v
                 : Value(tensor::CastOp::create(e.b, loc, old.getType(), v));
    };
    // A layer applied twice updates its buffers twice, in order.
    record(runningMean, blend(latest(runningMean), batchMean), "running_mean");
    record(runningVar, blend(latest(runningVar), batchVar), "running_var");
  }

  /// Appends one "update" result per updated buffer. A stacked buffer is
  /// reassembled from its instances (updated or not) with reshape + concat;
  /// new tensors rather than insertions into the argument, so bufferization
  /// needs no copy of the arena.
  LogicalResult emit(SmallVectorImpl<Value> &results, SmallVectorImpl<DictionaryAttr> &attrs) {
    for (BlockArgument a : step.getArguments()) {
      auto it = current.find(a);
      if (it == current.end())
        continue;
      Value whole;
      if (it->second.count(-1)) {
        whole = it->second[-1];
      } else {
        auto type = cast<RankedTensorType>(a.getType());
        SmallVector<int64_t> unit{1};
        unit.append(type.getShape().begin() + 1, type.getShape().end());
        SmallVector<Value> pieces;
        for (int64_t i = 0; i < type.getDimSize(0); ++i) {
          Value v = it->second.lookup(i);
          if (!v) {
            auto inst = createChecked<InstanceOp>(e.b, a.getLoc(), a, e.b.getI64IntegerAttr(i));
            if (failed(inst))
              return failure();
            v = *inst;
          }
          auto piece = createChecked<ReshapeOp>(e.b, a.getLoc(), v, e.b.getDenseI64ArrayAttr(unit));
          if (failed(piece))
            return failure();
          pieces.push_back(*piece);
        }
        if (pieces.size() == 1) {
          whole = pieces[0];
        } else {
          auto cat = createChecked<ConcatOp>(e.b, a.getLoc(), pieces, e.b.getI64IntegerAttr(0));
          if (failed(cat))
            return failure();
          whole = *cat;
        }
      }
      results.push_back(whole);
      attrs.push_back(e.b.getDictionaryAttr(
          {e.b.getNamedAttr("res.name", step.getArgAttr(a.getArgNumber(), "res.name")),
           e.b.getNamedAttr("res.role", e.b.getStringAttr("update"))}));
    }
    return success();
  }

private:
  /// The buffer argument behind `v` (through unrolling's casts and instance
  /// slices) and the instance index (-1 when not stacked).
  std::pair<BlockArgument, int64_t> source(Value v) {
    auto [arg, index] = argumentOf(v);
    if (!arg || arg.getOwner()->getParentOp() != step.getOperation())
      return {BlockArgument(), -1};
    auto role = step.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "res.role");
    if (!role || role.getValue() != "buffer")
      return {BlockArgument(), -1};
    return {arg, index};
  }

  /// The value of `buffer` after the updates recorded so far.
  Value latest(Value buffer) {
    auto [arg, index] = source(buffer);
    if (!arg)
      return buffer;
    auto it = current.find(arg);
    if (it == current.end())
      return buffer;
    Value v = it->second.lookup(index);
    return v ? v : buffer;
  }

  /// The current value of buffer `arg` (instance `index`), `primal` if it
  /// was not updated yet.
  Value &slot(BlockArgument arg, int64_t index, Value primal) {
    Value &v = current[arg][index];
    if (!v)
      v = primal;
    return v;
  }

  /// buffer := value; and the sibling num_batches_tracked += 1 once per
  /// BatchNorm application.
  void record(Value buffer, Value value, StringRef suffix) {
    auto [arg, index] = source(buffer);
    if (!arg)
      return;
    slot(arg, index, buffer) = value;
    if (suffix != "running_mean")
      return;
    StringRef name =
        step.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "res.name").getValue();
    auto counter = byName.find((name.drop_back(suffix.size()) + "num_batches_tracked").str());
    if (counter == byName.end())
      return;
    Location loc = value.getLoc();
    Value primal = counter->second;
    if (index >= 0) {
      auto inst = createChecked<InstanceOp>(e.b, loc, primal, e.b.getI64IntegerAttr(index));
      if (failed(inst))
        return;
      primal = *inst;
    }
    Value &n = slot(counter->second, index, primal);
    Value old = tensor::ExtractOp::create(e.b, loc, n, ValueRange{});
    Value one = arith::ConstantOp::create(e.b, loc, e.b.getIntegerAttr(old.getType(), 1));
    n = tensor::FromElementsOp::create(e.b, loc, n.getType(),
                                       ValueRange{arith::AddIOp::create(e.b, loc, old, one)});
  }

  func::FuncOp step;
  Emit &e;
  llvm::StringMap<BlockArgument> byName;
  llvm::DenseMap<Value, llvm::DenseMap<int64_t, Value>> current;
};

/// Activates the step's dropouts: a `dropout.seed` state (i64, drawn by the
/// runtime's initialisation) and the step counter give this step's key,
///   key = i32(seed ^ (seed >> 32)) + i32(step) * 0x9E3779B9   (mod 2^32),
/// so every step draws new masks and a run is reproducible from its state.
LogicalResult keyDropouts(func::FuncOp step, Value counter) {
  OpBuilder b(step.getContext());
  Location loc = step.getLoc();
  unsigned at = step.getNumArguments();
  NamedAttrList attrs;
  attrs.set("res.name", b.getStringAttr("dropout.seed"));
  attrs.set("res.role", b.getStringAttr("state"));
  attrs.set("res.init", b.getStringAttr("seed"));
  if (failed(step.insertArgument(at, RankedTensorType::get({}, b.getI64Type()),
                                 attrs.getDictionary(step.getContext()), loc)))
    return failure();
  Value seedArg = step.getArgument(at);
  b.setInsertionPointToStart(&step.getBody().front());
  Value seed = tensor::ExtractOp::create(b, loc, seedArg, ValueRange{});
  Value high = arith::ShRUIOp::create(
      b, loc, seed, arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32)));
  Value folded =
      arith::TruncIOp::create(b, loc, b.getI32Type(), arith::XOrIOp::create(b, loc, seed, high));
  Value count = arith::FPToUIOp::create(
      b, loc, b.getI32Type(), tensor::ExtractOp::create(b, loc, counter, ValueRange{}));
  Value golden = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(static_cast<int32_t>(0x9E3779B9u)));
  Value key = arith::AddIOp::create(b, loc, folded,
                                    arith::MulIOp::create(b, loc, count, golden));
  Value keyTensor = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({}, b.getI32Type()), ValueRange{key});
  step.walk([&](DropoutOp op) { op.getKeyMutable().assign(keyTensor); });
  return success();
}

/// The per-instance gradients of a stacked parameter of type `stack` when
/// `g` is their concatenation (reshape to [1, ...] + concat along dim 0, as
/// res-derive-backward assembles them); empty otherwise.
SmallVector<Value> instanceGradients(Value g, RankedTensorType stack) {
  auto cat = g.getDefiningOp<ConcatOp>();
  if (!cat || cat.getDim() != 0 || int64_t(cat.getInputs().size()) != stack.getDimSize(0))
    return {};
  SmallVector<Value> pieces;
  for (Value in : cat.getInputs()) {
    auto unit = in.getDefiningOp<ReshapeOp>();
    if (!unit)
      return {};
    auto type = cast<RankedTensorType>(unit.getInput().getType());
    if (type.getShape() != stack.getShape().drop_front())
      return {};
    pieces.push_back(unit.getInput());
  }
  return pieces;
}

/// The last op of `body` (or its ancestor there) that must run before an
/// in-place update of parameter `p`, or of its instance `index` (-1: the
/// whole parameter): the gradient's definition and every read of the
/// parameter. No later than `floor` is returned when nothing is later.
Operation *lastReader(Block &body, Value p, int64_t index, Value grad, Operation *floor) {
  Operation *last = floor;
  auto see = [&](Operation *op) {
    op = op ? body.findAncestorOpInBlock(*op) : nullptr;
    if (op && !op->hasTrait<mlir::OpTrait::IsTerminator>() && last->isBeforeInBlock(op))
      last = op;
  };
  see(grad.getDefiningOp());
  for (Operation *user : p.getUsers()) {
    auto inst = dyn_cast<InstanceOp>(user);
    if (!inst) {
      see(user);
      continue;
    }
    if (index >= 0 && inst.getIndexAttr().getInt() != index)
      continue;
    for (Operation *reader : inst->getUsers())
      see(reader);
  }
  return last;
}

/// Emits one parameter's update where the gradient is ready and the old
/// value is read for the last time (`fuse`), or at the current insertion
/// point. A stacked parameter whose gradient arrives per instance is
/// updated per instance and reassembled with reshape + concat. Returns the
/// new parameter and fills `newState`.
FailureOr<Value> emitUpdate(Emit &e, const Optimizer &optimizer, Block &body, bool fuse,
                            Value p, Value g, ArrayRef<Value> state, Value lr, Value counter,
                            Value t, SmallVectorImpl<Value> &newState) {
  OpBuilder::InsertionGuard guard(e.b);
  Operation *floor = t.getDefiningOp();
  auto type = cast<RankedTensorType>(p.getType());
  SmallVector<Value> pieces;
  if (fuse && type.getRank() > 1)
    pieces = instanceGradients(g, type);
  if (pieces.empty()) {
    if (fuse)
      e.b.setInsertionPointAfter(lastReader(body, p, -1, g, floor));
    return optimizer.update(e, p, g, state, lr, counter, t, newState);
  }
  Location loc = e.loc;
  SmallVector<int64_t> unit{1};
  unit.append(type.getShape().begin() + 1, type.getShape().end());
  DenseI64ArrayAttr unitAttr = e.b.getDenseI64ArrayAttr(unit);
  SmallVector<Value> params;
  SmallVector<SmallVector<Value>> states(state.size());
  for (auto [i, gi] : llvm::enumerate(pieces)) {
    e.b.setInsertionPointAfter(lastReader(body, p, i, gi, floor));
    auto slice = [&](Value stack) {
      return createChecked<InstanceOp>(e.b, loc, stack, e.b.getI64IntegerAttr(i));
    };
    auto pi = slice(p);
    if (failed(pi))
      return failure();
    SmallVector<Value> si, next;
    for (Value s : state) {
      auto v = slice(s);
      if (failed(v))
        return failure();
      si.push_back(*v);
    }
    params.push_back(optimizer.update(e, *pi, gi, si, lr, counter, t, next));
    for (auto [k, v] : llvm::enumerate(next))
      states[k].push_back(v);
  }
  // Reassembled at the end, where the results are returned (the update
  // itself stays free to move later: res-update-in-place may).
  e.b.setInsertionPoint(body.getTerminator());
  auto concat = [&](ArrayRef<Value> parts) -> FailureOr<ConcatOp> {
    SmallVector<Value> units;
    for (Value v : parts) {
      auto unitPiece = createChecked<ReshapeOp>(e.b, loc, v, unitAttr);
      if (failed(unitPiece))
        return failure();
      units.push_back(*unitPiece);
    }
    return createChecked<ConcatOp>(e.b, loc, units, e.b.getI64IntegerAttr(0));
  };
  for (ArrayRef<Value> parts : states) {
    auto w = concat(parts);
    if (failed(w))
      return failure();
    newState.push_back(*w);
  }
  auto cat = concat(params);
  if (failed(cat))
    return failure();
  return Value(*cat);
}

/// `fn` returns `results` (with `attrs`) instead of what it returned.
void replaceResults(func::FuncOp fn, ArrayRef<Value> results, ArrayRef<DictionaryAttr> attrs) {
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  OpBuilder b(ret);
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  fn.setFunctionType(b.getFunctionType(fn.getArgumentTypes(), ValueRange(results).getTypes()));
  fn.setAllResultAttrs(attrs);
}

/// A training-mode batch_norm of loss_grad, as train_step needs it: its
/// running buffers (arguments of loss_grad, or instances of stacked ones)
/// and momentum.
struct NormBuffers {
  Value runningMean, runningVar;
  double momentum;
};

/// The same value in `to`, which has the arguments of `v`'s function: an
/// argument, or an instance of one (argumentOf).
Value rebuildArgument(OpBuilder &b, Value v, func::FuncOp to) {
  auto [arg, index] = argumentOf(v);
  Value same = to.getArgument(arg.getArgNumber());
  if (index < 0)
    return same;
  return InstanceOp::create(b, v.getLoc(), same, b.getI64IntegerAttr(index));
}

/// Moves loss_grad's body into `__resc_impl_<model>_loss_grad_stats`, which
/// also returns each training-mode batch_norm's batch mean and unbiased
/// variance (res.batch_stats, which CSE shares with the normalisation);
/// loss_grad calls it and drops those. train_step can then call it too
/// instead of repeating the forward and backward code to get at the
/// statistics. Fills `norms` in the order of the extra results. A null
/// function when a running buffer is not an argument (or an instance).
FailureOr<func::FuncOp> shareLossGrad(func::FuncOp lossGrad, SmallVectorImpl<NormBuffers> &norms) {
  // Only when train_step can name every running buffer (an argument or an
  // instance of one, as the front end makes them); else it keeps its own
  // copy of the body.
  WalkResult named = lossGrad.walk([](BatchNormOp bn) {
    return bn.getTraining() && (!argumentOf(bn.getRunningMean()).first ||
                                !argumentOf(bn.getRunningVar()).first)
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  if (named.wasInterrupted())
    return func::FuncOp();
  OpBuilder b(lossGrad.getContext());
  b.setInsertionPoint(lossGrad);
  auto shared = cast<func::FuncOp>(b.clone(*lossGrad));
  // An implementation, not an entry point (the ABI takes "<model>_*").
  shared.setSymName(("__resc_impl_" + lossGrad.getSymName() + "_stats").str());
  auto ret = cast<func::ReturnOp>(shared.getBody().front().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  SmallVector<DictionaryAttr> resultAttrs;
  shared.getAllResultAttrs(resultAttrs);
  b.setInsertionPoint(ret);
  WalkResult walk = shared.walk([&](BatchNormOp bn) {
    if (!bn.getTraining())
      return WalkResult::advance();
    auto stats = createChecked<BatchStatsOp>(b, bn.getLoc(), bn.getInput());
    if (failed(stats))
      return WalkResult::interrupt();
    results.push_back(stats->getMean());
    results.push_back(stats->getVar());
    resultAttrs.append(2, b.getDictionaryAttr({}));
    norms.push_back({bn.getRunningMean(), bn.getRunningVar(), bn.getMomentum().convertToDouble()});
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  replaceResults(shared, results, resultAttrs);

  // loss_grad: the call, its own results.
  Block &body = lossGrad.getBody().front();
  unsigned numResults = lossGrad.getNumResults();
  while (!body.empty())
    body.back().erase();
  b.setInsertionPointToEnd(&body);
  auto call = func::CallOp::create(b, lossGrad.getLoc(), shared, body.getArguments());
  func::ReturnOp::create(b, lossGrad.getLoc(), call.getResults().take_front(numResults));
  return shared;
}

LogicalResult buildTrainStep(func::FuncOp lossGrad, const Optimizer &optimizer, bool fuseUpdate) {
  // The step calls loss_grad instead of repeating its body: one copy of the
  // forward and backward code serves both entry points (half the code to
  // compile and to keep in the instruction cache). With training-mode
  // batch_norms the step also needs their batch statistics for the running
  // buffers: both then call a loss_grad that returns them (shareLossGrad).
  // Not with a dropout (active in train_step only), nor when the updates
  // are fused into the gradients' computation.
  bool updatesBuffers = false, drops = false;
  lossGrad.walk([&](BatchNormOp bn) { updatesBuffers |= bn.getTraining(); });
  lossGrad.walk([&](DropoutOp op) { drops |= op.getP().convertToDouble() > 0; });
  bool calls = !drops && !fuseUpdate;
  func::FuncOp callee = lossGrad;
  SmallVector<NormBuffers> norms;
  if (calls && updatesBuffers) {
    FailureOr<func::FuncOp> shared = shareLossGrad(lossGrad, norms);
    if (failed(shared))
      return failure();
    callee = *shared;
    calls = bool(callee);
  }

  OpBuilder b(lossGrad.getContext());
  b.setInsertionPointAfter(lossGrad);
  auto step = cast<func::FuncOp>(b.clone(*lossGrad));
  StringRef base = lossGrad.getSymName().drop_back(strlen("_loss_grad"));
  step.setSymName((base + "_train_step").str());
  MLIRContext *ctx = step.getContext();
  Location loc = step.getLoc();

  // The statistics the call returns, with the buffers they update.
  SmallVector<std::pair<NormBuffers, std::pair<Value, Value>>> calledNorms;
  if (calls) {
    Block &body = step.getBody().front();
    unsigned numResults = step.getNumResults();
    while (!body.empty())
      body.back().erase();
    b.setInsertionPointToEnd(&body);
    auto call = func::CallOp::create(b, loc, callee, body.getArguments());
    for (auto [k, norm] : llvm::enumerate(norms)) {
      NormBuffers here{rebuildArgument(b, norm.runningMean, step),
                       rebuildArgument(b, norm.runningVar, step), norm.momentum};
      calledNorms.push_back({here, {call.getResult(numResults + 2 * k),
                                    call.getResult(numResults + 2 * k + 1)}});
    }
    func::ReturnOp::create(b, loc, call.getResults().take_front(numResults));
  }
  auto f32 = RankedTensorType::get({}, b.getF32Type());

  // lr: after the last input.
  unsigned firstParam = 0;
  while (firstParam < step.getNumArguments() &&
         step.getArgAttrOfType<StringAttr>(firstParam, "res.role").getValue() == "input")
    ++firstParam;
  auto inputAttrs = [&](StringRef name, StringRef role) {
    return b.getDictionaryAttr({b.getNamedAttr("res.name", b.getStringAttr(name)),
                                b.getNamedAttr("res.role", b.getStringAttr(role)),
                                b.getNamedAttr("res.dims", b.getArrayAttr({}))});
  };
  if (failed(step.insertArgument(firstParam, f32, inputAttrs("lr", "input"), loc)))
    return failure();
  Value lr = step.getArgument(firstParam);

  // State arguments, appended: per parameter, then the step counter.
  SmallVector<unsigned> paramArgs;
  for (unsigned i = firstParam + 1; i < step.getNumArguments(); ++i)
    if (step.getArgAttrOfType<StringAttr>(i, "res.role").getValue() == "param")
      paramArgs.push_back(i);
  SmallVector<StringRef> stateNames = optimizer.stateNames();
  SmallVector<SmallVector<Value>> states(paramArgs.size());
  for (auto [k, i] : llvm::enumerate(paramArgs)) {
    for (StringRef suffix : stateNames) {
      NamedAttrList attrs;
      std::string name =
          (step.getArgAttrOfType<StringAttr>(i, "res.name").getValue() + "." + suffix).str();
      attrs.set("res.name", b.getStringAttr(name));
      attrs.set("res.role", b.getStringAttr("state"));
      attrs.set("res.init", b.getStringAttr("zeros"));
      if (auto s = step.getArgAttr(i, "res.stacked"))
        attrs.set("res.stacked", s);
      unsigned at = step.getNumArguments();
      if (failed(step.insertArgument(at, step.getArgument(i).getType(),
                                     attrs.getDictionary(ctx), loc)))
        return failure();
      states[k].push_back(step.getArgument(at));
    }
  }
  unsigned stepIndex = step.getNumArguments();
  NamedAttrList stepAttrs;
  stepAttrs.set("res.name", b.getStringAttr("optimizer.step"));
  stepAttrs.set("res.role", b.getStringAttr("state"));
  stepAttrs.set("res.init", b.getStringAttr("zeros"));
  if (failed(step.insertArgument(stepIndex, f32, stepAttrs.getDictionary(ctx), loc)))
    return failure();
  Value counter = step.getArgument(stepIndex);
  if (drops && failed(keyDropouts(step, counter)))
    return failure();

  // The updates: before the return of loss and gradients, or each where
  // its gradient is ready (fuseUpdate). The step number t comes first.
  Block &body = step.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  b.setInsertionPointToStart(&body);
  Emit e{b, ret.getLoc()};
  Value t = e.add(counter, e.c(1.0));
  b.setInsertionPoint(ret);
  SmallVector<Value> results{ret.getOperand(0)};
  SmallVector<DictionaryAttr> resultAttrs{step.getResultAttrDict(0)};
  auto update = [&](StringAttr name) {
    return b.getDictionaryAttr({b.getNamedAttr("res.name", name),
                                b.getNamedAttr("res.role", b.getStringAttr("update"))});
  };
  SmallVector<Value> newStates;
  SmallVector<StringAttr> newStateNames;
  for (auto [k, i] : llvm::enumerate(paramArgs)) {
    Value p = step.getArgument(i);
    Value g = ret.getOperand(1 + k);
    SmallVector<Value> next;
    FailureOr<Value> updated =
        emitUpdate(e, optimizer, body, fuseUpdate, p, g, states[k], lr, counter, t, next);
    if (failed(updated))
      return failure();
    results.push_back(*updated);
    resultAttrs.push_back(update(step.getArgAttrOfType<StringAttr>(i, "res.name")));
    for (auto [s, v] : llvm::zip(states[k], next)) {
      newStates.push_back(v);
      newStateNames.push_back(step.getArgAttrOfType<StringAttr>(
          cast<BlockArgument>(s).getArgNumber(), "res.name"));
    }
  }
  for (auto [v, name] : llvm::zip(newStates, newStateNames)) {
    results.push_back(v);
    resultAttrs.push_back(update(name));
  }
  results.push_back(t);
  resultAttrs.push_back(update(b.getStringAttr("optimizer.step")));
  // BatchNorm's running statistics (training-mode batch_norm ops only).
  BufferUpdates buffers(step, e);
  for (auto &[norm, stats] : calledNorms)
    buffers.add(norm.runningMean, norm.runningVar, norm.momentum, stats.first, stats.second);
  SmallVector<BatchNormOp> inBody;
  step.walk([&](BatchNormOp bn) {
    if (bn.getTraining())
      inBody.push_back(bn);
  });
  for (BatchNormOp bn : inBody)
    if (failed(buffers.add(bn)))
      return failure();
  if (failed(buffers.emit(results, resultAttrs)))
    return failure();
  replaceResults(step, results, resultAttrs);
  return success();
}

/// Bytes of `fn`'s parameters (static shapes; as stored, stacked or not).
int64_t parameterBytes(func::FuncOp fn) {
  int64_t bytes = 0;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto role = fn.getArgAttrOfType<StringAttr>(i, "res.role");
    auto type = dyn_cast<RankedTensorType>(fn.getArgument(i).getType());
    if (role && role.getValue() == "param" && type && type.hasStaticShape())
      bytes += type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
  }
  return bytes;
}

struct ResBuildTrainStep : res::impl::ResBuildTrainStepBase<ResBuildTrainStep> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto opt = module->getAttrOfType<DictionaryAttr>("res.optimizer");
    if (!opt)
      return;
    std::unique_ptr<Optimizer> optimizer = makeOptimizer(opt);
    if (!optimizer) {
      module.emitError() << "unknown optimizer in res.optimizer: " << opt;
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> grads;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn.getSymName().ends_with("_loss_grad"))
        grads.push_back(fn);
    for (func::FuncOp g : grads)
      if (failed(buildTrainStep(g, *optimizer,
                                fuseUpdate || (fuseUpdateAbove > 0 &&
                                               parameterBytes(g) > fuseUpdateAbove))))
        return signalPassFailure();
  }
};

} // namespace
