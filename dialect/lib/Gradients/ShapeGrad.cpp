//===- ShapeGrad.cpp - VJPs of reshape, transpose, concat -----------------===//
//
//   reshape:   dx = reshape(dy, shape of x)   (x may have one dynamic dim,
//                                              which becomes the -1)
//   transpose: dx = transpose(dy, dim0, dim1)
//   concat:    dx_i = slice(dy, dim, offset_i, size_i)   (static sizes)
//   slice:     dx = slice_grad(dy, x, dim, offset)    (zeros elsewhere)
//   split_dim: dx = merge_dims(dy, dim)
//   merge_dims: dx = split_dim(dy, dim, size of x's dim)
//
//===----------------------------------------------------------------------===//

#include "VJPBuilder.h"

using namespace mlir;
using namespace res;
using namespace res::grad;

RES_VJP(ReshapeOp) {
  RES_VJP_BEGIN
  if (!v.needs(0))
    return v.finish();
  auto xt = cast<RankedTensorType>(getInput().getType());
  if (xt.getNumDynamicDims() > 1)
    return v.fail("cannot build the adjoint of a reshape whose input " +
                  Twine("has more than one dynamic dimension (res.reshape "
                        "takes at most one -1)"));
  SmallVector<int64_t> shape;
  for (int64_t size : xt.getShape())
    shape.push_back(ShapedType::isDynamic(size) ? -1 : size);
  v.set(0, v.make<ReshapeOp>(dy, builder.getDenseI64ArrayAttr(shape)));
  return v.finish();
}

RES_VJP(TransposeOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<TransposeOp>(dy, getDim0Attr(), getDim1Attr()));
  return v.finish();
}

RES_VJP(ConcatOp) {
  RES_VJP_BEGIN
  int64_t dim = getDim();
  int64_t offset = 0;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    int64_t size = cast<RankedTensorType>(input.getType()).getDimSize(dim);
    if (ShapedType::isDynamic(size)) {
      // Later inputs start at an unknown offset too.
      for (unsigned j = i; j < getInputs().size(); ++j)
        if (v.needs(j))
          return v.fail("cannot build the adjoint of input #" + Twine(j) +
                        ": the inputs are not static along dim " + Twine(dim));
      break;
    }
    if (v.needs(i))
      v.set(i, v.make<SliceOp>(dy, builder.getI64IntegerAttr(dim),
                               builder.getI64IntegerAttr(offset),
                               builder.getI64IntegerAttr(size)));
    offset += size;
  }
  return v.finish();
}

RES_VJP(SliceOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<SliceGradOp>(dy, getInput(), getDimAttr(), getOffsetAttr()));
  return v.finish();
}

RES_VJP(SplitDimOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<MergeDimsOp>(dy, getDimAttr()));
  return v.finish();
}

RES_VJP(MergeDimsOp) {
  RES_VJP_BEGIN
  if (!v.needs(0))
    return v.finish();
  int64_t dim = getDim();
  int64_t parts = cast<RankedTensorType>(getInput().getType()).getDimSize(dim);
  if (ShapedType::isDynamic(parts))
    return v.fail("cannot build the adjoint of a merge_dims whose dimension " +
                  Twine(dim) + " is dynamic");
  v.set(0, v.make<SplitDimOp>(dy, getDimAttr(), builder.getI64IntegerAttr(parts)));
  return v.finish();
}
