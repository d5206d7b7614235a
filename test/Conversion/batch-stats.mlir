// RUN: res-opt %s --res-convert-to-linalg --cse | FileCheck %s

// res.batch_stats lowers through the moments a training-mode batch_norm
// computes, so with both on the same input CSE leaves one sum and one sum
// of squares; the variance is then made unbiased, var * (M / (M - 1)).
// CHECK-LABEL: func.func @stats_with_norm(
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%arg0 :
// CHECK: %[[SSQ:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
// CHECK-NOT: "reduction"
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}} ins(%[[SSQ]] : tensor<16xf32>)
// CHECK-NOT: "reduction"
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg1, %arg2, %{{.*}}, %[[VAR]] :
// CHECK-NOT: "reduction"
// CHECK: %[[M1:.*]] = arith.subf %[[COUNT:[0-9]+]], %{{.*}} : f32
// CHECK: %[[F:.*]] = arith.divf %[[COUNT]], %[[M1]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[VAR]] : tensor<16xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf %in, %[[F]] : f32
func.func @stats_with_norm(%x: tensor<?x16x7x7xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>, %m: tensor<16xf32>, %v: tensor<16xf32>) -> (tensor<?x16x7x7xf32>, tensor<16xf32>, tensor<16xf32>) {
  %y = res.batch_norm %x, %w, %b, %m, %v {training = true} : (tensor<?x16x7x7xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x7x7xf32>
  %mean, %var = res.batch_stats %x : tensor<?x16x7x7xf32> -> tensor<16xf32>, tensor<16xf32>
  return %y, %mean, %var : tensor<?x16x7x7xf32>, tensor<16xf32>, tensor<16xf32>
}
