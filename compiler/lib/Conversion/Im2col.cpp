//===- Im2col.cpp - convolutions as contractions over columns ---*- C++ -*-===//

#include "Im2col.h"
#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace resc;

static RankedTensorType tensorType(ArrayRef<OpFoldResult> sizes, Type elt) {
  SmallVector<int64_t> shape;
  for (OpFoldResult s : sizes)
    shape.push_back(getConstantIntValue(s).value_or(ShapedType::kDynamic));
  return RankedTensorType::get(shape, elt);
}

static bool isStrided(const conv::Window &w) { return w.stride[0] > 1 || w.stride[1] > 1; }

/// a m + c on a size, folded when it is static.
static OpFoldResult scaleSize(OpBuilder &b, Location loc, OpFoldResult a, int64_t m, int64_t c) {
  if (std::optional<int64_t> v = getConstantIntValue(a))
    return b.getIndexAttr(*v * m + c);
  Value x = getValueOrCreateConstantIndexOp(b, loc, a);
  if (m != 1)
    x = arith::MulIOp::create(b, loc, x, arith::ConstantIndexOp::create(b, loc, m));
  if (c == 0)
    return x;
  return Value(arith::AddIOp::create(b, loc, x, arith::ConstantIndexOp::create(b, loc, c)));
}

/// The number of rows of one stride phase of the padded image:
/// ceil((h + 2 p) / s).
static OpFoldResult phaseSize(OpBuilder &b, Location loc, OpFoldResult h, int64_t pad,
                              int64_t s) {
  OpFoldResult top = scaleSize(b, loc, h, 1, 2 * pad + s - 1);
  if (std::optional<int64_t> v = getConstantIntValue(top))
    return b.getIndexAttr(*v / s);
  return Value(arith::DivUIOp::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, top),
                                      arith::ConstantIndexOp::create(b, loc, s)));
}

Value conv::phases(OpBuilder &b, Location loc, Value x, const Window &w) {
  auto xt = cast<RankedTensorType>(x.getType());
  Type elt = xt.getElementType();
  SmallVector<OpFoldResult> xs = tensor::getMixedSizes(b, loc, x);
  OpFoldResult zero = b.getIndexAttr(0);
  SmallVector<OpFoldResult> low{zero, zero}, high{zero, zero}, padded{xs[0], xs[1]}, phase;
  bool pads = false;
  for (int i = 0; i < 2; ++i) {
    int64_t p = w.padding[i], s = w.stride[i];
    phase.push_back(phaseSize(b, loc, xs[2 + i], p, s));
    // high = Hs s - H - p, at least p.
    OpFoldResult hq = scaleSize(b, loc, phase.back(), s, 0);
    OpFoldResult hi = b.getIndexAttr(p);
    if (s > 1) {
      std::optional<int64_t> q = getConstantIntValue(hq), h = getConstantIntValue(xs[2 + i]);
      hi = q && h ? OpFoldResult(b.getIndexAttr(*q - *h - p))
                  : OpFoldResult(Value(arith::SubIOp::create(
                        b, loc, getValueOrCreateConstantIndexOp(b, loc, hq),
                        getValueOrCreateConstantIndexOp(b, loc, scaleSize(b, loc, xs[2 + i], 1, p)))));
    }
    low.push_back(b.getIndexAttr(p));
    high.push_back(hi);
    padded.push_back(hq);
    pads |= p != 0 || getConstantIntValue(hi) != std::optional<int64_t>(0);
  }
  Value xq = x;
  std::optional<SmallVector<int64_t>> lowSizes = getConstantIntValues(low),
                                      highSizes = getConstantIntValues(high);
  if (pads && lowSizes && highSizes && !xt.isDynamicDim(2) && !xt.isDynamicDim(3))
    xq = padWithZeroBands(b, loc, x, *lowSizes, *highSizes);
  else if (pads)
    xq = tensor::PadOp::create(b, loc, tensorType(padded, elt), x, low, high,
                               floatConst(b, loc, elt, 0.0));
  OpFoldResult one = b.getIndexAttr(1);
  if (!isStrided(w))
    return tensor::ExpandShapeOp::create(
        b, loc, tensorType({xs[0], xs[1], one, one, padded[2], padded[3]}, elt), xq,
        SmallVector<ReassociationIndices>{{0}, {1, 2, 3}, {4}, {5}},
        SmallVector<OpFoldResult>{xs[0], xs[1], one, one, padded[2], padded[3]});
  OpFoldResult sh = b.getIndexAttr(w.stride[0]), sw = b.getIndexAttr(w.stride[1]);
  SmallVector<OpFoldResult> split{xs[0], xs[1], phase[0], sh, phase[1], sw};
  Value rows = tensor::ExpandShapeOp::create(
      b, loc, tensorType(split, elt), xq,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}}, split);
  Value init = tensor::EmptyOp::create(
      b, loc, SmallVector<OpFoldResult>{xs[0], xs[1], sh, sw, phase[0], phase[1]}, elt);
  return linalg::TransposeOp::create(b, loc, rows, init, ArrayRef<int64_t>{0, 1, 3, 5, 2, 4})
      .getResult()[0];
}

