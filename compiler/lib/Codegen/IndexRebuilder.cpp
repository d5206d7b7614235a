//===- IndexRebuilder.cpp - recompute buffer sizes elsewhere ----*- C++ -*-===//

#include "IndexRebuilder.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

using namespace mlir;

FailureOr<Value> resc::IndexRebuilder::rebuild(Value v) {
  if (Value known = map.lookupOrNull(v))
    return known;
  Operation *def = v.getDefiningOp();
  if (!def)
    return failure();
  if (auto dim = dyn_cast<memref::DimOp>(def)) {
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!index)
      return failure();
    FailureOr<Value> size = rebuildDim(dim.getSource(), *index);
    if (succeeded(size))
      map.map(v, *size);
    return size;
  }
  // Pure index arithmetic: clone it over rebuilt operands (affine maps as
  // arith, which the size printer and evaluator read).
  bool arithmetic = isa<arith::ArithDialect, index::IndexDialect>(def->getDialect()) ||
                    isa<affine::AffineApplyOp>(def);
  if (!arithmetic || def->getNumRegions() || !isPure(def))
    return failure();
  for (Value operand : def->getOperands())
    if (failed(rebuild(operand)))
      return failure();
  if (auto apply = dyn_cast<affine::AffineApplyOp>(def)) {
    SmallVector<Value> operands;
    for (Value operand : apply.getMapOperands())
      operands.push_back(map.lookup(operand));
    auto expanded = affine::expandAffineMap(b, apply.getLoc(), apply.getAffineMap(), operands);
    if (!expanded)
      return failure();
    map.map(v, (*expanded)[0]);
    return (*expanded)[0];
  }
  Operation *clone = b.clone(*def, map);
  return clone->getResult(cast<OpResult>(v).getResultNumber());
}

FailureOr<Value> resc::IndexRebuilder::rebuildDim(Value m, int64_t dim) {
  auto type = dyn_cast<MemRefType>(m.getType());
  if (!type || dim < 0 || dim >= type.getRank())
    return failure();
  if (!type.isDynamicDim(dim))
    return Value(arith::ConstantIndexOp::create(b, m.getLoc(), type.getDimSize(dim)));
  if (Value size = dims.lookup({m, dim}))
    return size;
  if (Value known = map.lookupOrNull(m))
    return Value(memref::DimOp::create(b, m.getLoc(), known, dim));
  if (auto arg = dyn_cast<BlockArgument>(m)) {
    // A loop-carried buffer keeps its shape: repeat bodies map a shape to
    // itself, so the size is the initial value's.
    if (auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp()))
      if (OpOperand *init = loop.getTiedLoopInit(arg))
        return rebuildDim(init->get(), dim);
    return failure();
  }
  Operation *def = m.getDefiningOp();
  if (auto loop = dyn_cast<scf::ForOp>(def))
    return rebuildDim(loop.getInitArgs()[cast<OpResult>(m).getResultNumber()], dim);
  if (auto cast = dyn_cast<memref::CastOp>(def))
    return rebuildDim(cast.getSource(), dim);
  if (auto select = dyn_cast<arith::SelectOp>(def))
    return rebuildDim(select.getTrueValue(), dim);
  if (auto alloc = dyn_cast<memref::AllocOp>(def))
    return rebuild(alloc.getDynamicSizes()[type.getDynamicDimIndex(dim)]);
  if (auto alloca = dyn_cast<memref::AllocaOp>(def))
    return rebuild(alloca.getDynamicSizes()[type.getDynamicDimIndex(dim)]);
  if (auto view = dyn_cast<memref::ViewOp>(def))
    return rebuild(view.getSizes()[type.getDynamicDimIndex(dim)]);
  if (auto expand = dyn_cast<memref::ExpandShapeOp>(def)) {
    OpFoldResult size = expand.getMixedOutputShape()[dim];
    if (auto value = dyn_cast<Value>(size))
      return rebuild(value);
    return Value(arith::ConstantIndexOp::create(b, m.getLoc(), *getConstantIntValue(size)));
  }
  if (auto collapse = dyn_cast<memref::CollapseShapeOp>(def)) {
    Value product;
    for (int64_t source : collapse.getReassociationIndices()[dim]) {
      FailureOr<Value> size = rebuildDim(collapse.getSrc(), source);
      if (failed(size))
        return failure();
      product = product ? arith::MulIOp::create(b, m.getLoc(), product, *size).getResult() : *size;
    }
    return product;
  }
  if (auto subview = dyn_cast<memref::SubViewOp>(def)) {
    llvm::SmallBitVector dropped = subview.getDroppedDims();
    SmallVector<OpFoldResult> sizes = subview.getMixedSizes();
    int64_t kept = -1;
    for (auto [i, size] : llvm::enumerate(sizes)) {
      if (dropped.test(i) || ++kept != dim)
        continue;
      if (auto value = dyn_cast<Value>(size))
        return rebuild(value);
      return Value(arith::ConstantIndexOp::create(b, m.getLoc(), *getConstantIntValue(size)));
    }
  }
  return failure();
}

