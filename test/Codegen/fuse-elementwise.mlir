// RUN: res-opt %s --pass-pipeline='builtin.module(func.func(res-fuse-elementwise))' | FileCheck %s

// An SGD-like chain p - lr * (g + wd * p) becomes one generic that reads
// p and g once.
// CHECK-LABEL: func.func @chain(
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
#id = affine_map<(d0) -> (d0)>
#s = affine_map<(d0) -> ()>
func.func @chain(%p: tensor<64xf32>, %g: tensor<64xf32>, %lr: tensor<f32>) -> tensor<64xf32> {
  %wd = arith.constant 5.0e-4 : f32
  %e = tensor.empty() : tensor<64xf32>
  %decay = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%g, %p : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %b, %wd : f32
    %r = arith.addf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %step = linalg.generic {indexing_maps = [#id, #s, #id], iterator_types = ["parallel"]}
      ins(%decay, %lr : tensor<64xf32>, tensor<f32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %new = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%p, %step : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.subf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  return %new : tensor<64xf32>
}

// Negative: a producer with a second use stays (it would be computed
// twice), and an elementwise producer is not fused into a reduction.
// CHECK-LABEL: func.func @keep(
// CHECK-COUNT-3: linalg.generic
// CHECK: return
#r = affine_map<(d0) -> ()>
func.func @keep(%x: tensor<64xf32>) -> (tensor<64xf32>, tensor<f32>) {
  %e = tensor.empty() : tensor<64xf32>
  %s0 = tensor.empty() : tensor<f32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %neg = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%sq : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %sum = linalg.generic {indexing_maps = [#id, #r], iterator_types = ["reduction"]}
      ins(%sq : tensor<64xf32>) outs(%s0 : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  return %neg, %sum : tensor<64xf32>, tensor<f32>
}
