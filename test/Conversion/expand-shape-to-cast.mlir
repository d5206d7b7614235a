// res-expand-shape-to-cast: expansions with several dynamic sizes in one
// group become reinterpret_casts (MLIR 22's expand-strided-metadata crashes
// on them); the rest stay for expand-strided-metadata, which then runs.
// RUN: res-opt %s --res-expand-shape-to-cast | FileCheck %s
// RUN: res-opt %s --res-expand-shape-to-cast --expand-strided-metadata | FileCheck %s --check-prefix=LOWERED

// [N * T, 16] -> [N, T, 16]: stride(T) = 16, stride(N) = T * 16.
// CHECK-LABEL: func.func @two_dynamic(
// CHECK-SAME: %[[A:[^:]+]]: memref<?x16xf32>, %[[N:[^:]+]]: index, %[[T:[^:]+]]: index)
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[A]]
// CHECK-NEXT: %[[S0:.*]] = arith.muli %[[STRIDES]]#0, %[[T]] : index
// CHECK-NEXT: memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[N]], %[[T]], 16], strides: [%[[S0]], 16, 1] : memref<f32> to memref<?x?x16xf32>
// CHECK-NOT: memref.expand_shape
// LOWERED-LABEL: func.func @two_dynamic(
// LOWERED-NOT: memref.expand_shape
func.func @two_dynamic(%a: memref<?x16xf32>, %n: index, %t: index) -> memref<?x?x16xf32> {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%n, %t, 16] : memref<?x16xf32> into memref<?x?x16xf32>
  return %e : memref<?x?x16xf32>
}

// A strided source keeps its strides and offset: the inner new dim takes the
// source stride, the outer one that times the inner size.
// CHECK-LABEL: func.func @strided(
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata
// CHECK-NEXT: %[[S0:.*]] = arith.muli %[[STRIDES]]#0, %{{.*}} : index
// CHECK-NEXT: memref.reinterpret_cast %[[BASE]] to offset: [%[[OFF]]], sizes: [%{{.*}}, %{{.*}}, 4], strides: [%[[S0]], %[[STRIDES]]#0, 1]
func.func @strided(%a: memref<?x4xf32, strided<[?, 1], offset: ?>>, %n: index, %t: index)
    -> memref<?x?x4xf32, strided<[?, ?, 1], offset: ?>> {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%n, %t, 4] : memref<?x4xf32, strided<[?, 1], offset: ?>> into memref<?x?x4xf32, strided<[?, ?, 1], offset: ?>>
  return %e : memref<?x?x4xf32, strided<[?, ?, 1], offset: ?>>
}

// One dynamic size per group: left alone.
// CHECK-LABEL: func.func @one_dynamic(
// CHECK: memref.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 8, 16]
// CHECK-NOT: memref.reinterpret_cast
func.func @one_dynamic(%a: memref<?x16xf32>, %n: index) -> memref<?x8x16xf32> {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%n, 8, 16] : memref<?x16xf32> into memref<?x8x16xf32>
  return %e : memref<?x8x16xf32>
}
