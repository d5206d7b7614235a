//===- Layers.cpp - built-in layers with PyTorch's parameters ---*- C++ -*-===//
//
// Each layer declares its tensors with the names, shapes and initialisation
// of the PyTorch module of the same name, so state_dicts load unchanged.
// Init strings are read by the runtime (docs/abi.md): `uniform:fan_in=K`
// means U(-1/sqrt(K), 1/sqrt(K)), PyTorch's default for Linear and Conv.
//
//===----------------------------------------------------------------------===//

#include "resc/Frontend/Builtins.h"

using namespace resc;
using llvm::SMLoc;
using llvm::StringRef;
using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::success;

static std::string fanIn(int64_t k) { return "uniform:fan_in=" + std::to_string(k); }

/// Requires `args[name] > 0`.
static LogicalResult positive(LayerBuilder &b, StringRef name) {
  if (b.args().getInt(name) > 0)
    return success();
  b.error(name) << "'" << name << "' must be positive, got " << b.args().getInt(name);
  return failure();
}

/// Requires the last dim of `x` to be `expected`.
static LogicalResult lastDimIs(Elaborator &el, const RValue &x, int64_t expected,
                               StringRef layer, StringRef what, SMLoc at) {
  if (x.type.dims.back() == Dim::known(expected))
    return success();
  el.error(at) << layer << " expects " << what << " " << expected
               << " in the last dim of its input, got " << el.str(x.type);
  return failure();
}

namespace {

class Linear : public BuiltinLayer {
  StringRef name() const override { return "Linear"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("in_features", ArgKind::Int),
                                     required("out_features", ArgKind::Int),
                                     optional("bias", ArgKind::Bool, RValue::ofBool(true))};
    return spec;
  }
  LogicalResult declare(LayerBuilder &b) const override {
    if (failed(positive(b, "in_features")) || failed(positive(b, "out_features")))
      return failure();
    int64_t in = b.args().getInt("in_features"), out = b.args().getInt("out_features");
    if (failed(b.add("weight", {out, in}, fanIn(in))))
      return failure();
    return b.args().getBool("bias") ? b.add("bias", {out}, fanIn(in)) : success();
  }
  FailureOr<RValue> apply(Elaborator &el, const LayerInst &inst, const RValue &x,
                          SMLoc at) const override {
    int64_t in = inst.config.getInt("in_features"), out = inst.config.getInt("out_features");
    if (failed(el.requireFloat(x, "Linear", at)) || failed(el.requireMinRank(x, 1, "Linear", at)) ||
        failed(lastDimIs(el, x, in, "Linear(" + std::to_string(in) + ", " +
                                        std::to_string(out) + ")",
                         "in_features", at)))
      return failure();
    TensorType result = x.type;
    result.dims.back() = Dim::known(out);
    llvm::SmallVector<mlir::Value> operands{x.value, el.tensorOf(inst, "weight")};
    if (mlir::Value bias = el.tensorOf(inst, "bias"))
      operands.push_back(bias);
    return RValue::ofTensor(result, el.create("res.linear", at, result, operands));
  }
};

