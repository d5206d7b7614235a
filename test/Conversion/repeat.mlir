// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// repeat(n) is one scf.for: the carried value is an iter_arg and iteration
// i reads slice i of each stacked parameter. The body is not copied.
// CHECK-LABEL: func.func @blocks(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>, %[[W:[^:]+]]: tensor<1000x4x4xf32>)
// CHECK-DAG: %[[LB:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[UB:.*]] = arith.constant 1000 : index
// CHECK-DAG: %[[ST:.*]] = arith.constant 1 : index
// CHECK: %[[R:.*]] = scf.for %[[I:.*]] = %[[LB]] to %[[UB]] step %[[ST]] iter_args(%[[H:.*]] = %[[X]]) -> (tensor<?x4xf32>) {
// CHECK: %[[WI:.*]] = tensor.extract_slice %[[W]][%[[I]], 0, 0] [1, 4, 4] [1, 1, 1] : tensor<1000x4x4xf32> to tensor<4x4xf32>
// CHECK: %[[F:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[WI]] : tensor<?x4xf32>, tensor<4x4xf32>)
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[F]], %[[H]] : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK: scf.yield %[[S]] : tensor<?x4xf32>
// CHECK: return %[[R]]
func.func @blocks(%x: tensor<?x4xf32>, %w: tensor<1000x4x4xf32>) -> tensor<?x4xf32> {
  %0 = res.repeat 1000 carry(%h = %x : tensor<?x4xf32>) params(%wi = %w : tensor<1000x4x4xf32>) {
    %1 = res.linear %h, %wi : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
    %2 = res.residual_add %1, skip %h : tensor<?x4xf32>
    res.yield %2 : tensor<?x4xf32>
  }
  return %0 : tensor<?x4xf32>
}
