//===- Builtins.h - built-in layers, functions and optimizers ---*- C++ -*-===//
//
// Each built-in is a small class registered by name: its signature (PyTorch's
// argument names and defaults), for layers the tensors it owns, and how it
// checks shapes and emits its `res` op. Lookup is by name; there is no switch
// over kinds anywhere.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_FRONTEND_BUILTINS_H
#define RESC_FRONTEND_BUILTINS_H

#include "resc/Frontend/MLIRGen.h"
#include "resc/Frontend/Sema.h"
#include <memory>

namespace resc {

/// A layer with parameters: Linear, Conv2d, BatchNorm2d, ...
class BuiltinLayer {
public:
  virtual ~BuiltinLayer() = default;
  virtual llvm::StringRef name() const = 0;
  virtual llvm::ArrayRef<ParamSpec> signature() const = 0;
  /// Validates the configuration and declares the layer's tensors.
  virtual mlir::LogicalResult declare(LayerBuilder &b) const = 0;
  /// Applies the layer to `input` during elaboration.
  virtual mlir::FailureOr<RValue> apply(Elaborator &el, const LayerInst &inst,
                                        const RValue &input, llvm::SMLoc at) const = 0;
};

/// A stateless function: relu, softmax, reshape, cross_entropy, ...
class BuiltinFunction {
public:
  virtual ~BuiltinFunction() = default;
  virtual llvm::StringRef name() const = 0;
  virtual llvm::ArrayRef<ParamSpec> signature() const = 0;
  virtual mlir::FailureOr<RValue> apply(Elaborator &el, const BoundArgs &args,
                                        llvm::SMLoc at) const = 0;
};

/// An optimizer declaration: SGD, AdamW (validated here, used by training).
class BuiltinOptimizer {
public:
  virtual ~BuiltinOptimizer() = default;
  virtual llvm::StringRef name() const = 0;
  virtual llvm::ArrayRef<ParamSpec> signature() const = 0;
  virtual mlir::LogicalResult validate(const BoundArgs &args, DiagEmitter &diag) const = 0;
};

const BuiltinLayer *lookupBuiltinLayer(llvm::StringRef name);
const BuiltinFunction *lookupBuiltinFunction(llvm::StringRef name);
const BuiltinOptimizer *lookupBuiltinOptimizer(llvm::StringRef name);

/// Registration, one function per family (called once by the lookups).
void registerLayers(std::vector<std::unique_ptr<BuiltinLayer>> &out);
void registerElementwiseFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out);
void registerReductionFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out);
void registerShapeFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out);
void registerLossFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out);
void registerPoolingFunctions(std::vector<std::unique_ptr<BuiltinFunction>> &out);
void registerOptimizers(std::vector<std::unique_ptr<BuiltinOptimizer>> &out);

/// Elementwise binary arithmetic on tensors (with broadcasting) used by the
/// operators `+ - * /`; scalars become rank-0 constants of the tensor's type.
mlir::FailureOr<RValue> emitArith(Elaborator &el, BinaryOp op, const RValue &lhs,
                                  const RValue &rhs, llvm::SMLoc at);
/// `a @ b` with torch.matmul semantics.
mlir::FailureOr<RValue> emitMatmul(Elaborator &el, const RValue &lhs, const RValue &rhs,
                                   llvm::SMLoc at);

} // namespace resc

#endif // RESC_FRONTEND_BUILTINS_H