/// The inverse of conv::phases: phases interleaved back, padding dropped, [N, C, h, w].
static Value fromPhases(OpBuilder &b, Location loc, Value ph, const conv::Window &w,
                        OpFoldResult h, OpFoldResult wd) {
  auto pt = cast<RankedTensorType>(ph.getType());
  SmallVector<OpFoldResult> ps = tensor::getMixedSizes(b, loc, ph);
  Value xq;
  if (!isStrided(w)) {
    xq = tensor::CollapseShapeOp::create(
        b, loc, ph, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}, {4}, {5}});
    if (w.padding[0] == 0 && w.padding[1] == 0)
      return xq;
  } else {
    Value init = tensor::EmptyOp::create(
        b, loc, SmallVector<OpFoldResult>{ps[0], ps[1], ps[4], ps[2], ps[5], ps[3]},
        pt.getElementType());
    Value rows =
        linalg::TransposeOp::create(b, loc, ph, init, ArrayRef<int64_t>{0, 1, 4, 2, 5, 3})
            .getResult()[0];
    xq = tensor::CollapseShapeOp::create(
        b, loc, rows, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}});
  }
  SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0),
                                    b.getIndexAttr(w.padding[0]), b.getIndexAttr(w.padding[1])};
  SmallVector<OpFoldResult> sizes{ps[0], ps[1], h, wd};
  return tensor::ExtractSliceOp::create(b, loc, xq, offsets, sizes,
                                        SmallVector<OpFoldResult>(4, b.getIndexAttr(1)));
}

namespace {
/// Where the plane of one kernel position (kh, kw) lies in the phases
/// ([N, C, sh, sw, Hs, Ws]: phase (kh d) mod s, rows from (kh d) div s) and
/// in the columns ([N, C, KH, KW, Ho, Wo]); both slices are [N, C, 1, 1, Ho, Wo].
struct Plane {
  SmallVector<OpFoldResult> phaseOffsets, colOffsets, sizes, unit;
  RankedTensorType type;
};
} // namespace

