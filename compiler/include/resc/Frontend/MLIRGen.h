//===- MLIRGen.h - from the layer tree to the `res` dialect -----*- C++ -*-===//
//
// Emits one func.func per entry point (`<Model>_forward`, `<Model>_loss`).
// Inputs come first, then every parameter and buffer, each argument
// carrying its dotted name and role as attributes. Block bodies are
// elaborated at each call site (shapes flow in from the caller); a
// `repeat(n)` becomes one `res.repeat` region whose per-instance parameters
// are slices of stacked [n, ...] arguments, so IR size does not grow with n.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_FRONTEND_MLIRGEN_H
#define RESC_FRONTEND_MLIRGEN_H

#include "resc/Frontend/Sema.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace resc {

/// Builds the `res` module for `model`. Returns null after reporting errors.
mlir::OwningOpRef<mlir::ModuleOp> generateModule(Sema &sema, ModelInstance &model);

/// The services built-in layers and functions use to check shapes and emit
/// ops while a body is elaborated.
class Elaborator {
public:
  virtual ~Elaborator() = default;
  virtual mlir::OpBuilder &builder() = 0;
  virtual mlir::Location loc(llvm::SMLoc at) = 0;
  virtual mlir::InFlightDiagnostic error(llvm::SMLoc at) = 0;
  virtual SymbolNames &names() = 0;
  /// The current value of `inst`'s tensor `local` ("weight").
  virtual mlir::Value tensorOf(const LayerInst &inst, llvm::StringRef local) = 0;
  /// A rank-0 constant tensor.
  virtual mlir::Value scalarConstant(double value, DType dtype, llvm::SMLoc at) = 0;
  /// True while generating the model's `loss` (and so loss_grad and
  /// train_step): layers behave as in PyTorch's model.train() (batch_norm
  /// uses batch statistics); `forward` is evaluation mode.
  virtual bool training() const { return false; }

  std::string str(const TensorType &t) { return t.str(names()); }
  std::string str(const Dim &d) { return d.str(names()); }

  /// Creates an op by name with explicit result type, operands and
  /// attributes; the op verifier runs on the whole module afterwards.
  mlir::Value create(llvm::StringRef opName, llvm::SMLoc at, const TensorType &result,
                     mlir::ValueRange operands,
                     llvm::ArrayRef<mlir::NamedAttribute> attrs = {});
  mlir::NamedAttribute attr(llvm::StringRef name, mlir::Attribute value) {
    return builder().getNamedAttr(name, value);
  }
  mlir::Attribute i64(int64_t v) { return builder().getI64IntegerAttr(v); }
  mlir::Attribute f64(double v) { return builder().getF64FloatAttr(v); }
  mlir::Attribute i64s(llvm::ArrayRef<int64_t> v) { return builder().getDenseI64ArrayAttr(v); }

  // Checks shared by the built-ins; each reports and returns failure.
  mlir::LogicalResult requireFloat(const RValue &v, llvm::StringRef what, llvm::SMLoc at);
  mlir::LogicalResult requireRank(const RValue &v, int64_t rank, llvm::StringRef what,
                                  llvm::SMLoc at);
  mlir::LogicalResult requireMinRank(const RValue &v, int64_t rank, llvm::StringRef what,
                                     llvm::SMLoc at);
  /// `dim` counted from the end when negative; error when out of range.
  mlir::FailureOr<int64_t> normalizeDim(int64_t dim, int64_t rank, llvm::StringRef what,
                                        llvm::SMLoc at);
  /// Broadcast shape of two tensors (numpy/torch rules), or an error that
  /// shows both shapes.
  mlir::FailureOr<llvm::SmallVector<Dim, 4>> broadcast(const TensorType &a,
                                                       const TensorType &b,
                                                       llvm::StringRef what,
                                                       llvm::SMLoc at);
};

} // namespace resc

#endif // RESC_FRONTEND_MLIRGEN_H