class Conv2d : public BuiltinLayer {
  StringRef name() const override { return "Conv2d"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {
        required("in_channels", ArgKind::Int), required("out_channels", ArgKind::Int),
        required("kernel_size", ArgKind::IntOrList),
        optional("stride", ArgKind::IntOrList, RValue::ofInt(1)),
        optional("padding", ArgKind::IntOrList, RValue::ofInt(0)),
        optional("dilation", ArgKind::IntOrList, RValue::ofInt(1)),
        optional("groups", ArgKind::Int, RValue::ofInt(1)),
        optional("bias", ArgKind::Bool, RValue::ofBool(true))};
    return spec;
  }
  LogicalResult declare(LayerBuilder &b) const override {
    const BoundArgs &a = b.args();
    if (failed(positive(b, "in_channels")) || failed(positive(b, "out_channels")) ||
        failed(positive(b, "groups")))
      return failure();
    for (StringRef pair : {"kernel_size", "stride", "padding", "dilation"}) {
      auto v = a.getInts(pair, 2);
      bool okSize = v.size() == 2;
      bool okRange = okSize && (pair == "padding" ? v[0] >= 0 && v[1] >= 0
                                                  : v[0] > 0 && v[1] > 0);
      if (!okRange) {
        b.error(pair) << "'" << pair << "' of Conv2d must be "
                      << (pair == "padding" ? "non-negative" : "positive")
                      << ": an int or a list of 2";
        return failure();
      }
    }
    int64_t cin = a.getInt("in_channels"), cout = a.getInt("out_channels"),
            groups = a.getInt("groups");
    if (cin % groups || cout % groups) {
      b.error("groups") << "groups = " << groups << " must divide in_channels (" << cin
                        << ") and out_channels (" << cout << ")";
      return failure();
    }
    auto k = a.getInts("kernel_size", 2);
    int64_t fan = cin / groups * k[0] * k[1];
    if (failed(b.add("weight", {cout, cin / groups, k[0], k[1]}, fanIn(fan))))
      return failure();
    return a.getBool("bias") ? b.add("bias", {cout}, fanIn(fan)) : success();
  }
  FailureOr<RValue> apply(Elaborator &el, const LayerInst &inst, const RValue &x,
                          SMLoc at) const override {
    const BoundArgs &a = inst.config;
    int64_t cin = a.getInt("in_channels"), cout = a.getInt("out_channels");
    if (failed(el.requireFloat(x, "Conv2d", at)) || failed(el.requireRank(x, 4, "Conv2d (NCHW)", at)))
      return failure();
    if (x.type.dims[1] != Dim::known(cin)) {
      el.error(at) << "Conv2d(" << cin << ", " << cout << ") expects " << cin
                   << " input channels (dim 1 of NCHW), got " << el.str(x.type);
      return failure();
    }
    auto k = a.getInts("kernel_size", 2), s = a.getInts("stride", 2),
         p = a.getInts("padding", 2), d = a.getInts("dilation", 2);
    TensorType result = x.type;
    result.dims[1] = Dim::known(cout);
    for (int i = 0; i < 2; ++i) {
      const Dim &in = x.type.dims[2 + i];
      int64_t reach = d[i] * (k[i] - 1) + 1;
      if (in.isKnown()) {
        int64_t out = (in.value() + 2 * p[i] - reach) / s[i] + 1;
        if (in.value() + 2 * p[i] < reach) {
          el.error(at) << "Conv2d: kernel " << k[i] << " (dilation " << d[i]
                       << ") does not fit in input " << el.str(x.type) << " with padding "
                       << p[i];
          return failure();
        }
        result.dims[2 + i] = Dim::known(out);
      } else if (!(s[i] == 1 && 2 * p[i] == reach - 1)) {
        el.error(at) << "Conv2d: the output size along symbolic dim " << el.str(in)
                     << " is only known for stride 1 with 'same' padding; pin it with -D";
        return failure();
      }
    }
    llvm::SmallVector<mlir::Value> operands{x.value, el.tensorOf(inst, "weight")};
    if (mlir::Value bias = el.tensorOf(inst, "bias"))
      operands.push_back(bias);
    return RValue::ofTensor(
        result, el.create("res.conv2d", at, result, operands,
                          {el.attr("stride", el.i64s(s)), el.attr("padding", el.i64s(p)),
                           el.attr("dilation", el.i64s(d)),
                           el.attr("groups", el.i64(a.getInt("groups")))}));
  }
};

