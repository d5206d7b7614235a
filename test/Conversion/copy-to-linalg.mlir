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