/// `init` carried through one scf.for over the kernel positions
/// i = kh KW + kw, `body` updating it with the plane of each. One loop, not
/// KH x KW copies of the body: each copy was a kernel call whose memref
/// descriptors LLVM had to compile (7 s of ResNet8's compile time).
static Value forEachPlane(OpBuilder &b, Location loc, const conv::Window &w,
                          ArrayRef<OpFoldResult> sizes /* N, C, Ho, Wo */, Type elt, Value init,
                          function_ref<Value(OpBuilder &, Location, const Plane &, Value)> body) {
  auto cst = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  auto loop = scf::ForOp::create(
      b, loc, cst(b, 0), cst(b, w.kernel[0] * w.kernel[1]), cst(b, 1), ValueRange{init},
      [&](OpBuilder &nb, Location l, Value i, ValueRange acc) {
        Value kh = arith::DivUIOp::create(nb, l, i, cst(nb, w.kernel[1]));
        Value kw = arith::RemUIOp::create(nb, l, i, cst(nb, w.kernel[1]));
        // Offset t = k d of the window row, split by the stride.
        auto split = [&](Value k, int64_t d, int64_t s) -> std::pair<Value, Value> {
          Value t = arith::MulIOp::create(nb, l, k, cst(nb, d));
          return {arith::RemUIOp::create(nb, l, t, cst(nb, s)),
                  arith::DivUIOp::create(nb, l, t, cst(nb, s))};
        };
        auto [ph, rh] = split(kh, w.dilation[0], w.stride[0]);
        auto [pw, rw] = split(kw, w.dilation[1], w.stride[1]);
        Plane p;
        OpFoldResult zero = nb.getIndexAttr(0), one = nb.getIndexAttr(1);
        p.phaseOffsets = {zero, zero, ph, pw, rh, rw};
        p.colOffsets = {zero, zero, kh, kw, zero, zero};
        p.sizes = {sizes[0], sizes[1], one, one, sizes[2], sizes[3]};
        p.unit.assign(6, one);
        p.type = tensorType(p.sizes, elt); // not rank-reduced: with one image, [1, C, 1, 1, Ho, Wo] -> [1, C, Ho, Wo] would be ambiguous
        scf::YieldOp::create(nb, l, body(nb, l, p, acc[0]));
      });
  return loop.getResult(0);
}

Value conv::im2col(OpBuilder &b, Location loc, Value x, const Window &w, OpFoldResult ho,
                   OpFoldResult wo) {
  return columns(b, loc, phases(b, loc, x, w), w, ho, wo);
}

Value conv::columns(OpBuilder &b, Location loc, Value ph, const Window &w, OpFoldResult ho,
                    OpFoldResult wo) {
  auto pt = cast<RankedTensorType>(ph.getType());
  Type elt = pt.getElementType();
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, ph, 0),
                                  b.getIndexAttr(pt.getDimSize(1)), ho, wo};
  SmallVector<OpFoldResult> colShape{sizes[0], sizes[1], b.getIndexAttr(w.kernel[0]),
                                     b.getIndexAttr(w.kernel[1]), ho, wo};
  // Every plane is overwritten whole, so col needs no zero fill. Each copy
  // is an identity-map linalg.copy of unit-stride slices: tiled and
  // vectorized like any elementwise op.
  return forEachPlane(
      b, loc, w, sizes, elt, tensor::EmptyOp::create(b, loc, colShape, elt),
      [&](OpBuilder &nb, Location l, const Plane &p, Value col) -> Value {
        Value src =
            tensor::ExtractSliceOp::create(nb, l, p.type, ph, p.phaseOffsets, p.sizes, p.unit);
        Value dst =
            tensor::ExtractSliceOp::create(nb, l, p.type, col, p.colOffsets, p.sizes, p.unit);
        Value copied = linalg::CopyOp::create(nb, l, src, dst).getResult(0);
        return tensor::InsertSliceOp::create(nb, l, copied, col, p.colOffsets, p.sizes, p.unit);
      });
}

Value conv::columnsByPosition(OpBuilder &b, Location loc, Value ph, const Window &w,
                              int64_t images, int64_t ho, int64_t wo) {
  auto pt = cast<RankedTensorType>(ph.getType());
  Type elt = pt.getElementType();
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, ph, 0),
                                  b.getIndexAttr(pt.getDimSize(1)), b.getIndexAttr(ho),
                                  b.getIndexAttr(wo)};
  Value col = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{pt.getDimSize(1), w.kernel[0], w.kernel[1], images, ho, wo}, elt);
  // Planes [N, C, 1, 1, Ho, Wo] land at [C, 1, 1, N, Ho, Wo]: a transposing
  // copy whose rows (Wo) stay whole.
  SmallVector<int64_t> perm{1, 2, 3, 0, 4, 5};
  return forEachPlane(
      b, loc, w, sizes, elt, col,
      [&](OpBuilder &nb, Location l, const Plane &p, Value acc) -> Value {
        Value src =
            tensor::ExtractSliceOp::create(nb, l, p.type, ph, p.phaseOffsets, p.sizes, p.unit);
        SmallVector<OpFoldResult> offsets, dstSizes;
        for (int64_t d : perm) {
          offsets.push_back(p.colOffsets[d]);
          dstSizes.push_back(p.sizes[d]);
        }
        Value dst = tensor::ExtractSliceOp::create(nb, l, acc, offsets, dstSizes, p.unit);
        Value moved = linalg::TransposeOp::create(nb, l, src, dst, perm).getResult()[0];
        return tensor::InsertSliceOp::create(nb, l, moved, acc, offsets, dstSizes, p.unit);
      });
}

