// VJPs of linear and matmul (ContractionGrad.cpp).
// RUN: res-opt %s --res-test-vjp | FileCheck %s

// dx = dy W, dW = linear_weight_grad(dy, x), db = sum of dy over rows.
// CHECK-LABEL: func.func @vjp_linear(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[W:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<?x4xf32>) -> (tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.linear %[[X]], %[[W]], %[[B]] : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: %[[MATMUL:.*]] = res.matmul %[[DY]], %[[W]] : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[LINEAR_WEIGHT_GRAD:.*]] = res.linear_weight_grad %[[DY]], %[[X]] : (tensor<?x4xf32>, tensor<?x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[SUM:.*]] = res.sum %[[DY]] {dims = array<i64: 0>} : tensor<?x4xf32> -> tensor<4xf32>
// CHECK-NEXT: return %[[MATMUL]], %[[LINEAR_WEIGHT_GRAD]], %[[SUM]] : tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>
func.func @vjp_linear(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %b: tensor<4xf32>, %dy: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = res.linear %x, %w, %b : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// Rank-3 input: the bias sums over both leading dims.
// CHECK-LABEL: func.func @vjp_linear_3d(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x8xf32>, %[[W:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<?x?x4xf32>) -> (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.linear %[[X]], %[[W]], %[[B]] : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
// CHECK-NEXT: %[[MATMUL:.*]] = res.matmul %[[DY]], %[[W]] : (tensor<?x?x4xf32>, tensor<4x8xf32>) -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[LINEAR_WEIGHT_GRAD:.*]] = res.linear_weight_grad %[[DY]], %[[X]] : (tensor<?x?x4xf32>, tensor<?x?x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[SUM:.*]] = res.sum %[[DY]] {dims = array<i64: 0, 1>} : tensor<?x?x4xf32> -> tensor<4xf32>
// CHECK-NEXT: return %[[MATMUL]], %[[LINEAR_WEIGHT_GRAD]], %[[SUM]] : tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>
func.func @vjp_linear_3d(%x: tensor<?x?x8xf32>, %w: tensor<4x8xf32>, %b: tensor<4xf32>, %dy: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %y = res.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// Rank-1 input, no bias; only the weight asked for.
// CHECK-LABEL: func.func @vjp_linear_vector(
// CHECK-SAME: %[[X:[^:]+]]: tensor<8xf32>, %[[W:[^:]+]]: tensor<4x8xf32>, %[[DY:[^:]+]]: tensor<4xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.linear %[[X]], %[[W]] : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[LINEAR_WEIGHT_GRAD:.*]] = res.linear_weight_grad %[[DY]], %[[X]] : (tensor<4xf32>, tensor<8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: return %[[LINEAR_WEIGHT_GRAD]] : tensor<4x8xf32>
func.func @vjp_linear_vector(%x: tensor<8xf32>, %w: tensor<4x8xf32>, %dy: tensor<4xf32>) -> tensor<4xf32> attributes {res.test_needed = array<i1: false, true>} {
  %y = res.linear %x, %w : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// Batched lhs, shared rhs: the rhs adjoint sums over the batch.
// CHECK-LABEL: func.func @vjp_matmul_batch(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x3x8xf32>, %[[B:[^:]+]]: tensor<8x4xf32>, %[[DY:[^:]+]]: tensor<?x3x4xf32>) -> (tensor<?x3x8xf32>, tensor<8x4xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.matmul %[[A]], %[[B]] : (tensor<?x3x8xf32>, tensor<8x4xf32>) -> tensor<?x3x4xf32>
// CHECK-NEXT: %[[TRANSPOSE:.*]] = res.transpose %[[B]] dims 0, 1 : tensor<8x4xf32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[MATMUL:.*]] = res.matmul %[[DY]], %[[TRANSPOSE]] : (tensor<?x3x4xf32>, tensor<4x8xf32>) -> tensor<?x3x8xf32>
// CHECK-NEXT: %[[TRANSPOSE2:.*]] = res.transpose %[[A]] dims 1, 2 : tensor<?x3x8xf32> -> tensor<?x8x3xf32>
// CHECK-NEXT: %[[MATMUL2:.*]] = res.matmul %[[TRANSPOSE2]], %[[DY]] : (tensor<?x8x3xf32>, tensor<?x3x4xf32>) -> tensor<?x8x4xf32>
// CHECK-NEXT: %[[REDUCE_TO:.*]] = res.reduce_to %[[MATMUL2]], %[[B]] : (tensor<?x8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT: return %[[MATMUL]], %[[REDUCE_TO]] : tensor<?x3x8xf32>, tensor<8x4xf32>
func.func @vjp_matmul_batch(%a: tensor<?x3x8xf32>, %b: tensor<8x4xf32>, %dy: tensor<?x3x4xf32>) -> tensor<?x3x4xf32> {
  %y = res.matmul %a, %b : (tensor<?x3x8xf32>, tensor<8x4xf32>) -> tensor<?x3x4xf32>
  return %y : tensor<?x3x4xf32>
}

// 1-D lhs: dy is broadcast along the rows of the rhs.
// CHECK-LABEL: func.func @vjp_matmul_vec_mat(
// CHECK-SAME: %[[A:[^:]+]]: tensor<8xf32>, %[[B:[^:]+]]: tensor<2x8x4xf32>, %[[DY:[^:]+]]: tensor<2x4xf32>) -> (tensor<8xf32>, tensor<2x8x4xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.matmul %[[A]], %[[B]] : (tensor<8xf32>, tensor<2x8x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %[[BROADCAST_TO:.*]] = res.broadcast_to %[[DY]], %[[B]] {dims = array<i64: 1>} : (tensor<2x4xf32>, tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
// CHECK-NEXT: %[[MUL:.*]] = res.mul %[[B]], %[[BROADCAST_TO]] : tensor<2x8x4xf32>
// CHECK-NEXT: %[[SUM:.*]] = res.sum %[[MUL]] {dims = array<i64: 0, 2>} : tensor<2x8x4xf32> -> tensor<8xf32>
// CHECK-NEXT: %[[RESHAPE:.*]] = res.reshape %[[A]] [-1, 1] : tensor<8xf32> -> tensor<8x1xf32>
// CHECK-NEXT: %[[MUL2:.*]] = res.mul %[[BROADCAST_TO]], %[[RESHAPE]] : tensor<2x8x4xf32>, tensor<8x1xf32> -> tensor<2x8x4xf32>
// CHECK-NEXT: return %[[SUM]], %[[MUL2]] : tensor<8xf32>, tensor<2x8x4xf32>
func.func @vjp_matmul_vec_mat(%a: tensor<8xf32>, %b: tensor<2x8x4xf32>, %dy: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %y = res.matmul %a, %b : (tensor<8xf32>, tensor<2x8x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// 1-D rhs: dy is broadcast along the columns of the lhs.
// CHECK-LABEL: func.func @vjp_matmul_mat_vec(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x8xf32>, %[[B:[^:]+]]: tensor<8xf32>, %[[DY:[^:]+]]: tensor<?xf32>) -> (tensor<?x8xf32>, tensor<8xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.matmul %[[A]], %[[B]] : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?xf32>
// CHECK-NEXT: %[[BROADCAST_TO:.*]] = res.broadcast_to %[[DY]], %[[A]] {dims = array<i64: 1>} : (tensor<?xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: %[[MUL:.*]] = res.mul %[[BROADCAST_TO]], %[[B]] : tensor<?x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
// CHECK-NEXT: %[[MUL2:.*]] = res.mul %[[A]], %[[BROADCAST_TO]] : tensor<?x8xf32>
// CHECK-NEXT: %[[SUM:.*]] = res.sum %[[MUL2]] {dims = array<i64: 0>} : tensor<?x8xf32> -> tensor<8xf32>
// CHECK-NEXT: return %[[MUL]], %[[SUM]] : tensor<?x8xf32>, tensor<8xf32>
func.func @vjp_matmul_mat_vec(%a: tensor<?x8xf32>, %b: tensor<8xf32>, %dy: tensor<?xf32>) -> tensor<?xf32> {
  %y = res.matmul %a, %b : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// CHECK-LABEL: func.func @vjp_matmul_dot(
// CHECK-SAME: %[[A:[^:]+]]: tensor<8xf32>, %[[B:[^:]+]]: tensor<8xf32>, %[[DY:[^:]+]]: tensor<f32>) -> (tensor<8xf32>, tensor<8xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.matmul %[[A]], %[[B]] : (tensor<8xf32>, tensor<8xf32>) -> tensor<f32>
// CHECK-NEXT: %[[MUL:.*]] = res.mul %[[B]], %[[DY]] : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
// CHECK-NEXT: %[[MUL2:.*]] = res.mul %[[A]], %[[DY]] : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
// CHECK-NEXT: return %[[MUL]], %[[MUL2]] : tensor<8xf32>, tensor<8xf32>
func.func @vjp_matmul_dot(%a: tensor<8xf32>, %b: tensor<8xf32>, %dy: tensor<f32>) -> tensor<f32> {
  %y = res.matmul %a, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<f32>
  return %y : tensor<f32>
}
