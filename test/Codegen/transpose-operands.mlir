// RUN: res-opt %s --pass-pipeline='builtin.module(func.func(res-transpose-contraction-operands))' | FileCheck %s

// Linear's forward reads w[n, k]: the weight is transposed to [k, n] once
// and the contraction reads it along n.
// CHECK-DAG: #[[KN:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[MK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @linear(
// CHECK-SAME: %[[X:.*]]: tensor<?x8xf32>, %[[W:.*]]: tensor<4x8xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8x4xf32>
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[W]] : tensor<4x8xf32>) outs(%[[E]] : tensor<8x4xf32>) permutation = [1, 0]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[KN]], #{{.*}}]{{.*}} ins(%[[X]], %[[WT]] : tensor<?x8xf32>, tensor<8x4xf32>)
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#nk = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @linear(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %acc: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = linalg.generic {indexing_maps = [#a, #nk, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x8xf32>, tensor<4x8xf32>) outs(%acc : tensor<?x4xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// Negative: the data gradient dy[m, n] * w[n, k] already reads w along k,
// the output's innermost dim; nothing changes. Nor does an elementwise op.
// CHECK-LABEL: func.func @data_grad(
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic
// CHECK-NOT: linalg.transpose
#kn = affine_map<(d0, d1, d2) -> (d2, d1)>
func.func @data_grad(%dy: tensor<?x4xf32>, %w: tensor<4x8xf32>, %acc: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = linalg.generic {indexing_maps = [#a, #kn, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %w : tensor<?x4xf32>, tensor<4x8xf32>) outs(%acc : tensor<?x8xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// A weight gradient dW[m, n] = sum_b dy[b, m] x[b, n] reads its lhs dy six
// consecutive m at a time, a whole row further at each k step: dy is
// transposed once to [m, b], each tile row then a sequential stream. x,
// already read along n, stays.
// CHECK-LABEL: func.func @weight_grad(
// CHECK-SAME: %[[DY:[^:]*]]: tensor<?x1024xf32>, %[[X:[^:]*]]: tensor<?x512xf32>
// CHECK: %[[B:.*]] = tensor.dim %[[DY]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[B]]) : tensor<1024x?xf32>
// CHECK: %[[DYT:.*]] = linalg.transpose ins(%[[DY]] : tensor<?x1024xf32>) outs(%[[E]] : tensor<1024x?xf32>) permutation = [1, 0]
// CHECK: linalg.generic {indexing_maps = [#[[MK]], #{{.*}}, #{{.*}}]{{.*}} ins(%[[DYT]], %[[X]] : tensor<1024x?xf32>, tensor<?x512xf32>)
#km = affine_map<(d0, d1, d2) -> (d2, d0)>
#kn2 = affine_map<(d0, d1, d2) -> (d2, d1)>
func.func @weight_grad(%dy: tensor<?x1024xf32>, %x: tensor<?x512xf32>, %acc: tensor<1024x512xf32>) -> tensor<1024x512xf32> {
  %y = linalg.generic {indexing_maps = [#km, #kn2, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %x : tensor<?x1024xf32>, tensor<?x512xf32>) outs(%acc : tensor<1024x512xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<1024x512xf32>
  return %y : tensor<1024x512xf32>
}

// Fewer than 64 output rows (a small layer): not worth a transpose.
// CHECK-LABEL: func.func @weight_grad_narrow(
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @weight_grad_narrow(%dy: tensor<?x10xf32>, %x: tensor<?x512xf32>, %acc: tensor<10x512xf32>) -> tensor<10x512xf32> {
  %y = linalg.generic {indexing_maps = [#km, #kn2, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %x : tensor<?x10xf32>, tensor<?x512xf32>) outs(%acc : tensor<10x512xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<10x512xf32>
  return %y : tensor<10x512xf32>
}

// sum(dy * xhat) per channel (batch norm's weight gradient once the
// product fused into the sum) is a contraction by its body, but without m
// or n dims: both inputs are read along their contiguous dim already, and
// nothing is transposed.
// CHECK-LABEL: func.func @channel_dot(
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x16x49xf32>, tensor<8x16x49xf32>)
// CHECK-NOT: linalg.transpose
#cd_in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#cd_out = affine_map<(d0, d1, d2) -> (d1)>
func.func @channel_dot(%dy: tensor<8x16x49xf32>, %xhat: tensor<8x16x49xf32>, %acc: tensor<16xf32>) -> tensor<16xf32> {
  %r = linalg.generic {indexing_maps = [#cd_in, #cd_in, #cd_out], iterator_types = ["reduction", "parallel", "reduction"]}
      ins(%dy, %xhat : tensor<8x16x49xf32>, tensor<8x16x49xf32>) outs(%acc : tensor<16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %r : tensor<16xf32>
}
