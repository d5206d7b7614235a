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

// A cheap producer read by two consumers that read nothing else is
// recomputed in each: they read x (2 reads) instead of x * x being written
// once and read twice. One copy fuses into the negation, one into the sum.
// CHECK-LABEL: func.func @keep(
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%arg0 : tensor<64xf32>)
// CHECK: arith.mulf
// CHECK: arith.negf
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%arg0 : tensor<64xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
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

// SGD with momentum: the new momentum is returned (state) and read by the
// parameter update. The two become one generic that yields both, so
// gradient, parameter and momentum are read once.
// CHECK-LABEL: func.func @returned_producer(
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return %[[F]]#1, %[[F]]#0
#id1 = affine_map<(d0) -> (d0)>
func.func @returned_producer(%g: tensor<64xf32>, %buf: tensor<64xf32>, %p: tensor<64xf32>)
    -> (tensor<64xf32>, tensor<64xf32>) {
  %m = arith.constant 0.9 : f32
  %lr = arith.constant 0.1 : f32
  %e = tensor.empty() : tensor<64xf32>
  %nb = linalg.generic {indexing_maps = [#id1, #id1, #id1], iterator_types = ["parallel"]}
      ins(%g, %buf : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %b, %m : f32
    %s = arith.addf %t, %a : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  %np = linalg.generic {indexing_maps = [#id1, #id1, #id1], iterator_types = ["parallel"]}
      ins(%nb, %p : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %a, %lr : f32
    %s = arith.subf %b, %t : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  return %np, %nb : tensor<64xf32>, tensor<64xf32>
}

// Not copied: a producer of two whole inputs read by three consumers that
// read neither would cost 6 reads recomputed, against a write and 3 reads.
// CHECK-LABEL: func.func @two_consumers(
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: linalg.generic
func.func @two_consumers(%x: tensor<64xf32>, %y: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %c = arith.constant 2.0 : f32
  %e = tensor.empty() : tensor<64xf32>
  %a = linalg.generic {indexing_maps = [#id1, #id1, #id1], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %t = arith.mulf %i, %j : f32
    linalg.yield %t : f32
  } -> tensor<64xf32>
  %b = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%a : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = arith.addf %i, %c : f32
    linalg.yield %t : f32
  } -> tensor<64xf32>
  %d = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%a : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = arith.subf %i, %c : f32
    linalg.yield %t : f32
  } -> tensor<64xf32>
  %f = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%a : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = arith.mulf %i, %c : f32
    linalg.yield %t : f32
  } -> tensor<64xf32>
  return %b, %d, %f : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
}

// Not copied either: an exp is not cheap to compute twice.
// CHECK-LABEL: func.func @expensive(
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: linalg.generic
func.func @expensive(%x: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %c = arith.constant 2.0 : f32
  %e = tensor.empty() : tensor<64xf32>
  %a = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%x : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = math.exp %i : f32
    linalg.yield %t : f32
  } -> tensor<64xf32>
  %b = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%a : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = arith.addf %i, %c : f32
    linalg.yield %t : f32
  } -> tensor<64xf32>
  %d = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%a : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = arith.subf %i, %c : f32
    linalg.yield %t : f32
  } -> tensor<64xf32>
  return %b, %d : tensor<64xf32>, tensor<64xf32>
}

// Returned through a reassembly: the new momentum of one instance of a
// stacked parameter goes into the returned stack (expand_shape +
// insert_slice) and is read by the instance's parameter update. Fused like
// a returned producer: one generic yields both.
// CHECK-LABEL: func.func @returned_through_reassembly(
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: tensor.expand_shape %[[F]]#0
// CHECK: return %[[F]]#1,
func.func @returned_through_reassembly(%g: tensor<64xf32>, %buf: tensor<64xf32>, %p: tensor<64xf32>,
                                       %rest: tensor<1x64xf32>)
    -> (tensor<64xf32>, tensor<2x64xf32>) {
  %m = arith.constant 0.9 : f32
  %lr = arith.constant 0.1 : f32
  %e = tensor.empty() : tensor<64xf32>
  %nb = linalg.generic {indexing_maps = [#id1, #id1, #id1], iterator_types = ["parallel"]}
      ins(%g, %buf : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %b, %m : f32
    %r = arith.addf %t, %a : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %np = linalg.generic {indexing_maps = [#id1, #id1, #id1], iterator_types = ["parallel"]}
      ins(%p, %nb : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %b, %lr : f32
    %r = arith.subf %a, %t : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %u = tensor.expand_shape %nb [[0, 1]] output_shape [1, 64] : tensor<64xf32> into tensor<1x64xf32>
  %full = tensor.empty() : tensor<2x64xf32>
  %i0 = tensor.insert_slice %rest into %full[0, 0] [1, 64] [1, 1] : tensor<1x64xf32> into tensor<2x64xf32>
  %i1 = tensor.insert_slice %u into %i0[1, 0] [1, 64] [1, 1] : tensor<1x64xf32> into tensor<2x64xf32>
  return %np, %i1 : tensor<64xf32>, tensor<2x64xf32>
}

// Batch-norm statistics: (x - mean[c])^2 is read once per element by the
// per-channel sum over (n, p), a permutation of its loops: the square moves
// into the reduction, which then reads x and the mean.
// CHECK-LABEL: func.func @into_reduction(
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<8x16x49xf32>, tensor<16xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: return %[[SUM]]
#nchw = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d1)>
func.func @into_reduction(%x: tensor<8x16x49xf32>, %mean: tensor<16xf32>) -> tensor<16xf32> {
  %e = tensor.empty() : tensor<8x16x49xf32>
  %z = tensor.empty() : tensor<16xf32>
  %sq = linalg.generic {indexing_maps = [#nchw, #c, #nchw], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %mean : tensor<8x16x49xf32>, tensor<16xf32>) outs(%e : tensor<8x16x49xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %r = arith.mulf %d, %d : f32
    linalg.yield %r : f32
  } -> tensor<8x16x49xf32>
  %sum = linalg.generic {indexing_maps = [#nchw, #c], iterator_types = ["reduction", "parallel", "reduction"]}
      ins(%sq : tensor<8x16x49xf32>) outs(%z : tensor<16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<16xf32>
  return %sum : tensor<16xf32>
}

// Negative: a contraction reads its lhs once per output column; the
// producer stays a pass of its own.
// CHECK-LABEL: func.func @not_into_contraction(
// CHECK-COUNT-2: linalg.generic
// CHECK: return
#ma = affine_map<(d0, d1, d2) -> (d0, d2)>
#mb = affine_map<(d0, d1, d2) -> (d2, d1)>
#mc = affine_map<(d0, d1, d2) -> (d0, d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @not_into_contraction(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>, %acc: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %e = tensor.empty() : tensor<8x16xf32>
  %relu = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maxnumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<8x16xf32>
  %y = linalg.generic {indexing_maps = [#ma, #mb, #mc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%relu, %w : tensor<8x16xf32>, tensor<16x32xf32>) outs(%acc : tensor<8x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
