//===- SizeExpr.cpp - read a scratch-size computation -----------*- C++ -*-===//

#include "resc/Codegen/SizeExpr.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace {

/// Folds a layout-function value bottom-up, each value once per call
/// context. `Leaf` maps an argument of the outermost function (a dim),
/// `Combine` an arithmetic op (null for a constant) over its operands'
/// results.
template <typename T> class Folder {
public:
  using Leaf = llvm::function_ref<std::optional<T>(BlockArgument)>;
  using Combine = llvm::function_ref<std::optional<T>(Operation *, ArrayRef<T>, int64_t)>;
  Folder(Leaf leaf, Combine combine) : leaf(leaf), combine(combine) {}

  std::optional<T> fold(Value v) {
    Operation *context = stack.empty() ? nullptr : stack.back().getOperation();
    auto key = std::make_pair(v, context);
    if (auto it = memo.find(key); it != memo.end())
      return it->second;
    std::optional<T> r = compute(v);
    memo[key] = r;
    return r;
  }

private:
  std::optional<T> compute(Value v) {
    if (auto constant = getConstantIntValue(v))
      return combine(nullptr, {}, *constant);
    // An argument: of the outermost function a leaf, of a callee the
    // operand of the call in progress.
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (stack.empty())
        return leaf(arg);
      func::CallOp call = stack.pop_back_val();
      std::optional<T> r = fold(call.getOperand(arg.getArgNumber()));
      stack.push_back(call);
      return r;
    }
    Operation *def = v.getDefiningOp();
    if (!def)
      return std::nullopt;
    if (auto call = dyn_cast<func::CallOp>(def)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
      if (!callee || callee.isExternal())
        return std::nullopt;
      auto ret = cast<func::ReturnOp>(callee.getBody().back().getTerminator());
      stack.push_back(call);
      std::optional<T> r = fold(ret.getOperand(cast<OpResult>(v).getResultNumber()));
      stack.pop_back();
      return r;
    }
    SmallVector<T> operands;
    for (Value operand : def->getOperands()) {
      std::optional<T> r = fold(operand);
      if (!r)
        return std::nullopt;
      operands.push_back(*r);
    }
    return combine(def, operands, 0);
  }

  Leaf leaf;
  Combine combine;
  SmallVector<func::CallOp> stack;
  DenseMap<std::pair<Value, Operation *>, std::optional<T>> memo;
};

} // namespace

std::optional<int64_t> resc::evaluateSize(Value v, DimValueFn dimValue) {
  auto leaf = [&](BlockArgument arg) -> std::optional<int64_t> { return dimValue(arg); };
  auto combine = [](Operation *op, ArrayRef<int64_t> a, int64_t constant) -> std::optional<int64_t> {
    if (!op)
      return constant;
    if (isa<arith::AddIOp>(op))
      return a[0] + a[1];
    if (isa<arith::SubIOp>(op))
      return a[0] - a[1];
    if (isa<arith::MulIOp>(op))
      return a[0] * a[1];
    if (isa<arith::MaxUIOp, arith::MaxSIOp>(op))
      return std::max(a[0], a[1]);
    if (isa<arith::MinUIOp, arith::MinSIOp>(op))
      return std::min(a[0], a[1]);
    if (a.size() != 2 || a[1] == 0)
      return std::nullopt;
    if (isa<arith::CeilDivUIOp, arith::CeilDivSIOp>(op))
      return (a[0] + a[1] - 1) / a[1];
    if (isa<arith::DivUIOp, arith::DivSIOp>(op))
      return a[0] / a[1];
    if (isa<arith::RemUIOp, arith::RemSIOp>(op))
      return a[0] % a[1];
    return std::nullopt;
  };
  return Folder<int64_t>(leaf, combine).fold(v);
}

std::optional<std::string> resc::printSizeAsC(Value v, DimNameFn dimName, std::string &body) {
  unsigned next = 0;
  auto leaf = [&](BlockArgument arg) -> std::optional<std::string> {
    std::string name = dimName(arg);
    if (name.empty())
      return std::nullopt;
    return name;
  };
  auto combine = [&](Operation *op, ArrayRef<std::string> a,
                     int64_t constant) -> std::optional<std::string> {
    if (!op)
      return std::to_string(constant);
    if (isa<arith::MaxUIOp, arith::MaxSIOp>(op) && a[0] == a[1])
      return a[0];
    std::string expr;
    auto binary = [&](const char *sign) { expr = a[0] + sign + a[1]; };
    if (isa<arith::AddIOp>(op))
      binary(" + ");
    else if (isa<arith::SubIOp>(op))
      binary(" - ");
    else if (isa<arith::MulIOp>(op))
      binary(" * ");
    else if (isa<arith::DivUIOp, arith::DivSIOp>(op))
      binary(" / ");
    else if (isa<arith::RemUIOp, arith::RemSIOp>(op))
      binary(" % ");
    else if (isa<arith::CeilDivUIOp, arith::CeilDivSIOp>(op))
      expr = "(" + a[0] + " + " + a[1] + " - 1) / " + a[1];
    else if (isa<arith::MaxUIOp, arith::MaxSIOp>(op))
      expr = a[0] + " > " + a[1] + " ? " + a[0] + " : " + a[1];
    else
      return std::nullopt;
    std::string name = "t" + std::to_string(next++);
    body += "  const int64_t " + name + " = " + expr + ";\n";
    return name;
  };
  return Folder<std::string>(leaf, combine).fold(v);
}
