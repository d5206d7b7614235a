//===- ConvBlocks.cpp - convolutions blocked per image ----------*- C++ -*-===//

#include "ConvBlocks.h"
#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace resc;
using namespace resc::conv;

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

namespace {
/// Images [lo, lo + size) of a batch of `count` cut into chunks of
/// `perChunk`: chunk `c`'s bounds (the last chunk may be short).
struct ImageChunk {
  Value lo, size;
  ImageChunk(OpBuilder &b, Location loc, Value c, Value count, int64_t perChunk) {
    Value per = arith::ConstantIndexOp::create(b, loc, perChunk);
    lo = arith::MulIOp::create(b, loc, c, per);
    size = arith::MinUIOp::create(b, loc, per, arith::SubIOp::create(b, loc, count, lo));
  }
  /// The chunk's images of `v` (dim 0).
  Value of(OpBuilder &b, Location loc, Value v) const {
    ImageSlice s = imageSlice(b, loc, v, lo);
    s.sizes[0] = size;
    return tensor::ExtractSliceOp::create(b, loc, v, s.offsets, s.sizes, s.strides);
  }
};
} // namespace

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

/// `part` set to bias[g, o] ([G, O/G]), or to zero without a bias; g is
/// dim `groupDim` of `part` and o the next ([1, G, O/G, <spatial>]: 1).
static Value initialize(OpBuilder &b, Location loc, Value part, Value bias,
                        unsigned groupDim = 1) {
  if (!bias)
    return fill(b, loc, part, 0.0);
  MLIRContext *ctx = b.getContext();
  unsigned rank = cast<RankedTensorType>(part.getType()).getRank();
  return linalg::GenericOp::create(
             b, loc, TypeRange{part.getType()}, ValueRange{bias}, ValueRange{part},
             SmallVector<AffineMap>{AffineMap::get(rank, 0,
                                                   {dim(ctx, groupDim), dim(ctx, groupDim + 1)},
                                                   ctx),
                                    AffineMap::getMultiDimIdentityMap(rank, ctx)},
             iterators(rank, 0),
             [](OpBuilder &bb, Location bl, ValueRange a) {
               linalg::YieldOp::create(bb, bl, a[0]);
             })
      .getResult(0);
}

/// The maps of y[n, g, o, p] += W[g, o, k] x[n, g, k, p]: loops (n, g, o, p | k).
static SmallVector<AffineMap> convolutionMaps(MLIRContext *ctx, bool flat) {
  unsigned loops = 4 + (flat ? 1 : 2);
  auto d = [&](unsigned i) { return dim(ctx, i); };
  AffineExpr k = d(loops - 1);
  return {AffineMap::get(loops, 0, {d(1), d(2), k}, ctx),
          withSpatial(ctx, loops, {d(0), d(1), k}, 3, flat),
          withSpatial(ctx, loops, {d(0), d(1), d(2)}, 3, flat)};
}

Value conv::convolve(OpBuilder &b, Location loc, Value x, Value wg, Value bias, Value out,
                     const Window &w, OpFoldResult ho, OpFoldResult wo, int64_t groups) {
  bool flat = flatSpatial(ho, wo);
  SmallVector<AffineMap> maps = convolutionMaps(b.getContext(), flat);
  return forEachSlice(
      b, loc, out, OpFoldResult(), [&](OpBuilder &nb, Location l, Value n, Value part) -> Value {
        Value col = groupColumns(nb, l, im2col(nb, l, image(nb, l, x, n), w, ho, wo), groups, flat);
        return contract(nb, l, wg, col, initialize(nb, l, part, bias), maps,
                        iterators(maps.front().getNumDims(), 1));
      });
}

