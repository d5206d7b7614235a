// res-entry-out-params: entry results become trailing arguments the caller
// passes; fresh result buffers are replaced by them, other results copied.
// RUN: res-opt %s --allow-unregistered-dialect --res-entry-out-params | FileCheck %s

// A fresh buffer, and the copy bufferization makes of one for the return:
// both become the caller's buffer, no copy is left.
// CHECK-LABEL: func.func @fresh(
// CHECK-SAME: %[[X:[a-z0-9_]+]]: memref<4xf32>, %[[O0:[a-z0-9_]+]]: memref<4xf32>, %[[O1:[a-z0-9_]+]]: memref<4xf32>)
// CHECK-SAME: attributes {res.out_args = 2 : i64}
// CHECK-NOT: memref.alloc
// CHECK: "test.compute"(%[[X]], %[[O0]])
// CHECK: "test.compute"(%[[X]], %[[O1]])
// CHECK-NOT: memref.copy
// CHECK: return{{$}}
func.func @fresh(%x: memref<4xf32>) -> (memref<4xf32>, memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  "test.compute"(%x, %a) : (memref<4xf32>, memref<4xf32>) -> ()
  %b = memref.alloc() : memref<4xf32>
  "test.compute"(%x, %b) : (memref<4xf32>, memref<4xf32>) -> ()
  %c = memref.alloc() : memref<4xf32>
  memref.copy %b, %c : memref<4xf32> to memref<4xf32>
  return %a, %c : memref<4xf32>, memref<4xf32>
}

// Not fresh: an argument returned, the second result of a buffer returned
// twice, and a parameter update (its arena slot is also read): copied at
// the end.
// CHECK-LABEL: func.func @copied(
// CHECK-SAME: %[[P:[a-z0-9_]+]]: memref<4xf32>, %[[O0:[a-z0-9_]+]]: memref<4xf32>, %[[O1:[a-z0-9_]+]]: memref<4xf32>, %[[O2:[a-z0-9_]+]]: memref<4xf32>, %[[O3:[a-z0-9_]+]]: memref<4xf32>)
// CHECK: "test.compute"(%[[P]], %[[O1]])
// CHECK: %[[U:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.copy %[[P]], %[[O0]]
// CHECK-NEXT: memref.copy %[[O1]], %[[O2]]
// CHECK-NEXT: memref.copy %[[U]], %[[O3]]
// CHECK-NEXT: return
func.func @copied(%p: memref<4xf32>) -> (memref<4xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>)
    attributes {res.kept_updates = array<i1: false, false, false, true>} {
  %a = memref.alloc() : memref<4xf32>
  "test.compute"(%p, %a) : (memref<4xf32>, memref<4xf32>) -> ()
  %u = memref.alloc() : memref<4xf32>
  "test.compute"(%p, %u) : (memref<4xf32>, memref<4xf32>) -> ()
  return %p, %a, %a, %u : memref<4xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>
}

// A stacked gradient assembled from per-instance buffers: each instance is
// computed into its slice of the caller's buffer.
// CHECK-LABEL: func.func @stacked(
// CHECK-SAME: %[[G:[a-z0-9_]+]]: memref<2x4xf32>)
// CHECK-NOT: memref.alloc
// CHECK: %[[S0:.*]] = memref.subview %[[G]][0, 0] [1, 4] [1, 1] : memref<2x4xf32> to memref<4xf32, strided<[1]>>
// CHECK: memref.cast %[[S0]] : memref<4xf32, strided<[1]>> to memref<4xf32, strided<[1], offset: ?>>
// CHECK: %[[S1:.*]] = memref.subview %[[G]][1, 0] [1, 4] [1, 1] : memref<2x4xf32> to memref<4xf32, strided<[1], offset: 4>>
// CHECK-NOT: memref.copy
// CHECK: return
func.func @stacked() -> memref<2x4xf32> {
  %a = memref.alloc() : memref<4xf32>
  %ca = memref.cast %a : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
  "test.compute"(%ca) : (memref<4xf32, strided<[1], offset: ?>>) -> ()
  %b = memref.alloc() : memref<4xf32>
  %cb = memref.cast %b : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
  "test.compute"(%cb) : (memref<4xf32, strided<[1], offset: ?>>) -> ()
  %g = memref.alloc() : memref<2x4xf32>
  %ea = memref.expand_shape %a [[0, 1]] output_shape [1, 4] : memref<4xf32> into memref<1x4xf32>
  %sa = memref.subview %g[0, 0] [1, 4] [1, 1] : memref<2x4xf32> to memref<1x4xf32, strided<[4, 1]>>
  memref.copy %ea, %sa : memref<1x4xf32> to memref<1x4xf32, strided<[4, 1]>>
  %eb = memref.expand_shape %b [[0, 1]] output_shape [1, 4] : memref<4xf32> into memref<1x4xf32>
  %sb = memref.subview %g[1, 0] [1, 4] [1, 1] : memref<2x4xf32> to memref<1x4xf32, strided<[4, 1], offset: 4>>
  memref.copy %eb, %sb : memref<1x4xf32> to memref<1x4xf32, strided<[4, 1], offset: 4>>
  return %g : memref<2x4xf32>
}

