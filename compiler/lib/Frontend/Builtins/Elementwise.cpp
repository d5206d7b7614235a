//===- Elementwise.cpp - activations, dropout, softmax ----------*- C++ -*-===//

#include "resc/Frontend/Builtins.h"

using namespace resc;
using llvm::SMLoc;
using llvm::StringRef;
using mlir::failure;
using mlir::FailureOr;

namespace {

/// relu, silu, tanh, sigmoid, exp, log, sqrt: one op each, same shape.
class Unary : public BuiltinFunction {
public:
  Unary(const char *name, const char *op) : fnName(name), op(op) {}
  StringRef name() const override { return fnName; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor)};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"];
    if (failed(el.requireFloat(x, fnName, at)))
      return failure();
    return RValue::ofTensor(x.type, el.create(op, at, x.type, x.value));
  }

private:
  const char *fnName, *op;
};

class Gelu : public BuiltinFunction {
  StringRef name() const override { return "gelu"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {
        required("input", ArgKind::Tensor),
        optional("approximate", ArgKind::String, RValue::ofString("none"))};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"];
    StringRef approx = args["approximate"].s;
    if (approx != "none" && approx != "tanh") {
      el.error(args.locOf("approximate"))
          << "gelu: approximate must be \"none\" (exact, erf) or \"tanh\", got \"" << approx
          << "\"";
      return failure();
    }
    if (failed(el.requireFloat(x, "gelu", at)))
      return failure();
    return RValue::ofTensor(
        x.type, el.create("res.gelu", at, x.type, x.value,
                          {el.attr("approximate", el.builder().getStringAttr(approx))}));
  }
};

class Dropout : public BuiltinFunction {
  StringRef name() const override { return "dropout"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor),
                                     optional("p", ArgKind::Float, RValue::ofFloat(0.5))};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"];
    double p = args.getFloat("p");
    if (!(p >= 0 && p < 1)) {
      el.error(args.locOf("p")) << "dropout probability must be in [0, 1), got " << formatNumber(p);
      return failure();
    }
    if (failed(el.requireFloat(x, "dropout", at)))
      return failure();
    return RValue::ofTensor(x.type,
                            el.create("res.dropout", at, x.type, x.value, {el.attr("p", el.f64(p))}));
  }
};

/// softmax and log_softmax: `dim` is required, as PyTorch recommends.
class Softmax : public BuiltinFunction {
public:
  Softmax(const char *name, const char *op) : fnName(name), op(op) {}
  StringRef name() const override { return fnName; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor),
                                     required("dim", ArgKind::Int)};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"];
    if (failed(el.requireFloat(x, fnName, at)) || failed(el.requireMinRank(x, 1, fnName, at)))
      return failure();
    auto dim = el.normalizeDim(args.getInt("dim"), x.type.rank(), fnName, args.locOf("dim"));
    if (failed(dim))
      return failure();
    return RValue::ofTensor(x.type,
                            el.create(op, at, x.type, x.value, {el.attr("dim", el.i64(*dim))}));
  }

private:
  const char *fnName, *op;
};

} // namespace

void resc::registerElementwiseFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out) {
  static const char *const unary[][2] = {{"relu", "res.relu"},       {"silu", "res.silu"},
                                         {"tanh", "res.tanh"},       {"sigmoid", "res.sigmoid"},
                                         {"exp", "res.exp"},         {"log", "res.log"},
                                         {"sqrt", "res.sqrt"}};
  for (auto &entry : unary)
    out.push_back(std::make_unique<Unary>(entry[0], entry[1]));
  out.push_back(std::make_unique<Gelu>());
  out.push_back(std::make_unique<Dropout>());
  out.push_back(std::make_unique<Softmax>("softmax", "res.softmax"));
  out.push_back(std::make_unique<Softmax>("log_softmax", "res.log_softmax"));
}
