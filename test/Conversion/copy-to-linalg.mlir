// RUN: res-opt %s --res-copy-to-linalg | FileCheck %s

// A strided copy would lower to a call into MLIR's runner library; as a
// linalg.copy it becomes loops inside the model library.
// CHECK-LABEL: func.func @strided_copy(
// CHECK-SAME: %[[A:[^:]+]]: memref<4x8xf32, strided<[16, 1], offset: ?>>, %[[B:[^:]+]]: memref<4x8xf32>)
// CHECK: linalg.copy ins(%[[A]] : memref<4x8xf32, strided<[16, 1], offset: ?>>) outs(%[[B]] : memref<4x8xf32>)
// CHECK-NOT: memref.copy
func.func @strided_copy(%a: memref<4x8xf32, strided<[16, 1], offset: ?>>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32, strided<[16, 1], offset: ?>> to memref<4x8xf32>
  return
}

// Contiguous copies stay memref.copy: finalize-memref-to-llvm lowers them to
// the memcpy intrinsic (libc's memcpy), faster than a scalar loop. A static
// contiguous view with an offset counts as contiguous.
// CHECK-LABEL: func.func @contiguous_copy(
// CHECK-NOT: linalg.copy
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<?x8xf32> to memref<?x8xf32>
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x8xf32, strided<[8, 1], offset: 32>> to memref<4x8xf32>
// CHECK-NOT: linalg.copy
func.func @contiguous_copy(%a: memref<?x8xf32>, %b: memref<?x8xf32>,
                           %c: memref<4x8xf32, strided<[8, 1], offset: 32>>, %d: memref<4x8xf32>) {
  memref.copy %a, %b : memref<?x8xf32> to memref<?x8xf32>
  memref.copy %c, %d : memref<4x8xf32, strided<[8, 1], offset: 32>> to memref<4x8xf32>
  return
}

// The lowered library then calls memcpy, never MLIR's memrefCopy.
// RUN: res-opt %s --res-copy-to-linalg --convert-linalg-to-loops --finalize-memref-to-llvm --convert-scf-to-cf --convert-cf-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM
// LLVM: "llvm.intr.memcpy"
// LLVM-NOT: memrefCopy
