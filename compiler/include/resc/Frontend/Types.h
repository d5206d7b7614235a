//===- Types.h - symbolic tensor types of the front end ---------*- C++ -*-===//
//
// The front end checks shapes symbolically: a dimension is an integer
// coefficient times a product of named symbols (N, T, N*T, 784). Two dims
// agree only when they are provably equal, so `N` and `M` never silently
// unify. Arithmetic is overflow-checked: shapes come from user input.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_FRONTEND_TYPES_H
#define RESC_FRONTEND_TYPES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class Type;
class MLIRContext;
} // namespace mlir

namespace resc {

/// Names of the symbolic dimensions of one compilation.
class SymbolNames {
public:
  unsigned getOrCreate(llvm::StringRef name);
  llvm::StringRef name(unsigned id) const { return names[id]; }

private:
  std::vector<std::string> names;
};

class Dim {
public:
  Dim() = default;
  static Dim known(int64_t value) { Dim d; d.coeff = value; return d; }
  static Dim symbol(unsigned id) { Dim d; d.syms.push_back(id); return d; }

  bool isKnown() const { return syms.empty(); }
  int64_t value() const { return coeff; } // the value when isKnown()
  int64_t coefficient() const { return coeff; }
  llvm::ArrayRef<unsigned> symbols() const { return syms; }

  /// Product; nullopt on int64 overflow.
  std::optional<Dim> mul(const Dim &other) const;
  /// Exact quotient, or nullopt when `other` does not provably divide this.
  std::optional<Dim> divExact(const Dim &other) const;

  bool operator==(const Dim &other) const {
    return coeff == other.coeff && syms == other.syms;
  }
  bool operator!=(const Dim &other) const { return !(*this == other); }
  std::string str(const SymbolNames &names) const;

private:
  int64_t coeff = 1;
  llvm::SmallVector<unsigned, 2> syms; // sorted, with repetition
};

enum class DType { F32, F64, I32, I64 };
llvm::StringRef spell(DType dtype);
std::optional<DType> parseDType(llvm::StringRef name);
inline bool isFloat(DType t) { return t == DType::F32 || t == DType::F64; }

struct TensorType {
  DType dtype = DType::F32;
  llvm::SmallVector<Dim, 4> dims;

  int64_t rank() const { return dims.size(); }
  bool operator==(const TensorType &o) const { return dtype == o.dtype && dims == o.dims; }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
  /// `f32[N, 784]`, the spelling of the language.
  std::string str(const SymbolNames &names) const;
  /// The MLIR tensor type: symbolic dims become dynamic (`?`).
  mlir::Type toMLIR(mlir::MLIRContext *ctx) const;
};

mlir::Type toMLIR(DType dtype, mlir::MLIRContext *ctx);

/// A number as a person writes it (%g): 0.5, 1e-05, 3.
std::string formatNumber(double value);

/// Multiplies `dims`; nullopt on overflow.
std::optional<Dim> product(llvm::ArrayRef<Dim> dims);

} // namespace resc

#endif // RESC_FRONTEND_TYPES_H
