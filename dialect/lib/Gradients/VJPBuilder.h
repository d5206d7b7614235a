//===- VJPBuilder.h - Helper for writing vector-Jacobian products -*- C++ -*-===//
//
// Private to lib/Gradients. Every buildVJP starts with a VJPBuilder, which
// checks the arguments, creates res ops with inferred types (reporting a
// shape error at the op's location instead of aborting), and stores each
// operand's adjoint with exactly the operand's type.
//
//===----------------------------------------------------------------------===//

#ifndef RES_LIB_GRADIENTS_VJPBUILDER_H
#define RES_LIB_GRADIENTS_VJPBUILDER_H

#include "res/ResOps.h"

namespace res::grad {

class VJPBuilder {
public:
  /// Clears `operandGrads` to one null Value per operand of `op`; fails
  /// (see `finish()`) if `resultGrads` does not have one value per result.
  /// An adjoint whose type differs from its result's but is compatible is
  /// converted with `res.reduce_to`.
  VJPBuilder(mlir::Operation *op, mlir::OpBuilder &builder,
             mlir::ValueRange resultGrads, llvm::ArrayRef<bool> needed,
             llvm::SmallVectorImpl<mlir::Value> &operandGrads);

  /// False when there is nothing to emit: an argument was wrong, or the
  /// results have no adjoint (null), which means zero. Then `finish()`.
  bool active() const { return !failedFlag && dy(); }

  /// True if operand `i` is a float tensor whose adjoint was asked for.
  bool needs(unsigned i) const;
  /// The adjoint of result `i` (null if the caller gave none).
  mlir::Value dy(unsigned i = 0) const {
    return i < grads.size() ? grads[i] : mlir::Value();
  }
  mlir::OpBuilder &builder() { return b; }
  mlir::Location loc() const { return op->getLoc(); }

  /// Creates `OpTy` with inferred result types and returns its result, or a
  /// null Value once any creation failed (the error is at the op's location).
  template <typename OpTy, typename... Args>
  mlir::Value make(Args &&...args) {
    if (failedFlag)
      return {};
    mlir::FailureOr<OpTy> created =
        createChecked<OpTy>(b, loc(), std::forward<Args>(args)...);
    if (mlir::failed(created)) {
      failedFlag = true;
      return {};
    }
    return created->getResult();
  }

  /// Like make(), for ops with several results: the op, or a null op once
  /// any creation failed.
  template <typename OpTy, typename... Args>
  OpTy makeOp(Args &&...args) {
    if (failedFlag)
      return {};
    mlir::FailureOr<OpTy> created =
        createChecked<OpTy>(b, loc(), std::forward<Args>(args)...);
    if (mlir::failed(created)) {
      failedFlag = true;
      return {};
    }
    return *created;
  }

  /// `g` with `like`'s type: `g` itself when the types agree, otherwise
  /// `res.reduce_to %g, %like` (which sums broadcast dimensions, or only
  /// adjusts static/dynamic sizes).
  mlir::Value asTypeOf(mlir::Value g, mlir::Value like);

  /// A rank-0 `res.constant` of `elementType` holding `value`.
  mlir::Value scalar(mlir::Type elementType, double value);

  /// Sets the adjoint of operand `i` to `g` (converted with asTypeOf) if the
  /// operand needs one.
  void set(unsigned i, mlir::Value g);

  /// success() unless an op could not be created or an argument was wrong.
  mlir::LogicalResult finish() const { return mlir::failure(failedFlag); }
  /// Reports `message` at the op and makes finish() fail.
  mlir::LogicalResult fail(const llvm::Twine &message);

private:
  mlir::Operation *op;
  mlir::OpBuilder &b;
  llvm::SmallVector<mlir::Value> grads;
  llvm::ArrayRef<bool> needed;
  llvm::SmallVectorImpl<mlir::Value> &operandGrads;
  bool failedFlag = false;
};

} // namespace res::grad

/// The signature of OP::buildVJP.
#define RES_VJP(OP)                                                            \
  LogicalResult OP::buildVJP(OpBuilder &builder, ValueRange resultGrads,      \
                             ArrayRef<bool> needed,                            \
                             SmallVectorImpl<Value> &operandGrads)

/// Starts a buildVJP: `v` is the VJPBuilder, `dy` the result's adjoint;
/// returns early when there is nothing to emit.
#define RES_VJP_BEGIN                                                          \
  VJPBuilder v(getOperation(), builder, resultGrads, needed, operandGrads);    \
  if (!v.active())                                                             \
    return v.finish();                                                         \
  Value dy = v.dy();

#endif // RES_LIB_GRADIENTS_VJPBUILDER_H