FailureOr<SmallVector<Value>> resc::IndexRebuilder::rebuildAll(ValueRange values) {
  SmallVector<Value> out;
  for (Value v : values) {
    FailureOr<Value> r = rebuild(v);
    if (failed(r))
      return failure();
    out.push_back(*r);
  }
  return out;
}

/// A constant upper bound of size `dim` of memref `m`, through the views
/// that give it.
static std::optional<int64_t> dimUpperBound(Value m, int64_t dim) {
  auto type = dyn_cast<MemRefType>(m.getType());
  if (!type || dim < 0 || dim >= type.getRank())
    return std::nullopt;
  if (!type.isDynamicDim(dim))
    return type.getDimSize(dim);
  auto bound = [](OpFoldResult size) -> std::optional<int64_t> {
    if (auto value = dyn_cast<Value>(size))
      return resc::constantUpperBound(value);
    return getConstantIntValue(size);
  };
  Operation *def = m.getDefiningOp();
  if (auto cast = dyn_cast_or_null<memref::CastOp>(def))
    return dimUpperBound(cast.getSource(), dim);
  if (auto alloc = dyn_cast_or_null<memref::AllocOp>(def))
    return resc::constantUpperBound(alloc.getDynamicSizes()[type.getDynamicDimIndex(dim)]);
  if (auto view = dyn_cast_or_null<memref::ViewOp>(def))
    return resc::constantUpperBound(view.getSizes()[type.getDynamicDimIndex(dim)]);
  if (auto expand = dyn_cast_or_null<memref::ExpandShapeOp>(def))
    return bound(expand.getMixedOutputShape()[dim]);
  if (auto collapse = dyn_cast_or_null<memref::CollapseShapeOp>(def)) {
    int64_t product = 1;
    for (int64_t source : collapse.getReassociationIndices()[dim]) {
      std::optional<int64_t> b = dimUpperBound(collapse.getSrc(), source);
      if (!b)
        return std::nullopt;
      product *= *b;
    }
    return product;
  }
  if (auto subview = dyn_cast_or_null<memref::SubViewOp>(def)) {
    llvm::SmallBitVector dropped = subview.getDroppedDims();
    int64_t kept = -1;
    for (auto [i, size] : llvm::enumerate(subview.getMixedSizes()))
      if (!dropped.test(i) && ++kept == dim)
        return bound(size);
  }
  return std::nullopt;
}

std::optional<int64_t> resc::constantUpperBound(Value v) {
  if (auto dim = v.getDefiningOp<memref::DimOp>())
    if (std::optional<int64_t> index = dim.getConstantIndex())
      if (std::optional<int64_t> b = dimUpperBound(dim.getSource(), *index))
        return b;
  FailureOr<int64_t> bound = ValueBoundsConstraintSet::computeConstantBound(
      presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(v), nullptr,
      /*closedUB=*/true);
  if (succeeded(bound))
    return *bound;
  // The unsigned and signed minimum chunked loops use (`min(n - i, 4)`).
  Operation *def = v.getDefiningOp();
  if (!isa_and_nonnull<arith::MinUIOp, arith::MinSIOp>(def))
    return std::nullopt;
  std::optional<int64_t> lhs = constantUpperBound(def->getOperand(0));
  std::optional<int64_t> rhs = constantUpperBound(def->getOperand(1));
  if (lhs && rhs)
    return std::min(*lhs, *rhs);
  return lhs ? lhs : rhs;
}

std::optional<int64_t> resc::boundBytes(memref::AllocOp alloc) {
  return boundBytes(alloc.getType(), alloc.getDynamicSizes());
}

std::optional<int64_t> resc::boundBytes(MemRefType type, ValueRange dynamicSizes) {
  if (!type.getLayout().isIdentity())
    return std::nullopt;
  int64_t bytes = (type.getElementTypeBitWidth() + 7) / 8;
  unsigned next = 0;
  for (int64_t d : type.getShape()) {
    if (!ShapedType::isDynamic(d)) {
      bytes *= d;
      continue;
    }
    std::optional<int64_t> bound = constantUpperBound(dynamicSizes[next++]);
    if (!bound || *bound < 0)
      return std::nullopt;
    bytes *= *bound;
  }
  return bytes;
}
