//===- Reductions.cpp - mean and sum ----------------------------*- C++ -*-===//

#include "resc/Frontend/Builtins.h"

#include "llvm/ADT/SmallSet.h"

using namespace resc;
using llvm::SMLoc;
using llvm::StringRef;
using mlir::failure;
using mlir::FailureOr;

namespace {

/// mean(x, dims = [..], keepdim = false); without dims, over every dim.
class Reduce : public BuiltinFunction {
public:
  Reduce(const char *name, const char *op) : fnName(name), op(op) {}
  StringRef name() const override { return fnName; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor),
                                     optional("dims", ArgKind::IntOrList, RValue()),
                                     optional("keepdim", ArgKind::Bool, RValue::ofBool(false))};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"];
    if (failed(el.requireFloat(x, fnName, at)))
      return failure();
    int64_t rank = x.type.rank();
    llvm::SmallVector<int64_t> dims;
    if (args["dims"].kind == RValue::Kind::None) {
      for (int64_t i = 0; i < rank; ++i)
        dims.push_back(i);
    } else {
      llvm::SmallSet<int64_t, 4> seen;
      for (int64_t d : args.getInts("dims", 1)) {
        auto n = el.normalizeDim(d, rank, fnName, args.locOf("dims"));
        if (failed(n))
          return failure();
        if (!seen.insert(*n).second) {
          el.error(args.locOf("dims")) << fnName << ": dim " << d << " appears twice";
          return failure();
        }
        dims.push_back(*n);
      }
      llvm::sort(dims);
    }
    bool keep = args.getBool("keepdim");
    TensorType result;
    result.dtype = x.type.dtype;
    for (int64_t i = 0; i < rank; ++i) {
      if (!llvm::is_contained(dims, i))
        result.dims.push_back(x.type.dims[i]);
      else if (keep)
        result.dims.push_back(Dim::known(1));
    }
    return RValue::ofTensor(
        result, el.create(op, at, result, x.value,
                          {el.attr("dims", el.i64s(dims)),
                           el.attr("keepdim", el.builder().getBoolAttr(keep))}));
  }

private:
  const char *fnName, *op;
};

} // namespace

void resc::registerReductionFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out) {
  out.push_back(std::make_unique<Reduce>("mean", "res.mean"));
  out.push_back(std::make_unique<Reduce>("sum", "res.sum"));
}
