// RUN: res-opt %s --res-bufferize | FileCheck %s

// The entry point keeps identity layouts; the kernel takes a row-contiguous
// view, so a slice of a stacked parameter is passed without a copy.
// CHECK-LABEL: func.func @entry(
// CHECK-SAME: %[[S:.*]]: memref<4x8x16xf32>
// CHECK-NOT: memref.copy
// CHECK: %[[V:.*]] = memref.subview %[[S]][1, 0, 0] [1, 8, 16] [1, 1, 1]
// CHECK: %[[C:.*]] = memref.cast %{{.*}} : memref<8x16xf32, strided<[16, 1], offset: 128>> to memref<8x16xf32, strided<[?, 1], offset: ?>>
// CHECK: call @kernel(%[[C]]
// CHECK: func.func private @kernel(%{{.*}}: memref<8x16xf32, strided<[?, 1], offset: ?>>, %{{.*}}: memref<8x16xf32, strided<[?, 1], offset: ?>>)
func.func @entry(%stack: tensor<4x8x16xf32>) -> tensor<8x16xf32> {
  %w = tensor.extract_slice %stack[1, 0, 0] [1, 8, 16] [1, 1, 1] : tensor<4x8x16xf32> to tensor<8x16xf32>
  %e = tensor.empty() : tensor<8x16xf32>
  %r = call @kernel(%w, %e) : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}
func.func private @kernel(%a: tensor<8x16xf32>, %o: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %r = linalg.copy ins(%a : tensor<8x16xf32>) outs(%o : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

// A loop-carried buffer (fully dynamic strides: the loop's init and yield
// differ in layout) passed to a kernel that takes a row-contiguous view
// cannot be cast to it: One-Shot copies it into a new buffer of the
// kernel's type. That type has a dynamic offset and strides, which
// memref.alloc cannot take: the buffer is allocated with the identity
// layout and cast (ResNet8 with stage1 = repeat(2) failed here).
// CHECK-LABEL: func.func @carried(
// CHECK: scf.for {{.*}} iter_args(%[[T:.*]] = %{{.*}}) -> (memref<?x4xf32, strided<[?, ?], offset: ?>>)
// CHECK: %[[BUF:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x4xf32>
// CHECK: %[[ROW:.*]] = memref.cast %[[BUF]] : memref<?x4xf32> to memref<?x4xf32, strided<[?, 1], offset: ?>>
// CHECK: memref.copy %[[T]], %[[ROW]]
// CHECK: func.call @scale(%[[ROW]])
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func private @scale(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%x : tensor<?x4xf32>) {
  ^bb0(%o: f32):
    %d = arith.addf %o, %o : f32
    linalg.yield %d : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}
func.func @carried(%init: tensor<?x4xf32>, %n: index) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%t = %init) -> tensor<?x4xf32> {
    %y = func.call @scale(%t) : (tensor<?x4xf32>) -> tensor<?x4xf32>
    scf.yield %y : tensor<?x4xf32>
  }
  return %r : tensor<?x4xf32>
}
