// res-drop-in-place-results: results that are their own argument (or a
// fresh copy of it made just before the return) are no longer returned;
// res.kept_results lists the original indices of the others.
// RUN: res-opt %s --res-drop-in-place-results | FileCheck %s

// A kernel returning its output argument, as after res-bufferize.
func.func private @kernel(%out: memref<8xf32, strided<[1], offset: ?>>, %in: memref<8xf32>)
    -> memref<8xf32, strided<[1], offset: ?>> {
  return %out : memref<8xf32, strided<[1], offset: ?>>
}

// Result 1 is argument 1 itself; result 2 is a copy of what the kernel wrote
// into argument 2; result 0 (the loss) stays.
// CHECK-LABEL: func.func @step(
// CHECK-SAME: -> memref<f32>
// CHECK-SAME: attributes {res.kept_results = array<i64: 0>, res.kept_updates = array<i1: false>}
// CHECK: call @kernel
// CHECK-NOT: memref.copy
// CHECK: return %{{.*}} : memref<f32>
func.func @step(%loss: memref<f32>, %p: memref<8xf32>, %m: memref<8xf32>, %g: memref<8xf32>)
    -> (memref<f32>, memref<8xf32>, memref<8xf32>) attributes {res.update_args = array<i64: -1, 1, 2>} {
  %cm = memref.cast %m : memref<8xf32> to memref<8xf32, strided<[1], offset: ?>>
  %w = call @kernel(%cm, %g) : (memref<8xf32, strided<[1], offset: ?>>, memref<8xf32>) -> memref<8xf32, strided<[1], offset: ?>>
  %a = memref.alloc() : memref<8xf32>
  memref.copy %w, %a : memref<8xf32, strided<[1], offset: ?>> to memref<8xf32>
  return %loss, %p, %a : memref<f32>, memref<8xf32>, memref<8xf32>
}

// Kept: a copy of the argument followed by a write to it (the copy holds
// the old value), and a result that is another argument.
// CHECK-LABEL: func.func @kept(
// CHECK-SAME: -> (memref<8xf32>, memref<8xf32>)
// CHECK-SAME: attributes {res.kept_results = array<i64: 0, 1>, res.kept_updates = array<i1: true, true>}
// CHECK: memref.copy
// CHECK: return
func.func @kept(%p: memref<8xf32>, %q: memref<8xf32>, %g: memref<8xf32>) -> (memref<8xf32>, memref<8xf32>)
    attributes {res.update_args = array<i64: 0, 1>} {
  %a = memref.alloc() : memref<8xf32>
  memref.copy %p, %a : memref<8xf32> to memref<8xf32>
  memref.copy %g, %p : memref<8xf32> to memref<8xf32>
  return %a, %g : memref<8xf32>, memref<8xf32>
}
