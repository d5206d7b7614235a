// RUN: res-opt %s --pass-pipeline='builtin.module(func.func(res-hoist-loop-allocas))' | FileCheck %s

// A tile buffer in nested sequential loops inside a thread's chunk moves in
// front of the outermost loop, staying inside the parallel body (each
// thread has its own); lowered in the loop, it grew the stack every
// iteration.
// CHECK-LABEL: func.func @static_tile(
// CHECK: scf.forall
// CHECK-NEXT: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<6x64xf32>
// CHECK-NEXT: scf.for
// CHECK-NEXT: scf.for
// CHECK-NOT: memref.alloca
// CHECK: vector.transfer_write %{{.*}}, %[[BUF]]
func.func @static_tile(%out: memref<?x128xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %v = arith.constant dense<1.0> : vector<6x64xf32>
  %f0 = arith.constant 0.0 : f32
  scf.forall (%t) in (2) {
    scf.for %i = %c0 to %n step %c6 {
      scf.for %j = %c0 to %c128 step %c64 {
        %buf = memref.alloca() {alignment = 64 : i64} : memref<6x64xf32>
        vector.transfer_write %v, %buf[%c0, %c0] {in_bounds = [true, true]} : vector<6x64xf32>, memref<6x64xf32>
        %r = vector.transfer_read %buf[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<6x64xf32>, vector<6x64xf32>
        vector.transfer_write %r, %out[%i, %j] {in_bounds = [true, true]} : vector<6x64xf32>, memref<?x128xf32>
      }
    }
  }
  return
}

// A partial tile's buffer, sized by the outer loop (the rows left, at most
// 5): its bytes for the largest size go in front of the loops, and each
// iteration views them at its size.
// CHECK-LABEL: func.func @partial_tile(
// CHECK: %[[RAW:.*]] = memref.alloca() {alignment = 64 : i64} : memref<1280xi8>
// CHECK-NEXT: scf.for
// CHECK: %[[ROWS:.*]] = affine.min
// CHECK: %[[VIEW:.*]] = memref.view %[[RAW]][%{{.*}}][%[[ROWS]]] : memref<1280xi8> to memref<?x64xf32>
// CHECK-NOT: memref.alloca
// CHECK: scf.for
// CHECK: memref.copy %{{.*}}, %[[VIEW]]
#rows = affine_map<(d0)[s0] -> (5, s0 - d0)>
func.func @partial_tile(%out: memref<?x128xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c5 = arith.constant 5 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %f = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c5 {
    %rows = affine.min #rows(%i)[%n]
    scf.for %j = %c0 to %c128 step %c64 {
      %buf = memref.alloca(%rows) {alignment = 64 : i64} : memref<?x64xf32>
      %src = memref.subview %out[%i, %j] [%rows, 64] [1, 1] : memref<?x128xf32> to memref<?x64xf32, strided<[128, 1], offset: ?>>
      memref.copy %src, %buf : memref<?x64xf32, strided<[128, 1], offset: ?>> to memref<?x64xf32>
    }
  }
  return
}

// Directly in a function or a parallel body the stack is released with it:
// left alone.
// CHECK-LABEL: func.func @not_in_a_loop(
// CHECK-NEXT: memref.alloca() : memref<16xf32>
func.func @not_in_a_loop() {
  %buf = memref.alloca() : memref<16xf32>
  return
}

// A size without a constant bound cannot be allocated in front of the loop:
// left in it, with a warning (resc's own lowering makes no such buffer:
// res-stack-temporaries puts only bounded ones on the stack).
// RUN: res-opt %s --pass-pipeline='builtin.module(func.func(res-hoist-loop-allocas))' 2>&1 >/dev/null | FileCheck %s --check-prefix=WARN
// WARN: warning: stack buffer in a loop of unbounded size: the stack grows every iteration
// WARN-NOT: warning
func.func @unbounded(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %buf = memref.alloca(%i) : memref<?xf32>
  }
  return
}
