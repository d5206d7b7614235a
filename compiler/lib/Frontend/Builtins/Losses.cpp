//===- Losses.cpp - cross_entropy and mse -----------------------*- C++ -*-===//

#include "resc/Frontend/Builtins.h"

using namespace resc;
using llvm::SMLoc;
using llvm::StringRef;
using mlir::failure;
using mlir::FailureOr;

namespace {

/// F.cross_entropy with integer class labels, mean reduction. Logits of
/// rank 3 ([B, T, C]) average over every position, like
/// F.cross_entropy(logits.reshape(-1, C), y.reshape(-1)).
class CrossEntropy : public BuiltinFunction {
  StringRef name() const override { return "cross_entropy"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor),
                                     required("target", ArgKind::Tensor)};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &logits = args["input"], &labels = args["target"];
    if (failed(el.requireFloat(logits, "cross_entropy logits", at)))
      return failure();
    int64_t rank = logits.type.rank();
    if (rank != 2 && rank != 3) {
      el.error(at) << "cross_entropy takes logits of rank 2 ([B, C]) or 3 ([B, T, C]), got "
                   << el.str(logits.type);
      return failure();
    }
    if (isFloat(labels.type.dtype)) {
      el.error(args.locOf("target")) << "cross_entropy takes integer class labels (i32 or "
                                        "i64), got "
                                     << el.str(labels.type);
      return failure();
    }
    bool ok = labels.type.rank() == rank - 1;
    for (int64_t i = 0; ok && i < rank - 1; ++i)
      ok = labels.type.dims[i] == logits.type.dims[i];
    if (!ok) {
      el.error(at) << "cross_entropy: labels " << el.str(labels.type)
                   << " do not match logits " << el.str(logits.type)
                   << "; expected one label per row of logits";
      return failure();
    }
    TensorType result;
    result.dtype = logits.type.dtype;
    return RValue::ofTensor(result, el.create("res.cross_entropy", at, result,
                                              {logits.value, labels.value}));
  }
};

/// F.mse_loss with mean reduction; both sides must have the same shape.
class Mse : public BuiltinFunction {
  StringRef name() const override { return "mse"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor),
                                     required("target", ArgKind::Tensor)};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"], &y = args["target"];
    if (failed(el.requireFloat(x, "mse", at)) || failed(el.requireFloat(y, "mse", at)))
      return failure();
    if (x.type != y.type) {
      el.error(at) << "mse: input " << el.str(x.type) << " and target " << el.str(y.type)
                   << " must have the same shape and type";
      return failure();
    }
    TensorType result;
    result.dtype = x.type.dtype;
    return RValue::ofTensor(result, el.create("res.mse", at, result, {x.value, y.value}));
  }
};

} // namespace

void resc::registerLossFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out) {
  out.push_back(std::make_unique<CrossEntropy>());
  out.push_back(std::make_unique<Mse>());
}