// Not in place: instance buffers made in another shape ([2, 6], like a
// convolution weight gradient made as [O, C*KH*KW]) and reshaped into their
// slice are not the slice with unit dims added; they stay copies (this
// crashed in inferRankReducedResultType before).
// CHECK-LABEL: func.func @reshaped(
// CHECK-SAME: %[[G:[a-z0-9_]+]]: memref<2x2x2x3xf32>)
// CHECK: memref.alloc() : memref<2x6xf32>
// CHECK: memref.alloc() : memref<2x6xf32>
// CHECK: memref.copy
// CHECK: memref.copy
func.func @reshaped() -> memref<2x2x2x3xf32> {
  %a = memref.alloc() : memref<2x6xf32>
  %ca = memref.cast %a : memref<2x6xf32> to memref<2x6xf32, strided<[?, 1], offset: ?>>
  "test.compute"(%ca) : (memref<2x6xf32, strided<[?, 1], offset: ?>>) -> ()
  %b = memref.alloc() : memref<2x6xf32>
  %cb = memref.cast %b : memref<2x6xf32> to memref<2x6xf32, strided<[?, 1], offset: ?>>
  "test.compute"(%cb) : (memref<2x6xf32, strided<[?, 1], offset: ?>>) -> ()
  %g = memref.alloc() : memref<2x2x2x3xf32>
  %ea = memref.expand_shape %a [[0, 1], [2, 3]] output_shape [1, 2, 2, 3] : memref<2x6xf32> into memref<1x2x2x3xf32>
  %sa = memref.subview %g[0, 0, 0, 0] [1, 2, 2, 3] [1, 1, 1, 1] : memref<2x2x2x3xf32> to memref<1x2x2x3xf32, strided<[12, 6, 3, 1]>>
  memref.copy %ea, %sa : memref<1x2x2x3xf32> to memref<1x2x2x3xf32, strided<[12, 6, 3, 1]>>
  %eb = memref.expand_shape %b [[0, 1], [2, 3]] output_shape [1, 2, 2, 3] : memref<2x6xf32> into memref<1x2x2x3xf32>
  %sb = memref.subview %g[1, 0, 0, 0] [1, 2, 2, 3] [1, 1, 1, 1] : memref<2x2x2x3xf32> to memref<1x2x2x3xf32, strided<[12, 6, 3, 1], offset: 12>>
  memref.copy %eb, %sb : memref<1x2x2x3xf32> to memref<1x2x2x3xf32, strided<[12, 6, 3, 1], offset: 12>>
  return %g : memref<2x2x2x3xf32>
}

// Not in place: an instance buffer still read after its copy (the other
// instance is).
// CHECK-LABEL: func.func @read_after(
// CHECK-SAME: %[[G:[a-z0-9_]+]]: memref<2x4xf32>)
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.subview %[[G]][1, 0] [1, 4] [1, 1]
// CHECK: %[[E:.*]] = memref.expand_shape %[[A]]
// CHECK: %[[S:.*]] = memref.subview %[[G]][0, 0] [1, 4] [1, 1]
// CHECK: memref.copy %[[E]], %[[S]]
func.func @read_after() -> memref<2x4xf32> {
  %a = memref.alloc() : memref<4xf32>
  %ca = memref.cast %a : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
  "test.compute"(%ca) : (memref<4xf32, strided<[1], offset: ?>>) -> ()
  %b = memref.alloc() : memref<4xf32>
  %cb = memref.cast %b : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
  "test.compute"(%cb) : (memref<4xf32, strided<[1], offset: ?>>) -> ()
  %g = memref.alloc() : memref<2x4xf32>
  %ea = memref.expand_shape %a [[0, 1]] output_shape [1, 4] : memref<4xf32> into memref<1x4xf32>
  %sa = memref.subview %g[0, 0] [1, 4] [1, 1] : memref<2x4xf32> to memref<1x4xf32, strided<[4, 1]>>
  memref.copy %ea, %sa : memref<1x4xf32> to memref<1x4xf32, strided<[4, 1]>>
  "test.compute"(%ca) : (memref<4xf32, strided<[1], offset: ?>>) -> ()
  %eb = memref.expand_shape %b [[0, 1]] output_shape [1, 4] : memref<4xf32> into memref<1x4xf32>
  %sb = memref.subview %g[1, 0] [1, 4] [1, 1] : memref<2x4xf32> to memref<1x4xf32, strided<[4, 1], offset: 4>>
  memref.copy %eb, %sb : memref<1x4xf32> to memref<1x4xf32, strided<[4, 1], offset: 4>>
  return %g : memref<2x4xf32>
}

// A call of another entry point allocates the results' buffers, sized from
// the callee's return values rebuilt at the call.
// CHECK-LABEL: func.func @callee(
// CHECK-SAME: %{{.*}}: memref<?x4xf32>, %{{.*}}: memref<?x4xf32>)
func.func @callee(%x: memref<?x4xf32>) -> memref<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %r = memref.alloc(%n) : memref<?x4xf32>
  "test.compute"(%x, %r) : (memref<?x4xf32>, memref<?x4xf32>) -> ()
  return %r : memref<?x4xf32>
}
// CHECK-LABEL: func.func @caller(
// CHECK-SAME: %[[X:[a-z0-9_]+]]: memref<?x4xf32>, %[[OUT:[a-z0-9_]+]]: memref<f32>)
// CHECK: %[[N:.*]] = memref.dim %[[X]], %{{.*}}
// CHECK: %[[B:.*]] = memref.alloc(%[[N]]) {alignment = 64 : i64} : memref<?x4xf32>
// CHECK: call @callee(%[[X]], %[[B]]) : (memref<?x4xf32>, memref<?x4xf32>) -> ()
// CHECK: "test.reduce"(%[[B]], %[[OUT]])
func.func @caller(%x: memref<?x4xf32>) -> memref<f32> {
  %r = call @callee(%x) : (memref<?x4xf32>) -> memref<?x4xf32>
  %s = memref.alloc() : memref<f32>
  "test.reduce"(%r, %s) : (memref<?x4xf32>, memref<f32>) -> ()
  return %s : memref<f32>
}
