// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// The maps of @conv_shifted (printed at the top of the module).
// CHECK-DAG: = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d1, d2, d6)>
// CHECK-DAG: = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d6, d3 + d4 * 30 + d5)>

// The maps of batch_norm's generic (printed first).
// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>

// conv2d on one input channel (or through a stride, or small images) is
// im2col + one contraction (compiler/lib/Conversion/Im2col.cpp,
// ConvBlocks.cpp): per image (one scf.forall iteration) the padded image,
// a loop over the kernel positions i = kh KW + kw that copies each plane
// into the columns [1, C, kh, kw, Ho, Wo], the image's accumulator set to
// the bias (or zero), and y[n, g, o, p] = sum_k W[g, o, k] col[n, g, k, p].
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-DAG: #[[WMAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d4)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[WMAP2:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d2, d5)>
// CHECK-DAG: #[[COL2:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d3, d4)>
// CHECK-DAG: #[[OUT2:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4)>

// CHECK-LABEL: func.func @conv_pad_bias(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x1x28x28xf32>, %[[W:[^:]*]]: tensor<16x1x3x3xf32>, %[[B:[^:]*]]: tensor<16xf32>
// CHECK: %[[BG:.*]] = tensor.expand_shape %[[B]] {{.*}} into tensor<1x16xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %{{.*}} : tensor<16x9xf32> into tensor<1x16x9xf32>
// CHECK: %[[OUT0:.*]] = tensor.expand_shape %{{.*}} into tensor<?x1x16x784xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[OUT0]], %{{.*}} : tensor<?x1x16x784xf32>
// CHECK: %[[Y:.*]] = scf.forall (%[[IMG:.*]]) in (%[[N]]) shared_outs(%[[SHARED:.*]] = %[[OUT0]]) -> (tensor<?x1x16x784xf32>)
// CHECK: %[[ACCN:.*]] = tensor.extract_slice %[[SHARED]][%[[IMG]], 0, 0, 0] [1, 1, 16, 784] [1, 1, 1, 1] : tensor<?x1x16x784xf32> to tensor<1x1x16x784xf32>
// CHECK: %[[XN:.*]] = tensor.extract_slice %[[X]][%[[IMG]], 0, 0, 0] [1, 1, 28, 28] [1, 1, 1, 1] : tensor<?x1x28x28xf32> to tensor<1x1x28x28xf32>
// The padding writes each element once: the image goes into a fresh
// [1, 1, 30, 30] at (1, 1), then the top and bottom rows and the left and
// right columns beside the image are zero-filled (Utils.cpp padWithZeroBands).
// CHECK: %[[PE:.*]] = tensor.empty() : tensor<1x1x30x30xf32>
// CHECK: %[[IN:.*]] = tensor.insert_slice %[[XN]] into %[[PE]][0, 0, 1, 1] [1, 1, 28, 28] [1, 1, 1, 1]
// CHECK: %[[TOP:.*]] = tensor.extract_slice %[[IN]][0, 0, 0, 0] [1, 1, 1, 30] [1, 1, 1, 1]
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[TOP]] : tensor<1x1x1x30xf32>)
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 29, 0] [1, 1, 1, 30] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 1, 0] [1, 1, 28, 1] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 1, 29] [1, 1, 28, 1] [1, 1, 1, 1]
// CHECK: %[[P:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 29] [1, 1, 28, 1] [1, 1, 1, 1]
// CHECK: %[[PH:.*]] = tensor.expand_shape %[[P]] {{\[\[}}0], [1, 2, 3], [4], [5]] {{.*}} into tensor<1x1x1x1x30x30xf32>
// CHECK: %[[COL0:.*]] = tensor.empty() : tensor<1x1x3x3x28x28xf32>
// CHECK: %[[C9:.*]] = arith.constant 9 : index
// CHECK: %[[LAST:.*]] = scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %[[C9]] step %{{.*}} iter_args(%[[CACC:.*]] = %[[COL0]]) -> (tensor<1x1x3x3x28x28xf32>)
// CHECK: %[[KH:.*]] = arith.divui %[[I]], %c3{{(_[0-9]+)?}} : index
// CHECK: %[[KW:.*]] = arith.remui %[[I]], %c3{{(_[0-9]+)?}} : index
// CHECK: %[[SRC:.*]] = tensor.extract_slice %[[PH]][0, 0, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] [1, 1, 1, 1, 28, 28] [1, 1, 1, 1, 1, 1] : tensor<1x1x1x1x30x30xf32> to tensor<1x1x1x1x28x28xf32>
// CHECK: %[[DST:.*]] = tensor.extract_slice %[[CACC]][0, 0, %[[KH]], %[[KW]], 0, 0] [1, 1, 1, 1, 28, 28] [1, 1, 1, 1, 1, 1] : tensor<1x1x3x3x28x28xf32> to tensor<1x1x1x1x28x28xf32>
// CHECK: %[[CP:.*]] = linalg.copy ins(%[[SRC]] : tensor<1x1x1x1x28x28xf32>) outs(%[[DST]] : tensor<1x1x1x1x28x28xf32>)
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[CP]] into %[[CACC]][0, 0, %[[KH]], %[[KW]], 0, 0] [1, 1, 1, 1, 28, 28] [1, 1, 1, 1, 1, 1] : tensor<1x1x1x1x28x28xf32> into tensor<1x1x3x3x28x28xf32>
// CHECK: scf.yield %[[INS]]
// CHECK: %[[C3:.*]] = tensor.collapse_shape %[[LAST]] {{\[\[}}0], [1, 2, 3], [4, 5]] : tensor<1x1x3x3x28x28xf32> into tensor<1x9x784xf32>
// CHECK: %[[COLS:.*]] = tensor.expand_shape %[[C3]] {{.*}} into tensor<1x1x9x784xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], {{.*}}]{{.*}} ins(%[[BG]] : tensor<1x16xf32>) outs(%[[ACCN]] : tensor<1x1x16x784xf32>)
// CHECK: %[[YN:.*]] = linalg.generic {indexing_maps = [#[[WMAP]], #[[COL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[WG]], %[[COLS]] : tensor<1x16x9xf32>, tensor<1x1x9x784xf32>) outs(%[[ACC]] : tensor<1x1x16x784xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.parallel_insert_slice %[[YN]] into %[[SHARED]][%[[IMG]], 0, 0, 0] [1, 1, 16, 784]
// CHECK: %[[YC:.*]] = tensor.collapse_shape %[[Y]] {{\[\[}}0], [1, 2], [3]] : tensor<?x1x16x784xf32> into tensor<?x16x784xf32>
// CHECK: %[[R:.*]] = tensor.expand_shape %[[YC]] {{\[\[}}0], [1], [2, 3]] {{.*}} into tensor<?x16x28x28xf32>
// CHECK: return %[[R]]
func.func @conv_pad_bias(%x: tensor<?x1x28x28xf32>, %w: tensor<16x1x3x3xf32>, %b: tensor<16xf32>) -> tensor<?x16x28x28xf32> {
  %0 = res.conv2d %x, %w, %b {padding = array<i64: 1, 1>} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>, tensor<16xf32>) -> tensor<?x16x28x28xf32>
  return %0 : tensor<?x16x28x28xf32>
}

