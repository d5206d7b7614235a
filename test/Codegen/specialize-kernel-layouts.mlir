// RUN: res-opt %s --res-specialize-kernel-layouts --canonicalize | FileCheck %s

// Both calls pass contiguous [?, 16, 28, 28] buffers: the kernel's argument
// takes their strides (offset 0), and the body indexes with them.
// CHECK-LABEL: func.func private @contiguous(
// CHECK-SAME: %{{.*}}: memref<?x16x28x28xf32, strided<[12544, 784, 28, 1]>>
// CHECK-NOT: memref.cast
// CHECK: memref.load %{{.*}} : memref<?x16x28x28xf32, strided<[12544, 784, 28, 1]>>
func.func private @contiguous(%a: memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>) -> f32 {
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0, %c0, %c0, %c0] : memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>
  return %v : f32
}

// One caller passes the padded grid's slice (rows of 30): the strides the
// two disagree on stay dynamic, the innermost and the offset (0) do not.
// CHECK-LABEL: func.func private @mixed(
// CHECK-SAME: %{{.*}}: memref<?x16x28x28xf32, strided<[?, ?, ?, 1]>>
func.func private @mixed(%a: memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>) -> f32 {
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0, %c0, %c0, %c0] : memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>
  return %v : f32
}

// Per-image slices at a dynamic offset: static strides, dynamic offset.
// CHECK-LABEL: func.func private @image(
// CHECK-SAME: %{{.*}}: memref<1x16x28x28xf32, strided<[12544, 784, 28, 1], offset: ?>>
func.func private @image(%a: memref<1x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>) -> f32 {
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0, %c0, %c0, %c0] : memref<1x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>
  return %v : f32
}

// A function whose address is taken keeps its type.
// CHECK-LABEL: func.func private @taken(
// CHECK-SAME: %{{.*}}: memref<4xf32, strided<[?], offset: ?>>
func.func private @taken(%a: memref<4xf32, strided<[?], offset: ?>>) {
  return
}

// The calls pass what the callees now take, without casts.
// CHECK-LABEL: func.func @caller(
// CHECK: call @contiguous(%{{.*}}) : (memref<?x16x28x28xf32, strided<[12544, 784, 28, 1]>>) -> f32
// CHECK: call @mixed(%{{.*}}) : (memref<?x16x28x28xf32, strided<[?, ?, ?, 1]>>) -> f32
// CHECK: call @image(%{{.*}}) : (memref<1x16x28x28xf32, strided<[12544, 784, 28, 1], offset: ?>>) -> f32
func.func @caller(%x: memref<?x16x28x28xf32>, %y: memref<?x16x28x28xf32>,
                  %grid: memref<?x16x28x30xf32>, %i: index, %v: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x16x28x28xf32>
  %xc = memref.cast %x : memref<?x16x28x28xf32> to memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>
  %yc = memref.cast %y : memref<?x16x28x28xf32> to memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>
  %a = call @contiguous(%xc) : (memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>) -> f32
  %b = call @contiguous(%yc) : (memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>) -> f32
  %g = memref.subview %grid[0, 0, 0, 0] [%n, 16, 28, 28] [1, 1, 1, 1] : memref<?x16x28x30xf32> to memref<?x16x28x28xf32, strided<[13440, 840, 30, 1]>>
  %gc = memref.cast %g : memref<?x16x28x28xf32, strided<[13440, 840, 30, 1]>> to memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>
  %c = call @mixed(%gc) : (memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>) -> f32
  %d = call @mixed(%xc) : (memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>) -> f32
  %img = memref.subview %x[%i, 0, 0, 0] [1, 16, 28, 28] [1, 1, 1, 1] : memref<?x16x28x28xf32> to memref<1x16x28x28xf32, strided<[12544, 784, 28, 1], offset: ?>>
  %ic = memref.cast %img : memref<1x16x28x28xf32, strided<[12544, 784, 28, 1], offset: ?>> to memref<1x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>
  %e = call @image(%ic) : (memref<1x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>) -> f32
  %vc = memref.cast %v : memref<4xf32> to memref<4xf32, strided<[?], offset: ?>>
  call @taken(%vc) : (memref<4xf32, strided<[?], offset: ?>>) -> ()
  %f = func.constant @taken : (memref<4xf32, strided<[?], offset: ?>>) -> ()
  %s0 = arith.addf %a, %b : f32
  %s1 = arith.addf %s0, %c : f32
  %s2 = arith.addf %s1, %d : f32
  %s3 = arith.addf %s2, %e : f32
  return %s3 : f32
}
