// Lowering of the layers' adjoints and of training-mode batch_norm
// (compiler/lib/Conversion/{ConvGrad,PoolGrad,NNGrad,NN}.cpp).
// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// CHECK-DAG: #[[FLIPMAP:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, -d3 + 2, -d4 + 2)>
// CHECK-DAG: #[[ID5:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[XMAP:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d0, d2, d6 + d3 * 2, d7 + d4 * 2)>
// CHECK-DAG: #[[DYMAP:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d0, d1, d6, d7)>
// CHECK-DAG: #[[DWMAP:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[WIN:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[KER:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[OUT4:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[ID4:[^ ]+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:[^ ]+]] = affine_map<(d0, d1, d2, d3) -> (d1)>

// conv2d_grad_input: dy scattered with stride 2 into a zero buffer padded by
// (k - 1) d - p = 1, then a stride-1 convolution with the flipped weight,
// in and out channels swapped.
// CHECK-LABEL: func.func @conv2d_grad_input(
// CHECK-SAME: %[[DY:[^:]+]]: tensor<?x4x4x4xf32>, %[[W:[^:]+]]: tensor<4x3x3x3xf32>, %[[X:[^:]+]]: tensor<?x3x8x8xf32>)
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x4x10x10xf32>)
// CHECK: %[[BUF:.*]] = tensor.insert_slice %[[DY]] into %[[ZERO]][0, 0, 1, 1] [%{{.*}}, 4, 4, 4] [1, 1, 2, 2] : tensor<?x4x4x4xf32> into tensor<?x4x10x10xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0, 1], [2], [3], [4]] output_shape [1, 4, 3, 3, 3]
// CHECK: %[[FLIP:.*]] = linalg.generic {indexing_maps = [#[[FLIPMAP]], #[[ID5]]]{{.*}} ins(%[[WG]] : tensor<1x4x3x3x3xf32>) outs(%{{.*}} : tensor<1x3x4x3x3xf32>)
// CHECK: %[[WT:.*]] = tensor.collapse_shape %[[FLIP]] {{\[\[}}0, 1], [2], [3], [4]] : tensor<1x3x4x3x3xf32> into tensor<3x4x3x3xf32>
// CHECK: %[[DX:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[BUF]], %[[WT]] : tensor<?x4x10x10xf32>, tensor<3x4x3x3xf32>) outs(%{{.*}} : tensor<?x3x8x8xf32>)
// CHECK: return %[[DX]]
func.func @conv2d_grad_input(%dy: tensor<?x4x4x4xf32>, %w: tensor<4x3x3x3xf32>, %x: tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32> {
  %0 = res.conv2d_grad_input %dy, %w, %x {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x4x4x4xf32>, tensor<4x3x3x3xf32>, tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
  return %0 : tensor<?x3x8x8xf32>
}


// Groups: the grouped named convolution, dilation carried over.
// CHECK-LABEL: func.func @conv2d_grad_input_groups(
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 2, 2] [%{{.*}}, 6, 9, 9] [1, 1, 1, 1] : tensor<?x6x9x9xf32> into tensor<?x6x13x13xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x3x2x3x3xf32>) outs(%{{.*}} : tensor<2x2x3x3x3xf32>)
// CHECK: %[[G:.*]] = linalg.conv_2d_ngchw_gfchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<?x2x3x13x13xf32>, tensor<2x2x3x3x3xf32>) outs(%{{.*}} : tensor<?x2x2x9x9xf32>)
// CHECK: tensor.collapse_shape %[[G]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<?x2x2x9x9xf32> into tensor<?x4x9x9xf32>
func.func @conv2d_grad_input_groups(%dy: tensor<?x6x9x9xf32>, %w: tensor<6x2x3x3xf32>, %x: tensor<?x4x9x9xf32>) -> tensor<?x4x9x9xf32> {
  %0 = res.conv2d_grad_input %dy, %w, %x {padding = array<i64: 2, 2>, dilation = array<i64: 2, 2>, groups = 2 : i64} : (tensor<?x6x9x9xf32>, tensor<6x2x3x3xf32>, tensor<?x4x9x9xf32>) -> tensor<?x4x9x9xf32>
  return %0 : tensor<?x4x9x9xf32>
}


