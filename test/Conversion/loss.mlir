// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// cross_entropy = mean(logsumexp(x) - x[label]); the label index is kept in
// bounds by a select (the entry wrapper reports bad labels before the call).
// CHECK-LABEL: func.func @cross_entropy(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x10xf32>, %[[Y:[^:]+]]: tensor<?xi32>)
// CHECK: arith.maxnumf
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[Y]] : tensor<?xf32>, tensor<?xf32>, tensor<?xi32>)
// CHECK: math.log
// CHECK: arith.index_cast
// CHECK-DAG: arith.cmpi sge
// CHECK-DAG: arith.cmpi slt
// CHECK: arith.select
// CHECK: tensor.extract %[[X]]
// CHECK: arith.sitofp
// CHECK: arith.divf
// CHECK: -> tensor<f32>
func.func @cross_entropy(%x: tensor<?x10xf32>, %y: tensor<?xi32>) -> tensor<f32> {
  %0 = res.cross_entropy %x, %y : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// Rank-3 logits are flattened to rows first.
// CHECK-LABEL: func.func @cross_entropy_3d(
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<?x?x256xf32> into tensor<?x256xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<?x?xi32> into tensor<?xi32>
func.func @cross_entropy_3d(%x: tensor<?x?x256xf32>, %y: tensor<?x?xi32>) -> tensor<f32> {
  %0 = res.cross_entropy %x, %y : (tensor<?x?x256xf32>, tensor<?x?xi32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// CHECK-LABEL: func.func @mse(
// CHECK: tensor.collapse_shape
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.divf
func.func @mse(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>) -> tensor<f32> {
  %0 = res.mse %a, %b : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}
