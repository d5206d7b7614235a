//===- ElementwiseGrad.cpp - VJPs of elementwise ops and constants --------===//
//
// With y = f(x...) and dy the adjoint of y:
//   add:  dlhs = dy,            drhs = dy
//   sub:  dlhs = dy,            drhs = -dy
//   mul:  dlhs = dy * rhs,      drhs = dy * lhs
//   div:  dlhs = dy / rhs,      drhs = -(dy * y) / rhs    (= -dy lhs / rhs^2)
// each summed back to the operand's own shape (res.reduce_to) where
// broadcasting stretched it; residual_add: dbranch = dskip = dy.
//   neg: -dy   exp: dy * y   log: dy / x   sqrt: dy / y * 0.5
//   dropout: dropout(dy) with the same key and site (the same mask)
//   causal_mask: causal_mask(dy) with fill 0 (masked entries are constants)
//   relu, gelu, silu (from x) and tanh, sigmoid (from y): res.<f>_grad.
//
//===----------------------------------------------------------------------===//

#include "VJPBuilder.h"

using namespace mlir;
using namespace res;
using namespace res::grad;

static Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

// A constant has no operands: nothing to propagate.
RES_VJP(ConstantOp) {
  VJPBuilder v(getOperation(), builder, resultGrads, needed, operandGrads);
  return v.finish();
}

//===----------------------------------------------------------------------===//
// Binary ops (with broadcasting)
//===----------------------------------------------------------------------===//

RES_VJP(AddOp) {
  RES_VJP_BEGIN
  v.set(0, dy);
  v.set(1, dy);
  return v.finish();
}

RES_VJP(ResidualAddOp) {
  RES_VJP_BEGIN
  v.set(0, dy);
  v.set(1, dy);
  return v.finish();
}

RES_VJP(SubOp) {
  RES_VJP_BEGIN
  v.set(0, dy);
  if (v.needs(1)) // negate after summing: fewer elements
    v.set(1, v.make<NegOp>(v.asTypeOf(dy, getRhs())));
  return v.finish();
}

RES_VJP(MulOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<MulOp>(dy, getRhs()));
  if (v.needs(1))
    v.set(1, v.make<MulOp>(dy, getLhs()));
  return v.finish();
}

RES_VJP(DivOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<DivOp>(dy, getRhs()));
  if (v.needs(1)) {
    Value t = v.make<DivOp>(v.make<MulOp>(dy, getResult()), getRhs());
    v.set(1, v.make<NegOp>(v.asTypeOf(t, getRhs())));
  }
  return v.finish();
}

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

RES_VJP(NegOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<NegOp>(dy));
  return v.finish();
}

RES_VJP(DropoutOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<DropoutOp>(dy, getKey(), getPAttr(), getSiteAttr()));
  return v.finish();
}

RES_VJP(ExpOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<MulOp>(dy, getResult()));
  return v.finish();
}

RES_VJP(LogOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<DivOp>(dy, getInput()));
  return v.finish();
}

RES_VJP(SqrtOp) {
  RES_VJP_BEGIN
  if (v.needs(0)) {
    Value half = v.scalar(elementTypeOf(dy), 0.5);
    v.set(0, v.make<MulOp>(v.make<DivOp>(dy, getResult()), half));
  }
  return v.finish();
}

/// dx = GradOp(primal, dy) for an activation whose adjoint op takes the
/// primal input or output.
template <typename GradOp, typename... Attrs>
static LogicalResult activationVJP(Operation *op, OpBuilder &builder,
                                   ValueRange resultGrads,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &operandGrads,
                                   Value primal, Attrs... attrs) {
  VJPBuilder v(op, builder, resultGrads, needed, operandGrads);
  if (!v.active() || !v.needs(0))
    return v.finish();
  // The activation's input and output have the same type as dy.
  v.set(0, v.make<GradOp>(primal, v.dy(), attrs...));
  return v.finish();
}

/// From the output, not the input: y > 0 exactly where x > 0, and the
/// output is kept for the next layer anyway, so the input (a batch norm's
/// result) has no reader left but the relu and fuses into it
/// (res-fuse-elementwise): one pass over memory fewer per batch norm.
RES_VJP(ReluOp) {
  return activationVJP<ReluGradOp>(*this, builder, resultGrads, needed,
                                   operandGrads, getResult());
}

RES_VJP(GeluOp) {
  return activationVJP<GeluGradOp>(*this, builder, resultGrads, needed,
                                   operandGrads, getInput(),
                                   getApproximateAttr());
}

RES_VJP(SiluOp) {
  return activationVJP<SiluGradOp>(*this, builder, resultGrads, needed,
                                   operandGrads, getInput());
}

RES_VJP(TanhOp) {
  return activationVJP<TanhGradOp>(*this, builder, resultGrads, needed,
                                   operandGrads, getResult());
}

RES_VJP(SigmoidOp) {
  return activationVJP<SigmoidGradOp>(*this, builder, resultGrads, needed,
                                      operandGrads, getResult());
}

RES_VJP(CausalMaskOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<CausalMaskOp>(dy, builder.getF64FloatAttr(0.0)));
  return v.finish();
}
