//===- NNGrad.cpp - VJPs of conv2d, pooling, normalisation, embedding -----===//
//
// The layers' adjoints need loops the generic res ops cannot express
// (transposed convolutions, windows, scatter-adds), so each has a dedicated
// gradient op (ResGradientOps.td, where the formulas are) that carries the
// forward op's attributes; the VJPs here only wire them up:
//
//   conv2d:      dx = conv2d_grad_input(dy, W),  dW = conv2d_grad_weight(dy, x),
//                db = sum of dy over N, H, W
//   max_pool2d:  dx = max_pool2d_grad(x, dy)      (to each window's argmax)
//   avg_pool2d:  dx = avg_pool2d_grad(dy)         (dy / area to each window)
//   embedding:   dW = embedding_grad(idx, dy)     (scatter-add of rows)
//   batch_norm:  dx, dw, db = batch_norm_grad(...) with the op's `training`
//                (batch statistics) or evaluation (running statistics) mode
//   layer_norm:  dx, dw, db = layer_norm_grad(...)
//
// The running statistics of batch_norm and the embedding's indices get no
// adjoint.
//
//===----------------------------------------------------------------------===//

#include "VJPBuilder.h"

using namespace mlir;
using namespace res;
using namespace res::grad;

RES_VJP(Conv2dOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<Conv2dGradInputOp>(dy, getWeight(), getInput(), getStrideAttr(),
                                       getPaddingAttr(), getDilationAttr(),
                                       getGroupsAttr()));
  if (v.needs(1))
    v.set(1, v.make<Conv2dGradWeightOp>(dy, getInput(), getWeight(), getStrideAttr(),
                                        getPaddingAttr(), getDilationAttr(),
                                        getGroupsAttr()));
  if (getBias() && v.needs(2))
    v.set(2, v.make<SumOp>(dy, builder.getDenseI64ArrayAttr({0, 2, 3}),
                           builder.getBoolAttr(false)));
  return v.finish();
}

RES_VJP(MaxPool2dOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<MaxPool2dGradOp>(getInput(), dy, getKernelAttr(), getStrideAttr(),
                                     getPaddingAttr()));
  return v.finish();
}

RES_VJP(AvgPool2dOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<AvgPool2dGradOp>(dy, getInput(), getKernelAttr(), getStrideAttr(),
                                     getPaddingAttr()));
  return v.finish();
}

RES_VJP(EmbeddingOp) {
  RES_VJP_BEGIN
  if (!v.needs(1))
    return v.finish();
  Value indices = getIndices();
  if (cast<RankedTensorType>(indices.getType()).getRank() == 0) {
    // One index: as a batch of one ([1] and [1, d]).
    indices = v.make<ReshapeOp>(indices, builder.getDenseI64ArrayAttr({1}));
    dy = v.make<ReshapeOp>(dy, builder.getDenseI64ArrayAttr({1, -1}));
  }
  v.set(1, v.make<EmbeddingGradOp>(indices, dy, getWeight()));
  return v.finish();
}

RES_VJP(BatchNormOp) {
  RES_VJP_BEGIN
  if (!v.needs(0) && !v.needs(1) && !v.needs(2))
    return v.finish();
  auto grads = v.makeOp<BatchNormGradOp>(getInput(), getWeight(), getRunningMean(),
                                         getRunningVar(), dy, getEpsAttr(),
                                         getTrainingAttr());
  if (!grads)
    return v.finish();
  v.set(0, grads.getInputGrad());
  v.set(1, grads.getWeightGrad());
  v.set(2, grads.getBiasGrad());
  return v.finish();
}

RES_VJP(LayerNormOp) {
  RES_VJP_BEGIN
  if (!v.needs(0) && !v.needs(1) && !v.needs(2))
    return v.finish();
  auto grads = v.makeOp<LayerNormGradOp>(getInput(), getWeight(), dy, getEpsAttr());
  if (!grads)
    return v.finish();
  v.set(0, grads.getInputGrad());
  v.set(1, grads.getWeightGrad());
  v.set(2, grads.getBiasGrad());
  return v.finish();
}
