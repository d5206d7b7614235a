// VJPs of cross_entropy and mse (LossGrad.cpp).
// RUN: res-opt %s --res-test-vjp | FileCheck %s

// The integer labels get no adjoint.
// CHECK-LABEL: func.func @vjp_cross_entropy(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x10xf32>, %[[LABELS:[^:]+]]: tensor<?xi32>, %[[DL:[^:]+]]: tensor<f32>) -> tensor<?x10xf32>
// CHECK-NEXT: %[[L:.*]] = res.cross_entropy %[[X]], %[[LABELS]] : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
// CHECK-NEXT: %[[CROSS_ENTROPY_GRAD:.*]] = res.cross_entropy_grad %[[X]], %[[LABELS]], %[[DL]] : (tensor<?x10xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x10xf32>
// CHECK-NEXT: return %[[CROSS_ENTROPY_GRAD]] : tensor<?x10xf32>
func.func @vjp_cross_entropy(%x: tensor<?x10xf32>, %labels: tensor<?xi32>, %dl: tensor<f32>) -> tensor<f32> {
  %l = res.cross_entropy %x, %labels : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// CHECK-LABEL: func.func @vjp_cross_entropy_3d(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x16xf32>, %[[LABELS:[^:]+]]: tensor<?x?xi64>, %[[DL:[^:]+]]: tensor<f32>) -> tensor<?x?x16xf32>
// CHECK-NEXT: %[[L:.*]] = res.cross_entropy %[[X]], %[[LABELS]] : (tensor<?x?x16xf32>, tensor<?x?xi64>) -> tensor<f32>
// CHECK-NEXT: %[[CROSS_ENTROPY_GRAD:.*]] = res.cross_entropy_grad %[[X]], %[[LABELS]], %[[DL]] : (tensor<?x?x16xf32>, tensor<?x?xi64>, tensor<f32>) -> tensor<?x?x16xf32>
// CHECK-NEXT: return %[[CROSS_ENTROPY_GRAD]] : tensor<?x?x16xf32>
func.func @vjp_cross_entropy_3d(%x: tensor<?x?x16xf32>, %labels: tensor<?x?xi64>, %dl: tensor<f32>) -> tensor<f32> {
  %l = res.cross_entropy %x, %labels : (tensor<?x?x16xf32>, tensor<?x?xi64>) -> tensor<f32>
  return %l : tensor<f32>
}

// The target's adjoint is the negated input adjoint.
// CHECK-LABEL: func.func @vjp_mse(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x4xf32>, %[[T:[^:]+]]: tensor<?x4xf32>, %[[DL:[^:]+]]: tensor<f32>) -> (tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK-NEXT: %[[L:.*]] = res.mse %[[A]], %[[T]] : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<f32>
// CHECK-NEXT: %[[MSE_GRAD:.*]] = res.mse_grad %[[A]], %[[T]], %[[DL]] : (tensor<?x4xf32>, tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
// CHECK-NEXT: %[[NEG:.*]] = res.neg %[[MSE_GRAD]] : tensor<?x4xf32>
// CHECK-NEXT: return %[[MSE_GRAD]], %[[NEG]] : tensor<?x4xf32>, tensor<?x4xf32>
func.func @vjp_mse(%a: tensor<?x4xf32>, %t: tensor<?x4xf32>, %dl: tensor<f32>) -> tensor<f32> {
  %l = res.mse %a, %t : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// CHECK-LABEL: func.func @vjp_mse_target_only(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x4xf32>, %[[T:[^:]+]]: tensor<?x4xf32>, %[[DL:[^:]+]]: tensor<f32>) -> tensor<?x4xf32>
// CHECK-NEXT: %[[L:.*]] = res.mse %[[A]], %[[T]] : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<f32>
// CHECK-NEXT: %[[MSE_GRAD:.*]] = res.mse_grad %[[A]], %[[T]], %[[DL]] : (tensor<?x4xf32>, tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
// CHECK-NEXT: %[[NEG:.*]] = res.neg %[[MSE_GRAD]] : tensor<?x4xf32>
// CHECK-NEXT: return %[[NEG]] : tensor<?x4xf32>
func.func @vjp_mse_target_only(%a: tensor<?x4xf32>, %t: tensor<?x4xf32>, %dl: tensor<f32>) -> tensor<f32> attributes {res.test_needed = array<i1: false, true>} {
  %l = res.mse %a, %t : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
