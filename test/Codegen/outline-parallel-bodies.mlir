// RUN: res-opt %s --res-outline-parallel-bodies | FileCheck %s

// Two entry points (marked res.out_args) run the same per-image loop: its
// body becomes one private function taking the induction variable and the
// captured buffers; the constant it uses is copied in.
// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[X:[a-z0-9]+]]: memref<?x64xf32>, %[[Y:[a-z0-9]+]]: memref<?x64xf32>
// CHECK: scf.forall (%[[I:.*]]) in
// CHECK-NEXT: func.call @[[BODY:__resc_parallel_body_[0-9]+]](%[[I]], %[[X]], %[[Y]])
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @forward(%x: memref<?x64xf32>, %y: memref<?x64xf32>) attributes {res.out_args = 1 : i64} {
  %c0 = arith.constant 0 : index
  %cst0 = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  scf.forall (%i) in (%n) {
    %xi = memref.subview %x[%i, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    %yi = memref.subview %y[%i, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    %v = vector.transfer_read %xi[%c0, %c0], %cst0 {in_bounds = [true, true]} : memref<1x64xf32, strided<[64, 1], offset: ?>>, vector<1x64xf32>
    vector.transfer_write %v, %yi[%c0, %c0] {in_bounds = [true, true]} : vector<1x64xf32>, memref<1x64xf32, strided<[64, 1], offset: ?>>
  }
  return
}
// CHECK-LABEL: func.func @loss(
// CHECK: scf.forall (%[[J:.*]]) in
// CHECK-NEXT: func.call @[[BODY]](%[[J]],
// A different body gets its own function.
// CHECK: scf.forall (%[[K:.*]]) in
// CHECK-NEXT: func.call @[[OTHER:__resc_parallel_body_[0-9]+]](%[[K]],
func.func @loss(%x: memref<?x64xf32>, %y: memref<?x64xf32>) attributes {res.out_args = 1 : i64} {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  scf.forall (%i) in (%n) {
    %xi = memref.subview %x[%i, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    %yi = memref.subview %y[%i, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    %v = vector.transfer_read %xi[%c0, %c0], %pad {in_bounds = [true, true]} : memref<1x64xf32, strided<[64, 1], offset: ?>>, vector<1x64xf32>
    vector.transfer_write %v, %yi[%c0, %c0] {in_bounds = [true, true]} : vector<1x64xf32>, memref<1x64xf32, strided<[64, 1], offset: ?>>
  }
  // A nested loop goes with its parent's body.
  scf.forall (%i) in (%n) {
    scf.forall (%j) in (4) {
      %yij = memref.subview %y[%i, %j] [1, 16] [1, 1] : memref<?x64xf32> to memref<1x16xf32, strided<[64, 1], offset: ?>>
      linalg.fill ins(%pad : f32) outs(%yij : memref<1x16xf32, strided<[64, 1], offset: ?>>)
    }
  }
  return
}

// Not an entry implementation (a kernel's thread-shared tile loop): kept.
// CHECK-LABEL: func.func private @__resc_kernel_0(
// CHECK: scf.forall
// CHECK-NEXT: memref.subview
func.func private @__resc_kernel_0(%y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %n = memref.dim %y, %c0 : memref<?x64xf32>
  scf.forall (%i) in (%n) {
    %yi = memref.subview %y[%i, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    linalg.fill ins(%pad : f32) outs(%yi : memref<1x64xf32, strided<[64, 1], offset: ?>>)
  }
  return
}

// CHECK: func.func private @[[BODY]](%{{.*}}: index, %{{.*}}: memref<?x64xf32>, %{{.*}}: memref<?x64xf32>) attributes {passthrough = ["noinline"]}
// CHECK-NEXT: arith.constant 0 : index
// CHECK-NEXT: arith.constant 0.000000e+00 : f32
// CHECK-NEXT: memref.subview
// CHECK: func.func private @[[OTHER]](
// CHECK: scf.forall
// CHECK-NOT: func.func private @__resc_parallel_body
