// res-coalesce-copies: a copy between two allocations becomes a rename
// when the source is dead afterwards or neither buffer is written after it.
// RUN: res-opt %s --pass-pipeline='builtin.module(res-coalesce-copies)' | FileCheck %s

func.func private @write(%out: memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) {
  %c = arith.constant 1.0 : f32
  %i = arith.constant 0 : index
  memref.store %c, %out[%i, %i, %i] : memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
  return
}
func.func private @read(%in: memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> f32 {
  %i = arith.constant 0 : index
  %v = memref.load %in[%i, %i, %i] : memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
  return %v : f32
}

// The kernel's result is copied only so it can be collapsed (One-Shot
// could not prove the strided result collapsible); nothing reads it after.
// CHECK-LABEL: func.func @dead_source(
// CHECK: %[[A:.*]] = memref.alloc
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: memref.collapse_shape %[[A]]
func.func @dead_source(%n: index) -> memref<?x128xf32> {
  %a = memref.alloc(%n) : memref<?x4x32xf32>
  %ca = memref.cast %a : memref<?x4x32xf32> to memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
  call @write(%ca) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> ()
  %b = memref.alloc(%n) : memref<?x4x32xf32>
  memref.copy %a, %b : memref<?x4x32xf32> to memref<?x4x32xf32>
  %c = memref.collapse_shape %b [[0], [1, 2]] : memref<?x4x32xf32> into memref<?x128xf32>
  return %c : memref<?x128xf32>
}

// The source is read again later (a saved activation), but neither buffer
// is written after the copy: both hold the same data.
// CHECK-LABEL: func.func @read_only(
// CHECK: %[[A:.*]] = memref.alloc
// CHECK-NOT: memref.copy
// CHECK: memref.cast %[[A]]
// CHECK: call @read
// CHECK: memref.collapse_shape %[[A]]
func.func @read_only(%n: index) -> (f32, f32) {
  %a = memref.alloc(%n) : memref<?x4x32xf32>
  %ca = memref.cast %a : memref<?x4x32xf32> to memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
  call @write(%ca) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> ()
  %b = memref.alloc(%n) : memref<?x4x32xf32>
  memref.copy %a, %b : memref<?x4x32xf32> to memref<?x4x32xf32>
  %r = call @read(%ca) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> f32
  %c = memref.collapse_shape %b [[0], [1, 2]] : memref<?x4x32xf32> into memref<?x128xf32>
  %i = arith.constant 0 : index
  %v = memref.load %c[%i, %i] : memref<?x128xf32>
  return %r, %v : f32, f32
}

// Kept: the source is written after the copy (the copy holds the old
// value), the target is written before it, or the two live in different
// blocks.
// CHECK-LABEL: func.func @source_written_after(
// CHECK: memref.copy
func.func @source_written_after(%n: index) -> f32 {
  %a = memref.alloc(%n) : memref<?x4x32xf32>
  %ca = memref.cast %a : memref<?x4x32xf32> to memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
  call @write(%ca) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> ()
  %b = memref.alloc(%n) : memref<?x4x32xf32>
  memref.copy %a, %b : memref<?x4x32xf32> to memref<?x4x32xf32>
  call @write(%ca) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> ()
  %cb = memref.cast %b : memref<?x4x32xf32> to memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
  %r = call @read(%cb) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> f32
  return %r : f32
}

// CHECK-LABEL: func.func @target_used_before(
// CHECK: memref.copy
func.func @target_used_before(%n: index) -> f32 {
  %a = memref.alloc(%n) : memref<?x4x32xf32>
  %b = memref.alloc(%n) : memref<?x4x32xf32>
  %cb = memref.cast %b : memref<?x4x32xf32> to memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
  call @write(%cb) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> ()
  memref.copy %a, %b : memref<?x4x32xf32> to memref<?x4x32xf32>
  %r = call @read(%cb) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> f32
  return %r : f32
}

// CHECK-LABEL: func.func @other_block(
// CHECK: scf.for
// CHECK: memref.copy
func.func @other_block(%n: index) {
  %a = memref.alloc(%n) : memref<?x4x32xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %b = memref.alloc(%n) : memref<?x4x32xf32>
    memref.copy %a, %b : memref<?x4x32xf32> to memref<?x4x32xf32>
    %cb = memref.cast %b : memref<?x4x32xf32> to memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
    func.call @write(%cb) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> ()
  }
  return
}

// Kept: the source is freed after the copy while the target is still read.
// CHECK-LABEL: func.func @source_freed_after(
// CHECK: memref.copy
func.func @source_freed_after(%n: index) -> f32 {
  %a = memref.alloc(%n) : memref<?x4x32xf32>
  %ca = memref.cast %a : memref<?x4x32xf32> to memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
  call @write(%ca) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> ()
  %b = memref.alloc(%n) : memref<?x4x32xf32>
  memref.copy %a, %b : memref<?x4x32xf32> to memref<?x4x32xf32>
  %r0 = call @read(%ca) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> f32
  memref.dealloc %a : memref<?x4x32xf32>
  %cb = memref.cast %b : memref<?x4x32xf32> to memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>
  %r = call @read(%cb) : (memref<?x4x32xf32, strided<[?, ?, 1], offset: ?>>) -> f32
  return %r : f32
}
