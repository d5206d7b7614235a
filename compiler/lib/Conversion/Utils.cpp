//===- Utils.cpp - helpers shared by the res lowerings ----------*- C++ -*-===//

#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/Sequence.h"
#include <limits>

using namespace mlir;

Value resc::emptyTensorWithSizes(OpBuilder &b, Location loc, RankedTensorType type,
                                 ArrayRef<Value> dynamicSizes) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dynamicSizes);
}

Value resc::emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                        ValueRange sources) {
  SmallVector<Value> sizes;
  int64_t rank = type.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    if (!type.isDynamicDim(i))
      continue;
    Value size;
    for (Value s : sources) {
      auto st = cast<RankedTensorType>(s.getType());
      int64_t j = st.getRank() - rank + i;
      if (j >= 0 && st.isDynamicDim(j)) {
        size = tensor::DimOp::create(b, loc, s, j);
        break;
      }
    }
    assert(size && "a dynamic result dim needs a dynamic source dim");
    sizes.push_back(size);
  }
  return emptyTensorWithSizes(b, loc, type, sizes);
}

void resc::macBody(OpBuilder &b, Location loc, ValueRange args) {
  Value prod = arith::MulFOp::create(b, loc, args[0], args[1]);
  linalg::YieldOp::create(b, loc, ValueRange{arith::AddFOp::create(b, loc, args[2], prod)});
}

Value resc::floatConst(OpBuilder &b, Location loc, Type type, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v));
}

Value resc::fill(OpBuilder &b, Location loc, Value init, double value) {
  Type elt = cast<RankedTensorType>(init.getType()).getElementType();
  Value c = floatConst(b, loc, elt, value);
  return linalg::FillOp::create(b, loc, ValueRange{c}, ValueRange{init}).getResult(0);
}

AffineMap resc::broadcastMap(MLIRContext *ctx, RankedTensorType type, int64_t resultRank,
                             RankedTensorType resultType) {
  SmallVector<AffineExpr> exprs;
  int64_t offset = resultRank - type.getRank();
  for (int64_t j = 0; j < type.getRank(); ++j) {
    int64_t i = j + offset;
    bool broadcast = type.getDimSize(j) == 1 && resultType.getDimSize(i) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(i, ctx));
  }
  return AffineMap::get(resultRank, 0, exprs, ctx);
}

Value resc::countAsFloat(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> dims,
                         Type type) {
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d : dims) {
    Value size = tensor::DimOp::create(b, loc, value, d);
    count = arith::MulIOp::create(b, loc, count, size);
  }
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  return arith::SIToFPOp::create(b, loc, type, asInt);
}

Value resc::elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                        ValueRange inputs,
                        function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(ctx, cast<RankedTensorType>(in.getType()), rank, resultType));
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = emptyTensor(b, loc, resultType, inputs);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

/// out[..., i_dim, ...] = body(vector[i_dim], out[...]) over `init`'s shape.
static Value alongDim(OpBuilder &b, Location loc, Value vector, Value init, int64_t dim,
                      function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(init.getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps{AffineMap::get(rank, 0, {getAffineDimExpr(dim, ctx)}, ctx),
                              AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> its(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(b, loc, TypeRange{type}, ValueRange{vector},
                                   ValueRange{init}, maps, its,
                                   [&](OpBuilder &nb, Location nl, ValueRange args) {
                                     linalg::YieldOp::create(nb, nl,
                                                             body(nb, nl, args[0], args[1]));
                                   })
      .getResult(0);
}

Value resc::broadcastInto(OpBuilder &b, Location loc, Value vector, Value init, int64_t dim) {
  return alongDim(b, loc, vector, init, dim, [](OpBuilder &, Location, Value v, Value) { return v; });
}

Value resc::addBroadcastInPlace(OpBuilder &b, Location loc, Value vector, Value acc,
                                int64_t dim) {
  return alongDim(b, loc, vector, acc, dim, [](OpBuilder &nb, Location nl, Value v, Value out) {
    return arith::AddFOp::create(nb, nl, out, v).getResult();
  });
}

Value resc::addBroadcast(OpBuilder &b, Location loc, Value vector, Value tensor, Value init,
                         int64_t dim) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(init.getType());
  int64_t rank = type.getRank();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineMap> maps{AffineMap::get(rank, 0, {getAffineDimExpr(dim, ctx)}, ctx), id, id};
  SmallVector<utils::IteratorType> its(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{vector, tensor}, ValueRange{init}, maps, its,
             [](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl,
                                       arith::AddFOp::create(nb, nl, args[1], args[0]).getResult());
             })
      .getResult(0);
}

AffineMap resc::dropDimMap(MLIRContext *ctx, int64_t rank, int64_t dim) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i)
    if (i != dim)
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value resc::reduceDim(OpBuilder &b, Location loc, Value input, int64_t dim, double init,
                      function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape;
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    if (i == dim)
      continue;
    shape.push_back(type.getDimSize(i));
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, input, i));
  }
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value acc = fill(b, loc, emptyTensorWithSizes(b, loc, resultType, sizes), init);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators[dim] = utils::IteratorType::reduction;
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx),
                              dropDimMap(ctx, rank, dim)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{input}, ValueRange{acc}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args[0], args[1]));
      });
  return generic.getResult(0);
}

