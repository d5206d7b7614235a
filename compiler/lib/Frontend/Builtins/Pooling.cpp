//===- Pooling.cpp - max_pool2d and avg_pool2d ------------------*- C++ -*-===//

#include "resc/Frontend/Builtins.h"

using namespace resc;
using llvm::SMLoc;
using llvm::StringRef;
using mlir::failure;
using mlir::FailureOr;

namespace {

/// F.max_pool2d / F.avg_pool2d(x, kernel_size, stride = kernel_size,
/// padding = 0), floor mode, on NCHW.
class Pool : public BuiltinFunction {
public:
  Pool(const char *name, const char *op) : fnName(name), op(op) {}
  StringRef name() const override { return fnName; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor),
                                     required("kernel_size", ArgKind::IntOrList),
                                     optional("stride", ArgKind::IntOrList, RValue()),
                                     optional("padding", ArgKind::IntOrList, RValue::ofInt(0))};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"];
    if (failed(el.requireFloat(x, fnName, at)) ||
        failed(el.requireRank(x, 4, (llvm::Twine(fnName) + " (NCHW)").str(), at)))
      return failure();
    auto k = args.getInts("kernel_size", 2);
    auto s = args["stride"].kind == RValue::Kind::None ? k : args.getInts("stride", 2);
    auto p = args.getInts("padding", 2);
    for (auto [name, v] : {std::pair{"kernel_size", &k}, {"stride", &s}, {"padding", &p}}) {
      bool isPad = StringRef(name) == "padding";
      if (v->size() != 2 || (*v)[0] < (isPad ? 0 : 1) || (*v)[1] < (isPad ? 0 : 1)) {
        el.error(args.locOf(name)) << fnName << ": '" << name << "' must be "
                                   << (isPad ? "non-negative" : "positive")
                                   << ", an int or a list of 2";
        return failure();
      }
    }
    TensorType result = x.type;
    for (int i = 0; i < 2; ++i) {
      if (2 * p[i] > k[i]) {
        el.error(args.locOf("padding")) << fnName << ": padding " << p[i]
                                        << " must be at most half the kernel size " << k[i];
        return failure();
      }
      const Dim &in = x.type.dims[2 + i];
      if (!in.isKnown()) {
        el.error(at) << fnName << " needs known spatial dims, got " << el.str(x.type)
                     << "; pin them with -D";
        return failure();
      }
      if (in.value() + 2 * p[i] < k[i]) {
        el.error(at) << fnName << ": kernel " << k[i] << " is larger than the input "
                     << el.str(x.type) << " with padding " << p[i];
        return failure();
      }
      result.dims[2 + i] = Dim::known((in.value() + 2 * p[i] - k[i]) / s[i] + 1);
    }
    return RValue::ofTensor(result, el.create(op, at, result, x.value,
                                              {el.attr("kernel", el.i64s(k)),
                                               el.attr("stride", el.i64s(s)),
                                               el.attr("padding", el.i64s(p))}));
  }

private:
  const char *fnName, *op;
};

} // namespace

void resc::registerPoolingFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out) {
  out.push_back(std::make_unique<Pool>("max_pool2d", "res.max_pool2d"));
  out.push_back(std::make_unique<Pool>("avg_pool2d", "res.avg_pool2d"));
}