// Stride 1 on 16 channels of 28 x 28 (padding 1): no columns. Per image the
// padded image gets one spare zero row ([1, 16, 31, 30]) and is flattened;
// the output lives on the padded grid (28 rows of 30: [1, 1, 16, 840]); the
// weights are regrouped by kernel position ([3, 3, 1, 16, 16]); one
// contraction over (kh, kw, c) reads the image at pixel q + kh * 30 + kw
// into the zero-filled accumulator.
// The result is the grid's first 28 columns.
// CHECK-LABEL: func.func @conv_shifted(
// CHECK: %[[T:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x16x16x9xf32>) outs(%{{.*}} : tensor<9x1x16x16xf32>) permutation = [3, 0, 1, 2]
// CHECK: %[[POS:.*]] = tensor.expand_shape %[[T]] {{\[\[}}0, 1], [2], [3], [4]] {{.*}} into tensor<3x3x1x16x16xf32>
// CHECK: %[[GRID:.*]] = scf.forall (%{{.*}}) in (%{{.*}}) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<?x1x16x840xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 16, 28, 28] [1, 1, 1, 1] : tensor<1x16x28x28xf32> into tensor<1x16x31x30xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 29, 0] [1, 16, 2, 30] [1, 1, 1, 1]
// CHECK: %[[FLAT:.*]] = tensor.expand_shape %{{.*}} into tensor<1x1x16x930xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<1x1x16x840xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[POS]], %[[FLAT]] : tensor<3x3x1x16x16xf32>, tensor<1x1x16x930xf32>) outs(%[[ZERO]] : tensor<1x1x16x840xf32>)
// CHECK-NEXT: ^bb0
// CHECK: %[[IMG:.*]] = tensor.expand_shape %{{.*}} into tensor<?x16x28x30xf32>
// CHECK: %[[R:.*]] = tensor.extract_slice %[[IMG]][0, 0, 0, 0] [%{{.*}}, 16, 28, 28] [1, 1, 1, 1] : tensor<?x16x28x30xf32> to tensor<?x16x28x28xf32>
// CHECK: return %[[R]]
func.func @conv_shifted(%x: tensor<?x16x28x28xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<?x16x28x28xf32> {
  %0 = res.conv2d %x, %w {padding = array<i64: 1, 1>} : (tensor<?x16x28x28xf32>, tensor<16x16x3x3xf32>) -> tensor<?x16x28x28xf32>
  return %0 : tensor<?x16x28x28xf32>
}

// Stride 2: each image (16 = 8 x 2 rows, nothing to pad) is split into its
// 2 x 2 phases, where every plane is a unit-stride block: the window offset
// t = k d (dilation 1 for rows, 2 for columns) is phase t mod 2, from row or
// column t div 2. No bias: the accumulator is zero. The output has 7 x 6 =
// 42 pixels, too few for the register tile's vectors: 5 images (210
// pixels) share one contraction. Their planes are copied by kernel position
// first ([16, 3, 3, 5, 7, 6] = [144, 210]), and the result's images are
// transposed back into the output; a last, partial chunk writes only its
// images.
// CHECK-LABEL: func.func @conv_stride(
// CHECK-NOT: tensor.pad
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %{{.*}}, %c5 : index
// CHECK: scf.forall (%[[C:.*]]) in (%[[CHUNKS]]) shared_outs(%[[SHARED:.*]] = %{{.*}}) -> (tensor<?x1x32x42xf32>)
// CHECK: %[[LO:.*]] = arith.muli %[[C]], %c5{{(_[0-9]+)?}} : index
// CHECK: %[[SIZE:.*]] = arith.minui
// CHECK: %[[E:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2, 3], [4, 5]] {{.*}} : tensor<?x16x16x16xf32> into tensor<?x16x8x2x8x2xf32>
// CHECK: %[[PH:.*]] = linalg.transpose ins(%[[E]] : tensor<?x16x8x2x8x2xf32>) outs(%{{.*}} : tensor<?x16x2x2x8x8xf32>) permutation = [0, 1, 3, 5, 2, 4]
// CHECK: scf.for %[[I:[a-z0-9_]+]] = {{.*}} iter_args(%[[COL:.*]] = %{{.*}}) -> (tensor<16x3x3x5x7x6xf32>)
// CHECK: %[[KH:.*]] = arith.divui %[[I]], %c3{{(_[0-9]+)?}} : index
// CHECK: %[[KW:.*]] = arith.remui %[[I]], %c3{{(_[0-9]+)?}} : index
// CHECK: %[[TH:.*]] = arith.muli %[[KH]], %c1{{(_[0-9]+)?}} : index
// CHECK: %[[AH:.*]] = arith.remui %[[TH]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[RH:.*]] = arith.divui %[[TH]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[TW:.*]] = arith.muli %[[KW]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[AW:.*]] = arith.remui %[[TW]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[RW:.*]] = arith.divui %[[TW]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[SRC:.*]] = tensor.extract_slice %[[PH]][0, 0, %[[AH]], %[[AW]], %[[RH]], %[[RW]]] [%{{.*}}, 16, 1, 1, 7, 6] [1, 1, 1, 1, 1, 1] : tensor<?x16x2x2x8x8xf32> to tensor<?x16x1x1x7x6xf32>
// CHECK: %[[DST:.*]] = tensor.extract_slice %[[COL]][0, %[[KH]], %[[KW]], 0, 0, 0] [16, 1, 1, %{{.*}}, 7, 6]
// CHECK: linalg.transpose ins(%[[SRC]] : tensor<?x16x1x1x7x6xf32>) outs(%[[DST]] : tensor<16x1x1x?x7x6xf32>) permutation = [1, 2, 3, 0, 4, 5]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<16x3x3x5x7x6xf32> into tensor<144x210xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x32x210xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x32x144xf32>, tensor<1x144x210xf32>) outs(%[[Z]] : tensor<1x32x210xf32>)
// CHECK: %[[IMGS:.*]] = tensor.expand_shape %[[Y]] {{.*}} into tensor<1x32x5x42xf32>
// CHECK: %[[VALID:.*]] = tensor.extract_slice %[[IMGS]][0, 0, 0, 0] [1, 32, %[[SIZE]], 42]
// CHECK: %[[BACK:.*]] = linalg.transpose ins(%[[VALID]] : tensor<1x32x?x42xf32>) outs(%{{.*}} : tensor<?x1x32x42xf32>) permutation = [2, 0, 1, 3]
// CHECK: tensor.parallel_insert_slice %[[BACK]] into %[[SHARED]][%[[LO]], 0, 0, 0] [%[[SIZE]], 1, 32, 42]
// CHECK: %[[R:.*]] = tensor.expand_shape {{.*}} into tensor<?x32x7x6xf32>
// CHECK: return %[[R]]
func.func @conv_stride(%x: tensor<?x16x16x16xf32>, %w: tensor<32x16x3x3xf32>) -> tensor<?x32x7x6xf32> {
  %0 = res.conv2d %x, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 2>} : (tensor<?x16x16x16xf32>, tensor<32x16x3x3xf32>) -> tensor<?x32x7x6xf32>
  return %0 : tensor<?x32x7x6xf32>
}

