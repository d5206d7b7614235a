//===- ReductionGrad.cpp - VJPs of mean, sum, softmax, log_softmax --------===//
//
//   sum(x, dims):         dx = broadcast_to(dy, x, dims)
//   mean(x, dims):        dx = broadcast_to(dy, x, dims) / count(dims)
//   y = softmax(x, d):    dx = y * (dy - sum_d(dy * y))   (res.softmax_grad)
//   y = log_softmax(x, d): dx = dy - exp(y) * sum_d(dy)   (res.log_softmax_grad)
//
//===----------------------------------------------------------------------===//

#include "VJPBuilder.h"

using namespace mlir;
using namespace res;
using namespace res::grad;

template <typename OpTy>
static LogicalResult reductionVJP(OpTy op, bool mean, OpBuilder &builder,
                                  ValueRange resultGrads, ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &operandGrads) {
  VJPBuilder v(op, builder, resultGrads, needed, operandGrads);
  if (!v.active() || !v.needs(0))
    return v.finish();
  v.set(0, v.template make<BroadcastToOp>(v.dy(), op.getInput(),
                                          op.getDimsAttr(), op.getKeepdimAttr(),
                                          builder.getBoolAttr(mean)));
  return v.finish();
}

RES_VJP(SumOp) {
  return reductionVJP(*this, /*mean=*/false, builder, resultGrads, needed,
                      operandGrads);
}

RES_VJP(MeanOp) {
  return reductionVJP(*this, /*mean=*/true, builder, resultGrads, needed,
                      operandGrads);
}

RES_VJP(SoftmaxOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<SoftmaxGradOp>(getResult(), dy, getDimAttr()));
  return v.finish();
}

RES_VJP(LogSoftmaxOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<LogSoftmaxGradOp>(getResult(), dy, getDimAttr()));
  return v.finish();
}
