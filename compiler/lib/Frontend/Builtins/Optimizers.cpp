//===- Optimizers.cpp - SGD and AdamW declarations --------------*- C++ -*-===//
//
// torch.optim's argument names and defaults. The learning rate given here
// is only the default of the run-time argument.
//
//===----------------------------------------------------------------------===//

#include "resc/Frontend/Builtins.h"

#include "llvm/Support/FormatVariadic.h"

using namespace resc;
using llvm::StringRef;
using mlir::failure;
using mlir::LogicalResult;
using mlir::success;

/// Requires lo <= args[name] (< or <=) hi.
static LogicalResult inRange(const BoundArgs &args, DiagEmitter &diag, StringRef optimizer,
                             StringRef name, double lo, double hi, bool hiOpen) {
  double v = args.getFloat(name);
  if (v >= lo && (hiOpen ? v < hi : v <= hi))
    return success();
  auto g = formatNumber;
  auto d = diag.error(args.locOf(name));
  d << optimizer << ": '" << name << "' must be in [" << g(lo) << ", ";
  if (hi == INFINITY)
    d << "inf)";
  else
    d << g(hi) << (hiOpen ? ")" : "]");
  d << ", got " << g(v);
  return failure();
}

namespace {

class SGD : public BuiltinOptimizer {
  StringRef name() const override { return "SGD"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {
        optional("lr", ArgKind::Float, RValue::ofFloat(1e-3)),
        optional("momentum", ArgKind::Float, RValue::ofFloat(0)),
        optional("dampening", ArgKind::Float, RValue::ofFloat(0)),
        optional("weight_decay", ArgKind::Float, RValue::ofFloat(0)),
        optional("nesterov", ArgKind::Bool, RValue::ofBool(false))};
    return spec;
  }
  LogicalResult validate(const BoundArgs &args, DiagEmitter &diag) const override {
    if (failed(inRange(args, diag, "SGD", "lr", 0, INFINITY, true)) ||
        failed(inRange(args, diag, "SGD", "momentum", 0, INFINITY, true)) ||
        failed(inRange(args, diag, "SGD", "dampening", 0, 1, false)) ||
        failed(inRange(args, diag, "SGD", "weight_decay", 0, INFINITY, true)))
      return failure();
    if (args.getBool("nesterov") &&
        (args.getFloat("momentum") <= 0 || args.getFloat("dampening") != 0)) {
      diag.error(args.locOf("nesterov"))
          << "SGD: nesterov momentum requires momentum > 0 and dampening = 0";
      return failure();
    }
    return success();
  }
};

class AdamW : public BuiltinOptimizer {
  StringRef name() const override { return "AdamW"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {
        optional("lr", ArgKind::Float, RValue::ofFloat(1e-3)),
        optional("beta1", ArgKind::Float, RValue::ofFloat(0.9)),
        optional("beta2", ArgKind::Float, RValue::ofFloat(0.999)),
        optional("eps", ArgKind::Float, RValue::ofFloat(1e-8)),
        optional("weight_decay", ArgKind::Float, RValue::ofFloat(0.01))};
    return spec;
  }
  LogicalResult validate(const BoundArgs &args, DiagEmitter &diag) const override {
    if (failed(inRange(args, diag, "AdamW", "lr", 0, INFINITY, true)) ||
        failed(inRange(args, diag, "AdamW", "beta1", 0, 1, true)) ||
        failed(inRange(args, diag, "AdamW", "beta2", 0, 1, true)) ||
        failed(inRange(args, diag, "AdamW", "eps", 0, INFINITY, true)) ||
        failed(inRange(args, diag, "AdamW", "weight_decay", 0, INFINITY, true)))
      return failure();
    return success();
  }
};

} // namespace

void resc::registerOptimizers(std::vector<std::unique_ptr<BuiltinOptimizer>> &out) {
  out.push_back(std::make_unique<SGD>());
  out.push_back(std::make_unique<AdamW>());
}
