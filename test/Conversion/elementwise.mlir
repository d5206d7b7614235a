// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// Broadcasting is an indexing map; each op's scalar body is its formula.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @add_broadcast(
// CHECK-SAME: %[[X:.*]]: tensor<?x4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[B]] : tensor<?x4xf32>, tensor<4xf32>) outs(%[[E]] : tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK-NOT: res.
func.func @add_broadcast(%x: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = res.add %x, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// A size-1 dim broadcasts through a constant 0 in the map.
// CHECK-LABEL: func.func @sub_column(
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]]
// CHECK: arith.subf
func.func @sub_column(%x: tensor<3x4xf32>, %c: tensor<3x1xf32>) -> tensor<3x4xf32> {
  %0 = res.sub %x, %c : tensor<3x4xf32>, tensor<3x1xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// CHECK-LABEL: func.func @activations(
// CHECK: arith.maxnumf
// CHECK: math.erf
// CHECK: math.tanh
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: arith.negf
func.func @activations(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = res.relu %x : tensor<8xf32>
  %1 = res.gelu %0 : tensor<8xf32>
  %2 = res.gelu %1 {approximate = "tanh"} : tensor<8xf32>
  %3 = res.sigmoid %2 : tensor<8xf32>
  %4 = res.log %3 : tensor<8xf32>
  %5 = res.sqrt %4 : tensor<8xf32>
  %6 = res.neg %5 : tensor<8xf32>
  return %6 : tensor<8xf32>
}

// The residual add is an add; dropout vanishes at inference; constants stay.
// CHECK-LABEL: func.func @residual(
// CHECK-SAME: %[[X:.*]]: tensor<?x4xf32>
// CHECK: %[[C:.*]] = arith.constant dense<2.000000e+00> : tensor<f32>
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[C]] : tensor<?x4xf32>, tensor<f32>)
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%[[M]], %[[X]] : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK-NOT: dropout
func.func @residual(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c = res.constant dense<2.0> : tensor<f32>
  %0 = res.mul %x, %c : tensor<?x4xf32>, tensor<f32> -> tensor<?x4xf32>
  %1 = res.dropout %0 {p = 0.5 : f64} : tensor<?x4xf32>
  %2 = res.residual_add %1, skip %x : tensor<?x4xf32>
  return %2 : tensor<?x4xf32>
}

// causal_mask: fill where the last index exceeds the one before it.
// CHECK-LABEL: func.func @causal_mask(
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%{{.*}} : tensor<4x?x?xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[I:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[J:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[ABOVE:.*]] = arith.cmpi ugt, %[[J]], %[[I]] : index
// CHECK-NEXT: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT: %[[R:.*]] = arith.select %[[ABOVE]], %[[NEGINF]], %[[IN]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @causal_mask(%s: tensor<4x?x?xf32>) -> tensor<4x?x?xf32> {
  %c = res.causal_mask %s {fill = 0xFFF0000000000000 : f64} : tensor<4x?x?xf32>
  return %c : tensor<4x?x?xf32>
}

// A keyed dropout (train_step): the counter-based mask of docs/training.md.
// The stream hash of (key, site) is computed once, outside the loop; each
// element hashes its row-major index; p = 0.25 keeps h >= 2^30.
// CHECK-LABEL: func.func @dropout_keyed(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>, %[[K:[^:]+]]: tensor<i32>)
// CHECK: %[[KEY:.*]] = tensor.extract %[[K]][] : tensor<i32>
// CHECK: %[[STREAM_IN:.*]] = arith.xori %[[KEY]], %{{.*}} : i32
// CHECK: linalg.generic
// CHECK: linalg.index 0 : index
// CHECK: linalg.index 1 : index
// CHECK: arith.muli %{{.*}}, %c-1640531527_i32 : i32
// CHECK: %[[KEEP:.*]] = arith.cmpi uge, %{{.*}}, %c1073741824_i32 : i32
// CHECK: %[[SCALED:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: arith.select %[[KEEP]], %[[SCALED]], %{{.*}} : f32
func.func @dropout_keyed(%x: tensor<?x4xf32>, %k: tensor<i32>) -> tensor<?x4xf32> {
  %0 = res.dropout %x key %k : tensor<i32> {p = 0.25 : f64, site = 1 : i64} : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
