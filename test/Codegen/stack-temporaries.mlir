// res-stack-temporaries: bounded buffers of a loop iteration go on the
// stack, in an alloca_scope per iteration.
// RUN: res-opt %s --allow-unregistered-dialect --pass-pipeline='builtin.module(func.func(res-stack-temporaries))' | FileCheck %s
// RUN: res-opt %s --allow-unregistered-dialect --pass-pipeline='builtin.module(func.func(res-stack-temporaries{limit=1024}))' | FileCheck %s --check-prefix=SMALL

// A per-image chunk of at most 4 images (the min bounds the size), in a
// parallel loop of an entry point.
// CHECK-LABEL: func.func @chunks(
// CHECK: scf.forall
// CHECK-NEXT: memref.alloca_scope {
// CHECK: %[[K:.*]] = arith.minui %{{.*}}, %c4
// CHECK: memref.alloca(%[[K]]) {alignment = 64 : i64} : memref<?x16x30x30xf32>
// CHECK-NOT: memref.alloc(
// SMALL-LABEL: func.func @chunks(
// SMALL: memref.alloc(
func.func @chunks(%n: index) {
  %c4 = arith.constant 4 : index
  %chunks = arith.ceildivui %n, %c4 : index
  scf.forall (%i) in (%chunks) {
    %first = arith.muli %i, %c4 : index
    %left = arith.subi %n, %first : index
    %k = arith.minui %left, %c4 : index
    %b = memref.alloc(%k) {alignment = 64 : i64} : memref<?x16x30x30xf32>
    "test.use"(%b) : (memref<?x16x30x30xf32>) -> ()
  }
  return
}

// A kernel's partial tile in a sequential loop: on the stack, and the loop
// body's values still reach the yield through the scope.
// CHECK-LABEL: func.func private @tile(
// CHECK: scf.for {{.*}} iter_args
// CHECK-NEXT: %[[R:.*]] = memref.alloca_scope -> (f32) {
// CHECK: memref.alloca(%{{.*}}) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK: memref.alloca_scope.return %{{.*}} : f32
// CHECK: scf.yield %[[R]] : f32
func.func private @tile(%n: index, %init: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (f32) {
    %rows = affine.min affine_map<(d0)[s0] -> (6, s0 - d0)>(%i)[%n]
    %t = memref.alloc(%rows) {alignment = 64 : i64} : memref<?x64xf32>
    %v = "test.use"(%t, %acc) : (memref<?x64xf32>, f32) -> f32
    scf.yield %v : f32
  }
  return %r : f32
}

// Left on the heap: unbounded size, a sequential loop of an entry point
// (the memory plan's), and a buffer carried to the next iteration.
// CHECK-LABEL: func.func private @unbounded(
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
func.func private @unbounded(%n: index) {
  scf.forall (%i) in (%n) {
    %b = memref.alloc(%n) : memref<?xf32>
    "test.use"(%b) : (memref<?xf32>) -> ()
  }
  return
}
// CHECK-LABEL: func.func @entry_loop(
// CHECK: memref.alloc() : memref<8xf32>
func.func @entry_loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %b = memref.alloc() : memref<8xf32>
    "test.use"(%b) : (memref<8xf32>) -> ()
  }
  return
}
// CHECK-LABEL: func.func private @carried(
// CHECK: memref.alloc() : memref<8xf32>
func.func private @carried(%n: index, %init: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%prev = %init) -> (memref<8xf32>) {
    %b = memref.alloc() : memref<8xf32>
    "test.use"(%prev, %b) : (memref<8xf32>, memref<8xf32>) -> ()
    scf.yield %b : memref<8xf32>
  }
  return
}