/// Whether convolveShifted applies and pays: stride 1, static image and
/// output sizes, a kernel row that fits in a padded row, and at most 15%
/// extra pixels on the padded grid (28 x 28 and 14 x 14 images padded by
/// 1, not 7 x 7: there 63 instead of 49 pixels per row of output made
/// ResNet8's last convolution 20% slower than through its columns), and
/// at least 8 input channels per group: each position's contraction sums
/// over them only, and with fewer (a stem on one channel) the accumulator's
/// loads and stores outweigh its FMAs.
static bool isShiftable(Value x, const conv::Window &w, int64_t groups, OpFoldResult ho,
                        OpFoldResult wo) {
  auto xt = cast<RankedTensorType>(x.getType());
  if (w.stride[0] != 1 || w.stride[1] != 1 || xt.isDynamicDim(2) || xt.isDynamicDim(3) ||
      !getConstantIntValue(ho) || !getConstantIntValue(wo) || xt.getDimSize(1) / groups < 8)
    return false;
  int64_t wp = xt.getDimSize(3) + 2 * w.padding[1];
  return (w.kernel[1] - 1) * w.dilation[1] < wp && wp * 100 <= *getConstantIntValue(wo) * 115;
}

/// `x` ([S, C, H, W]) zero-padded as a stride-1 convolution's input on the
/// padded grid needs it, with one spare zero row at the bottom (the last
/// kernel positions' shifts run up to (KW - 1) d elements past the padded
/// image, into columns that are cropped), each image flattened:
/// [S, G, C/G, (H + 2p + 1) (W + 2p)].
static Value flatPadded(OpBuilder &b, Location loc, Value x, const conv::Window &w,
                        int64_t groups) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t wp = xt.getDimSize(3) + 2 * w.padding[1];
  int64_t rows = xt.getDimSize(2) + 2 * w.padding[0] + 1;
  OpFoldResult s = tensor::getMixedSize(b, loc, x, 0);
  Value padded = padWithZeroBands(b, loc, x, {0, 0, w.padding[0], w.padding[1]},
                                  {0, 0, w.padding[0] + 1, w.padding[1]});
  return conv::regroup(b, loc, padded, {{0}, {1}, {2, 3}}, {{0}, {1, 2}, {3}},
                       {s, b.getIndexAttr(groups), b.getIndexAttr(xt.getDimSize(1) / groups),
                        b.getIndexAttr(rows * wp)});
}

/// The offset of kernel position `pos` = kh KW + kw in a flattened padded
/// image whose rows are `wp` long: kh d Wp + kw d.
static Value shiftOf(OpBuilder &b, Location loc, Value pos, const conv::Window &w, int64_t wp) {
  auto cst = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value kh = arith::DivUIOp::create(b, loc, pos, cst(w.kernel[1]));
  Value kw = arith::RemUIOp::create(b, loc, pos, cst(w.kernel[1]));
  return arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, kh, cst(w.dilation[0] * wp)),
                               arith::MulIOp::create(b, loc, kw, cst(w.dilation[1])));
}

