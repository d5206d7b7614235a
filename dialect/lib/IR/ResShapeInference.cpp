//===- ResShapeInference.cpp - Result types of the generic res ops --------===//
//
// InferTypeOpInterface for constants, elementwise ops, matmul/linear,
// reductions, shape manipulation and the repeat family. The network layers
// (conv, pooling, normalisation, attention, losses) are in
// ResNNShapeInference.cpp.
//
// Every check lives here, so that builders, the parser and the verifier
// report the same message at the op's location. Where a static and a
// dynamic size meet, the static one wins.
//
//===----------------------------------------------------------------------===//

#include "res/ResOps.h"

#include "ShapeUtils.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace res;
using namespace res::shape;

namespace res::detail {
bool areCompatibleReturnTypes(TypeRange inferred, TypeRange declared) {
  if (inferred.size() != declared.size())
    return false;
  for (auto [a, b] : llvm::zip_equal(inferred, declared)) {
    if (a == b)
      continue;
    auto ta = dyn_cast<RankedTensorType>(a);
    auto tb = dyn_cast<RankedTensorType>(b);
    if (!ta || !tb || ta.getElementType() != tb.getElementType() ||
        ta.getRank() != tb.getRank())
      return false;
    for (auto [da, db] : llvm::zip_equal(ta.getShape(), tb.getShape()))
      if (!compatible(da, db))
        return false;
  }
  return true;
}
} // namespace res::detail

//===----------------------------------------------------------------------===//
// Constant
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  ElementsAttr value = adaptor.getValueAttr();
  if (!value)
    return opError(loc, getOperationName(), "requires a 'value' attribute");
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return opError(loc, getOperationName(),
                   "value must have a static tensor type, got ",
                   q(value.getType()));
  inferred.push_back(type);
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops (broadcasting) and residual_add
//===----------------------------------------------------------------------===//

/// numpy/PyTorch broadcasting of two shapes. `what` names the shapes in
/// messages ("operands", "batch dimensions of").
static LogicalResult broadcastShapes(std::optional<Location> loc,
                                     StringRef opName, ArrayRef<int64_t> a,
                                     ArrayRef<int64_t> b, RankedTensorType ta,
                                     RankedTensorType tb, StringRef what,
                                     SmallVectorImpl<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // Aligned at the trailing dimension; a missing leading dim counts as 1.
    int64_t da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    int64_t db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (da == 1)
      out[i] = db;
    else if (db == 1)
      out[i] = da;
    else if (compatible(da, db))
      out[i] = merge(da, db);
    else
      return opError(loc, opName, what, " ", q(ta), " and ", q(tb),
                     " do not broadcast: size ", da, " vs ", db,
                     " at result dimension ", i);
  }
  return success();
}

static LogicalResult inferBroadcast(std::optional<Location> loc,
                                    StringRef opName, Value lhs, Value rhs,
                                    SmallVectorImpl<Type> &inferred) {
  auto l = getRanked(loc, opName, lhs, "lhs");
  auto r = getRanked(loc, opName, rhs, "rhs");
  if (failed(l) || failed(r))
    return failure();
  if (failed(checkElementType(loc, opName, *l, "lhs", *r, "rhs")))
    return failure();
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(loc, opName, l->getShape(), r->getShape(), *l, *r,
                             "operands", shape)))
    return failure();
  inferred.push_back(RankedTensorType::get(shape, l->getElementType()));
  return success();
}

#define RES_BROADCAST_INFER(OP)                                                \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferBroadcast(loc, getOperationName(), adaptor.getLhs(),           \
                          adaptor.getRhs(), inferred);                         \
  }
RES_BROADCAST_INFER(AddOp)
RES_BROADCAST_INFER(SubOp)
RES_BROADCAST_INFER(MulOp)
RES_BROADCAST_INFER(DivOp)
#undef RES_BROADCAST_INFER

LogicalResult DropoutOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto x = getRanked(loc, getOperationName(), adaptor.getInput(), "input");
  if (failed(x))
    return failure();
  inferred.push_back(*x);
  return success();
}

