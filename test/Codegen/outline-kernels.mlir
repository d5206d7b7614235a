// RUN: res-opt %s --split-input-file --res-outline-kernels | FileCheck %s

// Two relus of the same type share one kernel; the matmul gets its own,
// which also takes in the fill of its accumulator (so the zero buffer is
// not shared and copied). The captured constant is copied into the kernel.
// CHECK-LABEL: func.func @f(
// CHECK: %[[A:.*]] = call @[[RELU:__resc_kernel_[0-9]+]](%{{.*}}, %{{.*}}) : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK: %[[B:.*]] = call @[[RELU]](%[[A]], %{{.*}})
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x4xf32>
// CHECK: call @[[MM:__resc_kernel_[0-9]+]](%[[E]], %[[B]], %{{.*}}) : (tensor<?x4xf32>, tensor<?x8xf32>, tensor<8x4xf32>) -> tensor<?x4xf32>
// CHECK-NOT: linalg.
// CHECK: func.func private @[[MM]](%[[OUT:.*]]: tensor<?x4xf32>, {{.*}} attributes {passthrough = ["noinline"]}
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[OUT]] : tensor<?x4xf32>)
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[ACC]] : tensor<?x4xf32>)
// CHECK: func.func private @[[RELU]](%{{.*}}: tensor<?x8xf32>, %{{.*}}: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: arith.constant 0.000000e+00 : f32
// CHECK-NEXT: linalg.generic
// CHECK-NOT: func.func private
#id = affine_map<(d0, d1) -> (d0, d1)>
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @f(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %r1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x8xf32>
  %r2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%r1 : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x8xf32>
  %e2 = tensor.empty(%n) : tensor<?x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%r2, %w : tensor<?x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<?x4xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// An elementwise epilogue (relu) of a single-use contraction goes into the
// contraction's kernel, with the bias broadcast initialising it: one call,
// and res-tile-for-vectors then tiles the three as one.
// CHECK-LABEL: func.func @epilogue(
// CHECK: %[[Y:.*]] = call @[[K:__resc_kernel_[0-9]+]](
// CHECK-NEXT: return %[[Y]]
// CHECK: func.func private @[[K]](
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: %[[P:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]{{.*}} outs(%[[ACC]]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<?x4xf32>)
// CHECK: arith.maximumf
// CHECK: return %[[R]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#bias = affine_map<(d0, d1) -> (d1)>
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @epilogue(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>, %bv: tensor<4xf32>,
                    %e: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %zero = arith.constant 0.0 : f32
  %acc = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%bv : tensor<4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<?x4xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<?x4xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// The same epilogue with one empty tensor (CSE merged them) as the
// destination of both the bias broadcast and the relu: the kernel makes one
// empty tensor per use (its size is an argument), so the contraction's
// tiles never read the buffer the relu writes.
// CHECK-LABEL: func.func @shared_empty(
// CHECK-SAME: %[[X:[a-z0-9_]+]]: tensor<?x8xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: call @[[K:__resc_kernel_[0-9]+]](%{{.*}}, %[[N]], %[[X]], %{{.*}}) : (tensor<4xf32>, index, tensor<?x8xf32>, tensor<8x4xf32>) -> tensor<?x4xf32>
// CHECK: func.func private @[[K]](%{{.*}}: tensor<4xf32>, %[[SIZE:[a-z0-9_]+]]: index,
// CHECK: %[[EA:.*]] = tensor.empty(%[[SIZE]]) : tensor<?x4xf32>
// CHECK: %[[EB:.*]] = tensor.empty(%[[SIZE]]) : tensor<?x4xf32>
// CHECK: linalg.generic {{.*}} outs(%[[EB]]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: linalg.generic {{.*}} outs(%[[EA]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#bias = affine_map<(d0, d1) -> (d1)>
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @shared_empty(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>, %bv: tensor<4xf32>) -> tensor<?x4xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %acc = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%bv : tensor<4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<?x4xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<?x4xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// Not an epilogue: the product is also returned, so it must exist in
// memory; the relu gets a kernel of its own.
// CHECK-LABEL: func.func @product_used_twice(
// CHECK: %[[Y:.*]] = call @[[MM:__resc_kernel_[0-9]+]](
// CHECK: %[[R:.*]] = call @[[RELU:__resc_kernel_[0-9]+]](%[[Y]]
// CHECK: return %[[R]], %[[Y]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @product_used_twice(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>,
                              %e: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<?x4xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  return %r, %y : tensor<?x4xf32>, tensor<?x4xf32>
}