Value conv::col2im(OpBuilder &b, Location loc, Value dcol, const Window &w, OpFoldResult h,
                   OpFoldResult wd) {
  auto ct = cast<RankedTensorType>(dcol.getType());
  Type elt = ct.getElementType();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, dcol, 0),
                                  b.getIndexAttr(ct.getDimSize(1)),
                                  tensor::getMixedSize(b, loc, dcol, 4),
                                  tensor::getMixedSize(b, loc, dcol, 5)};
  SmallVector<OpFoldResult> phShape{sizes[0],
                                    sizes[1],
                                    b.getIndexAttr(w.stride[0]),
                                    b.getIndexAttr(w.stride[1]),
                                    phaseSize(b, loc, h, w.padding[0], w.stride[0]),
                                    phaseSize(b, loc, wd, w.padding[1], w.stride[1])};
  AffineMap id = AffineMap::getMultiDimIdentityMap(6, ctx); // the planes' [N, C, 1, 1, Ho, Wo]
  SmallVector<utils::IteratorType> its(6, utils::IteratorType::parallel);
  // Read-add-write of each plane, in place: overlapping windows
  // (stride < kernel) accumulate across planes (loop iterations), never
  // within one.
  Value ph = forEachPlane(
      b, loc, w, sizes, elt, fill(b, loc, tensor::EmptyOp::create(b, loc, phShape, elt), 0.0),
      [&](OpBuilder &nb, Location l, const Plane &p, Value acc) -> Value {
        Value region = tensor::ExtractSliceOp::create(nb, l, p.type, acc, p.phaseOffsets,
                                                      p.sizes, p.unit);
        Value part =
            tensor::ExtractSliceOp::create(nb, l, p.type, dcol, p.colOffsets, p.sizes, p.unit);
        Value sum = linalg::GenericOp::create(
                        nb, l, TypeRange{p.type}, ValueRange{part}, ValueRange{region},
                        SmallVector<AffineMap>{id, id}, its,
                        [](OpBuilder &bb, Location bl, ValueRange a) {
                          linalg::YieldOp::create(
                              bb, bl, ValueRange{arith::AddFOp::create(bb, bl, a[1], a[0])});
                        })
                        .getResult(0);
        return tensor::InsertSliceOp::create(nb, l, sum, acc, p.phaseOffsets, p.sizes, p.unit);
      });
  return fromPhases(b, loc, ph, w, h, wd);
}

Value conv::regroup(OpBuilder &b, Location loc, Value value,
                    ArrayRef<ReassociationIndices> collapse, ArrayRef<ReassociationIndices> expand,
                    ArrayRef<OpFoldResult> sizes) {
  auto t = cast<RankedTensorType>(value.getType());
  Value collapsed = value;
  if (collapse.size() < static_cast<size_t>(t.getRank()))
    collapsed = tensor::CollapseShapeOp::create(b, loc, value, collapse);
  if (expand.size() == sizes.size())
    return collapsed;
  SmallVector<OpFoldResult> resultSizes(sizes);
  for (auto [i, group] : llvm::enumerate(expand))
    for (int64_t d : group)
      if (!resultSizes[d])
        resultSizes[d] = tensor::getMixedSize(b, loc, collapsed, i);
  return tensor::ExpandShapeOp::create(b, loc, tensorType(resultSizes, t.getElementType()),
                                       collapsed, expand, resultSizes);
}