LogicalResult ResidualAddOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto branch = getRanked(loc, name, adaptor.getBranch(), "branch");
  auto skip = getRanked(loc, name, adaptor.getSkip(), "skip");
  if (failed(branch) || failed(skip))
    return failure();
  if (failed(checkElementType(loc, name, *skip, "skip", *branch, "branch")))
    return failure();
  auto shape = mergeExactShapes(*branch, *skip, [&] {
    return opError(loc, name, "branch shape ", q(*branch),
                   " does not match skip shape ", q(*skip));
  });
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(*shape, skip->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Matmul and linear
//===----------------------------------------------------------------------===//

FailureOr<RankedTensorType> res::shape::inferMatmulResult(std::optional<Location> loc,
                                                          StringRef name, Value lhs, Value rhs) {
  auto l = getRanked(loc, name, lhs, "lhs");
  auto r = getRanked(loc, name, rhs, "rhs");
  if (failed(l) || failed(r))
    return failure();
  if (failed(checkElementType(loc, name, *l, "lhs", *r, "rhs")))
    return failure();
  if (l->getRank() == 0 || r->getRank() == 0)
    return opError(loc, name, "operands must have rank >= 1, got ", q(*l),
                   " and ", q(*r));
  ArrayRef<int64_t> ls = l->getShape(), rs = r->getShape();
  // A 1-D lhs is a row [1, k], a 1-D rhs a column [k, 1]; the added
  // dimensions are not part of the result.
  int64_t k1 = ls.back();
  int64_t k2 = rs.size() == 1 ? rs[0] : rs[rs.size() - 2];
  if (!compatible(k1, k2))
    return opError(loc, name, "lhs ", q(*l), " has ", k1,
                   " columns but rhs ", q(*r), " has ", k2, " rows");
  ArrayRef<int64_t> lBatch = ls.size() > 2 ? ls.drop_back(2) : ArrayRef<int64_t>();
  ArrayRef<int64_t> rBatch = rs.size() > 2 ? rs.drop_back(2) : ArrayRef<int64_t>();
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(loc, name, lBatch, rBatch, *l, *r,
                             "batch dimensions of", shape)))
    return failure();
  if (ls.size() >= 2)
    shape.push_back(ls[ls.size() - 2]);
  if (rs.size() >= 2)
    shape.push_back(rs.back());
  return RankedTensorType::get(shape, l->getElementType());
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  return shape::inferredAs(
      shape::inferMatmulResult(loc, getOperationName(), adaptor.getLhs(), adaptor.getRhs()),
      inferred);
}

FailureOr<RankedTensorType> res::shape::inferLinearResult(std::optional<Location> loc,
                                                          StringRef name, Value input,
                                                          Value weight, Value biasValue) {
  auto x = getRanked(loc, name, input, "input");
  auto w = getRanked(loc, name, weight, "weight");
  if (failed(x) || failed(w))
    return failure();
  if (failed(checkElementType(loc, name, *x, "input", *w, "weight")) ||
      failed(checkRank(loc, name, *w, "weight", 2, "[out, in]")))
    return failure();
  if (x->getRank() < 1)
    return opError(loc, name, "input must have rank >= 1 ([..., in]), got ",
                   q(*x));
  int64_t in = x->getShape().back();
  int64_t out = w->getDimSize(0);
  if (!compatible(in, w->getDimSize(1)))
    return opError(loc, name, "input ", q(*x), " has ", in,
                   " features but weight ", q(*w), " expects ",
                   w->getDimSize(1));
  if (biasValue) {
    auto b = getRanked(loc, name, biasValue, "bias");
    if (failed(b) ||
        failed(checkElementType(loc, name, *x, "input", *b, "bias")) ||
        failed(checkRank(loc, name, *b, "bias", 1, "[out]")))
      return failure();
    if (!compatible(b->getDimSize(0), out))
      return opError(loc, name, "bias ", q(*b), " has ", b->getDimSize(0),
                     " elements but weight ", q(*w), " has ", out,
                     " outputs");
    out = merge(out, b->getDimSize(0));
  }
  SmallVector<int64_t> shape(x->getShape().drop_back());
  shape.push_back(out);
  return RankedTensorType::get(shape, x->getElementType());
}

LogicalResult LinearOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  return shape::inferredAs(shape::inferLinearResult(loc, getOperationName(), adaptor.getInput(),
                                                    adaptor.getWeight(), adaptor.getBias()),
                          inferred);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<bool>>
