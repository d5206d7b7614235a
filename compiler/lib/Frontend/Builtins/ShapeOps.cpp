//===- ShapeOps.cpp - reshape, flatten, transpose, concat -------*- C++ -*-===//

#include "resc/Frontend/Builtins.h"

#include "llvm/Support/MathExtras.h"

using namespace resc;
using llvm::SMLoc;
using llvm::StringRef;
using mlir::failure;
using mlir::FailureOr;

/// Emits res.reshape from `x` to `dims`. The op's shape attribute holds
/// known sizes and -1 for the (single) symbolic one.
static FailureOr<RValue> emitReshape(Elaborator &el, const RValue &x,
                                     llvm::ArrayRef<Dim> dims, StringRef what, SMLoc at) {
  TensorType result;
  result.dtype = x.type.dtype;
  result.dims.assign(dims.begin(), dims.end());
  llvm::SmallVector<int64_t> shape;
  int symbolic = 0;
  for (const Dim &d : dims) {
    shape.push_back(d.isKnown() ? d.value() : -1);
    symbolic += !d.isKnown();
  }
  if (symbolic > 1) {
    el.error(at) << what << ": the result " << el.str(result)
                 << " has more than one symbolic dim, which resc cannot reshape to yet";
    return failure();
  }
  return RValue::ofTensor(
      result, el.create("res.reshape", at, result, x.value, {el.attr("shape", el.i64s(shape))}));
}

namespace {

class Reshape : public BuiltinFunction {
  StringRef name() const override { return "reshape"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor),
                                     required("shape", ArgKind::IntList)};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"];
    SMLoc shapeLoc = args.locOf("shape");
    auto total = product(x.type.dims);
    if (!total) {
      el.error(at) << "reshape: the size of " << el.str(x.type) << " overflows";
      return failure();
    }
    llvm::SmallVector<Dim, 4> dims;
    int inferred = -1;
    Dim known = Dim::known(1);
    auto shape = args.getInts("shape", 1);
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == -1) {
        if (inferred >= 0) {
          el.error(shapeLoc) << "reshape: only one dim can be -1";
          return failure();
        }
        inferred = i;
        dims.push_back(Dim());
        continue;
      }
      if (shape[i] <= 0) {
        el.error(shapeLoc) << "reshape: dim " << i << " is " << shape[i]
                           << "; sizes must be positive (or -1 for one inferred dim)";
        return failure();
      }
      auto next = known.mul(Dim::known(shape[i]));
      if (!next) {
        el.error(shapeLoc) << "reshape: the target size overflows";
        return failure();
      }
      known = *next;
      dims.push_back(Dim::known(shape[i]));
    }
    auto describeTarget = [&]() {
      std::string s = "[";
      for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
      return s + "]";
    };
    if (inferred >= 0) {
      auto rest = total->divExact(known);
      if (!rest) {
        el.error(at) << "reshape: cannot reshape " << el.str(x.type) << " ("
                     << el.str(*total) << " elements) to " << describeTarget() << ": "
                     << el.str(known) << " does not divide it";
        return failure();
      }
      dims[inferred] = *rest;
    } else if (known != *total) {
      el.error(at) << "reshape: cannot reshape " << el.str(x.type) << " ("
                   << el.str(*total) << " elements) to " << describeTarget() << " ("
                   << el.str(known) << " elements)";
      return failure();
    }
    return emitReshape(el, x, dims, "reshape", at);
  }
};