// Groups: the contraction's g dim splits the weight [G, O/G, C/G kh kw], the
// columns [N, G, C/G kh kw, P] and the output.
// CHECK-LABEL: func.func @conv_groups(
// CHECK: %[[WG:.*]] = tensor.expand_shape {{.*}} : tensor<6x36xf32> into tensor<2x3x36xf32>
// CHECK: scf.forall
// CHECK: tensor.collapse_shape {{.*}} : tensor<1x8x3x3x8x8xf32> into tensor<1x72x64xf32>
// CHECK: %[[COLS:.*]] = tensor.expand_shape {{.*}} : tensor<1x72x64xf32> into tensor<1x2x36x64xf32>
// CHECK: linalg.generic {{.*}} ins(%[[WG]], %[[COLS]] : tensor<2x3x36xf32>, tensor<1x2x36x64xf32>) outs(%{{.*}} : tensor<1x2x3x64xf32>)
// CHECK: tensor.collapse_shape {{.*}} {{\[\[}}0], [1, 2], [3]] : tensor<?x2x3x64xf32> into tensor<?x6x64xf32>
func.func @conv_groups(%x: tensor<?x8x10x10xf32>, %w: tensor<6x4x3x3xf32>) -> tensor<?x6x8x8xf32> {
  %0 = res.conv2d %x, %w {groups = 2 : i64} : (tensor<?x8x10x10xf32>, tensor<6x4x3x3xf32>) -> tensor<?x6x8x8xf32>
  return %0 : tensor<?x6x8x8xf32>
}

