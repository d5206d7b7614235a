// Lowering of the ops of backward graphs (compiler/lib/Conversion/Gradients.cpp).
// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// The indexing maps of broadcast_to and linear_weight_grad below.
// CHECK-DAG: #[[FIRST2:[^ ]+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: #[[UNIT:[^ ]+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[DYMAP:[^ ]+]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[XMAP:[^ ]+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[OUT2:[^ ]+]] = affine_map<(d0, d1, d2) -> (d0, d1)>

// reduce_to sums the leading dim and the stretched size-1 dim, then puts the
// unit dim back.
// CHECK-LABEL: func.func @reduce_to(
// CHECK-SAME: %[[G:[^:]+]]: tensor<2x?x4xf32>, %[[C:[^:]+]]: tensor<?x1xf32>)
// CHECK: %[[DIM:.*]] = tensor.dim %[[G]], %{{.*}} : tensor<2x?x4xf32>
// CHECK: %[[INIT:.*]] = tensor.empty(%[[DIM]]) : tensor<?xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[INIT]] : tensor<?xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{{.*}}iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[G]] : tensor<2x?x4xf32>) outs(%[[ZERO]] : tensor<?xf32>)
// CHECK: arith.addf
// CHECK: %[[R:.*]] = tensor.expand_shape %[[SUM]] {{\[\[}}0, 1]] output_shape [%{{.*}}, 1] : tensor<?xf32> into tensor<?x1xf32>
// CHECK: return %[[R]]
func.func @reduce_to(%g: tensor<2x?x4xf32>, %c: tensor<?x1xf32>) -> tensor<?x1xf32> {
  %0 = res.reduce_to %g, %c : (tensor<2x?x4xf32>, tensor<?x1xf32>) -> tensor<?x1xf32>
  return %0 : tensor<?x1xf32>
}

// To a rank-0 operand: everything is summed.
// CHECK-LABEL: func.func @reduce_to_scalar(
// CHECK: linalg.generic {{{.*}}iterator_types = ["reduction", "reduction"]} ins(%{{.*}} : tensor<?x4xf64>) outs(%{{.*}} : tensor<f64>)
// CHECK-NOT: tensor.expand_shape
// CHECK: return
func.func @reduce_to_scalar(%g: tensor<?x4xf64>, %c: tensor<f64>) -> tensor<f64> {
  %0 = res.reduce_to %g, %c : (tensor<?x4xf64>, tensor<f64>) -> tensor<f64>
  return %0 : tensor<f64>
}

// Nothing to reduce: only the type changes.
// CHECK-LABEL: func.func @reduce_to_cast(
// CHECK-SAME: %[[G:[^:]+]]: tensor<4x8xf32>
// CHECK-NEXT: %[[R:.*]] = tensor.cast %[[G]] : tensor<4x8xf32> to tensor<?x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @reduce_to_cast(%g: tensor<4x8xf32>, %x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = res.reduce_to %g, %x : (tensor<4x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// broadcast_to with mean divides by the count along the dims.
// CHECK-LABEL: func.func @broadcast_to_mean(
// CHECK-SAME: %[[M:[^:]+]]: tensor<?x4xf32>, %[[X:[^:]+]]: tensor<?x4x5x5xf32>)
// CHECK: %[[COUNT:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[FIRST2]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[M]] : tensor<?x4xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[IN]], %[[COUNT]] : f32
// CHECK-NEXT: linalg.yield %[[Q]]
// CHECK: return %[[R]]
func.func @broadcast_to_mean(%m: tensor<?x4xf32>, %x: tensor<?x4x5x5xf32>) -> tensor<?x4x5x5xf32> {
  %0 = res.broadcast_to %m, %x {dims = array<i64: 2, 3>, mean = true} : (tensor<?x4xf32>, tensor<?x4x5x5xf32>) -> tensor<?x4x5x5xf32>
  return %0 : tensor<?x4x5x5xf32>
}