class BatchNorm2d : public BuiltinLayer {
  StringRef name() const override { return "BatchNorm2d"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("num_features", ArgKind::Int),
                                     optional("eps", ArgKind::Float, RValue::ofFloat(1e-5)),
                                     optional("momentum", ArgKind::Float, RValue::ofFloat(0.1))};
    return spec;
  }
  LogicalResult declare(LayerBuilder &b) const override {
    if (failed(positive(b, "num_features")))
      return failure();
    double eps = b.args().getFloat("eps"), momentum = b.args().getFloat("momentum");
    if (!(eps > 0)) {
      b.error("eps") << "'eps' must be positive, got " << formatNumber(eps);
      return failure();
    }
    if (!(momentum >= 0 && momentum <= 1)) {
      b.error("momentum") << "'momentum' must be in [0, 1], got " << formatNumber(momentum);
      return failure();
    }
    int64_t c = b.args().getInt("num_features");
    if (failed(b.add("weight", {c}, "ones")) || failed(b.add("bias", {c}, "zeros")) ||
        failed(b.add("running_mean", {c}, "zeros", /*isBuffer=*/true)) ||
        failed(b.add("running_var", {c}, "ones", /*isBuffer=*/true)))
      return failure();
    return b.add("num_batches_tracked", {}, "zeros", /*isBuffer=*/true, DType::I64);
  }
  FailureOr<RValue> apply(Elaborator &el, const LayerInst &inst, const RValue &x,
                          SMLoc at) const override {
    int64_t c = inst.config.getInt("num_features");
    if (failed(el.requireFloat(x, "BatchNorm2d", at)) ||
        failed(el.requireRank(x, 4, "BatchNorm2d (NCHW)", at)))
      return failure();
    if (x.type.dims[1] != Dim::known(c)) {
      el.error(at) << "BatchNorm2d(" << c << ") expects " << c
                   << " channels (dim 1 of NCHW), got " << el.str(x.type);
      return failure();
    }
    llvm::SmallVector<mlir::NamedAttribute> attrs{
        el.attr("eps", el.f64(inst.config.getFloat("eps"))),
        el.attr("momentum", el.f64(inst.config.getFloat("momentum")))};
    // In loss (PyTorch's model.train()) normalise with batch statistics.
    if (el.training())
      attrs.push_back(el.attr("training", el.builder().getBoolAttr(true)));
    return RValue::ofTensor(
        x.type, el.create("res.batch_norm", at, x.type,
                          {x.value, el.tensorOf(inst, "weight"), el.tensorOf(inst, "bias"),
                           el.tensorOf(inst, "running_mean"), el.tensorOf(inst, "running_var")},
                          attrs));
  }
};

class LayerNorm : public BuiltinLayer {
  StringRef name() const override { return "LayerNorm"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("normalized_shape", ArgKind::Int),
                                     optional("eps", ArgKind::Float, RValue::ofFloat(1e-5))};
    return spec;
  }
  LogicalResult declare(LayerBuilder &b) const override {
    if (failed(positive(b, "normalized_shape")))
      return failure();
    if (!(b.args().getFloat("eps") > 0)) {
      b.error("eps") << "'eps' must be positive, got " << formatNumber(b.args().getFloat("eps"));
      return failure();
    }
    int64_t d = b.args().getInt("normalized_shape");
    if (failed(b.add("weight", {d}, "ones")))
      return failure();
    return b.add("bias", {d}, "zeros");
  }
  FailureOr<RValue> apply(Elaborator &el, const LayerInst &inst, const RValue &x,
                          SMLoc at) const override {
    int64_t d = inst.config.getInt("normalized_shape");
    if (failed(el.requireFloat(x, "LayerNorm", at)) ||
        failed(el.requireMinRank(x, 1, "LayerNorm", at)) ||
        failed(lastDimIs(el, x, d, "LayerNorm(" + std::to_string(d) + ")", "size", at)))
      return failure();
    return RValue::ofTensor(
        x.type, el.create("res.layer_norm", at, x.type,
                          {x.value, el.tensorOf(inst, "weight"), el.tensorOf(inst, "bias")},
                          {el.attr("eps", el.f64(inst.config.getFloat("eps")))}));
  }
};

