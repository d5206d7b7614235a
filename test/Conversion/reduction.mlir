// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @mean_keepdim(
// CHECK-SAME: %[[X:.*]]: tensor<?x16x7x7xf32>
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<?x16xf32>
// CHECK: %[[S:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[X]] : tensor<?x16x7x7xf32>) outs(%[[ACC]] : tensor<?x16xf32>)
// The count of reduced elements comes from the tensor's dims.
// CHECK: tensor.dim %[[X]]
// CHECK: tensor.dim %[[X]]
// CHECK: arith.sitofp
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<?x16xf32>)
// CHECK: arith.divf
// CHECK: tensor.expand_shape %[[M]] {{\[\[}}0], [1, 2, 3]] output_shape [%{{.*}}, 16, 1, 1] : tensor<?x16xf32> into tensor<?x16x1x1xf32>
func.func @mean_keepdim(%x: tensor<?x16x7x7xf32>) -> tensor<?x16x1x1xf32> {
  %0 = res.mean %x {dims = array<i64: 2, 3>, keepdim = true} : tensor<?x16x7x7xf32> -> tensor<?x16x1x1xf32>
  return %0 : tensor<?x16x1x1xf32>
}

// CHECK-LABEL: func.func @sum_all(
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%{{.*}} : tensor<3x4xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NOT: arith.divf
func.func @sum_all(%x: tensor<3x4xf32>) -> tensor<f32> {
  %0 = res.sum %x : tensor<3x4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// A numerically stable softmax: max, exp(x - max), sum, divide.
// CHECK-LABEL: func.func @softmax(
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: arith.maxnumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = res.softmax %x dim 1 : tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// log_softmax = (x - max) - log(sum(exp(x - max))).
// CHECK-LABEL: func.func @log_softmax(
// CHECK: arith.maxnumf
// CHECK: math.exp
// CHECK: math.log
// CHECK: arith.subf
func.func @log_softmax(%x: tensor<2x3x5xf32>) -> tensor<2x3x5xf32> {
  %0 = res.log_softmax %x dim 1 : tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}
