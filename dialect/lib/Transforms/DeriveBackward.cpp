//===- DeriveBackward.cpp - reverse-mode AD in the res dialect --*- C++ -*-===//
//
// res-derive-backward: <Model>_loss -> <Model>_loss_grad. The primal is a
// copy of the loss body (repeats unrolled so every instance's activations
// exist); the adjoints are built by walking it backwards and asking each op
// for its vector-Jacobian product (GradientOpInterface).
//
//===----------------------------------------------------------------------===//

#include "llvm/ADT/MapVector.h"
#include "res/Passes.h"
#include "res/ResOps.h"
#include "res/Transforms.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace res {
#define GEN_PASS_DEF_RESDERIVEBACKWARD
#include "res/Passes.h.inc"
} // namespace res

using namespace mlir;
using namespace res;

namespace {

bool isFloatTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}

/// A splat zero of a static tensor type (parameters always have one).
Value zerosLike(OpBuilder &b, Location loc, Type type) {
  auto t = cast<RankedTensorType>(type);
  auto attr = DenseElementsAttr::get(t, b.getFloatAttr(t.getElementType(), 0.0));
  return ConstantOp::create(b, loc, attr);
}

class Differentiator {
public:
  Differentiator(func::FuncOp grad, bool remarks)
      : grad(grad), b(grad.getContext()), remarks(remarks) {}

  LogicalResult run() {
    Block &body = grad.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Value loss = ret.getOperand(0);

    // Activity: values that depend on a parameter.
    for (unsigned i = 0; i < grad.getNumArguments(); ++i) {
      auto role = grad.getArgAttrOfType<StringAttr>(i, "res.role");
      if (role && role.getValue() == "param" && isFloatTensor(grad.getArgument(i)))
        active.insert(grad.getArgument(i));
    }
    for (Operation &op : body.without_terminator())
      if (llvm::any_of(op.getOperands(), [&](Value v) { return active.contains(v); }))
        for (Value r : op.getResults())
          if (isFloatTensor(r))
            active.insert(r);

    b.setInsertionPoint(ret);
    Location loc = ret.getLoc();
    auto lossType = cast<RankedTensorType>(loss.getType());
    adjoint[loss] = ConstantOp::create(
        b, loc, DenseElementsAttr::get(lossType, b.getFloatAttr(lossType.getElementType(), 1.0)));

    // Reverse walk over the primal ops (collected first: we insert new ops).
    SmallVector<Operation *> primal;
    for (Operation &op : body.without_terminator())
      primal.push_back(&op);
    for (Operation *op : llvm::reverse(primal))
      if (failed(visit(op)))
        return failure();
    if (remarks)
      reportKept(primal);
    for (BlockArgument arg : grad.getArguments())
      assembleStack(arg, loc);

    // Results: the loss, then one gradient per parameter argument.
    SmallVector<Value> results{loss};
    SmallVector<Type> types{loss.getType()};
    SmallVector<DictionaryAttr> resultAttrs{b.getDictionaryAttr(
        {b.getNamedAttr("res.name", b.getStringAttr("loss")),
         b.getNamedAttr("res.role", b.getStringAttr("loss")),
         b.getNamedAttr("res.dims", b.getArrayAttr({}))})};
    for (unsigned i = 0; i < grad.getNumArguments(); ++i) {
      auto role = grad.getArgAttrOfType<StringAttr>(i, "res.role");
      if (!role || role.getValue() != "param")
        continue;
      Value arg = grad.getArgument(i);
      Value g = adjoint.lookup(arg);
      if (!g)
        g = zerosLike(b, loc, arg.getType()); // the loss does not use it
      results.push_back(g);
      types.push_back(arg.getType());
      resultAttrs.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("res.name", grad.getArgAttrOfType<StringAttr>(i, "res.name")),
           b.getNamedAttr("res.role", b.getStringAttr("grad"))}));
    }
    func::ReturnOp::create(b, loc, results);
    ret.erase();
    grad.setFunctionType(b.getFunctionType(grad.getArgumentTypes(), types));
    grad.setAllResultAttrs(resultAttrs);
    return success();
  }

