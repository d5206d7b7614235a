//===- ConvBlocks.cpp - convolutions blocked per image ----------*- C++ -*-===//

#include "ConvBlocks.h"
#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace resc;

/// The weight gradient sums over chunks of images whose columns take up to
/// this many bytes: they stay in L2 (1 MB per core here) from the copies
/// that write them to the contraction that reads them.
constexpr int64_t kChunkBytes = 512 * 1024;

namespace {
/// Where slice `n` of dim 0 lies: offsets, sizes, strides.
struct ImageSlice {
  SmallVector<OpFoldResult> offsets, sizes, strides;
};
} // namespace

static ImageSlice imageSlice(OpBuilder &b, Location loc, Value v, OpFoldResult n) {
  auto t = cast<RankedTensorType>(v.getType());
  ImageSlice s;
  s.offsets.assign(t.getRank(), b.getIndexAttr(0));
  s.strides.assign(t.getRank(), b.getIndexAttr(1));
  s.sizes = tensor::getMixedSizes(b, loc, v);
  s.offsets[0] = n;
  s.sizes[0] = b.getIndexAttr(1);
  return s;
}

Value conv::image(OpBuilder &b, Location loc, Value v, OpFoldResult n) {
  ImageSlice s = imageSlice(b, loc, v, n);
  return tensor::ExtractSliceOp::create(b, loc, v, s.offsets, s.sizes, s.strides);
}

/// An scf.forall over the `count` slices of dim 0 of `out` (count = its
/// size when null): `body` gets the index and the slice ([1, ...]) and
/// returns its new value. Returns the forall's result.
static Value forEachSlice(OpBuilder &b, Location loc, Value out, OpFoldResult count,
                          function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  if (!count)
    count = tensor::getMixedSize(b, loc, out, 0);
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{count}, ValueRange{out}, std::nullopt,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value n = args[0], shared = args[1];
        ImageSlice s = imageSlice(nb, l, shared, n);
        Value part = tensor::ExtractSliceOp::create(nb, l, shared, s.offsets, s.sizes, s.strides);
        Value result = body(nb, l, n, part);
        auto inParallel = scf::InParallelOp::create(nb, l);
        OpBuilder::InsertionGuard guard(nb);
        nb.setInsertionPointToStart(inParallel.getBody());
        tensor::ParallelInsertSliceOp::create(nb, l, result, shared, s.offsets, s.sizes,
                                              s.strides);
      });
  return forall.getResult(0);
}

static AffineExpr dim(MLIRContext *ctx, unsigned i) { return getAffineDimExpr(i, ctx); }

Value conv::convolve(OpBuilder &b, Location loc, Value x, Value wg, Value bias, Value out,
                     const Window &w, OpFoldResult ho, OpFoldResult wo, int64_t groups) {
  MLIRContext *ctx = b.getContext();
  bool flat = flatSpatial(ho, wo);
  unsigned spatial = flat ? 1 : 2, loops = 4 + spatial;
  auto d = [&](unsigned i) { return dim(ctx, i); };
  // Loops (n, g, o, p | k).
  AffineExpr k = d(loops - 1);
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, {d(1), d(2), k}, ctx),
                              withSpatial(ctx, loops, {d(0), d(1), k}, 3, flat),
                              withSpatial(ctx, loops, {d(0), d(1), d(2)}, 3, flat)};
  return forEachSlice(
      b, loc, out, OpFoldResult(), [&](OpBuilder &nb, Location l, Value n, Value part) -> Value {
        Value col = groupColumns(nb, l, im2col(nb, l, image(nb, l, x, n), w, ho, wo), groups, flat);
        Value init;
        if (bias) {
          unsigned rank = 3 + spatial;
          init = linalg::GenericOp::create(
                     nb, l, TypeRange{part.getType()}, ValueRange{bias}, ValueRange{part},
                     SmallVector<AffineMap>{AffineMap::get(rank, 0, {d(1), d(2)}, ctx),
                                            AffineMap::getMultiDimIdentityMap(rank, ctx)},
                     iterators(rank, 0),
                     [](OpBuilder &bb, Location bl, ValueRange a) {
                       linalg::YieldOp::create(bb, bl, a[0]);
                     })
                     .getResult(0);
        } else {
          init = fill(nb, l, part, 0.0);
        }
        return contract(nb, l, wg, col, init, maps, iterators(loops, 1));
      });
}

Value conv::scatterColumns(OpBuilder &b, Location loc, Value dyg, Value wg, Value out,
                           const Window &w, OpFoldResult ho, OpFoldResult wo, int64_t groups) {
  MLIRContext *ctx = b.getContext();
  auto dyt = cast<RankedTensorType>(dyg.getType());
  auto wt = cast<RankedTensorType>(wg.getType());
  bool flat = flatSpatial(ho, wo);
  unsigned loops = 4 + (flat ? 1 : 2);
  auto d = [&](unsigned i) { return dim(ctx, i); };
  // Loops (n, g, k, p | o).
  AffineExpr o = d(loops - 1);
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, {d(1), o, d(2)}, ctx),
                              withSpatial(ctx, loops, {d(0), d(1), o}, 3, flat),
                              withSpatial(ctx, loops, {d(0), d(1), d(2)}, 3, flat)};
  int64_t channels = cast<RankedTensorType>(out.getType()).getDimSize(1);
  return forEachSlice(
      b, loc, out, OpFoldResult(), [&](OpBuilder &nb, Location l, Value n, Value part) -> Value {
        Value dyn = image(nb, l, dyg, n);
        SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(nb, l, dyn);
        sizes[2] = nb.getIndexAttr(wt.getDimSize(2)); // [1, G, C/G KH KW, <spatial>]
        Value init = fill(nb, l, tensor::EmptyOp::create(nb, l, sizes, dyt.getElementType()), 0.0);
        Value dcol = contract(nb, l, wg, dyn, init, maps, iterators(loops, 1));
        Value cols = ungroupColumns(nb, l, dcol,
                                    {nb.getIndexAttr(1), nb.getIndexAttr(channels),
                                     nb.getIndexAttr(w.kernel[0]), nb.getIndexAttr(w.kernel[1]),
                                     ho, wo},
                                    flat);
        return col2im(nb, l, cols, w, tensor::getMixedSize(nb, l, part, 2),
                      tensor::getMixedSize(nb, l, part, 3));
      });
}