bool conv::flatSpatial(OpFoldResult ho, OpFoldResult wo) {
  return getConstantIntValue(ho) && getConstantIntValue(wo);
}

Value conv::groupColumns(OpBuilder &b, Location loc, Value col, int64_t groups, bool flat) {
  auto t = cast<RankedTensorType>(col.getType());
  int64_t k = t.getDimSize(1) * t.getDimSize(2) * t.getDimSize(3);
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, col, 0), b.getIndexAttr(groups),
                                  b.getIndexAttr(k / groups)};
  if (flat)
    return regroup(b, loc, col, {{0}, {1, 2, 3}, {4, 5}}, {{0}, {1, 2}, {3}},
                   {sizes[0], sizes[1], sizes[2], OpFoldResult()});
  return regroup(b, loc, col, {{0}, {1, 2, 3}, {4}, {5}}, {{0}, {1, 2}, {3}, {4}},
                 {sizes[0], sizes[1], sizes[2], OpFoldResult(), OpFoldResult()});
}

Value conv::ungroupColumns(OpBuilder &b, Location loc, Value col, ArrayRef<OpFoldResult> sizes,
                           bool flat) {
  if (flat)
    return regroup(b, loc, col, {{0}, {1, 2}, {3}}, {{0}, {1, 2, 3}, {4, 5}}, sizes);
  return regroup(b, loc, col, {{0}, {1, 2}, {3}, {4}}, {{0}, {1, 2, 3}, {4}, {5}}, sizes);
}

Value conv::groupImage(OpBuilder &b, Location loc, Value y, int64_t groups, bool flat) {
  auto t = cast<RankedTensorType>(y.getType());
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, y, 0), b.getIndexAttr(groups),
                                  b.getIndexAttr(t.getDimSize(1) / groups)};
  if (flat)
    return regroup(b, loc, y, {{0}, {1}, {2, 3}}, {{0}, {1, 2}, {3}},
                   {sizes[0], sizes[1], sizes[2], OpFoldResult()});
  return regroup(b, loc, y, {{0}, {1}, {2}, {3}}, {{0}, {1, 2}, {3}, {4}},
                 {sizes[0], sizes[1], sizes[2], OpFoldResult(), OpFoldResult()});
}

Value conv::ungroupImage(OpBuilder &b, Location loc, Value y, ArrayRef<OpFoldResult> sizes,
                         bool flat) {
  if (flat)
    return regroup(b, loc, y, {{0}, {1, 2}, {3}}, {{0}, {1}, {2, 3}}, sizes);
  return regroup(b, loc, y, {{0}, {1, 2}, {3}, {4}}, {{0}, {1}, {2}, {3}}, sizes);
}

AffineMap conv::withSpatial(MLIRContext *ctx, unsigned numLoops, ArrayRef<AffineExpr> lead,
                            unsigned first, bool flat) {
  SmallVector<AffineExpr> exprs(lead);
  for (unsigned i = 0; i < (flat ? 1u : 2u); ++i)
    exprs.push_back(getAffineDimExpr(first + i, ctx));
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

Value conv::groupWeight(OpBuilder &b, Location loc, Value w, int64_t groups) {
  auto t = cast<RankedTensorType>(w.getType());
  return regroup(b, loc, w, {{0}, {1, 2, 3}}, {{0, 1}, {2}},
                 {b.getIndexAttr(groups), b.getIndexAttr(t.getDimSize(0) / groups),
                  b.getIndexAttr(t.getDimSize(1) * t.getDimSize(2) * t.getDimSize(3))});
}

SmallVector<utils::IteratorType> conv::iterators(int64_t rank, int64_t reductions) {
  SmallVector<utils::IteratorType> its(rank, utils::IteratorType::parallel);
  for (int64_t i = rank - reductions; i < rank; ++i)
    its[i] = utils::IteratorType::reduction;
  return its;
}

Value conv::contract(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init,
                     ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iterators) {
  return linalg::GenericOp::create(b, loc, TypeRange{init.getType()}, ValueRange{lhs, rhs},
                                   ValueRange{init}, maps, iterators, macBody)
      .getResult(0);
}
