//===- FuseResidual.cpp - residual adds into contraction accumulators -----===//
//
// res-fuse-residual: the add that closes a residual block, and the adjoint
// sum that opens its backward, each fold into the contraction producing one
// of their operands (res.fused_linear / res.fused_matmul): the contraction's
// accumulator starts as the other operand instead of zeros. One rewrite per
// direction; every residual add gets one remark per direction saying what
// happened, or why not.
//
//===----------------------------------------------------------------------===//

#include "res/Passes.h"
#include "res/ResOps.h"
#include "res/Transforms.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace res {
#define GEN_PASS_DEF_RESFUSERESIDUAL
#include "res/Passes.h.inc"
} // namespace res

using namespace mlir;
using namespace res;

namespace {

/// Why a contraction cannot take an addend, or empty when it can.
std::string whyNotFusable(Operation *def, Value addend, StringRef role) {
  if (!def)
    return (role + " is a function argument, not a contraction").str();
  if (!isa<LinearOp, MatmulOp>(def))
    return (role + " comes from '" + def->getName().getStringRef() +
            "', not a linear or matmul")
        .str();
  if (auto mm = dyn_cast<MatmulOp>(def)) {
    auto rank = [](Value v) { return cast<RankedTensorType>(v.getType()).getRank(); };
    if (rank(mm.getLhs()) < 2 || rank(mm.getRhs()) < 2)
      return "the matmul has a vector operand";
  }
  Value result = def->getResult(0);
  if (!result.hasOneUse())
    return ("the " + def->getName().getStringRef() + " result is used again").str();
  auto rt = cast<RankedTensorType>(result.getType());
  auto at = cast<RankedTensorType>(addend.getType());
  if (rt.getRank() != at.getRank() || rt.getElementType() != at.getElementType() ||
      llvm::any_of(llvm::zip_equal(rt.getShape(), at.getShape()), [](auto p) {
        auto [a, b] = p;
        return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
      }))
    return "the addend does not have the product's shape (a broadcast)";
  return "";
}

/// Replaces `add` (whose operands are `def`'s result and `addend`) by the
/// fused form of `def`. Fails (changing nothing) only if the fused op's
/// shape inference disagrees, which whyNotFusable rules out.
LogicalResult fuse(OpBuilder &b, Operation *add, Operation *def, Value addend) {
  b.setInsertionPoint(add);
  Location loc = def->getLoc();
  Operation *fused = nullptr;
  if (auto linear = dyn_cast<LinearOp>(def)) {
    if (auto op = createChecked<FusedLinearOp>(b, loc, linear.getInput(), linear.getWeight(),
                                               linear.getBias(), addend);
        succeeded(op))
      fused = *op;
  } else if (auto mm = dyn_cast<MatmulOp>(def)) {
    if (auto op = createChecked<FusedMatmulOp>(b, loc, mm.getLhs(), mm.getRhs(), addend);
        succeeded(op))
      fused = *op;
  }
  if (!fused)
    return failure();
  Value result = fused->getResult(0);
  Type want = add->getResult(0).getType();
  if (result.getType() != want)
    result = tensor::CastOp::create(b, add->getLoc(), want, result);
  add->getResult(0).replaceAllUsesWith(result);
  add->erase();
  def->erase();
  return success();
}

/// One remark per residual add and direction, across all entry points and
/// unrolled repeat instances; a fusion anywhere wins over a refusal.
class Remarks {
public:
  void record(Location loc, StringRef direction, bool fused, std::string text) {
    auto [it, inserted] =
        outcomes.try_emplace({Attribute(loc), direction}, Outcome{loc, fused, text});
    if (!inserted && fused && !it->second.fused)
      it->second = Outcome{loc, fused, std::move(text)};
  }
  void emit() {
    for (auto &[key, o] : outcomes)
      mlir::emitRemark(o.loc) << o.text;
  }

private:
  struct Outcome {
    Location loc;
    bool fused;
    std::string text;
  };
  llvm::MapVector<std::pair<Attribute, StringRef>, Outcome> outcomes;
};

struct ResFuseResidual : res::impl::ResFuseResidualBase<ResFuseResidual> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getContext());
    Remarks notes;
    if (forward)
      fuseForward(b, notes);
    if (backward)
      fuseBackward(b, notes);
    if (remarks)
      notes.emit();
  }

  /// x + F(x) where F ends in a contraction (or the skip is a projection).
  void fuseForward(OpBuilder &b, Remarks &out) {
    SmallVector<ResidualAddOp> adds;
    getOperation().walk([&](ResidualAddOp op) { adds.push_back(op); });
    for (ResidualAddOp add : adds) {
      Location loc = add.getLoc();
      Value branch = add.getBranch(), skip = add.getSkip();
      std::string why = whyNotFusable(branch.getDefiningOp(), skip, "the branch");
      Operation *def = branch.getDefiningOp();
      Value addend = skip;
      if (!why.empty() && whyNotFusable(skip.getDefiningOp(), branch, "the skip").empty()) {
        def = skip.getDefiningOp();
        addend = branch;
        why.clear();
      }
      if (!why.empty()) {
        out.record(loc, "forward", false, "residual add not fused (forward): " + why);
        continue;
      }
      std::string text =
          ("residual add fused into " + def->getName().getStringRef() + " epilogue (forward)").str();
      if (failed(fuse(b, add, def, addend)))
        continue;
      out.record(loc, "forward", true, std::move(text));
    }
  }

  /// dx = dy + J^T dz where the second term is a Linear's data gradient.
  void fuseBackward(OpBuilder &b, Remarks &out) {
    SmallVector<AddOp> sums;
    getOperation().walk([&](AddOp op) {
      if (op->hasAttr(kAdjointSumAttr))
        sums.push_back(op);
    });
    for (AddOp sum : sums) {
      auto residual = sum->getAttrOfType<LocationAttr>(kResidualAttr);
      std::string why, fusedInto;
      // The newest adjoint (rhs) first: the running sum is the addend.
      for (auto [term, addend] : {std::pair{sum.getRhs(), sum.getLhs()},
                                  std::pair{sum.getLhs(), sum.getRhs()}}) {
        Operation *def = term.getDefiningOp();
        std::string reason = whyNotFusable(def, addend, "the other adjoint");
        std::string name = def ? def->getName().getStringRef().str() : "";
        if (reason.empty() && succeeded(fuse(b, sum, def, addend))) {
          fusedInto = name;
          break;
        }
        if (why.empty())
          why = reason;
      }
      if (residual)
        out.record(Location(residual), "backward", !fusedInto.empty(),
                   !fusedInto.empty()
                       ? "residual add fused into accumulating " + fusedInto + " (backward)"
                       : "residual add not fused (backward): " + why);
    }
  }
};

} // namespace