// Dynamic spatial dims: the output size is computed from the input and the
// padding; the bottom/right padding grows the image to a multiple of the
// stride at run time; Ho and Wo stay two loops of the contraction.
// CHECK-LABEL: func.func @conv_dynamic_hw(
// CHECK: arith.divui
// CHECK: arith.divui
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, %{{.*}}, %{{.*}}]
// CHECK: } : tensor<1x3x?x?xf32> to tensor<1x3x?x?xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x3x?x2x?x2xf32>) outs(%{{.*}} : tensor<1x3x2x2x?x?xf32>)
// CHECK: scf.for
// CHECK: linalg.copy {{.*}} -> tensor<1x3x1x1x?x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[WMAP2]], #[[COL2]], #[[OUT2]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x4x27xf32>, tensor<1x1x27x?x?xf32>) outs(%{{.*}} : tensor<1x1x4x?x?xf32>)
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<?x1x4x?x?xf32> into tensor<?x4x?x?xf32>
func.func @conv_dynamic_hw(%x: tensor<?x3x?x?xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x?x?xf32> {
  %0 = res.conv2d %x, %w {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x3x?x?xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// Evaluation mode: one elementwise generic reading the [C] vectors at dim 1.
// CHECK-LABEL: func.func @batch_norm(
// CHECK: linalg.generic {indexing_maps = [#[[ID4]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[ID4]]]
// CHECK: arith.subf
// CHECK: arith.constant 1.000000e-03 : f32
// CHECK: arith.addf
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @batch_norm(%x: tensor<?x16x7x7xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>, %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<?x16x7x7xf32> {
  %0 = res.batch_norm %x, %w, %b, %m, %v {eps = 1.000000e-03 : f64, momentum = 1.000000e-01 : f64} : (tensor<?x16x7x7xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x7x7xf32>
  return %0 : tensor<?x16x7x7xf32>
}

// Mean, biased variance of the centred squares, then normalise and scale.
// CHECK-LABEL: func.func @layer_norm(
// CHECK: %[[S:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<?x?x8xf32>)
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<?x?xf32>)
// CHECK: arith.divf
// CHECK: %[[SQ:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[M]] : tensor<?x?x8xf32>, tensor<?x?xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: %[[VS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[SQ]] : tensor<?x?x8xf32>)
// CHECK: %[[V:.*]] = linalg.generic {{.*}} ins(%[[VS]] : tensor<?x?xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[M]], %[[V]], %{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<8xf32>, tensor<8xf32>)
// CHECK: math.sqrt
func.func @layer_norm(%x: tensor<?x?x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %0 = res.layer_norm %x, %w, %b : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// Max pooling pads with -inf and starts from -inf.
// CHECK-LABEL: func.func @max_pool(
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NINF]] : f32
// CHECK: %[[NINF2:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NINF2]] : f32) outs(%{{.*}} : tensor<?x4x5x5xf32>)
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %[[WIN]] : tensor<?x4x12x12xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<?x4x5x5xf32>)
func.func @max_pool(%x: tensor<?x4x10x10xf32>) -> tensor<?x4x5x5xf32> {
  %0 = res.max_pool2d %x {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<?x4x10x10xf32> -> tensor<?x4x5x5xf32>
  return %0 : tensor<?x4x5x5xf32>
}

// Average pooling: zero padding counted in the divisor kh * kw.
// CHECK-LABEL: func.func @avg_pool(
// CHECK-NOT: tensor.pad
// CHECK: linalg.pooling_nchw_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x4x10x10xf32>, tensor<2x3xf32>) outs(%{{.*}} : tensor<?x4x5x3xf32>)
// CHECK: arith.constant 6.000000e+00 : f32
// CHECK: linalg.generic
// CHECK: arith.divf
func.func @avg_pool(%x: tensor<?x4x10x10xf32>) -> tensor<?x4x5x3xf32> {
  %0 = res.avg_pool2d %x {kernel = array<i64: 2, 3>, stride = array<i64: 2, 3>} : tensor<?x4x10x10xf32> -> tensor<?x4x5x3xf32>
  return %0 : tensor<?x4x5x3xf32>
}

// A gather: index_cast, clamp into [0, num - 1], tensor.extract.
// CHECK-LABEL: func.func @embedding(
// CHECK-SAME: %[[I:[^:]*]]: tensor<?x?xi32>, %[[W:[^:]*]]: tensor<50x8xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[I]] : tensor<?x?xi32>) outs(%{{.*}} : tensor<?x?x8xf32>)
// CHECK: arith.index_cast
// CHECK: arith.select
// CHECK: arith.select
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: tensor.extract %[[W]][%{{.*}}, %[[J]]] : tensor<50x8xf32>
func.func @embedding(%i: tensor<?x?xi32>, %w: tensor<50x8xf32>) -> tensor<?x?x8xf32> {
  %0 = res.embedding %i, %w : (tensor<?x?xi32>, tensor<50x8xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}