// Padding beyond the kernel's reach: the outputs whose windows lie in the
// padding are sliced off dy before the scatter.
// CHECK-LABEL: func.func @conv2d_grad_input_wide_pad(
// CHECK: %[[PART:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 1] [1, 3, 2, 2] [1, 1, 1, 1] : tensor<1x3x4x4xf32> to tensor<1x3x2x2xf32>
// CHECK: tensor.insert_slice %[[PART]] into %{{.*}}[0, 0, 1, 1] [1, 3, 2, 2] [1, 1, 2, 2] : tensor<1x3x2x2xf32> into tensor<1x3x5x5xf32>
// CHECK: linalg.conv_2d_nchw_fchw
func.func @conv2d_grad_input_wide_pad(%dy: tensor<1x3x4x4xf32>, %w: tensor<3x2x1x1xf32>, %x: tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %0 = res.conv2d_grad_input %dy, %w, %x {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<1x3x4x4xf32>, tensor<3x2x1x1xf32>, tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}


// conv2d_grad_weight: one generic over (g, o, c, kh, kw | n, oh, ow) reading
// the padded input at oh s + kh d.
// CHECK-LABEL: func.func @conv2d_grad_weight(
// CHECK: tensor.pad %{{.*}} low[0, 0, 2, 2] high[0, 0, 2, 2]
// CHECK: %[[DW:.*]] = linalg.generic {indexing_maps = [#[[XMAP]], #[[DYMAP]], #[[DWMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<?x2x2x13x13xf32>, tensor<?x2x3x9x9xf32>) outs(%{{.*}} : tensor<2x3x2x3x3xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.collapse_shape %[[DW]] {{\[\[}}0, 1], [2], [3], [4]] : tensor<2x3x2x3x3xf32> into tensor<6x2x3x3xf32>
func.func @conv2d_grad_weight(%dy: tensor<?x6x9x9xf32>, %x: tensor<?x4x9x9xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<6x2x3x3xf32> {
  %0 = res.conv2d_grad_weight %dy, %x, %w {padding = array<i64: 2, 2>, dilation = array<i64: 2, 2>, groups = 2 : i64} : (tensor<?x6x9x9xf32>, tensor<?x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<6x2x3x3xf32>
  return %0 : tensor<6x2x3x3xf32>
}


// max_pool2d_grad: the argmax of every window (ties to the smallest index),
// then each input position gathers dy from the windows whose argmax it is.
// CHECK-LABEL: func.func @max_pool2d_grad(
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[ARG:.*]]:2 = linalg.generic {indexing_maps = [#[[WIN]], #[[KER]], #[[OUT4]], #[[OUT4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpi slt
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, i64
// CHECK: linalg.generic {indexing_maps = [#[[KER]], #[[OUT4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<3x3xf32>) outs(%{{.*}} : tensor<?x3x7x7xf32>)
// CHECK: arith.remsi
// CHECK: tensor.extract %[[ARG]]#1
// CHECK: arith.cmpi eq
// CHECK: tensor.extract %{{.*}} : tensor<?x3x4x4xf32>
func.func @max_pool2d_grad(%x: tensor<?x3x7x7xf32>, %dy: tensor<?x3x4x4xf32>) -> tensor<?x3x7x7xf32> {
  %0 = res.max_pool2d_grad %x, %dy {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x3x7x7xf32>, tensor<?x3x4x4xf32>) -> tensor<?x3x7x7xf32>
  return %0 : tensor<?x3x7x7xf32>
}


// avg_pool2d_grad: the same gather, dy divided by the window area.
// CHECK-LABEL: func.func @avg_pool2d_grad(
// CHECK: linalg.generic {indexing_maps = [#[[KER]], #[[OUT4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<2x2xf32>) outs(%{{.*}} : tensor<?x3x6x6xf32>)
// CHECK: tensor.extract %{{.*}} : tensor<?x3x3x3xf32>
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
func.func @avg_pool2d_grad(%dy: tensor<?x3x3x3xf32>, %x: tensor<?x3x6x6xf32>) -> tensor<?x3x6x6xf32> {
  %0 = res.avg_pool2d_grad %dy, %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<?x3x3x3xf32>, tensor<?x3x6x6xf32>) -> tensor<?x3x6x6xf32>
  return %0 : tensor<?x3x6x6xf32>
}


// embedding_grad: a loop over the positions adding rows of dy into the
// (clamped) rows of the table.
// CHECK-LABEL: func.func @embedding_grad(
// CHECK: %[[IDX:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<?x?xi32> into tensor<?xi32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<?x?x8xf32> into tensor<?x8xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<20x8xf32>)
// CHECK: %[[DW:.*]] = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (tensor<20x8xf32>)
// CHECK: tensor.extract %[[IDX]][%[[I]]]
// CHECK: arith.minsi
// CHECK: %[[K:.*]] = arith.maxsi
// CHECK: %[[SRC:.*]] = tensor.extract_slice %[[ROWS]][%[[I]], 0] [1, 8] [1, 1]
// CHECK: %[[CUR:.*]] = tensor.extract_slice %[[ACC]][%[[K]], 0] [1, 8] [1, 1]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[CUR]], %[[SRC]] : tensor<1x8xf32>, tensor<1x8xf32>)
// CHECK: %[[NEXT:.*]] = tensor.insert_slice %[[SUM]] into %[[ACC]][%[[K]], 0] [1, 8] [1, 1]
// CHECK: scf.yield %[[NEXT]]
// CHECK: return %[[DW]]
func.func @embedding_grad(%t: tensor<?x?xi32>, %dy: tensor<?x?x8xf32>, %w: tensor<20x8xf32>) -> tensor<20x8xf32> {
  %0 = res.embedding_grad %t, %dy, %w : (tensor<?x?xi32>, tensor<?x?x8xf32>, tensor<20x8xf32>) -> tensor<20x8xf32>
  return %0 : tensor<20x8xf32>
}


// batch_norm in training mode: mean and biased variance of each channel over
// (N, H, W), not the running statistics.
// CHECK-LABEL: func.func @batch_norm_train(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4x5x5xf32>, %[[W:[^:]+]]: tensor<4xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[M:[^:]+]]: tensor<4xf32>, %[[V:[^:]+]]: tensor<4xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[CH]]], iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%[[X]] : tensor<?x4x5x5xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<4xf32>)
// CHECK: %[[SQ:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MEAN]] : tensor<?x4x5x5xf32>, tensor<4xf32>)
// CHECK: %[[SSQ:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%[[SQ]] : tensor<?x4x5x5xf32>)
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}} ins(%[[SSQ]] : tensor<4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[W]], %[[B]], %[[MEAN]], %[[VAR]] :
// CHECK-NOT: %[[M]]
func.func @batch_norm_train(%x: tensor<?x4x5x5xf32>, %w: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<?x4x5x5xf32> {
  %0 = res.batch_norm %x, %w, %b, %m, %v {training = true} : (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
  return %0 : tensor<?x4x5x5xf32>
}


// batch_norm_grad (training): statistics recomputed, db = sum(dy),
// dw = sum(dy xhat), dx from both.
// CHECK-LABEL: func.func @batch_norm_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4x5x5xf32>, %[[W:[^:]+]]: tensor<4xf32>, %{{[^:]+}}: tensor<4xf32>, %{{[^:]+}}: tensor<4xf32>, %[[DY:[^:]+]]: tensor<?x4x5x5xf32>)
// CHECK: math.rsqrt
// CHECK: %[[XHAT:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}}, %{{.*}} : tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK: %[[PROD:.*]] = linalg.generic {{.*}} ins(%[[DY]], %[[XHAT]] :
// CHECK: %[[DB:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%[[DY]] :
// CHECK: %[[DW:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%[[PROD]] :
// CHECK: %[[DX:.*]] = linalg.generic {{.*}} ins(%[[DY]], %[[XHAT]], %[[W]], %{{.*}}, %[[DB]], %[[DW]] :
// CHECK: return %[[DX]], %[[DW]], %[[DB]]
func.func @batch_norm_grad(%x: tensor<?x4x5x5xf32>, %w: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %dy: tensor<?x4x5x5xf32>) -> (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0:3 = res.batch_norm_grad %x, %w, %m, %v, %dy {training = true} : (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<?x4x5x5xf32>) -> (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>)
  return %0#0, %0#1, %0#2 : tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>
}


// Evaluation mode: dx = dy w / sqrt(running_var + eps), no batch statistics.
// CHECK-LABEL: func.func @batch_norm_grad_eval(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4x5x5xf32>, %[[W:[^:]+]]: tensor<4xf32>, %[[M:[^:]+]]: tensor<4xf32>, %[[V:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<?x4x5x5xf32>)
// CHECK: %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[V]] : tensor<4xf32>)
// CHECK: math.rsqrt
// CHECK: %[[DX:.*]] = linalg.generic {{.*}} ins(%[[DY]], %[[W]], %[[RSTD]] :
// CHECK: return %[[DX]]
func.func @batch_norm_grad_eval(%x: tensor<?x4x5x5xf32>, %w: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %dy: tensor<?x4x5x5xf32>) -> tensor<?x4x5x5xf32> {
  %0:3 = res.batch_norm_grad %x, %w, %m, %v, %dy : (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<?x4x5x5xf32>) -> (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<?x4x5x5xf32>
}


// layer_norm_grad: per row over the last dim; dw and db sum the leading dims.
// CHECK-LABEL: func.func @layer_norm_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x8xf32>, %[[W:[^:]+]]: tensor<8xf32>, %[[DY:[^:]+]]: tensor<?x?x8xf32>)
// CHECK: math.rsqrt
// CHECK: %[[XHAT:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<?x?xf32>, tensor<?x?xf32>)
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[DY]], %[[W]] : tensor<?x?x8xf32>, tensor<8xf32>)
// CHECK: %[[DX:.*]] = linalg.generic {{.*}} ins(%[[G]], %[[XHAT]], %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK: %[[DW:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "parallel"]} ins(%{{.*}} : tensor<?x?x8xf32>) outs(%{{.*}} : tensor<8xf32>)
// CHECK: %[[DB:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[DY]] : tensor<?x?x8xf32>) outs(%{{.*}} : tensor<8xf32>)
// CHECK: return %[[DX]], %[[DW]], %[[DB]]
func.func @layer_norm_grad(%x: tensor<?x?x8xf32>, %w: tensor<8xf32>, %dy: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %0:3 = res.layer_norm_grad %x, %w, %dy : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>)
  return %0#0, %0#1, %0#2 : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>
}
