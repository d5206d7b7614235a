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