res::shape::reducedDims(std::optional<Location> loc, StringRef opName,
                        ArrayRef<int64_t> dims, RankedTensorType t,
                        StringRef what) {
  SmallVector<bool> reduced(t.getRank(), dims.empty());
  for (int64_t d : dims) {
    if (failed(checkDimIndex(loc, opName, "dims entry", d, t, what)))
      return failure();
    if (reduced[d])
      return opError(loc, opName, "dims contains ", d, " twice");
    reduced[d] = true;
  }
  return reduced;
}

template <typename Adaptor>
static LogicalResult inferReduction(std::optional<Location> loc,
                                    StringRef opName, Adaptor adaptor,
                                    SmallVectorImpl<Type> &inferred) {
  auto x = getRanked(loc, opName, adaptor.getInput(), "input");
  if (failed(x))
    return failure();
  auto reduced = reducedDims(loc, opName, adaptor.getDims(), *x, "input");
  if (failed(reduced))
    return failure();
  bool keepdim = adaptor.getKeepdim();
  SmallVector<int64_t> shape;
  for (auto [i, size] : llvm::enumerate(x->getShape())) {
    if (!(*reduced)[i])
      shape.push_back(size);
    else if (keepdim)
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(shape, x->getElementType()));
  return success();
}

LogicalResult MeanOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  return inferReduction(loc, getOperationName(), adaptor, inferred);
}

LogicalResult SumOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &inferred) {
  return inferReduction(loc, getOperationName(), adaptor, inferred);
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

/// Prints a shape attribute for messages: [2, -1].
static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  if (failed(x))
    return failure();
  if (!adaptor.getShapeAttr())
    return opError(loc, name, "requires a 'shape' attribute");
  ArrayRef<int64_t> target = adaptor.getShape();
  std::optional<size_t> inferredDim;
  int64_t known = 1;
  for (auto [i, size] : llvm::enumerate(target)) {
    if (size == -1) {
      if (inferredDim)
        return opError(loc, name, "shape ", shapeStr(target),
                       " has more than one -1");
      inferredDim = i;
    } else if (size < 0) {
      return opError(loc, name, "shape ", shapeStr(target),
                     " has a negative size ", size);
    } else {
      known *= size;
    }
  }
  SmallVector<int64_t> shape(target);
  if (x->hasStaticShape()) {
    int64_t count = x->getNumElements();
    if (inferredDim) {
      if (known == 0 || count % known != 0)
        return opError(loc, name, "cannot reshape ", q(*x), " (", count,
                       " elements) to ", shapeStr(target));
      shape[*inferredDim] = count / known;
    } else if (count != known) {
      return opError(loc, name, "cannot reshape ", q(*x), " (", count,
                     " elements) to ", shapeStr(target), " (", known,
                     " elements)");
    }
  } else if (inferredDim) {
    shape[*inferredDim] = kDyn;
  }
  inferred.push_back(RankedTensorType::get(shape, x->getElementType()));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  if (failed(x))
    return failure();
  if (!adaptor.getDim0Attr() || !adaptor.getDim1Attr())
    return opError(loc, name, "requires 'dim0' and 'dim1' attributes");
  int64_t d0 = adaptor.getDim0Attr().getInt();
  int64_t d1 = adaptor.getDim1Attr().getInt();
  if (failed(checkDimIndex(loc, name, "dim0", d0, *x)) ||
      failed(checkDimIndex(loc, name, "dim1", d1, *x)))
    return failure();
  SmallVector<int64_t> shape(x->getShape());
  std::swap(shape[d0], shape[d1]);
  inferred.push_back(RankedTensorType::get(shape, x->getElementType()));
  return success();
}

