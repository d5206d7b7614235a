// VJPs of the ops res-decompose builds attention from: slice -> slice_grad,
// split_dim <-> merge_dims, causal_mask -> causal_mask with fill 0.
// RUN: res-opt %s --res-test-vjp --split-input-file --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @vjp_slice(
// CHECK-SAME: %[[X:[^:]+]]: tensor<24x8xf32>, %[[DY:[^:]+]]: tensor<8x8xf32>) -> tensor<24x8xf32>
// CHECK: %[[DX:.*]] = res.slice_grad %[[DY]], %[[X]] dim 0 offset 16 : (tensor<8x8xf32>, tensor<24x8xf32>) -> tensor<24x8xf32>
// CHECK-NEXT: return %[[DX]]
func.func @vjp_slice(%x: tensor<24x8xf32>, %dy: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %y = res.slice %x dim 0 offset 16 size 8 : tensor<24x8xf32> -> tensor<8x8xf32>
  return %y : tensor<8x8xf32>
}

// CHECK-LABEL: func.func @vjp_split_dim(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x8xf32>, %[[DY:[^:]+]]: tensor<?x?x2x4xf32>) -> tensor<?x?x8xf32>
// CHECK: %[[DX:.*]] = res.merge_dims %[[DY]] dim 2 : tensor<?x?x2x4xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: return %[[DX]]
func.func @vjp_split_dim(%x: tensor<?x?x8xf32>, %dy: tensor<?x?x2x4xf32>) -> tensor<?x?x2x4xf32> {
  %y = res.split_dim %x dim 2 into 2 : tensor<?x?x8xf32> -> tensor<?x?x2x4xf32>
  return %y : tensor<?x?x2x4xf32>
}

// CHECK-LABEL: func.func @vjp_merge_dims(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x2x4xf32>, %[[DY:[^:]+]]: tensor<?x?x8xf32>) -> tensor<?x?x2x4xf32>
// CHECK: %[[DX:.*]] = res.split_dim %[[DY]] dim 2 into 2 : tensor<?x?x8xf32> -> tensor<?x?x2x4xf32>
// CHECK-NEXT: return %[[DX]]
func.func @vjp_merge_dims(%x: tensor<?x?x2x4xf32>, %dy: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %y = res.merge_dims %x dim 2 : tensor<?x?x2x4xf32> -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// CHECK-LABEL: func.func @vjp_causal_mask(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x?x?xf32>, %[[DY:[^:]+]]: tensor<2x?x?xf32>) -> tensor<2x?x?xf32>
// CHECK: %[[DX:.*]] = res.causal_mask %[[DY]] {fill = 0.000000e+00 : f64} : tensor<2x?x?xf32>
// CHECK-NEXT: return %[[DX]]
func.func @vjp_causal_mask(%x: tensor<2x?x?xf32>, %dy: tensor<2x?x?xf32>) -> tensor<2x?x?xf32> {
  %y = res.causal_mask %x {fill = 0xFFF0000000000000 : f64} : tensor<2x?x?xf32>
  return %y : tensor<2x?x?xf32>
}

// -----

// The split size of a merged dynamic outer dim is unknown.
func.func @vjp_merge_dims_dynamic(%x: tensor<?x4xf32>, %dy: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'res.merge_dims' op cannot build the adjoint of a merge_dims whose dimension 0 is dynamic}}
  %y = res.merge_dims %x dim 0 : tensor<?x4xf32> -> tensor<?xf32>
  return %y : tensor<?xf32>
}
