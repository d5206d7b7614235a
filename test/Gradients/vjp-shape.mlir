// VJPs of reshape, transpose and concat (ShapeGrad.cpp).
// RUN: res-opt %s --res-test-vjp | FileCheck %s

// The dynamic dim of the input becomes the -1 of the reverse reshape.
// CHECK-LABEL: func.func @vjp_reshape(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x2x4xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> tensor<?x2x4xf32>
// CHECK-NEXT: %[[Y:.*]] = res.reshape %[[X]] [-1, 8] : tensor<?x2x4xf32> -> tensor<?x8xf32>
// CHECK-NEXT: %[[RESHAPE:.*]] = res.reshape %[[DY]] [-1, 2, 4] : tensor<?x8xf32> -> tensor<?x2x4xf32>
// CHECK-NEXT: return %[[RESHAPE]] : tensor<?x2x4xf32>
func.func @vjp_reshape(%x: tensor<?x2x4xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = res.reshape %x [-1, 8] : tensor<?x2x4xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// A static result from a dynamic input: reduce_to adjusts the type.
// CHECK-LABEL: func.func @vjp_reshape_static(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>, %[[DY:[^:]+]]: tensor<8xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: %[[Y:.*]] = res.reshape %[[X]] [8] : tensor<?x4xf32> -> tensor<8xf32>
// CHECK-NEXT: %[[RESHAPE:.*]] = res.reshape %[[DY]] [-1, 4] : tensor<8xf32> -> tensor<2x4xf32>
// CHECK-NEXT: %[[REDUCE_TO:.*]] = res.reduce_to %[[RESHAPE]], %[[X]] : (tensor<2x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: return %[[REDUCE_TO]] : tensor<?x4xf32>
func.func @vjp_reshape_static(%x: tensor<?x4xf32>, %dy: tensor<8xf32>) -> tensor<8xf32> {
  %y = res.reshape %x [8] : tensor<?x4xf32> -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// CHECK-LABEL: func.func @vjp_transpose(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x?x4xf32>, %[[DY:[^:]+]]: tensor<4x?x2xf32>) -> tensor<2x?x4xf32>
// CHECK-NEXT: %[[Y:.*]] = res.transpose %[[X]] dims 0, 2 : tensor<2x?x4xf32> -> tensor<4x?x2xf32>
// CHECK-NEXT: %[[TRANSPOSE:.*]] = res.transpose %[[DY]] dims 0, 2 : tensor<4x?x2xf32> -> tensor<2x?x4xf32>
// CHECK-NEXT: return %[[TRANSPOSE]] : tensor<2x?x4xf32>
func.func @vjp_transpose(%x: tensor<2x?x4xf32>, %dy: tensor<4x?x2xf32>) -> tensor<4x?x2xf32> {
  %y = res.transpose %x dims 0, 2 : tensor<2x?x4xf32> -> tensor<4x?x2xf32>
  return %y : tensor<4x?x2xf32>
}

// CHECK-LABEL: func.func @vjp_concat(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x4xf32>, %[[B:[^:]+]]: tensor<?x2xf32>, %[[C:[^:]+]]: tensor<?x3xf32>, %[[DY:[^:]+]]: tensor<?x9xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>, tensor<?x3xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.concat %[[A]], %[[B]], %[[C]] dim 1 : (tensor<?x4xf32>, tensor<?x2xf32>, tensor<?x3xf32>) -> tensor<?x9xf32>
// CHECK-NEXT: %[[SLICE:.*]] = res.slice %[[DY]] dim 1 offset 0 size 4 : tensor<?x9xf32> -> tensor<?x4xf32>
// CHECK-NEXT: %[[SLICE2:.*]] = res.slice %[[DY]] dim 1 offset 4 size 2 : tensor<?x9xf32> -> tensor<?x2xf32>
// CHECK-NEXT: %[[SLICE3:.*]] = res.slice %[[DY]] dim 1 offset 6 size 3 : tensor<?x9xf32> -> tensor<?x3xf32>
// CHECK-NEXT: return %[[SLICE]], %[[SLICE2]], %[[SLICE3]] : tensor<?x4xf32>, tensor<?x2xf32>, tensor<?x3xf32>
func.func @vjp_concat(%a: tensor<?x4xf32>, %b: tensor<?x2xf32>, %c: tensor<?x3xf32>, %dy: tensor<?x9xf32>) -> tensor<?x9xf32> {
  %y = res.concat %a, %b, %c dim 1 : (tensor<?x4xf32>, tensor<?x2xf32>, tensor<?x3xf32>) -> tensor<?x9xf32>
  return %y : tensor<?x9xf32>
}
