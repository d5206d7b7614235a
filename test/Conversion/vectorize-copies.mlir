// RUN: res-opt %s --split-input-file --res-vectorize-copies | FileCheck %s

// An image copied into its zero-padded grid: rows of 28 floats, 30 apart in
// the target. Loops over the outer dims (the batch dim dynamic), one row as
// a register and a 12-float remainder.
// CHECK-LABEL: func.func @into_padded_grid(
// CHECK-SAME: %[[A:[^:]+]]: memref<?x16x28x28xf32>, %[[B:[^:]+]]: memref<?x16x28x28xf32, strided<[14400, 900, 30, 1], offset: 31>>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[N:.*]] = memref.dim %[[A]], %[[C0]]
// CHECK: scf.for %[[I:.*]] = %[[C0]] to %[[N]]
// CHECK: scf.for %[[J:.*]] =
// CHECK: scf.for %[[K:.*]] =
// CHECK: %[[V0:.*]] = vector.load %[[A]][%[[I]], %[[J]], %[[K]], %[[C0]]] : memref<?x16x28x28xf32>, vector<16xf32>
// CHECK: vector.store %[[V0]], %[[B]][%[[I]], %[[J]], %[[K]], %[[C0]]] : {{.*}}, vector<16xf32>
// CHECK: %[[V1:.*]] = vector.load %[[A]][%[[I]], %[[J]], %[[K]], %[[C16]]] : memref<?x16x28x28xf32>, vector<12xf32>
// CHECK: vector.store %[[V1]], %[[B]][%[[I]], %[[J]], %[[K]], %[[C16]]] : {{.*}}, vector<12xf32>
// CHECK-NOT: memref.copy
func.func @into_padded_grid(%a: memref<?x16x28x28xf32>,
                            %b: memref<?x16x28x28xf32, strided<[14400, 900, 30, 1], offset: 31>>) {
  memref.copy %a, %b : memref<?x16x28x28xf32> to memref<?x16x28x28xf32, strided<[14400, 900, 30, 1], offset: 31>>
  return
}

// -----

// Inner dims contiguous in both views are one run: 64 x 49 = 3136 floats,
// a loop of whole registers (3136 = 196 x 16, no remainder) under the
// dynamic batch dim whose stride differs.
// CHECK-LABEL: func.func @long_run(
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C3136:.*]] = arith.constant 3136 : index
// CHECK: %[[A:.*]] = memref.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : memref<?x64x49xf32, strided<[4096, 49, 1], offset: ?>> into memref<?x3136xf32, strided<[4096, 1], offset: ?>>
// CHECK: %[[B:.*]] = memref.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : memref<?x64x49xf32> into memref<?x3136xf32>
// CHECK: scf.for %[[I:.*]] =
// CHECK: scf.for %[[J:.*]] = %[[C0]] to %[[C3136]] step %[[C16]]
// CHECK: %[[V:.*]] = vector.load %[[A]][%[[I]], %[[J]]] : {{.*}}, vector<16xf32>
// CHECK: vector.store %[[V]], %[[B]][%[[I]], %[[J]]] : memref<?x3136xf32>, vector<16xf32>
// CHECK-NOT: vector.load
// CHECK-NOT: memref.copy
func.func @long_run(%a: memref<?x64x49xf32, strided<[4096, 49, 1], offset: ?>>, %b: memref<?x64x49xf32>) {
  memref.copy %a, %b : memref<?x64x49xf32, strided<[4096, 49, 1], offset: ?>> to memref<?x64x49xf32>
  return
}

// -----

// Left alone: contiguous copies (memcpy), copies whose innermost stride is
// not 1 in one view (a transposed view), a dynamic inner size, and i1 (a
// vector of i1 is stored one bit per lane, a memref of i1 one byte per
// element).
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT: vector.
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x8xf32> to memref<4x8xf32, strided<[8, 1], offset: 32>>
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x8xf32, strided<[1, 4]>> to memref<4x8xf32>
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x?xf32, strided<[?, 1]>> to memref<4x?xf32>
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x8xi1, strided<[16, 1]>> to memref<4x8xi1>
// CHECK-NOT: vector.
func.func @left_alone(%a: memref<4x8xf32>, %b: memref<4x8xf32, strided<[8, 1], offset: 32>>,
                      %c: memref<4x8xf32, strided<[1, 4]>>, %d: memref<4x8xf32>,
                      %e: memref<4x?xf32, strided<[?, 1]>>, %f: memref<4x?xf32>,
                      %g: memref<4x8xi1, strided<[16, 1]>>, %h: memref<4x8xi1>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32, strided<[8, 1], offset: 32>>
  memref.copy %c, %d : memref<4x8xf32, strided<[1, 4]>> to memref<4x8xf32>
  memref.copy %e, %f : memref<4x?xf32, strided<[?, 1]>> to memref<4x?xf32>
  memref.copy %g, %h : memref<4x8xi1, strided<[16, 1]>> to memref<4x8xi1>
  return
}

// -----

// Other whole-byte element types: lanes per register by their width
// (512 bits: 64 x i8, 8 x i64).
// CHECK-LABEL: func.func @bytes_and_words(
// CHECK: vector.load %{{.*}} : memref<2x100xi8, strided<[128, 1]>>, vector<64xi8>
// CHECK: vector.load %{{.*}} : memref<2x100xi8, strided<[128, 1]>>, vector<36xi8>
// CHECK: vector.load %{{.*}} : memref<2x12xi64, strided<[16, 1]>>, vector<8xi64>
// CHECK: vector.load %{{.*}} : memref<2x12xi64, strided<[16, 1]>>, vector<4xi64>
func.func @bytes_and_words(%a: memref<2x100xi8, strided<[128, 1]>>, %b: memref<2x100xi8>,
                           %c: memref<2x12xi64, strided<[16, 1]>>, %d: memref<2x12xi64>) {
  memref.copy %a, %b : memref<2x100xi8, strided<[128, 1]>> to memref<2x100xi8>
  memref.copy %c, %d : memref<2x12xi64, strided<[16, 1]>> to memref<2x12xi64>
  return
}

// -----

// The lowered code loads and stores vectors; no scalar element loop is left.
// RUN: res-opt %s --split-input-file --res-vectorize-copies --res-copy-to-linalg --convert-linalg-to-loops --expand-strided-metadata --lower-affine --convert-vector-to-llvm --finalize-memref-to-llvm --convert-scf-to-cf --convert-cf-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM
// CHECK-LABEL: func.func @rows(
// LLVM-LABEL: llvm.func @rows(
// LLVM: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> vector<16xf32>
// LLVM: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : vector<16xf32>, !llvm.ptr
// LLVM: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> vector<4xf32>
// LLVM-NOT: llvm.load %{{.*}} -> f32
func.func @rows(%a: memref<8x20xf32, strided<[32, 1]>>, %b: memref<8x20xf32, strided<[20, 1], offset: ?>>) {
  memref.copy %a, %b : memref<8x20xf32, strided<[32, 1]>> to memref<8x20xf32, strided<[20, 1], offset: ?>>
  return
}