Value resc::mapLike(OpBuilder &b, Location loc, Value like, ValueRange inputs,
                    ArrayRef<AffineMap> inputMaps,
                    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(like.getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> its(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(b, loc, TypeRange{type}, inputs,
                                   ValueRange{emptyTensor(b, loc, type, ValueRange{like})},
                                   maps, its,
                                   [&](OpBuilder &nb, Location nl, ValueRange args) {
                                     linalg::YieldOp::create(nb, nl,
                                                             body(nb, nl, args.drop_back()));
                                   })
      .getResult(0);
}

Value resc::sumDims(OpBuilder &b, Location loc, Value input, ArrayRef<bool> reduced) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape;
  SmallVector<Value> sizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> its;
  for (int64_t i = 0; i < rank; ++i) {
    its.push_back(reduced[i] ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    if (reduced[i])
      continue;
    shape.push_back(type.getDimSize(i));
    outExprs.push_back(getAffineDimExpr(i, ctx));
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, input, i));
  }
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value acc = fill(b, loc, emptyTensorWithSizes(b, loc, resultType, sizes), 0);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx),
                              AffineMap::get(rank, 0, outExprs, ctx)};
  return linalg::GenericOp::create(b, loc, TypeRange{resultType}, ValueRange{input},
                                   ValueRange{acc}, maps, its,
                                   [](OpBuilder &nb, Location l, ValueRange args) {
                                     linalg::YieldOp::create(
                                         nb, l,
                                         ValueRange{arith::AddFOp::create(nb, l, args[0], args[1])});
                                   })
      .getResult(0);
}

Value resc::expandUnitDims(OpBuilder &b, Location loc, Value value, RankedTensorType type,
                           ArrayRef<bool> kept, Value like) {
  if (value.getType() == type)
    return value;
  // Each size-1 dim joins the group of the next kept dim; trailing ones join
  // the last group; with no kept dim, a rank-0 value expands with no groups.
  SmallVector<ReassociationIndices> groups;
  SmallVector<OpFoldResult> outShape;
  ReassociationIndices pending;
  for (int64_t j = 0; j < type.getRank(); ++j) {
    outShape.push_back(kept[j] ? tensor::getMixedSize(b, loc, like, j)
                               : OpFoldResult(b.getIndexAttr(1)));
    pending.push_back(j);
    if (kept[j]) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (!pending.empty() && !groups.empty())
    groups.back().append(pending.begin(), pending.end());
  return tensor::ExpandShapeOp::create(b, loc, type, value, groups, outShape);
}

resc::ExpAlong resc::expAlong(OpBuilder &b, Location loc, Value x, int64_t dim) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  Value max = reduceDim(b, loc, x, dim, -std::numeric_limits<double>::infinity(),
                        [](OpBuilder &nb, Location l, Value in, Value acc) -> Value {
                          return arith::MaxNumFOp::create(nb, l, in, acc);
                        });
  Value e = mapLike(b, loc, x, ValueRange{x, max},
                    {AffineMap::getMultiDimIdentityMap(rank, ctx), dropDimMap(ctx, rank, dim)},
                    [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                      return math::ExpOp::create(nb, l, arith::SubFOp::create(nb, l, a[0], a[1]));
                    });
  Value sum = reduceDim(b, loc, e, dim, 0.0,
                        [](OpBuilder &nb, Location l, Value in, Value acc) -> Value {
                          return arith::AddFOp::create(nb, l, in, acc);
                        });
  return {max, e, sum};
}

SmallVector<int64_t> resc::allDims(int64_t rank) {
  return llvm::to_vector(llvm::seq<int64_t>(0, rank));
}

Value resc::collapseToVector(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getRank() == 1)
    return v;
  return tensor::CollapseShapeOp::create(
      b, loc, v, SmallVector<ReassociationIndices>{ReassociationIndices(allDims(t.getRank()))});
}

/// `x` ([N, C, H, W]) padded by `pad` on both sides of H and W with `value`;
/// `x` itself when there is no padding.
Value resc::padSpatial(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> pad,
                        double value) {
  if (pad[0] == 0 && pad[1] == 0)
    return x;
  auto xt = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(xt.getShape());
  for (int i = 0; i < 2; ++i)
    if (!ShapedType::isDynamic(shape[2 + i]))
      shape[2 + i] += 2 * pad[i];
  auto type = RankedTensorType::get(shape, xt.getElementType());
  SmallVector<OpFoldResult> lowHigh{b.getIndexAttr(0), b.getIndexAttr(0),
                                    b.getIndexAttr(pad[0]), b.getIndexAttr(pad[1])};
  Value padValue = floatConst(b, loc, xt.getElementType(), value);
  return tensor::PadOp::create(b, loc, type, x, lowHigh, lowHigh, padValue);
}