LogicalResult SplitDimOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  if (failed(x))
    return failure();
  if (!adaptor.getDimAttr() || !adaptor.getPartsAttr())
    return opError(loc, name, "requires 'dim' and 'parts' attributes");
  int64_t dim = adaptor.getDimAttr().getInt();
  int64_t parts = adaptor.getPartsAttr().getInt();
  if (failed(checkDimIndex(loc, name, "dim", dim, *x)))
    return failure();
  if (parts <= 0)
    return opError(loc, name, "parts must be positive, got ", parts);
  int64_t size = x->getDimSize(dim);
  if (!isDyn(size) && size % parts != 0)
    return opError(loc, name, "dimension ", dim, " of input ", q(*x),
                   " (size ", size, ") is not divisible into ", parts,
                   " parts");
  SmallVector<int64_t> shape(x->getShape());
  shape[dim] = isDyn(size) ? kDyn : size / parts;
  shape.insert(shape.begin() + dim, parts);
  inferred.push_back(RankedTensorType::get(shape, x->getElementType()));
  return success();
}

LogicalResult MergeDimsOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto x = getRanked(loc, name, adaptor.getInput(), "input");
  if (failed(x))
    return failure();
  if (!adaptor.getDimAttr())
    return opError(loc, name, "requires a 'dim' attribute");
  int64_t dim = adaptor.getDimAttr().getInt();
  if (failed(checkDimIndex(loc, name, "dim", dim, *x)))
    return failure();
  if (dim + 1 >= x->getRank())
    return opError(loc, name, "dim ", dim, " is the last dimension of input ",
                   q(*x), "; there is no dimension ", dim + 1, " to merge with");
  SmallVector<int64_t> shape(x->getShape());
  int64_t a = shape[dim], b = shape[dim + 1];
  shape[dim] = isDyn(a) || isDyn(b) ? kDyn : a * b;
  shape.erase(shape.begin() + dim + 1);
  inferred.push_back(RankedTensorType::get(shape, x->getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return opError(loc, name, "requires at least one input");
  auto first = getRanked(loc, name, inputs[0], "input #0");
  if (failed(first))
    return failure();
  if (!adaptor.getDimAttr())
    return opError(loc, name, "requires a 'dim' attribute");
  int64_t dim = adaptor.getDimAttr().getInt();
  if (failed(checkDimIndex(loc, name, "dim", dim, *first, "input #0")))
    return failure();
  SmallVector<int64_t> shape(first->getShape());
  for (auto [i, v] : llvm::enumerate(inputs.drop_front())) {
    std::string what = "input #" + std::to_string(i + 1);
    auto t = getRanked(loc, name, v, what);
    if (failed(t) ||
        failed(checkElementType(loc, name, *first, "input #0", *t, what)))
      return failure();
    if (t->getRank() != first->getRank())
      return opError(loc, name, what, " ", q(*t), " has rank ", t->getRank(),
                     " but input #0 ", q(*first), " has rank ",
                     first->getRank());
    for (int64_t d = 0; d < t->getRank(); ++d) {
      int64_t size = t->getDimSize(d);
      if (d == dim) {
        shape[d] = isDyn(shape[d]) || isDyn(size) ? kDyn : shape[d] + size;
      } else if (!compatible(shape[d], size)) {
        return opError(loc, name, what, " ", q(*t), " has size ", size,
                       " in dimension ", d, " but input #0 ", q(*first),
                       " has ", first->getDimSize(d));
      } else {
        shape[d] = merge(shape[d], size);
      }
    }
  }
  inferred.push_back(RankedTensorType::get(shape, first->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Repeat and instance
//===----------------------------------------------------------------------===//

LogicalResult RepeatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  // The results are the carried values: their types are the inits' types.
  // Leading dimensions and the body are checked by the region verifier.
  for (Value init : adaptor.getInits())
    inferred.push_back(init.getType());
  return success();
}

LogicalResult InstanceOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  auto stack = getRanked(loc, name, adaptor.getStack(), "stack");
  if (failed(stack))
    return failure();
  if (stack->getRank() < 1)
    return opError(loc, name, "stack must have rank >= 1, got ", q(*stack));
  if (!adaptor.getIndexAttr())
    return opError(loc, name, "requires an 'index' attribute");
  int64_t index = adaptor.getIndexAttr().getInt();
  int64_t count = stack->getDimSize(0);
  if (index < 0 || (!isDyn(count) && index >= count))
    return opError(loc, name, "index ", index, " is out of range for stack ",
                   q(*stack), " of ", str(count), " instances");
  inferred.push_back(RepeatOp::getSliceType(*stack));
  return success();
}