class Embedding : public BuiltinLayer {
  StringRef name() const override { return "Embedding"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("num_embeddings", ArgKind::Int),
                                     required("embedding_dim", ArgKind::Int)};
    return spec;
  }
  LogicalResult declare(LayerBuilder &b) const override {
    if (failed(positive(b, "num_embeddings")) || failed(positive(b, "embedding_dim")))
      return failure();
    return b.add("weight",
                 {b.args().getInt("num_embeddings"), b.args().getInt("embedding_dim")},
                 "normal:std=1");
  }
  FailureOr<RValue> apply(Elaborator &el, const LayerInst &inst, const RValue &x,
                          SMLoc at) const override {
    if (isFloat(x.type.dtype)) {
      el.error(at) << "Embedding takes integer indices (i32 or i64), got " << el.str(x.type);
      return failure();
    }
    TensorType result = x.type;
    result.dtype = DType::F32;
    result.dims.push_back(Dim::known(inst.config.getInt("embedding_dim")));
    return RValue::ofTensor(result, el.create("res.embedding", at, result,
                                              {x.value, el.tensorOf(inst, "weight")}));
  }
};

/// nn.MultiheadAttention(d, heads, batch_first=True) used as self-attention.
class SelfAttention : public BuiltinLayer {
  StringRef name() const override { return "SelfAttention"; }
  llvm::ArrayRef<ParamSpec> signature() const override {
    static const ParamSpec spec[] = {required("embed_dim", ArgKind::Int),
                                     required("num_heads", ArgKind::Int),
                                     optional("causal", ArgKind::Bool, RValue::ofBool(false))};
    return spec;
  }
  LogicalResult declare(LayerBuilder &b) const override {
    if (failed(positive(b, "embed_dim")) || failed(positive(b, "num_heads")))
      return failure();
    int64_t d = b.args().getInt("embed_dim"), h = b.args().getInt("num_heads");
    if (d % h) {
      b.error("num_heads") << "embed_dim (" << d << ") must be divisible by num_heads ("
                           << h << ")";
      return failure();
    }
    std::string xavier = "xavier_uniform:fan_in=" + std::to_string(d) +
                         ",fan_out=" + std::to_string(3 * d);
    if (failed(b.add("in_proj_weight", {3 * d, d}, xavier)) ||
        failed(b.add("in_proj_bias", {3 * d}, "zeros")) ||
        failed(b.add("out_proj.weight", {d, d}, fanIn(d))))
      return failure();
    return b.add("out_proj.bias", {d}, "zeros");
  }
  FailureOr<RValue> apply(Elaborator &el, const LayerInst &inst, const RValue &x,
                          SMLoc at) const override {
    int64_t d = inst.config.getInt("embed_dim");
    if (failed(el.requireFloat(x, "SelfAttention", at)) ||
        failed(el.requireRank(x, 3, "SelfAttention ([N, T, d])", at)) ||
        failed(lastDimIs(el, x, d, "SelfAttention(" + std::to_string(d) + ", ...)",
                         "embed_dim", at)))
      return failure();
    return RValue::ofTensor(
        x.type,
        el.create("res.self_attention", at, x.type,
                  {x.value, el.tensorOf(inst, "in_proj_weight"),
                   el.tensorOf(inst, "in_proj_bias"), el.tensorOf(inst, "out_proj.weight"),
                   el.tensorOf(inst, "out_proj.bias")},
                  {el.attr("num_heads", el.i64(inst.config.getInt("num_heads"))),
                   el.attr("causal", el.builder().getBoolAttr(inst.config.getBool("causal")))}));
  }
};

class Identity : public BuiltinLayer {
  StringRef name() const override { return "Identity"; }
  llvm::ArrayRef<ParamSpec> signature() const override { return {}; }
  LogicalResult declare(LayerBuilder &) const override { return success(); }
  FailureOr<RValue> apply(Elaborator &, const LayerInst &, const RValue &x,
                          SMLoc) const override {
    return x;
  }
};

} // namespace

void resc::registerLayers(std::vector<std::unique_ptr<BuiltinLayer>> &out) {
  out.push_back(std::make_unique<Linear>());
  out.push_back(std::make_unique<Conv2d>());
  out.push_back(std::make_unique<BatchNorm2d>());
  out.push_back(std::make_unique<LayerNorm>());
  out.push_back(std::make_unique<Embedding>());
  out.push_back(std::make_unique<SelfAttention>());
  out.push_back(std::make_unique<Identity>());
}
