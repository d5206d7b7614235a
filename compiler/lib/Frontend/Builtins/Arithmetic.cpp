//===- Arithmetic.cpp - + - * / and @ on tensors ----------------*- C++ -*-===//

#include "resc/Frontend/Builtins.h"

using namespace resc;
using llvm::SMLoc;
using mlir::failure;
using mlir::FailureOr;

static llvm::StringRef opName(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "res.add";
  case BinaryOp::Sub: return "res.sub";
  case BinaryOp::Mul: return "res.mul";
  case BinaryOp::Div: return "res.div";
  default: return "";
  }
}

FailureOr<RValue> resc::emitArith(Elaborator &el, BinaryOp op, const RValue &lhs,
                                  const RValue &rhs, SMLoc at) {
  std::string what = ("'" + spell(op) + "'").str();
  // A number next to a tensor takes the tensor's element type.
  auto asTensor = [&](const RValue &v, const RValue &other) -> FailureOr<RValue> {
    if (v.isTensor())
      return v;
    if (!v.isNumber()) {
      el.error(at) << what << " cannot combine " << lhs.describe(el.names()) << " and "
                   << rhs.describe(el.names());
      return failure();
    }
    if (v.kind == RValue::Kind::Float && !isFloat(other.type.dtype)) {
      el.error(at) << what << ": cannot combine the float " << formatNumber(v.f)
                   << " with the integer tensor " << el.str(other.type);
      return failure();
    }
    TensorType t;
    t.dtype = other.type.dtype;
    return RValue::ofTensor(t, el.scalarConstant(v.asDouble(), t.dtype, at));
  };
  auto a = asTensor(lhs, rhs);
  if (failed(a))
    return failure();
  auto b = asTensor(rhs, lhs);
  if (failed(b))
    return failure();
  if (a->type.dtype != b->type.dtype) {
    el.error(at) << what << ": element types differ: " << el.str(a->type) << " and "
                 << el.str(b->type) << " (resc does not convert implicitly)";
    return failure();
  }
  auto dims = el.broadcast(a->type, b->type, what, at);
  if (failed(dims))
    return failure();
  TensorType result;
  result.dtype = a->type.dtype;
  result.dims = *dims;
  return RValue::ofTensor(result,
                          el.create(opName(op), at, result, mlir::ValueRange{a->value, b->value}));
}

FailureOr<RValue> resc::emitMatmul(Elaborator &el, const RValue &lhs, const RValue &rhs,
                                   SMLoc at) {
  if (!lhs.isTensor() || !rhs.isTensor()) {
    el.error(at) << "'@' needs two tensors, got " << lhs.describe(el.names()) << " and "
                 << rhs.describe(el.names());
    return failure();
  }
  if (failed(el.requireFloat(lhs, "'@'", at)) || failed(el.requireFloat(rhs, "'@'", at)))
    return failure();
  const TensorType &a = lhs.type, &b = rhs.type;
  if (a.dtype != b.dtype || a.rank() == 0 || b.rank() == 0) {
    el.error(at) << "'@' cannot multiply " << el.str(a) << " and " << el.str(b);
    return failure();
  }
  // torch.matmul: 1-D operands are promoted and the added dim removed.
  const Dim &ka = a.dims.back();
  const Dim &kb = b.rank() == 1 ? b.dims[0] : b.dims[b.rank() - 2];
  if (ka != kb) {
    el.error(at) << "'@': " << el.str(a) << " @ " << el.str(b) << " contracts "
                 << el.str(ka) << " with " << el.str(kb) << "; they must be equal";
    return failure();
  }
  TensorType batchA, batchB;
  batchA.dtype = batchB.dtype = a.dtype;
  if (a.rank() > 2)
    batchA.dims.assign(a.dims.begin(), a.dims.end() - 2);
  if (b.rank() > 2)
    batchB.dims.assign(b.dims.begin(), b.dims.end() - 2);
  auto batch = el.broadcast(batchA, batchB, "'@' batch dims", at);
  if (failed(batch))
    return failure();
  TensorType result;
  result.dtype = a.dtype;
  result.dims = *batch;
  if (a.rank() >= 2)
    result.dims.push_back(a.dims[a.rank() - 2]);
  if (b.rank() >= 2)
    result.dims.push_back(b.dims.back());
  return RValue::ofTensor(result, el.create("res.matmul", at, result,
                                            mlir::ValueRange{lhs.value, rhs.value}));
}