/// [1, G, ...] -> [G, ...]: the leading unit dim of one slice dropped.
static Value dropUnitDim(OpBuilder &b, Location loc, Value v) {
  SmallVector<ReassociationIndices> groups{{0, 1}};
  for (int64_t i = 2; i < cast<RankedTensorType>(v.getType()).getRank(); ++i)
    groups.push_back({i});
  return tensor::CollapseShapeOp::create(b, loc, v, groups);
}

Value conv::weightGradient(OpBuilder &b, Location loc, Value dyg, Value x, const Window &w,
                           OpFoldResult ho, OpFoldResult wo, int64_t groups, bool transposed) {
  MLIRContext *ctx = b.getContext();
  auto dyt = cast<RankedTensorType>(dyg.getType());
  auto xt = cast<RankedTensorType>(x.getType());
  Type elt = dyt.getElementType();
  bool flat = flatSpatial(ho, wo);
  unsigned spatial = flat ? 1 : 2, loops = 4 + spatial;
  int64_t perGroupK = xt.getDimSize(1) / groups * w.kernel[0] * w.kernel[1];
  SmallVector<int64_t> shape{ShapedType::kDynamic, groups, dyt.getDimSize(2), perGroupK};
  if (transposed)
    std::swap(shape[2], shape[3]);
  // Images per chunk: as many as keep the chunk's columns within
  // kChunkBytes (one image of 16 channels at 28 x 28, four at 64 x 7 x 7).
  int64_t imageBytes = xt.getDimSize(1) * w.kernel[0] * w.kernel[1] *
                       elt.getIntOrFloatBitWidth() / 8;
  if (flat)
    imageBytes *= *getConstantIntValue(ho) * *getConstantIntValue(wo);
  int64_t perChunk = flat ? std::max<int64_t>(1, kChunkBytes / imageBytes) : 1;

  auto d = [&](unsigned i) { return dim(ctx, i); };
  // Loops (g, o, k | n, p), or (g, k, o | n, p) when transposed.
  AffineExpr o = transposed ? d(2) : d(1), k = transposed ? d(1) : d(2);
  AffineMap dyMap = withSpatial(ctx, loops, {d(3), d(0), o}, 4, flat);
  AffineMap colMap = withSpatial(ctx, loops, {d(3), d(0), k}, 4, flat);
  AffineMap outMap = AffineMap::get(loops, 0, {d(0), d(1), d(2)}, ctx);

  auto cst = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  Value count = getValueOrCreateConstantIndexOp(b, loc, tensor::getMixedSize(b, loc, x, 0));
  Value chunks = arith::CeilDivUIOp::create(b, loc, count, cst(b, perChunk));
  Value partials = forEachSlice(
      b, loc, tensor::EmptyOp::create(b, loc, shape, elt, ValueRange{chunks}), chunks,
      [&](OpBuilder &nb, Location l, Value c, Value part) -> Value {
        // Images [lo, lo + size) of the batch.
        Value lo = arith::MulIOp::create(nb, l, c, cst(nb, perChunk));
        Value size = arith::MinUIOp::create(nb, l, cst(nb, perChunk),
                                            arith::SubIOp::create(nb, l, count, lo));
        auto images = [&](Value v) -> Value {
          SmallVector<OpFoldResult> offsets, sizes = tensor::getMixedSizes(nb, l, v),
                                             strides;
          auto rank = cast<RankedTensorType>(v.getType()).getRank();
          offsets.assign(rank, nb.getIndexAttr(0));
          strides.assign(rank, nb.getIndexAttr(1));
          offsets[0] = lo;
          sizes[0] = size;
          return tensor::ExtractSliceOp::create(nb, l, v, offsets, sizes, strides);
        };
        Value col = groupColumns(nb, l, im2col(nb, l, images(x), w, ho, wo), groups, flat);
        Value dyn = images(dyg);
        Value acc = fill(nb, l, dropUnitDim(nb, l, part), 0.0);
        Value sum = transposed ? contract(nb, l, col, dyn, acc, {colMap, dyMap, outMap},
                                          iterators(loops, 1 + spatial))
                               : contract(nb, l, dyn, col, acc, {dyMap, colMap, outMap},
                                          iterators(loops, 1 + spatial));
        return tensor::ExpandShapeOp::create(nb, l, part.getType(), sum,
                                             SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
      });
  return sumDims(b, loc, partials, {true, false, false, false});
}