/// A stride-1 convolution without columns. With the output on the padded
/// input's grid (Ho rows of Wp = W + 2p columns, of which the first Wo are
/// the result), the window position (kh, kw) of every output pixel is the
/// same constant shift kh d Wp + kw d of the flattened padded image:
///   y[n, g, o, q] = bias + sum over (kh, kw, c) of
///                   W[kh, kw, g, o, c] x_flat[n, g, c, q + kh d Wp + kw d],
/// one contraction whose image map is not a permutation
/// (Schedule.cpp `shiftedContractionTiles` tiles it: a register tile of
/// y sums all kernel positions before it is stored). It computes Wp / Wo
/// more pixels than needed (7% at 28 x 28, 14% at 14 x 14) and copies
/// nothing but the padding; the columns were KH KW copies of the image,
/// written and read again. Returns [N, O, Ho, Wo], a slice of the grid.
static Value convolveShifted(OpBuilder &b, Location loc, Value x, Value wg, Value bias,
                             const conv::Window &w, int64_t groups, int64_t ho, int64_t wo) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(wg.getType());
  Type elt = xt.getElementType();
  int64_t cg = xt.getDimSize(1) / groups, og = wt.getDimSize(1);
  int64_t kh = w.kernel[0], kw = w.kernel[1];
  int64_t wp = xt.getDimSize(3) + 2 * w.padding[1];
  int64_t q = ho * wp;
  auto idx = [&](int64_t v) { return OpFoldResult(b.getIndexAttr(v)); };

  // The weights by kernel position: [KH, KW, G, O/G, C/G].
  Value perPosition = regroup(b, loc, wg, {{0}, {1}, {2}}, {{0}, {1}, {2, 3}},
                              {idx(groups), idx(og), idx(cg), idx(kh * kw)});
  Value positions = linalg::TransposeOp::create(
                        b, loc, perPosition,
                        tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{kh * kw, groups, og, cg},
                                                elt),
                        ArrayRef<int64_t>{3, 0, 1, 2})
                        .getResult()[0];
  positions = regroup(b, loc, positions, {{0}, {1}, {2}, {3}}, {{0, 1}, {2}, {3}, {4}},
                      {idx(kh), idx(kw), idx(groups), idx(og), idx(cg)});
  OpFoldResult n = tensor::getMixedSize(b, loc, x, 0);
  Value grid = tensor::EmptyOp::create(b, loc, {n, idx(groups), idx(og), idx(q)}, elt);
  // Loops (n, g, o, q | kh, kw, c).
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return dim(ctx, i); };
  AffineExpr shifted = d(3) + d(4) * (w.dilation[0] * wp) + d(5) * w.dilation[1];
  SmallVector<AffineMap> maps = {AffineMap::get(7, 0, {d(4), d(5), d(1), d(2), d(6)}, ctx),
                                 AffineMap::get(7, 0, {d(0), d(1), d(6), shifted}, ctx),
                                 AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
  Value result = forEachSlice(
      b, loc, grid, OpFoldResult(), [&](OpBuilder &nb, Location l, Value i, Value part) -> Value {
        Value flatImage = flatPadded(nb, l, image(nb, l, x, i), w, groups);
        return contract(nb, l, positions, flatImage, initialize(nb, l, part, bias), maps,
                        iterators(7, 3));
      });
  Value onGrid = regroup(b, loc, result, {{0}, {1, 2}, {3}}, {{0}, {1}, {2, 3}},
                         {n, idx(groups * og), idx(ho), idx(wp)});
  return tensor::ExtractSliceOp::create(
      b, loc, onGrid, ArrayRef<OpFoldResult>{idx(0), idx(0), idx(0), idx(0)},
      ArrayRef<OpFoldResult>{n, idx(groups * og), idx(ho), idx(wo)},
      ArrayRef<OpFoldResult>{idx(1), idx(1), idx(1), idx(1)});
}

/// Below this many pixels per image (a 7 x 7 image's 49) the register
/// tile's vectors, which run along the pixels of one image, are mostly a
/// remainder: 49 = 3 x 16 + 1 made 24 x 16 tiles that broadcast 24 A
/// elements per k, and ResNet8's 7 x 7 layers ran at 40% of peak.
constexpr int64_t kMinPixelsPerContraction = 64;