// keepdim: the size-1 dim is read at index 0.
// CHECK-LABEL: func.func @broadcast_to_keepdim(
// CHECK: linalg.generic {indexing_maps = [#[[UNIT]], #{{.*}}]
// CHECK-NOT: arith.divf
// CHECK: return
func.func @broadcast_to_keepdim(%k: tensor<?x1xf32>, %y: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = res.broadcast_to %k, %y {dims = array<i64: 1>, keepdim = true} : (tensor<?x1xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// CHECK-LABEL: func.func @relu_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>, %[[DY:[^:]+]]: tensor<?x8xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[DY]] : tensor<?x8xf32>, tensor<?x8xf32>)
// CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[DYV:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[POS:.*]] = arith.cmpf ogt, %[[XV]], %[[ZERO]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.select %[[POS]], %[[DYV]], %[[ZERO]] : f32
// CHECK-NEXT: linalg.yield %[[R]]
func.func @relu_grad(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = res.relu_grad %x, %dy : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// Exact GELU: Phi(x) + x phi(x) with erf; the tanh approximation has no erf.
// CHECK-LABEL: func.func @gelu_grad(
// CHECK: linalg.generic
// CHECK: math.erf
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK-NOT: math.erf
// CHECK: math.tanh
// CHECK: return
func.func @gelu_grad(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = res.gelu_grad %x, %dy : tensor<?x8xf32>
  %1 = res.gelu_grad %x, %dy {approximate = "tanh"} : tensor<?x8xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x8xf32>
}

// dy * (1 - y^2)
// CHECK-LABEL: func.func @tanh_grad(
// CHECK: ^bb0(%[[Y:.*]]: f32, %[[DY:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[Y2:.*]] = arith.mulf %[[Y]], %[[Y]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[ONE]], %[[Y2]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[DY]], %[[D]] : f32
// CHECK-NEXT: linalg.yield %[[R]]
func.func @tanh_grad(%y: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = res.tanh_grad %y, %dy : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @silu_sigmoid_grad(
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK: arith.subf
// CHECK: return
func.func @silu_sigmoid_grad(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = res.silu_grad %x, %dy : tensor<?x8xf32>
  %1 = res.sigmoid_grad %x, %dy : tensor<?x8xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x8xf32>
}

// softmax_grad: s = sum(dy * y) along dim 1, then y * (dy - s).
// CHECK-LABEL: func.func @softmax_grad(
// CHECK-SAME: %[[Y:[^:]+]]: tensor<?x10xf32>, %[[DY:[^:]+]]: tensor<?x10xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[DY]], %[[Y]] : tensor<?x10xf32>, tensor<?x10xf32>)
// CHECK: arith.mulf
// CHECK: %[[S:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[P]] : tensor<?x10xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[Y]], %[[DY]], %[[S]] : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?xf32>)
// CHECK-NEXT: ^bb0(%[[YV:.*]]: f32, %[[DYV:.*]]: f32, %[[SV:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[DYV]], %[[SV]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[YV]], %[[D]] : f32
func.func @softmax_grad(%y: tensor<?x10xf32>, %dy: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = res.softmax_grad %y, %dy dim 1 : tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// log_softmax_grad: dy - exp(y) * sum(dy) along dim 0.
// CHECK-LABEL: func.func @log_softmax_grad(
// CHECK-SAME: %[[Y:[^:]+]]: tensor<?x10xf32>, %[[DY:[^:]+]]: tensor<?x10xf32>)
// CHECK: %[[S:.*]] = linalg.generic {{{.*}}iterator_types = ["reduction", "parallel"]} ins(%[[DY]] : tensor<?x10xf32>) outs(%{{.*}} : tensor<10xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[Y]], %[[DY]], %[[S]] : tensor<?x10xf32>, tensor<?x10xf32>, tensor<10xf32>)
// CHECK-NEXT: ^bb0(%[[YV:.*]]: f32, %[[DYV:.*]]: f32, %[[SV:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[E:.*]] = math.exp %[[YV]] : f32
// CHECK-NEXT: %[[ES:.*]] = arith.mulf %[[E]], %[[SV]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.subf %[[DYV]], %[[ES]] : f32
func.func @log_softmax_grad(%y: tensor<?x10xf32>, %dy: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = res.log_softmax_grad %y, %dy dim 0 : tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// (softmax(x) - onehot(y)) * dloss / rows; the label is compared with the
// class index, never used to index.
// CHECK-LABEL: func.func @cross_entropy_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x10xf32>, %[[L:[^:]+]]: tensor<?xi32>, %[[D:[^:]+]]: tensor<f32>)
// CHECK: arith.maxnumf
// CHECK: math.exp
// CHECK: %[[DL:.*]] = tensor.extract %[[D]][] : tensor<f32>
// CHECK: %[[ROWS:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[SCALE:.*]] = arith.divf %[[DL]], %[[ROWS]] : f32
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[L]] : tensor<?x10xf32>, tensor<?xf32>, tensor<?xi32>)
// CHECK: %[[P:.*]] = arith.divf
// CHECK: %[[C:.*]] = linalg.index 1 : index
// CHECK: %[[LABEL:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[C]], %[[LABEL]] : index
// CHECK: %[[ONEHOT:.*]] = arith.select %[[HIT]]
// CHECK: %[[DIFF:.*]] = arith.subf %[[P]], %[[ONEHOT]] : f32
// CHECK: arith.mulf %[[DIFF]], %[[SCALE]] : f32
// CHECK-NOT: tensor.extract %[[X]]
func.func @cross_entropy_grad(%x: tensor<?x10xf32>, %y: tensor<?xi32>, %d: tensor<f32>) -> tensor<?x10xf32> {
  %0 = res.cross_entropy_grad %x, %y, %d : (tensor<?x10xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// Rank-3 logits are collapsed to rows and the adjoint expanded back.
// CHECK-LABEL: func.func @cross_entropy_grad_3d(
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x?x16xf64> into tensor<?x16xf64>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<2x?xi64> into tensor<?xi64>
// CHECK: %[[R:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [2, %{{.*}}, 16] : tensor<?x16xf64> into tensor<2x?x16xf64>
// CHECK: return %[[R]]
func.func @cross_entropy_grad_3d(%x: tensor<2x?x16xf64>, %y: tensor<2x?xi64>, %d: tensor<f64>) -> tensor<2x?x16xf64> {
  %0 = res.cross_entropy_grad %x, %y, %d : (tensor<2x?x16xf64>, tensor<2x?xi64>, tensor<f64>) -> tensor<2x?x16xf64>
  return %0 : tensor<2x?x16xf64>
}

// 2 (a - t) * dloss / numel
// CHECK-LABEL: func.func @mse_grad(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x4xf32>, %[[T:[^:]+]]: tensor<?x4xf32>, %[[D:[^:]+]]: tensor<f32>)
// CHECK: %[[N:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[DL:.*]] = tensor.extract %[[D]][] : tensor<f32>
// CHECK: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[DL2:.*]] = arith.mulf %[[DL]], %[[TWO]] : f32
// CHECK: %[[SCALE:.*]] = arith.divf %[[DL2]], %[[N]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[A]], %[[T]] : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK-NEXT: ^bb0(%[[AV:.*]]: f32, %[[TV:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[DIFF:.*]] = arith.subf %[[AV]], %[[TV]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[DIFF]], %[[SCALE]] : f32
func.func @mse_grad(%a: tensor<?x4xf32>, %t: tensor<?x4xf32>, %d: tensor<f32>) -> tensor<?x4xf32> {
  %0 = res.mse_grad %a, %t, %d : (tensor<?x4xf32>, tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// dW[o, i] = sum over the two leading dims of dy[.., o] * x[.., i], with the
// leading dims collapsed into one reduction dim first.
// CHECK-LABEL: func.func @linear_weight_grad(
// CHECK-SAME: %[[DY:[^:]+]]: tensor<?x?x4xf32>, %[[X:[^:]+]]: tensor<?x?x8xf32>)
// CHECK: %[[DY2:.*]] = tensor.collapse_shape %[[DY]] {{\[}}[0, 1], [2]] : tensor<?x?x4xf32> into tensor<?x4xf32>
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<?x?x8xf32> into tensor<?x8xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[DYMAP]], #[[XMAP]], #[[OUT2]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[DY2]], %[[X2]] : tensor<?x4xf32>, tensor<?x8xf32>) outs(%[[ZERO]] : tensor<4x8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @linear_weight_grad(%dy: tensor<?x?x4xf32>, %x: tensor<?x?x8xf32>) -> tensor<4x8xf32> {
  %0 = res.linear_weight_grad %dy, %x : (tensor<?x?x4xf32>, tensor<?x?x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @slice(
// CHECK-SAME: %[[C:[^:]+]]: tensor<?x48xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[C]], %{{.*}} : tensor<?x48xf32>
// CHECK: %[[R:.*]] = tensor.extract_slice %[[C]][0, 16] [%[[N]], 32] [1, 1] : tensor<?x48xf32> to tensor<?x32xf32>
// CHECK: return %[[R]]
func.func @slice(%c: tensor<?x48xf32>) -> tensor<?x32xf32> {
  %0 = res.slice %c dim 1 offset 16 size 32 : tensor<?x48xf32> -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// slice_grad: the adjoint inserted into zeros shaped like the input.
// CHECK-LABEL: func.func @slice_grad(
// CHECK-SAME: %[[G:[^:]+]]: tensor<?x2xf32>, %[[X:[^:]+]]: tensor<?x6xf32>)
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x6xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x6xf32>)
// CHECK: tensor.insert_slice %[[G]] into %[[Z]][0, 3] [%{{.*}}, 2] [1, 1] : tensor<?x2xf32> into tensor<?x6xf32>
func.func @slice_grad(%g: tensor<?x2xf32>, %x: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %0 = res.slice_grad %g, %x dim 1 offset 3 : (tensor<?x2xf32>, tensor<?x6xf32>) -> tensor<?x6xf32>
  return %0 : tensor<?x6xf32>
}
