// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// Linear: the bias initialises the accumulator, then one contraction over k
// reads the weight transposed through its map (no transpose op).
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[BX:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[BW:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[BO:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[MB:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>

// CHECK-LABEL: func.func @linear(
// CHECK-SAME: %[[IN:[^:]+]]: tensor<?x784xf32>, %[[WT:[^:]+]]: tensor<512x784xf32>, %[[B:[^:]+]]: tensor<512xf32>)
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], #[[ID2]]], {{.*}} ins(%[[B]] : tensor<512xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[IN]], %[[WT]] : tensor<?x784xf32>, tensor<512x784xf32>) outs(%[[INIT]] : tensor<?x512xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @linear(%x: tensor<?x784xf32>, %w: tensor<512x784xf32>, %b: tensor<512xf32>) -> tensor<?x512xf32> {
  %0 = res.linear %x, %w, %b : (tensor<?x784xf32>, tensor<512x784xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  return %0 : tensor<?x512xf32>
}

// Without bias the accumulator is zero-filled.
// CHECK-LABEL: func.func @linear_nobias_3d(
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[BX]], #[[BW]], #[[BO]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
func.func @linear_nobias_3d(%x: tensor<?x?x8xf32>, %w: tensor<4x8xf32>) -> tensor<?x?x4xf32> {
  %0 = res.linear %x, %w : (tensor<?x?x8xf32>, tensor<4x8xf32>) -> tensor<?x?x4xf32>
  return %0 : tensor<?x?x4xf32>
}

// torch.matmul with a broadcast batch dim: the rhs has none, so its map
// skips d0.
// CHECK-LABEL: func.func @matmul_batched(
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[BX]], #[[MB]], #[[BO]]]
func.func @matmul_batched(%a: tensor<?x3x4xf32>, %b: tensor<4x5xf32>) -> tensor<?x3x5xf32> {
  %0 = res.matmul %a, %b : (tensor<?x3x4xf32>, tensor<4x5xf32>) -> tensor<?x3x5xf32>
  return %0 : tensor<?x3x5xf32>
}

// A vector operand gets a unit dim that is collapsed away afterwards.
// CHECK-LABEL: func.func @matvec(
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
// CHECK: linalg.generic
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<3x1xf32> into tensor<3xf32>
func.func @matvec(%a: tensor<3x4xf32>, %v: tensor<4xf32>) -> tensor<3xf32> {
  %0 = res.matmul %a, %v : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// A fused residual add: the addend (dead afterwards) takes the bias in
// place and is the contraction's accumulator; no fill, no add after.
// CHECK-LABEL: func.func @fused_linear(
// CHECK-SAME: %[[H:[^:]+]]: tensor<?x8xf32>, %[[W:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[X:[^:]+]]: tensor<?x4xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<4xf32>) outs(%[[X]] : tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[W]] : tensor<?x8xf32>, tensor<4x8xf32>) outs(%[[ACC]] : tensor<?x4xf32>)
// CHECK: return %[[Y]]
func.func @fused_linear(%h: tensor<?x8xf32>, %w: tensor<4x8xf32>, %b: tensor<4xf32>,
                        %x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = res.fused_linear %h, %w, %b addend %x : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// The addend is read again later: bias + addend go into a new accumulator,
// so the addend's buffer is not overwritten.
// CHECK-LABEL: func.func @fused_linear_live_addend(
// CHECK-SAME: %[[H:[^:]+]]: tensor<?x8xf32>, %[[W:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[X:[^:]+]]: tensor<?x4xf32>
// CHECK: %[[E:.*]] = tensor.empty
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[B]], %[[X]] : tensor<4xf32>, tensor<?x4xf32>) outs(%[[E]] : tensor<?x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[H]], %[[W]] : tensor<?x8xf32>, tensor<4x8xf32>) outs(%[[ACC]] : tensor<?x4xf32>)
func.func @fused_linear_live_addend(%h: tensor<?x8xf32>, %w: tensor<4x8xf32>, %b: tensor<4xf32>,
                                    %x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %y = res.fused_linear %h, %w, %b addend %x : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %z = res.relu %x : tensor<?x4xf32>
  return %y, %z : tensor<?x4xf32>, tensor<?x4xf32>
}

// Backward: dx = dy + dz W accumulates straight into dy.
// CHECK-LABEL: func.func @fused_matmul(
// CHECK-SAME: %[[DZ:[^:]+]]: tensor<?x8xf32>, %[[W:[^:]+]]: tensor<8x4xf32>, %[[DY:[^:]+]]: tensor<?x4xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[DX:.*]] = linalg.generic {{.*}} ins(%[[DZ]], %[[W]] : tensor<?x8xf32>, tensor<8x4xf32>) outs(%[[DY]] : tensor<?x4xf32>)
// CHECK: return %[[DX]]
func.func @fused_matmul(%dz: tensor<?x8xf32>, %w: tensor<8x4xf32>, %dy: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %dx = res.fused_matmul %dz, %w addend %dy : (tensor<?x8xf32>, tensor<8x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %dx : tensor<?x4xf32>
}
