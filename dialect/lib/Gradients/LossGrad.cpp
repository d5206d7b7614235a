//===- LossGrad.cpp - VJPs of cross_entropy and mse -----------------------===//
//
// With dl the adjoint of the (rank-0, mean) loss:
//   cross_entropy(x, y): dx = (softmax(x) - onehot(y)) * dl / rows
//                        (res.cross_entropy_grad); the labels get none.
//   mse(a, t):           da = 2 (a - t) dl / numel (res.mse_grad), dt = -da.
//
//===----------------------------------------------------------------------===//

#include "VJPBuilder.h"

using namespace mlir;
using namespace res;
using namespace res::grad;

RES_VJP(CrossEntropyOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<CrossEntropyGradOp>(getLogits(), getLabels(), dy));
  return v.finish();
}

RES_VJP(MseOp) {
  RES_VJP_BEGIN
  if (!v.needs(0) && !v.needs(1))
    return v.finish();
  Value da = v.make<MseGradOp>(getInput(), getTarget(), dy);
  v.set(0, da);
  if (v.needs(1))
    v.set(1, v.make<NegOp>(da));
  return v.finish();
}