/// y[n, g, o, p] = bias + sum_k W[g, o, k] col[n, g, k, p] for small images,
/// several images per contraction: per chunk of S images (an scf.forall),
/// their columns by kernel position ([C KH KW, S Ho Wo], the pixels of all S
/// images one contiguous dim, at least kMinPixelsPerContraction * 3 of
/// them), one contraction [G, O/G, S P], and its images transposed back
/// into `out` ([N, G, O/G, P]). A last, partial chunk computes garbage
/// columns for its missing images and does not write them back.
static Value convolveImages(OpBuilder &b, Location loc, Value x, Value wg, Value bias, Value out,
                            const conv::Window &w, int64_t ho, int64_t wo, int64_t groups) {
  MLIRContext *ctx = b.getContext();
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(wg.getType());
  Type elt = xt.getElementType();
  int64_t p = ho * wo, og = wt.getDimSize(1), kg = wt.getDimSize(2);
  int64_t columnBytes = groups * kg * p * elt.getIntOrFloatBitWidth() / 8;
  int64_t perChunk = std::max<int64_t>(
      1, std::min<int64_t>(llvm::divideCeilSigned(3 * kMinPixelsPerContraction, p),
                           kChunkBytes / columnBytes));
  int64_t q = perChunk * p;
  auto idx = [&](int64_t v) { return OpFoldResult(b.getIndexAttr(v)); };
  auto cst = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  Value count = getValueOrCreateConstantIndexOp(b, loc, tensor::getMixedSize(b, loc, x, 0));
  Value chunks = arith::CeilDivUIOp::create(b, loc, count, cst(b, perChunk));
  auto d = [&](unsigned i) { return dim(ctx, i); };
  // Loops (g, o, q | k).
  SmallVector<AffineMap> maps{AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx),
                              AffineMap::get(4, 0, {d(0), d(3), d(2)}, ctx),
                              AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)};
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{chunks}, ValueRange{out}, std::nullopt,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value shared = args[1];
        ImageChunk chunk(nb, l, args[0], count, perChunk);
        Value size = chunk.size;
        SmallVector<OpFoldResult> unit(4, nb.getIndexAttr(1));
        Value col =
            columnsByPosition(nb, l, phases(nb, l, chunk.of(nb, l, x), w), w, perChunk, ho, wo);
        Value colg = regroup(nb, l, col, {{0, 1, 2}, {3, 4, 5}}, {{0, 1}, {2}},
                             {idx(groups), idx(kg), idx(q)});
        Value acc = tensor::EmptyOp::create(nb, l, ArrayRef<int64_t>{groups, og, q}, elt);
        Value y = contract(nb, l, wg, colg, initialize(nb, l, acc, bias, /*groupDim=*/0), maps,
                           iterators(4, 1));
        // [G, O/G, S P] -> the chunk's images, [size, G, O/G, P].
        Value split = regroup(nb, l, y, {{0}, {1}, {2}}, {{0}, {1}, {2, 3}},
                              {idx(groups), idx(og), idx(perChunk), idx(p)});
        Value valid = tensor::ExtractSliceOp::create(
            nb, l, split, ArrayRef<OpFoldResult>{idx(0), idx(0), idx(0), idx(0)},
            ArrayRef<OpFoldResult>{idx(groups), idx(og), size, idx(p)}, unit);
        Value back = linalg::TransposeOp::create(
                         nb, l, valid,
                         tensor::EmptyOp::create(nb, l, {size, idx(groups), idx(og), idx(p)}, elt),
                         ArrayRef<int64_t>{2, 0, 1, 3})
                         .getResult()[0];
        auto inParallel = scf::InParallelOp::create(nb, l);
        OpBuilder::InsertionGuard guard(nb);
        nb.setInsertionPointToStart(inParallel.getBody());
        SmallVector<OpFoldResult> offsets(4, nb.getIndexAttr(0));
        offsets[0] = chunk.lo;
        tensor::ParallelInsertSliceOp::create(
            nb, l, back, shared, offsets,
            ArrayRef<OpFoldResult>{size, idx(groups), idx(og), idx(p)}, unit);
      });
  return forall.getResult(0);
}

Value conv::convolveImage(OpBuilder &b, Location loc, Value x, Value wg, Value bias, Value y,
                          const Window &w, int64_t groups) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, y);
  std::optional<int64_t> ho = getConstantIntValue(sizes[2]), wo = getConstantIntValue(sizes[3]);
  if (isShiftable(x, w, groups, sizes[2], sizes[3]))
    return convolveShifted(b, loc, x, wg, bias, w, groups, *ho, *wo);
  bool flat = flatSpatial(sizes[2], sizes[3]);
  Value out = groupImage(b, loc, y, groups, flat);
  Value result;
  if (flat && *ho * *wo < kMinPixelsPerContraction)
    result = convolveImages(b, loc, x, wg, bias, out, w, *ho, *wo, groups);
  else
    result = convolve(b, loc, x, wg, bias, out, w, sizes[2], sizes[3], groups);
  return ungroupImage(b, loc, result, sizes, flat);
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
        ImageChunk chunk(nb, l, c, count, perChunk);
        Value col =
            groupColumns(nb, l, im2col(nb, l, chunk.of(nb, l, x), w, ho, wo), groups, flat);
        Value dyn = chunk.of(nb, l, dyg);
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

