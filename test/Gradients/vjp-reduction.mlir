// VJPs of sum, mean, softmax and log_softmax (ReductionGrad.cpp).
// RUN: res-opt %s --res-test-vjp | FileCheck %s

// CHECK-LABEL: func.func @vjp_sum_all(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>, %[[DY:[^:]+]]: tensor<f32>) -> tensor<?x4xf32>
// CHECK-NEXT: %[[Y:.*]] = res.sum %[[X]] : tensor<?x4xf32> -> tensor<f32>
// CHECK-NEXT: %[[BROADCAST_TO:.*]] = res.broadcast_to %[[DY]], %[[X]] : (tensor<f32>, tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: return %[[BROADCAST_TO]] : tensor<?x4xf32>
func.func @vjp_sum_all(%x: tensor<?x4xf32>, %dy: tensor<f32>) -> tensor<f32> {
  %y = res.sum %x : tensor<?x4xf32> -> tensor<f32>
  return %y : tensor<f32>
}

// CHECK-LABEL: func.func @vjp_mean_dims(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4x5x5xf32>, %[[DY:[^:]+]]: tensor<?x4xf32>) -> tensor<?x4x5x5xf32>
// CHECK-NEXT: %[[Y:.*]] = res.mean %[[X]] {dims = array<i64: 2, 3>} : tensor<?x4x5x5xf32> -> tensor<?x4xf32>
// CHECK-NEXT: %[[BROADCAST_TO:.*]] = res.broadcast_to %[[DY]], %[[X]] {dims = array<i64: 2, 3>, mean = true} : (tensor<?x4xf32>, tensor<?x4x5x5xf32>) -> tensor<?x4x5x5xf32>
// CHECK-NEXT: return %[[BROADCAST_TO]] : tensor<?x4x5x5xf32>
func.func @vjp_mean_dims(%x: tensor<?x4x5x5xf32>, %dy: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = res.mean %x {dims = array<i64: 2, 3>} : tensor<?x4x5x5xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// CHECK-LABEL: func.func @vjp_mean_keepdim(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>, %[[DY:[^:]+]]: tensor<?x1xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: %[[Y:.*]] = res.mean %[[X]] {dims = array<i64: 1>, keepdim = true} : tensor<?x4xf32> -> tensor<?x1xf32>
// CHECK-NEXT: %[[BROADCAST_TO:.*]] = res.broadcast_to %[[DY]], %[[X]] {dims = array<i64: 1>, keepdim = true, mean = true} : (tensor<?x1xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: return %[[BROADCAST_TO]] : tensor<?x4xf32>
func.func @vjp_mean_keepdim(%x: tensor<?x4xf32>, %dy: tensor<?x1xf32>) -> tensor<?x1xf32> {
  %y = res.mean %x {dims = array<i64: 1>, keepdim = true} : tensor<?x4xf32> -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}

// Both use the primal output.
// CHECK-LABEL: func.func @vjp_softmax(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x10xf32>, %[[DY:[^:]+]]: tensor<?x10xf32>) -> tensor<?x10xf32>
// CHECK-NEXT: %[[Y:.*]] = res.softmax %[[X]] dim 1 : tensor<?x10xf32>
// CHECK-NEXT: %[[SOFTMAX_GRAD:.*]] = res.softmax_grad %[[Y]], %[[DY]] dim 1 : tensor<?x10xf32>
// CHECK-NEXT: return %[[SOFTMAX_GRAD]] : tensor<?x10xf32>
func.func @vjp_softmax(%x: tensor<?x10xf32>, %dy: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %y = res.softmax %x dim 1 : tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// CHECK-LABEL: func.func @vjp_log_softmax(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x10xf32>, %[[DY:[^:]+]]: tensor<?x?x10xf32>) -> tensor<?x?x10xf32>
// CHECK-NEXT: %[[Y:.*]] = res.log_softmax %[[X]] dim 2 : tensor<?x?x10xf32>
// CHECK-NEXT: %[[LOG_SOFTMAX_GRAD:.*]] = res.log_softmax_grad %[[Y]], %[[DY]] dim 2 : tensor<?x?x10xf32>
// CHECK-NEXT: return %[[LOG_SOFTMAX_GRAD]] : tensor<?x?x10xf32>
func.func @vjp_log_softmax(%x: tensor<?x?x10xf32>, %dy: tensor<?x?x10xf32>) -> tensor<?x?x10xf32> {
  %y = res.log_softmax %x dim 2 : tensor<?x?x10xf32>
  return %y : tensor<?x?x10xf32>
}
