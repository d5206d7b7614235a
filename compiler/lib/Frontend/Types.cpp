//===- Types.cpp - symbolic tensor types ------------------------*- C++ -*-===//

#include "resc/Frontend/Types.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"
#include <algorithm>
#include <cstdio>

using namespace resc;

unsigned SymbolNames::getOrCreate(llvm::StringRef name) {
  for (unsigned i = 0; i < names.size(); ++i)
    if (names[i] == name)
      return i;
  names.push_back(name.str());
  return names.size() - 1;
}

std::optional<Dim> Dim::mul(const Dim &other) const {
  Dim result;
  if (llvm::MulOverflow(coeff, other.coeff, result.coeff))
    return std::nullopt;
  result.syms.append(syms.begin(), syms.end());
  result.syms.append(other.syms.begin(), other.syms.end());
  llvm::sort(result.syms);
  return result;
}

std::optional<Dim> Dim::divExact(const Dim &other) const {
  if (other.coeff == 0 || coeff % other.coeff != 0)
    return std::nullopt;
  Dim result;
  result.coeff = coeff / other.coeff;
  // Multiset difference: every symbol of `other` must occur here.
  llvm::SmallVector<unsigned, 2> rest(syms.begin(), syms.end());
  for (unsigned s : other.syms) {
    auto it = llvm::find(rest, s);
    if (it == rest.end())
      return std::nullopt;
    rest.erase(it);
  }
  result.syms = rest;
  return result;
}

std::string Dim::str(const SymbolNames &names) const {
  if (syms.empty())
    return std::to_string(coeff);
  std::string s;
  if (coeff != 1)
    s = std::to_string(coeff) + "*";
  for (size_t i = 0; i < syms.size(); ++i) {
    if (i)
      s += "*";
    s += names.name(syms[i]).str();
  }
  return s;
}

llvm::StringRef resc::spell(DType dtype) {
  switch (dtype) {
  case DType::F32: return "f32";
  case DType::F64: return "f64";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  }
  return "?";
}

std::optional<DType> resc::parseDType(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("f32", DType::F32)
      .Case("f64", DType::F64)
      .Case("i32", DType::I32)
      .Case("i64", DType::I64)
      .Default(std::nullopt);
}

std::string TensorType::str(const SymbolNames &names) const {
  std::string s = spell(dtype).str() + "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      s += ", ";
    s += dims[i].str(names);
  }
  return s + "]";
}

mlir::Type resc::toMLIR(DType dtype, mlir::MLIRContext *ctx) {
  switch (dtype) {
  case DType::F32: return mlir::Float32Type::get(ctx);
  case DType::F64: return mlir::Float64Type::get(ctx);
  case DType::I32: return mlir::IntegerType::get(ctx, 32);
  case DType::I64: return mlir::IntegerType::get(ctx, 64);
  }
  return {};
}

mlir::Type TensorType::toMLIR(mlir::MLIRContext *ctx) const {
  llvm::SmallVector<int64_t> shape;
  for (const Dim &d : dims)
    shape.push_back(d.isKnown() ? d.value() : mlir::ShapedType::kDynamic);
  return mlir::RankedTensorType::get(shape, resc::toMLIR(dtype, ctx));
}

std::optional<Dim> resc::product(llvm::ArrayRef<Dim> dims) {
  Dim result = Dim::known(1);
  for (const Dim &d : dims) {
    auto next = result.mul(d);
    if (!next)
      return std::nullopt;
    result = *next;
  }
  return result;
}

std::string resc::formatNumber(double value) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%g", value);
  return buf;
}
