// res-hoist-kernel-allocs: a kernel's top-level buffers become arguments its
// callers allocate just before the call, sized from the call's operands; a
// result that was such a buffer is dropped and the caller uses its own.
// RUN: res-opt %s --allow-unregistered-dialect --res-hoist-kernel-allocs | FileCheck %s

// A transposed operand (static) and an out-of-place result (dynamic, sized
// by the input's dim 0).
// CHECK-LABEL: func.func private @kernel(
// CHECK-SAME: %[[X:[a-z0-9_]+]]: memref<?x8xf32>, %[[T:[a-z0-9_]+]]: memref<8x8xf32>, %[[R:[a-z0-9_]+]]: memref<?x8xf32>)
// CHECK-NOT: -> memref
// CHECK-NOT: memref.alloc
// CHECK: memref.copy %[[X]], %[[R]]
// CHECK: return
func.func private @kernel(%x: memref<?x8xf32>) -> memref<?x8xf32> {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() {alignment = 64 : i64} : memref<8x8xf32>
  %n = memref.dim %x, %c0 : memref<?x8xf32>
  %r = memref.alloc(%n) {alignment = 64 : i64} : memref<?x8xf32>
  memref.copy %x, %r : memref<?x8xf32> to memref<?x8xf32>
  "test.use"(%t) : (memref<8x8xf32>) -> ()
  return %r : memref<?x8xf32>
}

// CHECK-LABEL: func.func @entry(
// CHECK-SAME: %[[IN:[a-z0-9_]+]]: memref<?x8xf32>
// CHECK: %[[T2:[a-z0-9_]+]] = memref.alloc() {alignment = 64 : i64} : memref<8x8xf32>
// CHECK: %[[N:[a-z0-9_]+]] = memref.dim %[[IN]], %{{.*}} : memref<?x8xf32>
// CHECK: %[[R2:[a-z0-9_]+]] = memref.alloc(%[[N]]) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK: call @kernel(%[[IN]], %[[T2]], %[[R2]]) : (memref<?x8xf32>, memref<8x8xf32>, memref<?x8xf32>) -> ()
// CHECK: return %[[R2]]
func.func @entry(%in: memref<?x8xf32>) -> memref<?x8xf32> {
  %r = call @kernel(%in) : (memref<?x8xf32>) -> memref<?x8xf32>
  return %r : memref<?x8xf32>
}

// A size the caller cannot compute (it comes from loaded data): the buffer
// stays in the kernel.
// CHECK-LABEL: func.func private @data_sized(
// CHECK-SAME: %{{.*}}: memref<index>)
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
func.func private @data_sized(%m: memref<index>) {
  %n = memref.load %m[] : memref<index>
  %b = memref.alloc(%n) : memref<?xf32>
  "test.use"(%b) : (memref<?xf32>) -> ()
  return
}

// CHECK-LABEL: func.func @calls_data_sized(
// CHECK: call @data_sized(%{{.*}}) : (memref<index>) -> ()
func.func @calls_data_sized(%m: memref<index>) {
  call @data_sized(%m) : (memref<index>) -> ()
  return
}

// Used other than by calls (its address taken): left alone.
// CHECK-LABEL: func.func private @referenced(
// CHECK-SAME: ) {
// CHECK: memref.alloc() : memref<4xf32>
func.func private @referenced() {
  %b = memref.alloc() : memref<4xf32>
  "test.use"(%b) : (memref<4xf32>) -> ()
  return
}
func.func @takes_address() {
  "test.symbol"() {callee = @referenced} : () -> ()
  return
}

// A buffer of the thread chunks whose size has no bound (a weight
// gradient's B panel, [batch, 64], sized by a memref.dim in the body)
// becomes one buffer with a piece per chunk, [8, batch, 64], iteration i
// using piece i, which the callers then allocate like any other. A bounded
// one stays for res-stack-temporaries (each worker's stack).
// CHECK-LABEL: func.func private @chunk_panels(
// CHECK-SAME: %[[X:[a-z0-9_]+]]: memref<?x512xf32>, %[[P:[a-z0-9_]+]]: memref<8x?x64xf32>)
// CHECK: scf.forall (%[[I:.*]]) = (0) to (512) step (64)
// CHECK: %[[PIECE:.*]] = affine.apply #{{.*}}(%[[I]])
// CHECK: %[[VIEW:.*]] = memref.subview %[[P]][%[[PIECE]], 0, 0] [1, %{{.*}}, 64] [1, 1, 1] : memref<8x?x64xf32> to memref<?x64xf32, strided<[64, 1], offset: ?>>
// CHECK: vector.transfer_write %{{.*}}, %[[VIEW]]
// CHECK: vector.transfer_read %[[VIEW]]
// CHECK: memref.alloc() : memref<4x64xf32>
// CHECK-LABEL: func.func @calls_chunk_panels(
// CHECK-SAME: %[[IN:[a-z0-9_]+]]: memref<?x512xf32>
// CHECK: %[[N:.*]] = memref.dim %[[IN]], %{{.*}} : memref<?x512xf32>
// CHECK: %[[ALL:.*]] = memref.alloc(%[[N]]) {alignment = 64 : i64} : memref<8x?x64xf32>
// CHECK: call @chunk_panels(%[[IN]], %[[ALL]])
func.func private @chunk_panels(%x: memref<?x512xf32>) {
  %c0 = arith.constant 0 : index
  %pad = ub.poison : f32
  scf.forall (%i) = (0) to (512) step (64) {
    %n = memref.dim %x, %c0 : memref<?x512xf32>
    %panel = memref.alloc(%n) {alignment = 64 : i64} : memref<?x64xf32>
    %v = vector.transfer_read %x[%c0, %i], %pad {in_bounds = [true, true]} : memref<?x512xf32>, vector<1x64xf32>
    vector.transfer_write %v, %panel[%c0, %c0] {in_bounds = [true, true]} : vector<1x64xf32>, memref<?x64xf32>
    %w = vector.transfer_read %panel[%c0, %c0], %pad {in_bounds = [true, true]} : memref<?x64xf32>, vector<1x64xf32>
    %small = memref.alloc() : memref<4x64xf32>
    "test.use"(%w, %small) : (vector<1x64xf32>, memref<4x64xf32>) -> ()
  }
  return
}
func.func @calls_chunk_panels(%in: memref<?x512xf32>) {
  call @chunk_panels(%in) : (memref<?x512xf32>) -> ()
  return
}