/// The weight gradient of a stride-1 convolution without columns (the
/// adjoint of convolveShifted): with dy put on the padded grid (zeros in
/// the cropped columns) and transposed per image to [Q, O/G] (o contiguous,
/// the register tile's vector dim), kernel position i's gradient is
///   dw_i[g, c, o] = sum over (n, q) of x_flat[n, g, c, q + shift_i] dyT[n, g, q, o],
/// one contraction per position over a shifted slice of the padded input.
/// Images go in chunks (an scf.forall), each with its own partial sums
/// [KK, G, C/G, O/G], added afterwards. Returns [O, C/G, KH, KW].
static Value weightGradientShifted(OpBuilder &b, Location loc, Value dy, Value x,
                                   const conv::Window &w, int64_t groups, int64_t ho,
                                   int64_t wo) {
  MLIRContext *ctx = b.getContext();
  auto xt = cast<RankedTensorType>(x.getType());
  auto dyt = cast<RankedTensorType>(dy.getType());
  Type elt = xt.getElementType();
  int64_t cg = xt.getDimSize(1) / groups, og = dyt.getDimSize(1) / groups;
  int64_t kk = w.kernel[0] * w.kernel[1];
  int64_t wp = xt.getDimSize(3) + 2 * w.padding[1];
  int64_t rows = xt.getDimSize(2) + 2 * w.padding[0] + 1;
  int64_t q = ho * wp;
  auto idx = [&](int64_t v) { return OpFoldResult(b.getIndexAttr(v)); };
  auto cst = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  // Images per chunk: their padded inputs and transposed gradients within
  // kChunkBytes (four 16-channel 28 x 28 images).
  int64_t imageBytes = (xt.getDimSize(1) * rows * wp + dyt.getDimSize(1) * q) *
                       elt.getIntOrFloatBitWidth() / 8;
  int64_t perChunk = std::max<int64_t>(1, kChunkBytes / imageBytes);
  Value count = getValueOrCreateConstantIndexOp(b, loc, tensor::getMixedSize(b, loc, x, 0));
  Value chunks = arith::CeilDivUIOp::create(b, loc, count, cst(b, perChunk));
  Value empty = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{ShapedType::kDynamic, kk, groups, cg, og}, elt, ValueRange{chunks});
  auto d = [&](unsigned i) { return dim(ctx, i); };
  // Loops (g, c, o | n, q).
  SmallVector<AffineMap> maps{AffineMap::get(5, 0, {d(3), d(0), d(1), d(4)}, ctx),
                              AffineMap::get(5, 0, {d(3), d(0), d(4), d(2)}, ctx),
                              AffineMap::get(5, 0, {d(0), d(1), d(2)}, ctx)};
  Value partials = forEachSlice(
      b, loc, empty, chunks, [&](OpBuilder &nb, Location l, Value c, Value part) -> Value {
        ImageChunk chunk(nb, l, c, count, perChunk);
        Value size = chunk.size;
        Value flatImage = flatPadded(nb, l, chunk.of(nb, l, x), w, groups); // [S, G, C/G, L]
        // dy on the grid, zero in the cropped columns, then [S, G, Q, O/G].
        Value onGrid =
            padWithZeroBands(nb, l, chunk.of(nb, l, dy), {0, 0, 0, 0}, {0, 0, 0, wp - wo});
        Value grouped = regroup(nb, l, onGrid, {{0}, {1}, {2, 3}}, {{0}, {1, 2}, {3}},
                                {size, idx(groups), idx(og), idx(q)});
        Value dyT = linalg::TransposeOp::create(
                        nb, l, grouped,
                        tensor::EmptyOp::create(nb, l, {size, idx(groups), idx(q), idx(og)}, elt),
                        ArrayRef<int64_t>{0, 1, 3, 2})
                        .getResult()[0];
        // part is [1, KK, G, C/G, O/G]: each position's sum goes to its slice.
        auto loop = scf::ForOp::create(
            nb, l, cst(nb, 0), cst(nb, kk), cst(nb, 1), ValueRange{part},
            [&](OpBuilder &fb, Location fl, Value pos, ValueRange acc) {
              OpFoldResult zero = fb.getIndexAttr(0), one = fb.getIndexAttr(1);
              Value shifted = tensor::ExtractSliceOp::create(
                  fb, fl, flatImage,
                  ArrayRef<OpFoldResult>{zero, zero, zero, shiftOf(fb, fl, pos, w, wp)},
                  ArrayRef<OpFoldResult>{size, idx(groups), idx(cg), idx(q)},
                  ArrayRef<OpFoldResult>{one, one, one, one});
              SmallVector<OpFoldResult> offsets{zero, pos, zero, zero, zero},
                  sizes{one, one, idx(groups), idx(cg), idx(og)}, strides(5, one);
              auto sliceType = RankedTensorType::get({groups, cg, og}, elt);
              Value slot = tensor::ExtractSliceOp::create(fb, fl, sliceType, acc[0], offsets,
                                                          sizes, strides);
              Value sum = contract(fb, fl, shifted, dyT, fill(fb, fl, slot, 0.0), maps,
                                   iterators(5, 2));
              scf::YieldOp::create(fb, fl,
                                   ValueRange{tensor::InsertSliceOp::create(
                                       fb, fl, sum, acc[0], offsets, sizes, strides)});
            });
        return loop.getResult(0);
      });
  // [KK, G, C/G, O/G] -> [G, O/G, C/G, KK] -> [O, C/G, KH, KW].
  Value dw = sumDims(b, loc, partials, {true, false, false, false, false});
  Value perWeight = linalg::TransposeOp::create(
                        b, loc, dw,
                        tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{groups, og, cg, kk}, elt),
                        ArrayRef<int64_t>{1, 3, 2, 0})
                        .getResult()[0];
  return regroup(b, loc, perWeight, {{0, 1}, {2}, {3}}, {{0}, {1}, {2, 3}},
                 {idx(groups * og), idx(cg), idx(w.kernel[0]), idx(w.kernel[1])});
}

