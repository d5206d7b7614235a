// res-collapse-dims: loops that are adjacent and in order in every operand,
// whose buffers hold them contiguously, become one loop.
// RUN: res-opt %s --pass-pipeline='builtin.module(func.func(res-collapse-dims))' | FileCheck %s

#nchw = affine_map<(n, c, h, w) -> (n, c, h, w)>
#chan = affine_map<(n, c, h, w) -> (c)>
#chan4 = affine_map<(n, c, h, w) -> (0, c, 0, 0)>

// Batch-norm statistics of an entry argument: h and w (28 x 28) become one
// reduction loop of 784; the dynamic batch dim stays apart.
// CHECK-LABEL: func.func @channel_sums(
// CHECK: %[[X:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<?x16x28x28xf32> into tensor<?x16x784xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[X]] : tensor<?x16x784xf32>) outs(%{{.*}} : tensor<16xf32>)
func.func @channel_sums(%x: tensor<?x16x28x28xf32>, %init: tensor<16xf32>) -> tensor<16xf32> {
  %y = linalg.generic {indexing_maps = [#nchw, #chan], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%x : tensor<?x16x28x28xf32>) outs(%init : tensor<16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// A per-channel [1, C, 1, 1] operand read at (0, c, 0, 0) is read as [C];
// the result is expanded back to the image shape.
// CHECK-LABEL: func.func @scale_channels(
// CHECK-DAG: %[[S:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2, 3]] : tensor<1x16x1x1xf32> into tensor<16xf32>
// CHECK-DAG: %[[X:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<?x16x28x28xf32> into tensor<?x16x784xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[S]] : tensor<?x16x784xf32>, tensor<16xf32>)
// CHECK: tensor.expand_shape %[[Y]] {{\[}}[0], [1], [2, 3]]
func.func @scale_channels(%x: tensor<?x16x28x28xf32>, %s: tensor<1x16x1x1xf32>) -> tensor<?x16x28x28xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x16x28x28xf32>
  %e = tensor.empty(%n) : tensor<?x16x28x28xf32>
  %y = linalg.generic {indexing_maps = [#nchw, #chan4, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %s : tensor<?x16x28x28xf32>, tensor<1x16x1x1xf32>) outs(%e : tensor<?x16x28x28xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<?x16x28x28xf32>
  return %y : tensor<?x16x28x28xf32>
}

// The square of an argument is one loop of 16 * 28 * 28; the sum of it is
// kept: its input is another linalg op's result, which becomes a kernel's
// result with dynamic outer strides (bufferization would copy it to
// collapse it).
// CHECK-LABEL: func.func @kernel_result(
// CHECK: %[[SQ:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<?x12544xf32>) outs(%{{.*}} : tensor<?x12544xf32>)
// CHECK: %[[IMG:.*]] = tensor.expand_shape %[[SQ]] {{\[}}[0], [1, 2, 3]]
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%[[IMG]] : tensor<?x16x28x28xf32>)
func.func @kernel_result(%x: tensor<?x16x28x28xf32>, %init: tensor<16xf32>) -> tensor<16xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x16x28x28xf32>
  %e = tensor.empty(%n) : tensor<?x16x28x28xf32>
  %sq = linalg.generic {indexing_maps = [#nchw, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<?x16x28x28xf32>) outs(%e : tensor<?x16x28x28xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<?x16x28x28xf32>
  %y = linalg.generic {indexing_maps = [#nchw, #chan], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%sq : tensor<?x16x28x28xf32>) outs(%init : tensor<16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// Kept: a slice that cuts each row (28 of 30 columns) is not contiguous
// across rows.
// CHECK-LABEL: func.func @cropped_rows(
// CHECK-NOT: tensor.collapse_shape
// CHECK: return
func.func @cropped_rows(%x: tensor<?x16x28x30xf32>, %init: tensor<16xf32>) -> tensor<16xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x16x28x30xf32>
  %crop = tensor.extract_slice %x[0, 0, 0, 0] [%n, 16, 28, 28] [1, 1, 1, 1] : tensor<?x16x28x30xf32> to tensor<?x16x28x28xf32>
  %y = linalg.generic {indexing_maps = [#nchw, #chan], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%crop : tensor<?x16x28x28xf32>) outs(%init : tensor<16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// One image of a batch (a slice along the outer dim only) keeps its planes
// whole: collapsed.
// CHECK-LABEL: func.func @one_image(
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<1x16x28x28xf32> into tensor<1x16x784xf32>
func.func @one_image(%x: tensor<?x16x28x28xf32>, %i: index, %init: tensor<16xf32>) -> tensor<16xf32> {
  %img = tensor.extract_slice %x[%i, 0, 0, 0] [1, 16, 28, 28] [1, 1, 1, 1] : tensor<?x16x28x28xf32> to tensor<1x16x28x28xf32>
  %y = linalg.generic {indexing_maps = [#nchw, #chan], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%img : tensor<1x16x28x28xf32>) outs(%init : tensor<16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// Kept: a contraction keeps its loops (its own register-tile schedule).
// CHECK-LABEL: func.func @matmul(
// CHECK-NOT: tensor.collapse_shape
// CHECK: return
#ma = affine_map<(b, m, n, k) -> (b, m, k)>
#mb = affine_map<(b, m, n, k) -> (b, k, n)>
#mc = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @matmul(%a: tensor<4x8x16xf32>, %b: tensor<4x16x32xf32>, %c: tensor<4x8x32xf32>) -> tensor<4x8x32xf32> {
  %y = linalg.generic {indexing_maps = [#ma, #mb, #mc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<4x8x16xf32>, tensor<4x16x32xf32>) outs(%c : tensor<4x8x32xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<4x8x32xf32>
  return %y : tensor<4x8x32xf32>
}

// Kept: a private function's argument bufferizes to a row-contiguous view
// with dynamic outer strides (res-bufferize), not known to be dense.
// CHECK-LABEL: func.func private @private_arg(
// CHECK-NOT: tensor.collapse_shape
// CHECK: return
func.func private @private_arg(%x: tensor<?x16x28x28xf32>, %init: tensor<16xf32>) -> tensor<16xf32> {
  %y = linalg.generic {indexing_maps = [#nchw, #chan], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%x : tensor<?x16x28x28xf32>) outs(%init : tensor<16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %y : tensor<16xf32>
}