/// `value` with dim `dim` split into [groups, size / groups].
Value resc::splitDim(OpBuilder &b, Location loc, Value value, int64_t dim, int64_t groups) {
  auto t = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  SmallVector<ReassociationIndices> reassoc;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    int64_t out = shape.size();
    if (i == dim) {
      int64_t size = t.getDimSize(i);
      OpFoldResult per = b.getIndexAttr(size / groups);
      if (ShapedType::isDynamic(size))
        per = arith::DivUIOp::create(b, loc, tensor::DimOp::create(b, loc, value, i),
                                     arith::ConstantIndexOp::create(b, loc, groups))
                  .getResult();
      shape.append({groups, ShapedType::isDynamic(size) ? size : size / groups});
      sizes.append({b.getIndexAttr(groups), per});
      reassoc.push_back({out, out + 1});
    } else {
      shape.push_back(t.getDimSize(i));
      sizes.push_back(tensor::getMixedSize(b, loc, value, i));
      reassoc.push_back({out});
    }
  }
  auto type = RankedTensorType::get(shape, t.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, type, value, reassoc, sizes);
}

resc::Moments resc::moments(OpBuilder &b, Location loc, Value x, ArrayRef<bool> reduced) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> dims;
  SmallVector<AffineExpr> keptExprs;
  for (int64_t i = 0; i < rank; ++i) {
    if (reduced[i])
      dims.push_back(i);
    else
      keptExprs.push_back(getAffineDimExpr(i, ctx));
  }
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap kept = AffineMap::get(rank, 0, keptExprs, ctx);
  Value count = countAsFloat(b, loc, x, dims, type.getElementType());
  auto divByCount = [&](Value sum) {
    return elementwise(b, loc, cast<RankedTensorType>(sum.getType()), ValueRange{sum},
                       [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         return arith::DivFOp::create(nb, l, a[0], count);
                       });
  };
  Value mean = divByCount(sumDims(b, loc, x, reduced));
  // Two passes (centre, then square), like PyTorch, not E[x^2] - E[x]^2.
  Value sq = mapLike(b, loc, x, ValueRange{x, mean}, {id, kept},
                     [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
                       return arith::MulFOp::create(nb, l, d, d);
                     });
  Value var = divByCount(sumDims(b, loc, sq, reduced));
  return {mean, var, count};
}

Value resc::padWithZeroBands(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> low,
                             ArrayRef<int64_t> high) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t rank = xt.getRank();
  SmallVector<OpFoldResult> inner = tensor::getMixedSizes(b, loc, x), outer;
  for (int64_t d = 0; d < rank; ++d)
    outer.push_back(low[d] + high[d] == 0
                        ? inner[d]
                        : OpFoldResult(b.getIndexAttr(xt.getDimSize(d) + low[d] + high[d])));
  SmallVector<OpFoldResult> offsets, strides(rank, b.getIndexAttr(1));
  for (int64_t d = 0; d < rank; ++d)
    offsets.push_back(b.getIndexAttr(low[d]));
  Value result = tensor::InsertSliceOp::create(
      b, loc, x, tensor::EmptyOp::create(b, loc, outer, xt.getElementType()), offsets, inner,
      strides);
  // The bands around it, dim by dim: a band of dim d spans the interior of
  // the dims before d (their own bands cover the rest) and all of the dims
  // after it, so every element is written once.
  for (int64_t d = 0; d < rank; ++d) {
    for (bool before : {true, false}) {
      int64_t width = before ? low[d] : high[d];
      if (width == 0)
        continue;
      SmallVector<OpFoldResult> bandOffsets, bandSizes;
      for (int64_t e = 0; e < rank; ++e) {
        if (e < d) {
          bandOffsets.push_back(b.getIndexAttr(low[e]));
          bandSizes.push_back(inner[e]);
        } else if (e == d) {
          bandOffsets.push_back(b.getIndexAttr(before ? 0 : low[d] + xt.getDimSize(d)));
          bandSizes.push_back(b.getIndexAttr(width));
        } else {
          bandOffsets.push_back(b.getIndexAttr(0));
          bandSizes.push_back(outer[e]);
        }
      }
      Value band = tensor::ExtractSliceOp::create(b, loc, result, bandOffsets, bandSizes, strides);
      result = tensor::InsertSliceOp::create(b, loc, fill(b, loc, band, 0.0), result, bandOffsets,
                                             bandSizes, strides);
    }
  }
  return result;
}
