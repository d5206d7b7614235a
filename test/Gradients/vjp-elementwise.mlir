// VJPs of the elementwise ops and constants (ElementwiseGrad.cpp): each
// vjp_* function becomes the adjoints of its op's operands.
// RUN: res-opt %s --res-test-vjp | FileCheck %s

// A broadcast operand's adjoint is summed back to its shape; the other one
// is dy itself.
// CHECK-LABEL: func.func @vjp_add(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x4xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<4xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.add %[[A]], %[[B]] : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
// CHECK-NEXT: %[[REDUCE_TO:.*]] = res.reduce_to %[[DY]], %[[B]] : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[DY]], %[[REDUCE_TO]] : tensor<?x4xf32>, tensor<4xf32>
func.func @vjp_add(%a: tensor<?x4xf32>, %b: tensor<4xf32>, %dy: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = res.add %a, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// Both operands broadcast; the rhs adjoint is negated after the sum.
// CHECK-LABEL: func.func @vjp_sub(
// CHECK-SAME: %[[A:[^:]+]]: tensor<3x1xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<3x4xf32>) -> (tensor<3x1xf32>, tensor<4xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.sub %[[A]], %[[B]] : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
// CHECK-NEXT: %[[REDUCE_TO:.*]] = res.reduce_to %[[DY]], %[[A]] : (tensor<3x4xf32>, tensor<3x1xf32>) -> tensor<3x1xf32>
// CHECK-NEXT: %[[REDUCE_TO2:.*]] = res.reduce_to %[[DY]], %[[B]] : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[NEG:.*]] = res.neg %[[REDUCE_TO2]] : tensor<4xf32>
// CHECK-NEXT: return %[[REDUCE_TO]], %[[NEG]] : tensor<3x1xf32>, tensor<4xf32>
func.func @vjp_sub(%a: tensor<3x1xf32>, %b: tensor<4xf32>, %dy: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %y = res.sub %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// CHECK-LABEL: func.func @vjp_mul(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x4xf32>, %[[B:[^:]+]]: tensor<1x4xf32>, %[[DY:[^:]+]]: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<1x4xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.mul %[[A]], %[[B]] : tensor<?x4xf32>, tensor<1x4xf32> -> tensor<?x4xf32>
// CHECK-NEXT: %[[MUL:.*]] = res.mul %[[DY]], %[[B]] : tensor<?x4xf32>, tensor<1x4xf32> -> tensor<?x4xf32>
// CHECK-NEXT: %[[MUL2:.*]] = res.mul %[[DY]], %[[A]] : tensor<?x4xf32>
// CHECK-NEXT: %[[REDUCE_TO:.*]] = res.reduce_to %[[MUL2]], %[[B]] : (tensor<?x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT: return %[[MUL]], %[[REDUCE_TO]] : tensor<?x4xf32>, tensor<1x4xf32>
func.func @vjp_mul(%a: tensor<?x4xf32>, %b: tensor<1x4xf32>, %dy: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = res.mul %a, %b : tensor<?x4xf32>, tensor<1x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// d rhs = -(dy * y) / rhs, summed to the rank-0 divisor.
// CHECK-LABEL: func.func @vjp_div(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x4xf64>, %[[B:[^:]+]]: tensor<f64>, %[[DY:[^:]+]]: tensor<?x4xf64>) -> (tensor<?x4xf64>, tensor<f64>)
// CHECK-NEXT: %[[Y:.*]] = res.div %[[A]], %[[B]] : tensor<?x4xf64>, tensor<f64> -> tensor<?x4xf64>
// CHECK-NEXT: %[[DIV:.*]] = res.div %[[DY]], %[[B]] : tensor<?x4xf64>, tensor<f64> -> tensor<?x4xf64>
// CHECK-NEXT: %[[MUL:.*]] = res.mul %[[DY]], %[[Y]] : tensor<?x4xf64>
// CHECK-NEXT: %[[DIV2:.*]] = res.div %[[MUL]], %[[B]] : tensor<?x4xf64>, tensor<f64> -> tensor<?x4xf64>
// CHECK-NEXT: %[[REDUCE_TO:.*]] = res.reduce_to %[[DIV2]], %[[B]] : (tensor<?x4xf64>, tensor<f64>) -> tensor<f64>
// CHECK-NEXT: %[[NEG:.*]] = res.neg %[[REDUCE_TO]] : tensor<f64>
// CHECK-NEXT: return %[[DIV]], %[[NEG]] : tensor<?x4xf64>, tensor<f64>
func.func @vjp_div(%a: tensor<?x4xf64>, %b: tensor<f64>, %dy: tensor<?x4xf64>) -> tensor<?x4xf64> {
  %y = res.div %a, %b : tensor<?x4xf64>, tensor<f64> -> tensor<?x4xf64>
  return %y : tensor<?x4xf64>
}

// Only the lhs asked for.
// CHECK-LABEL: func.func @vjp_div_lhs(
// CHECK-SAME: %[[A:[^:]+]]: tensor<4xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[Y:.*]] = res.div %[[A]], %[[B]] : tensor<4xf32>
// CHECK-NEXT: %[[DIV:.*]] = res.div %[[DY]], %[[B]] : tensor<4xf32>
// CHECK-NEXT: return %[[DIV]] : tensor<4xf32>
func.func @vjp_div_lhs(%a: tensor<4xf32>, %b: tensor<4xf32>, %dy: tensor<4xf32>) -> tensor<4xf32> attributes {res.test_needed = array<i1: true, false>} {
  %y = res.div %a, %b : tensor<4xf32>
  return %y : tensor<4xf32>
}

// The skip and the branch both get dy; a static dy refines to the
// dynamic operand type through res.reduce_to (which folds no dims here).
// CHECK-LABEL: func.func @vjp_residual_add(
// CHECK-SAME: %[[FX:[^:]+]]: tensor<4x8xf32>, %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<?x8xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.residual_add %[[FX]], skip %[[X]] : tensor<4x8xf32>, tensor<?x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[REDUCE_TO:.*]] = res.reduce_to %[[DY]], %[[X]] : (tensor<4x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: return %[[DY]], %[[REDUCE_TO]] : tensor<4x8xf32>, tensor<?x8xf32>
func.func @vjp_residual_add(%fx: tensor<4x8xf32>, %x: tensor<?x8xf32>, %dy: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = res.residual_add %fx, skip %x : tensor<4x8xf32>, tensor<?x8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @vjp_neg(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.neg %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: %[[NEG:.*]] = res.neg %[[DY]] : tensor<?x8xf32>
// CHECK-NEXT: return %[[NEG]] : tensor<?x8xf32>
func.func @vjp_neg(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.neg %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_relu(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.relu %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: %[[RELU_GRAD:.*]] = res.relu_grad %[[Y]], %[[DY]] : tensor<?x8xf32>
// CHECK-NEXT: return %[[RELU_GRAD]] : tensor<?x8xf32>
func.func @vjp_relu(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.relu %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_gelu(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.gelu %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: %[[GELU_GRAD:.*]] = res.gelu_grad %[[X]], %[[DY]] : tensor<?x8xf32>
// CHECK-NEXT: return %[[GELU_GRAD]] : tensor<?x8xf32>
func.func @vjp_gelu(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.gelu %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_gelu_tanh(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.gelu %[[X]] {approximate = "tanh"} : tensor<?x8xf32>
// CHECK-NEXT: %[[GELU_GRAD:.*]] = res.gelu_grad %[[X]], %[[DY]] {approximate = "tanh"} : tensor<?x8xf32>
// CHECK-NEXT: return %[[GELU_GRAD]] : tensor<?x8xf32>
func.func @vjp_gelu_tanh(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.gelu %x {approximate = "tanh"} : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_silu(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.silu %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: %[[SILU_GRAD:.*]] = res.silu_grad %[[X]], %[[DY]] : tensor<?x8xf32>
// CHECK-NEXT: return %[[SILU_GRAD]] : tensor<?x8xf32>
func.func @vjp_silu(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.silu %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// tanh and sigmoid use their output.
// CHECK-LABEL: func.func @vjp_tanh(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.tanh %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: %[[TANH_GRAD:.*]] = res.tanh_grad %[[Y]], %[[DY]] : tensor<?x8xf32>
// CHECK-NEXT: return %[[TANH_GRAD]] : tensor<?x8xf32>
func.func @vjp_tanh(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.tanh %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_sigmoid(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.sigmoid %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: %[[SIGMOID_GRAD:.*]] = res.sigmoid_grad %[[Y]], %[[DY]] : tensor<?x8xf32>
// CHECK-NEXT: return %[[SIGMOID_GRAD]] : tensor<?x8xf32>
func.func @vjp_sigmoid(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.sigmoid %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_exp(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.exp %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: %[[MUL:.*]] = res.mul %[[DY]], %[[Y]] : tensor<?x8xf32>
// CHECK-NEXT: return %[[MUL]] : tensor<?x8xf32>
func.func @vjp_exp(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.exp %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_log(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.log %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: %[[DIV:.*]] = res.div %[[DY]], %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: return %[[DIV]] : tensor<?x8xf32>
func.func @vjp_log(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.log %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_sqrt(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf64>, %[[DY:[^:]+]]: tensor<?x8xf64>) -> tensor<?x8xf64>
// CHECK-NEXT: %[[Y:.*]] = res.sqrt %[[X]] : tensor<?x8xf64>
// CHECK-NEXT: %[[CONSTANT:.*]] = res.constant dense<5.000000e-01> : tensor<f64>
// CHECK-NEXT: %[[DIV:.*]] = res.div %[[DY]], %[[Y]] : tensor<?x8xf64>
// CHECK-NEXT: %[[MUL:.*]] = res.mul %[[DIV]], %[[CONSTANT]] : tensor<?x8xf64>, tensor<f64> -> tensor<?x8xf64>
// CHECK-NEXT: return %[[MUL]] : tensor<?x8xf64>
func.func @vjp_sqrt(%x: tensor<?x8xf64>, %dy: tensor<?x8xf64>) -> tensor<?x8xf64> {
  %y = res.sqrt %x : tensor<?x8xf64>
  return %y : tensor<?x8xf64>
}

// The adjoint is a dropout of dy with the same key and site: the same mask
// (without a key, in loss_grad, both are the identity).
// CHECK-LABEL: func.func @vjp_dropout(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.dropout %[[X]] {p = 1.000000e-01 : f64} : tensor<?x8xf32>
// CHECK-NEXT: %[[DX:.*]] = res.dropout %[[DY]] {p = 1.000000e-01 : f64} : tensor<?x8xf32>
// CHECK-NEXT: return %[[DX]] : tensor<?x8xf32>
func.func @vjp_dropout(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.dropout %x {p = 1.000000e-01 : f64} : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_dropout_keyed(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[K:[^:]+]]: tensor<i32>, %[[DY:[^:]+]]: tensor<?x8xf32>)
// CHECK-NEXT: res.dropout %[[X]] key %[[K]] : tensor<i32> {p = 5.000000e-01 : f64, site = 2 : i64} : tensor<?x8xf32>
// CHECK-NEXT: %[[DX:.*]] = res.dropout %[[DY]] key %[[K]] : tensor<i32> {p = 5.000000e-01 : f64, site = 2 : i64} : tensor<?x8xf32>
// CHECK-NEXT: return %[[DX]] : tensor<?x8xf32>
func.func @vjp_dropout_keyed(%x: tensor<?x8xf32>, %k: tensor<i32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.dropout %x key %k : tensor<i32> {p = 5.000000e-01 : f64, site = 2 : i64} : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @vjp_constant(
// CHECK-SAME: %[[DY:[^:]+]]: tensor<2xf32>)
// CHECK-NEXT: %[[C:.*]] = res.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: return
func.func @vjp_constant(%dy: tensor<2xf32>) -> tensor<2xf32> {
  %c = res.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
