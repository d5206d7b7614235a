//===- ShapeUtils.h - Helpers for res shape inference -----------*- C++ -*-===//
//
// Private to lib/IR: dimension arithmetic where `?` (ShapedType::kDynamic)
// meets static sizes, and diagnostics prefixed with the op name.
//
//===----------------------------------------------------------------------===//

#ifndef RES_LIB_IR_SHAPEUTILS_H
#define RES_LIB_IR_SHAPEUTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace res {
namespace shape {

constexpr int64_t kDyn = mlir::ShapedType::kDynamic;

inline bool isDyn(int64_t d) { return mlir::ShapedType::isDynamic(d); }

/// Two sizes can describe the same dimension.
inline bool compatible(int64_t a, int64_t b) {
  return isDyn(a) || isDyn(b) || a == b;
}

/// The size of a dimension known to be both `a` and `b`: the static one wins.
/// Only meaningful when `compatible(a, b)`.
inline int64_t merge(int64_t a, int64_t b) { return isDyn(a) ? b : a; }

/// A size for messages: "?" for dynamic.
inline std::string str(int64_t d) {
  return isDyn(d) ? std::string("?") : std::to_string(d);
}

/// Reports an error at `loc` (if any), prefixed like emitOpError:
/// "'res.linear' op <args...>". Always returns failure.
template <typename... Args>
mlir::LogicalResult opError(std::optional<mlir::Location> loc,
                            llvm::StringRef opName, Args &&...args) {
  return mlir::emitOptionalError(loc, "'", opName, "' op ",
                                 std::forward<Args>(args)...);
}

/// A type in quotes, for messages: 'tensor<?x784xf32>'.
inline std::string q(mlir::Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "'" << t << "'";
  return s;
}

/// `v` as a ranked tensor; otherwise reports "<what> must be a ranked tensor".
inline mlir::FailureOr<mlir::RankedTensorType>
getRanked(std::optional<mlir::Location> loc, llvm::StringRef opName,
          mlir::Value v, llvm::StringRef what) {
  if (!v)
    return opError(loc, opName, what, " is missing");
  auto t = llvm::dyn_cast<mlir::RankedTensorType>(v.getType());
  if (!t)
    return opError(loc, opName, what, " must be a ranked tensor, got ",
                   q(v.getType()));
  return t;
}

/// Checks that `other` has the element type of `ref`.
inline mlir::LogicalResult
checkElementType(std::optional<mlir::Location> loc, llvm::StringRef opName,
                 mlir::RankedTensorType ref, llvm::StringRef refName,
                 mlir::RankedTensorType other, llvm::StringRef otherName) {
  if (ref.getElementType() == other.getElementType())
    return mlir::success();
  return opError(loc, opName, otherName, " ", q(other),
                 " has element type ", other.getElementType(), " but ",
                 refName, " ", q(ref), " has ", ref.getElementType());
}

/// Checks that `t` has rank `rank`; `layout` describes the expected shape.
inline mlir::LogicalResult checkRank(std::optional<mlir::Location> loc,
                                     llvm::StringRef opName,
                                     mlir::RankedTensorType t,
                                     llvm::StringRef what, int64_t rank,
                                     llvm::StringRef layout) {
  if (t.getRank() == rank)
    return mlir::success();
  return opError(loc, opName, what, " must have rank ", rank, " (", layout,
                 "), got ", q(t));
}

/// Checks that a dimension attribute indexes a tensor of rank `rank`.
inline mlir::LogicalResult checkDimIndex(std::optional<mlir::Location> loc,
                                         llvm::StringRef opName,
                                         llvm::StringRef attrName, int64_t dim,
                                         mlir::RankedTensorType t,
                                         llvm::StringRef what = "input") {
  if (dim >= 0 && dim < t.getRank())
    return mlir::success();
  return opError(loc, opName, attrName, " ", dim, " is out of range for ",
                 what, " ", q(t), " of rank ", t.getRank());
}

/// The operands of res.cross_entropy and res.cross_entropy_grad: logits
/// [B, C] or [B, T, C], integer labels [B] or [B, T]. Returns the logits'
/// type. (ResNNShapeInference.cpp)
mlir::FailureOr<mlir::RankedTensorType>
checkCrossEntropyOperands(std::optional<mlir::Location> loc,
                          llvm::StringRef opName, mlir::Value logits,
                          mlir::Value labels);

/// The operands of res.mse and res.mse_grad: input and target of the same
/// shape and element type. Returns the input's type.
mlir::FailureOr<mlir::RankedTensorType>
checkMseOperands(std::optional<mlir::Location> loc, llvm::StringRef opName,
                 mlir::Value input, mlir::Value target);

/// The dimensions a reduction over `dims` (all when empty) of `t` removes,
/// as a mask; reports entries out of range or repeated. (ResShapeInference.cpp)
mlir::FailureOr<llvm::SmallVector<bool>>
reducedDims(std::optional<mlir::Location> loc, llvm::StringRef opName,
            llvm::ArrayRef<int64_t> dims, mlir::RankedTensorType t,
            llvm::StringRef what);

/// The shape of two operands that must agree exactly (no broadcasting):
/// static dims win over dynamic ones; `mismatch` reports a difference.
template <typename Report>
mlir::FailureOr<llvm::SmallVector<int64_t>>
mergeExactShapes(mlir::RankedTensorType a, mlir::RankedTensorType b, Report mismatch) {
  if (a.getRank() != b.getRank())
    return mismatch();
  llvm::SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip_equal(a.getShape(), b.getShape())) {
    if (!compatible(x, y))
      return mismatch();
    shape.push_back(merge(x, y));
  }
  return shape;
}