private:
  /// One remark per source location of primal values the adjoint ops read.
  void reportKept(ArrayRef<Operation *> primal) {
    llvm::DenseSet<Operation *> isPrimal(primal.begin(), primal.end());
    llvm::MapVector<Location, std::pair<Type, int64_t>> kept;
    for (Operation *op : primal)
      for (Value r : isa<InstanceOp>(op) ? ValueRange() : op->getResults()) // parameter views
        if (isFloatTensor(r) && llvm::any_of(r.getUsers(), [&](Operation *user) {
              return !isPrimal.contains(user) && !isa<func::ReturnOp>(user);
            })) {
          auto &entry = kept[op->getLoc()];
          entry.first = r.getType();
          ++entry.second;
        }
    for (auto &[loc, what] : kept) {
      auto type = cast<RankedTensorType>(what.first);
      int64_t bytes = type.getElementTypeBitWidth() / 8;
      for (int64_t d : type.getShape())
        bytes *= ShapedType::isDynamic(d) ? 1 : d;
      InFlightDiagnostic d = emitRemark(loc) << "kept for backward: " << what.second << " x "
                                             << type << ", " << bytes << " bytes each";
      if (!type.hasStaticShape())
        d << " per sample";
    }
  }

  /// adjoint[v] += g. The sum is marked `res.adjoint_sum` (res-fuse-residual
  /// may fold it into the contraction that produced `g`), and when `v` is a
  /// residual block's input, with the residual add's location for remarks.
  void accumulate(Value v, Value g, Location loc) {
    Value &slot = adjoint[v];
    if (!slot) {
      slot = g;
      return;
    }
    auto sum = AddOp::create(b, loc, slot.getType(), slot, g);
    sum->setAttr(kAdjointSumAttr, b.getUnitAttr());
    if (std::optional<Location> residual = residualOf.lookup(v))
      sum->setAttr(kResidualAttr, LocationAttr(*residual));
    slot = sum;
  }

  /// Remembers which residual add `op`'s skip edge belongs to: the skip
  /// value, and the input of a projection shortcut (linear/conv2d of x).
  void recordSkip(ResidualAddOp op) {
    Value skip = op.getSkip();
    residualOf[skip] = op.getLoc();
    if (Operation *def = skip.getDefiningOp(); def && isa<LinearOp, Conv2dOp>(def))
      residualOf[def->getOperand(0)] = op.getLoc();
  }

  /// The adjoint of a stacked parameter is assembled from the adjoints of
  /// its instances once all of them are known (when the reverse walk
  /// reaches the stack's definition): one [1, ...] piece per instance,
  /// concatenated, instead of n full-size partial sums.
  void assembleStack(Value stack, Location loc) {
    auto it = instanceGrads.find(stack);
    if (it == instanceGrads.end())
      return;
    auto type = cast<RankedTensorType>(stack.getType());
    auto sliceType = RankedTensorType::get(type.getShape().drop_front(), type.getElementType());
    SmallVector<int64_t> unitShape{1};
    unitShape.append(sliceType.getShape().begin(), sliceType.getShape().end());
    auto unitType = RankedTensorType::get(unitShape, type.getElementType());
    SmallVector<Value> pieces;
    for (int64_t i = 0; i < type.getDimSize(0); ++i) {
      Value g = it->second.lookup(i);
      if (!g)
        g = zerosLike(b, loc, sliceType);
      pieces.push_back(ReshapeOp::create(b, loc, unitType, g, b.getDenseI64ArrayAttr(unitShape)));
    }
    Value whole = pieces.size() == 1 ? pieces[0]
                                     : Value(ConcatOp::create(b, loc, type, pieces, b.getI64IntegerAttr(0)));
    instanceGrads.erase(it);
    accumulate(stack, whole, loc);
  }

  LogicalResult visit(Operation *op) {
    for (Value r : op->getResults())
      assembleStack(r, op->getLoc());
    if (auto residual = dyn_cast<ResidualAddOp>(op))
      recordSkip(residual);
    if (auto inst = dyn_cast<InstanceOp>(op)) {
      if (Value g = adjoint.lookup(inst.getResult())) {
        if (active.contains(inst.getStack())) {
          Value &slot = instanceGrads[inst.getStack()][inst.getIndexAttr().getInt()];
          slot = slot ? Value(AddOp::create(b, op->getLoc(), slot.getType(), slot, g)) : g;
        }
      }
      return success();
    }
    SmallVector<Value> resultGrads;
    bool any = false;
    for (Value r : op->getResults()) {
      Value g = adjoint.lookup(r);
      any |= bool(g);
      resultGrads.push_back(g);
    }
    if (!any)
      return success(); // nothing downstream depends on it
    SmallVector<bool> needed;
    bool anyNeeded = false;
    for (Value v : op->getOperands()) {
      needed.push_back(active.contains(v));
      anyNeeded |= needed.back();
    }
    if (!anyNeeded)
      return success();
    for (auto [r, g] : llvm::zip(op->getResults(), resultGrads))
      if (!g && isFloatTensor(r))
        g = zerosLike(b, op->getLoc(), r.getType());

    // Casts inserted by unrolling: the adjoint casts back.
    if (auto cast = dyn_cast<tensor::CastOp>(op)) {
      accumulate(cast.getSource(),
                 tensor::CastOp::create(b, op->getLoc(), cast.getSource().getType(),
                                        resultGrads[0]),
                 op->getLoc());
      return success();
    }
    auto iface = dyn_cast<GradientOpInterface>(op);
    if (!iface)
      return op->emitError() << "'" << op->getName()
                             << "' has no gradient yet, so the loss cannot be differentiated";
    SmallVector<Value> operandGrads;
    if (failed(iface.buildVJP(b, resultGrads, needed, operandGrads)))
      return failure();
    for (auto [operand, g, need] : llvm::zip(op->getOperands(), operandGrads, needed))
      if (need && g)
        accumulate(operand, g, op->getLoc());
    return success();
  }

  func::FuncOp grad;
  OpBuilder b;
  llvm::DenseSet<Value> active;
  llvm::DenseMap<Value, Value> adjoint;
  llvm::DenseMap<Value, llvm::DenseMap<int64_t, Value>> instanceGrads;
  llvm::DenseMap<Value, std::optional<Location>> residualOf;
  bool remarks;
};

struct ResDeriveBackward : res::impl::ResDeriveBackwardBase<ResDeriveBackward> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> losses;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn.getSymName().ends_with("_loss") && !fn.isExternal())
        losses.push_back(fn);
    for (func::FuncOp loss : losses) {
      std::string name = (loss.getSymName() + "_grad").str();
      if (module.lookupSymbol(name))
        continue; // already derived
      OpBuilder b(module.getContext());
      b.setInsertionPointAfter(loss);
      auto grad = cast<func::FuncOp>(b.clone(*loss));
      grad.setSymName(name);
      // Keep every repeat instance's activations for the reverse walk.
      SmallVector<RepeatOp> repeats;
      grad.walk([&](RepeatOp op) { repeats.push_back(op); });
      for (RepeatOp op : repeats)
        unrollRepeat(op);
      // One mask per dropout instance, shared with its adjoint.
      int64_t site = 0;
      grad.walk([&](DropoutOp op) { op.setSiteAttr(b.getI64IntegerAttr(site++)); });
      if (failed(Differentiator(grad, remarks).run()))
        return signalPassFailure();
    }
  }
};

} // namespace
