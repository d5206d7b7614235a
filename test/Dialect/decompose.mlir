// res-decompose: self_attention becomes PyTorch's multi-head attention in
// primitive ops (each with a lowering and a VJP).
// RUN: res-opt %s --res-decompose --split-input-file --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @causal(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x8xf32>, %[[WI:[^:]+]]: tensor<24x8xf32>, %[[BI:[^:]+]]: tensor<24xf32>, %[[WO:[^:]+]]: tensor<8x8xf32>, %[[BO:[^:]+]]: tensor<8xf32>)
// The packed projection is sliced by rows: queries, keys, values.
// CHECK-NEXT: %[[WQ:.*]] = res.slice %[[WI]] dim 0 offset 0 size 8 : tensor<24x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT: %[[BQ:.*]] = res.slice %[[BI]] dim 0 offset 0 size 8 : tensor<24xf32> -> tensor<8xf32>
// CHECK-NEXT: %[[Q:.*]] = res.linear %[[X]], %[[WQ]], %[[BQ]]
// CHECK-NEXT: %[[QS:.*]] = res.split_dim %[[Q]] dim 2 into 2 : tensor<?x?x8xf32> -> tensor<?x?x2x4xf32>
// CHECK-NEXT: %[[QH:.*]] = res.transpose %[[QS]] dims 1, 2 : tensor<?x?x2x4xf32> -> tensor<?x2x?x4xf32>
// CHECK-NEXT: res.slice %[[WI]] dim 0 offset 8 size 8
// CHECK-NEXT: res.slice %[[BI]] dim 0 offset 8 size 8
// CHECK-NEXT: %[[K:.*]] = res.linear
// CHECK-NEXT: %[[KS:.*]] = res.split_dim %[[K]] dim 2 into 2
// CHECK-NEXT: %[[KH:.*]] = res.transpose %[[KS]] dims 1, 2
// CHECK-NEXT: res.slice %[[WI]] dim 0 offset 16 size 8
// CHECK-NEXT: res.slice %[[BI]] dim 0 offset 16 size 8
// CHECK-NEXT: %[[V:.*]] = res.linear
// CHECK-NEXT: %[[VS:.*]] = res.split_dim %[[V]] dim 2 into 2
// CHECK-NEXT: %[[VH:.*]] = res.transpose %[[VS]] dims 1, 2
// Scores: queries divided by sqrt(head size = 4), times the keys transposed.
// CHECK-NEXT: %[[SQRT:.*]] = res.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[QSC:.*]] = res.div %[[QH]], %[[SQRT]]
// CHECK-NEXT: %[[KT:.*]] = res.transpose %[[KH]] dims 2, 3 : tensor<?x2x?x4xf32> -> tensor<?x2x4x?xf32>
// CHECK-NEXT: %[[S:.*]] = res.matmul %[[QSC]], %[[KT]] : (tensor<?x2x?x4xf32>, tensor<?x2x4x?xf32>) -> tensor<?x2x?x?xf32>
// CHECK-NEXT: %[[M:.*]] = res.causal_mask %[[S]] {fill = 0xFFF0000000000000 : f64} : tensor<?x2x?x?xf32>
// CHECK-NEXT: %[[P:.*]] = res.softmax %[[M]] dim 3 : tensor<?x2x?x?xf32>
// CHECK-NEXT: %[[O:.*]] = res.matmul %[[P]], %[[VH]] : (tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
// CHECK-NEXT: %[[OT:.*]] = res.transpose %[[O]] dims 1, 2 : tensor<?x2x?x4xf32> -> tensor<?x?x2x4xf32>
// CHECK-NEXT: %[[OM:.*]] = res.merge_dims %[[OT]] dim 2 : tensor<?x?x2x4xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.linear %[[OM]], %[[WO]], %[[BO]]
// CHECK-NEXT: return %[[Y]] : tensor<?x?x8xf32>
func.func @causal(%x: tensor<?x?x8xf32>, %wi: tensor<24x8xf32>, %bi: tensor<24xf32>, %wo: tensor<8x8xf32>, %bo: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %y = res.self_attention %x, %wi, %bi, %wo, %bo {num_heads = 2 : i64, causal = true} : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Without causal there is no mask; static shapes stay static.
// CHECK-LABEL: func.func @full(
// CHECK-NOT: res.self_attention
// CHECK-NOT: res.causal_mask
// CHECK: res.matmul {{.*}} : (tensor<2x1x3x8xf32>, tensor<2x1x8x3xf32>) -> tensor<2x1x3x3xf32>
// CHECK-NEXT: res.softmax {{.*}} dim 3 : tensor<2x1x3x3xf32>
// CHECK: return {{.*}} : tensor<2x3x8xf32>
func.func @full(%x: tensor<2x3x8xf32>, %wi: tensor<24x8xf32>, %bi: tensor<24xf32>, %wo: tensor<8x8xf32>, %bo: tensor<8xf32>) -> tensor<2x3x8xf32> {
  %y = res.self_attention %x, %wi, %bi, %wo, %bo {num_heads = 1 : i64} : (tensor<2x3x8xf32>, tensor<24x8xf32>, tensor<24xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

func.func @dynamic_width(%x: tensor<?x?x?xf32>, %wi: tensor<?x?xf32>, %bi: tensor<?xf32>, %wo: tensor<?x?xf32>, %bo: tensor<?xf32>) -> tensor<?x?x?xf32> {
  // expected-error @+1 {{'res.self_attention' op needs a static embedding size, got input 'tensor<?x?x?xf32>'}}
  %y = res.self_attention %x, %wi, %bi, %wo, %bo {num_heads = 2 : i64} : (tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?x?xf32>
  return %y : tensor<?x?x?xf32>
}