/// The result types of res.matmul and res.linear, shared with their fused
/// forms. (ResShapeInference.cpp)
mlir::FailureOr<mlir::RankedTensorType>
inferMatmulResult(std::optional<mlir::Location> loc, llvm::StringRef opName,
                  mlir::Value lhs, mlir::Value rhs);
mlir::FailureOr<mlir::RankedTensorType>
inferLinearResult(std::optional<mlir::Location> loc, llvm::StringRef opName,
                  mlir::Value input, mlir::Value weight, mlir::Value bias);

/// `type` as an op's one inferred result type, or failure.
inline mlir::LogicalResult inferredAs(mlir::FailureOr<mlir::RankedTensorType> type,
                                      llvm::SmallVectorImpl<mlir::Type> &inferred) {
  if (mlir::failed(type))
    return mlir::failure();
  inferred.push_back(*type);
  return mlir::success();
}

/// The result type of res.conv2d (without bias) of `input` and `weight`
/// with these window attributes; `inputName` names the input in messages.
/// Shared with the conv2d adjoints. (ResNNShapeInference.cpp)
mlir::FailureOr<mlir::RankedTensorType>
inferConv2dResult(std::optional<mlir::Location> loc, llvm::StringRef opName,
                  mlir::Value input, mlir::Value weight,
                  llvm::ArrayRef<int64_t> stride, llvm::ArrayRef<int64_t> padding,
                  llvm::ArrayRef<int64_t> dilation, mlir::IntegerAttr groups,
                  llvm::StringRef inputName = "input");

/// The result type of res.max_pool2d / res.avg_pool2d of `input`.
mlir::FailureOr<mlir::RankedTensorType>
inferPool2dResult(std::optional<mlir::Location> loc, llvm::StringRef opName,
                  mlir::Value input, mlir::DenseI64ArrayAttr kernel,
                  mlir::DenseI64ArrayAttr stride, llvm::ArrayRef<int64_t> padding,
                  llvm::StringRef inputName = "input");

/// Checks that `grad` (the adjoint of a result of type `expected`) has a
/// shape compatible with it and its element type.
mlir::LogicalResult checkGradLike(std::optional<mlir::Location> loc,
                                  llvm::StringRef opName, mlir::Value grad,
                                  mlir::RankedTensorType expected,
                                  llvm::StringRef of);

} // namespace shape
} // namespace res

#endif // RES_LIB_IR_SHAPEUTILS_H