/// flatten(x, start_dim = 1, end_dim = -1), nn.Flatten's defaults: keeps
/// the batch dim, which is what a network wants.
class Flatten : public BuiltinFunction {
  StringRef name() const override { return "flatten"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor),
                                     optional("start_dim", ArgKind::Int, RValue::ofInt(1)),
                                     optional("end_dim", ArgKind::Int, RValue::ofInt(-1))};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"];
    int64_t rank = x.type.rank();
    auto start = el.normalizeDim(args.getInt("start_dim"), rank, "flatten start_dim",
                                 args.locOf("start_dim"));
    if (failed(start))
      return failure();
    auto end = el.normalizeDim(args.getInt("end_dim"), rank, "flatten end_dim",
                               args.locOf("end_dim"));
    if (failed(end))
      return failure();
    if (*start > *end) {
      el.error(at) << "flatten: start_dim (" << *start << ") comes after end_dim (" << *end
                   << ")";
      return failure();
    }
    if (rank == 0)
      return x;
    llvm::SmallVector<Dim, 4> dims(x.type.dims.begin(), x.type.dims.begin() + *start);
    auto merged = product(llvm::ArrayRef<Dim>(x.type.dims).slice(*start, *end - *start + 1));
    if (!merged) {
      el.error(at) << "flatten: the size of " << el.str(x.type) << " overflows";
      return failure();
    }
    dims.push_back(*merged);
    dims.append(x.type.dims.begin() + *end + 1, x.type.dims.end());
    return emitReshape(el, x, dims, "flatten", at);
  }
};

class Transpose : public BuiltinFunction {
  StringRef name() const override { return "transpose"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("input", ArgKind::Tensor),
                                     required("dim0", ArgKind::Int),
                                     required("dim1", ArgKind::Int)};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const RValue &x = args["input"];
    if (failed(el.requireMinRank(x, 1, "transpose", at)))
      return failure();
    auto d0 = el.normalizeDim(args.getInt("dim0"), x.type.rank(), "transpose dim0",
                              args.locOf("dim0"));
    if (failed(d0))
      return failure();
    auto d1 = el.normalizeDim(args.getInt("dim1"), x.type.rank(), "transpose dim1",
                              args.locOf("dim1"));
    if (failed(d1))
      return failure();
    TensorType result = x.type;
    std::swap(result.dims[*d0], result.dims[*d1]);
    return RValue::ofTensor(result, el.create("res.transpose", at, result, x.value,
                                              {el.attr("dim0", el.i64(*d0)),
                                               el.attr("dim1", el.i64(*d1))}));
  }
};

class Concat : public BuiltinFunction {
  StringRef name() const override { return "concat"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("tensors", ArgKind::TensorList),
                                     optional("dim", ArgKind::Int, RValue::ofInt(0))};
    return spec;
  }
  FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args, SMLoc at) const override {
    const auto &xs = args["tensors"].list;
    if (xs.empty()) {
      el.error(args.locOf("tensors")) << "concat needs at least one tensor";
      return failure();
    }
    const TensorType &first = xs[0].type;
    if (failed(el.requireMinRank(xs[0], 1, "concat", at)))
      return failure();
    auto dim = el.normalizeDim(args.getInt("dim"), first.rank(), "concat", args.locOf("dim"));
    if (failed(dim))
      return failure();
    TensorType result = first;
    llvm::SmallVector<mlir::Value> operands;
    for (size_t i = 0; i < xs.size(); ++i) {
      const TensorType &t = xs[i].type;
      bool ok = t.dtype == first.dtype && t.rank() == first.rank();
      for (int64_t d = 0; ok && d < t.rank(); ++d)
        ok = d == *dim || t.dims[d] == first.dims[d];
      if (!ok) {
        el.error(at) << "concat along dim " << *dim << ": tensor " << i << " is "
                     << el.str(t) << " but tensor 0 is " << el.str(first)
                     << "; all other dims must match";
        return failure();
      }
      if (i) {
        auto sum = result.dims[*dim];
        const Dim &add = t.dims[*dim];
        if (!sum.isKnown() || !add.isKnown()) {
          el.error(at) << "concat along symbolic dim " << el.str(sum.isKnown() ? add : sum)
                       << " is not supported; concatenate along a known dim";
          return failure();
        }
        int64_t total;
        if (llvm::AddOverflow(sum.value(), add.value(), total)) {
          el.error(at) << "concat: the result size overflows";
          return failure();
        }
        result.dims[*dim] = Dim::known(total);
      }
      operands.push_back(xs[i].value);
    }
    return RValue::ofTensor(result, el.create("res.concat", at, result, operands,
                                              {el.attr("dim", el.i64(*dim))}));
  }
};

} // namespace

void resc::registerShapeFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out) {
  out.push_back(std::make_unique<Reshape>());
  out.push_back(std::make_unique<Flatten>());
  out.push_back(std::make_unique<Transpose>());
  out.push_back(std::make_unique<Concat>());
}