Value conv::weightGradientImage(OpBuilder &b, Location loc, Value dy, Value x, const Window &w,
                                int64_t groups, RankedTensorType type) {
  SmallVector<OpFoldResult> dySizes = tensor::getMixedSizes(b, loc, dy);
  if (isShiftable(x, w, groups, dySizes[2], dySizes[3]))
    return weightGradientShifted(b, loc, dy, x, w, groups, *getConstantIntValue(dySizes[2]),
                                 *getConstantIntValue(dySizes[3]));
  bool flat = flatSpatial(dySizes[2], dySizes[3]);
  int64_t perGroupK = type.getDimSize(1) * w.kernel[0] * w.kernel[1];
  int64_t perGroupO = type.getDimSize(0) / groups;
  // Both operands run along p, but the register tile's vectors run along
  // the output's innermost dim, so the operand indexed by it gets
  // transposed (res-transpose-contraction-operands). With more column
  // rows than output channels (a 3x3 kernel's C * 9 > O) transposing dy
  // moves less: compute dw^T [G, K, O] and transpose that small result.
  bool transposed = perGroupK > perGroupO;
  Value dw = weightGradient(b, loc, groupImage(b, loc, dy, groups, flat), x, w, dySizes[2],
                            dySizes[3], groups, transposed);
  if (transposed) {
    Value out = tensor::EmptyOp::create(b, loc, {groups, perGroupO, perGroupK},
                                        type.getElementType());
    dw = linalg::TransposeOp::create(b, loc, dw, out, ArrayRef<int64_t>{0, 2, 1}).getResult()[0];
  }
  SmallVector<OpFoldResult> sizes;
  for (int64_t size : type.getShape())
    sizes.push_back(b.getIndexAttr(size));
  return regroup(b, loc, dw, {{0, 1}, {2}}, {{0}, {1, 2, 3}}, sizes);
}
