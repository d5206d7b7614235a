// Lowering of the layers' adjoints and of training-mode batch_norm
// (compiler/lib/Conversion/{ConvGrad,PoolGrad,NNGrad,NN}.cpp).
// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// CHECK-DAG: #[[WTMAP:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d2)>
// CHECK-DAG: #[[DYMAP:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[DCOLMAP:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[GWCOL:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d3, d0, d1, d4)>
// CHECK-DAG: #[[GWDY:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d3, d0, d2, d4)>
// CHECK-DAG: #[[GWOUT:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>
// CHECK-DAG: #[[FLIP:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, -d3 + 2, -d4 + 2)>
// CHECK-DAG: #[[ID5:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[WIN:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[KER:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[OUT4:[^ ]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[ID4:[^ ]+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:[^ ]+]] = affine_map<(d0, d1, d2, d3) -> (d1)>

// conv2d_grad_input with stride 2: per image (an scf.forall over the
// batch), the columns' adjoint dcol[g, k, p] = sum_o W[g, o, k] dy[n, g, o, p]
// into a zero-filled tile, then col2im: each kernel position adds its plane
// into one of the 2 x 2 phases of the padded image (10 = 2 x 5 rows), which
// are interleaved back and the padding sliced off.
// CHECK-LABEL: func.func @conv2d_grad_input(
// CHECK-SAME: %[[DY:[^:]+]]: tensor<?x4x4x4xf32>, %[[W:[^:]+]]: tensor<4x3x3x3xf32>, %[[X:[^:]+]]: tensor<?x3x8x8xf32>)
// CHECK: %[[WG:.*]] = tensor.expand_shape %{{.*}} : tensor<4x27xf32> into tensor<1x4x27xf32>
// CHECK: %[[DYG:.*]] = tensor.expand_shape %{{.*}} into tensor<?x1x4x16xf32>
// CHECK: scf.forall (%[[N:.*]]) in (%{{.*}}) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x3x8x8xf32>)
// CHECK: %[[DYN:.*]] = tensor.extract_slice %[[DYG]][%[[N]], 0, 0, 0] [1, 1, 4, 16]
// CHECK: %[[ZC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x1x27x16xf32>)
// CHECK: %[[DCOL:.*]] = linalg.generic {indexing_maps = [#[[WTMAP]], #[[DYMAP]], #[[DCOLMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[WG]], %[[DYN]] : tensor<1x4x27xf32>, tensor<1x1x4x16xf32>) outs(%[[ZC]] : tensor<1x1x27x16xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[D6:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2, 3], [4, 5]] {{.*}} : tensor<1x27x16xf32> into tensor<1x3x3x3x4x4xf32>
// CHECK: %[[ZP:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x3x2x2x5x5xf32>)
// One loop over the kernel positions i = kh KW + kw (window offset t = k d,
// phase t mod 2, from row t div 2): read-add-write of each plane.
// CHECK: %[[LAST:.*]] = scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %c9 step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZP]]) -> (tensor<1x3x2x2x5x5xf32>)
// CHECK: %[[KH:.*]] = arith.divui %[[I]], %c3{{(_[0-9]+)?}} : index
// CHECK: %[[KW:.*]] = arith.remui %[[I]], %c3{{(_[0-9]+)?}} : index
// CHECK: %[[TH:.*]] = arith.muli %[[KH]], %c1{{(_[0-9]+)?}} : index
// CHECK: %[[AH:.*]] = arith.remui %[[TH]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[RH:.*]] = arith.divui %[[TH]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[TW:.*]] = arith.muli %[[KW]], %c1{{(_[0-9]+)?}} : index
// CHECK: %[[AW:.*]] = arith.remui %[[TW]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[RW:.*]] = arith.divui %[[TW]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[R0:.*]] = tensor.extract_slice %[[ACC]][0, 0, %[[AH]], %[[AW]], %[[RH]], %[[RW]]] [1, 3, 1, 1, 4, 4] [1, 1, 1, 1, 1, 1] : tensor<1x3x2x2x5x5xf32> to tensor<1x3x1x1x4x4xf32>
// CHECK: %[[P0:.*]] = tensor.extract_slice %[[D6]][0, 0, %[[KH]], %[[KW]], 0, 0] [1, 3, 1, 1, 4, 4] [1, 1, 1, 1, 1, 1] : tensor<1x3x3x3x4x4xf32> to tensor<1x3x1x1x4x4xf32>
// CHECK: %[[S0:.*]] = linalg.generic {{.*}} ins(%[[P0]] : tensor<1x3x1x1x4x4xf32>) outs(%[[R0]] : tensor<1x3x1x1x4x4xf32>)
// CHECK: arith.addf
// CHECK: %[[UPD:.*]] = tensor.insert_slice %[[S0]] into %[[ACC]][0, 0, %[[AH]], %[[AW]], %[[RH]], %[[RW]]]
// CHECK: scf.yield %[[UPD]]
// CHECK: %[[IL:.*]] = linalg.transpose ins(%[[LAST]] : tensor<1x3x2x2x5x5xf32>) outs(%{{.*}} : tensor<1x3x5x2x5x2xf32>) permutation = [0, 1, 4, 2, 5, 3]
// CHECK: %[[IMG:.*]] = tensor.collapse_shape %[[IL]] {{\[\[}}0], [1], [2, 3], [4, 5]] : tensor<1x3x5x2x5x2xf32> into tensor<1x3x10x10xf32>
// CHECK: %[[DXN:.*]] = tensor.extract_slice %[[IMG]][0, 0, 1, 1] [1, 3, 8, 8] [1, 1, 1, 1] : tensor<1x3x10x10xf32> to tensor<1x3x8x8xf32>
// CHECK: tensor.parallel_insert_slice %[[DXN]] into %[[OUT]][%[[N]], 0, 0, 0] [1, 3, 8, 8]
func.func @conv2d_grad_input(%dy: tensor<?x4x4x4xf32>, %w: tensor<4x3x3x3xf32>, %x: tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32> {
  %0 = res.conv2d_grad_input %dy, %w, %x {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x4x4x4xf32>, tensor<4x3x3x3xf32>, tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
  return %0 : tensor<?x3x8x8xf32>
}


// Groups and dilation 2, stride 1: a convolution of dy padded by
// (3 - 1) 2 - 2 = 2 with the flipped kernel Wf[g, c, (o, kh, kw)] =
// W[g, o, c, 2 - kh, 2 - kw], per image like the forward: no col2im.
// CHECK-LABEL: func.func @conv2d_grad_input_groups(
// CHECK: %[[WF:.*]] = linalg.generic {indexing_maps = [#[[FLIP]], #[[ID5]]], {{.*}} ins(%{{.*}} : tensor<2x3x2x3x3xf32>) outs(%{{.*}} : tensor<2x2x3x3x3xf32>)
// CHECK: %[[WFG:.*]] = tensor.collapse_shape %[[WF]] {{\[\[}}0], [1], [2, 3, 4]] : tensor<2x2x3x3x3xf32> into tensor<2x2x27xf32>
// CHECK: scf.forall
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 2, 2] [1, 6, 9, 9] [1, 1, 1, 1] : tensor<1x6x9x9xf32> into tensor<1x6x13x13xf32>
// CHECK: scf.for
// CHECK: linalg.copy ins(%{{.*}} : tensor<1x6x1x1x9x9xf32>)
// CHECK: %[[COL:.*]] = tensor.expand_shape %{{.*}} : tensor<1x54x81xf32> into tensor<1x2x27x81xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x2x81xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[WFG]], %[[COL]] : tensor<2x2x27xf32>, tensor<1x2x27x81xf32>) outs(%[[Z]] : tensor<1x2x2x81xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: tensor.expand_shape %{{.*}} : tensor<?x4x81xf32> into tensor<?x4x9x9xf32>
func.func @conv2d_grad_input_groups(%dy: tensor<?x6x9x9xf32>, %w: tensor<6x2x3x3xf32>, %x: tensor<?x4x9x9xf32>) -> tensor<?x4x9x9xf32> {
  %0 = res.conv2d_grad_input %dy, %w, %x {padding = array<i64: 2, 2>, dilation = array<i64: 2, 2>, groups = 2 : i64} : (tensor<?x6x9x9xf32>, tensor<6x2x3x3xf32>, tensor<?x4x9x9xf32>) -> tensor<?x4x9x9xf32>
  return %0 : tensor<?x4x9x9xf32>
}


// Padding beyond the kernel's reach: the windows that lie in the padding
// add into rows that are sliced off with it (7 padded rows, 8 with the
// stride's last phase row).
// CHECK-LABEL: func.func @conv2d_grad_input_wide_pad(
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x2x2x4x4xf32>)
// CHECK: tensor.collapse_shape %{{.*}} : tensor<1x2x4x2x4x2xf32> into tensor<1x2x8x8xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 1, 1] [1, 2, 5, 5] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x5x5xf32>
func.func @conv2d_grad_input_wide_pad(%dy: tensor<1x3x4x4xf32>, %w: tensor<3x2x1x1xf32>, %x: tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %0 = res.conv2d_grad_input %dy, %w, %x {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<1x3x4x4xf32>, tensor<3x2x1x1xf32>, tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}


// conv2d_grad_weight: dw[g, o, k] = sum over (n, p) of dy[n, g, o, p]
// col[n, g, k, p]. The batch is cut into chunks of images whose columns
// fit in cache (here 44 of 36 x 81 floats), an scf.forall over them; each
// chunk builds its columns and writes its own partial sum, and the partial
// sums are added afterwards. Here k = 18 > o = 3, so it computes dw^T
// [g, k, o] (the register tile's vectors run along o, and the smaller dy is
// the operand transposed for them) and transposes that.
// CHECK-LABEL: func.func @conv2d_grad_weight(
// CHECK: %[[DYG:.*]] = tensor.expand_shape %{{.*}} : tensor<?x6x81xf32> into tensor<?x2x3x81xf32>
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %{{.*}}, %c44 : index
// CHECK: %[[PARTS:.*]] = scf.forall (%[[C:.*]]) in (%[[CHUNKS]]) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<?x2x18x3xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 2, 2] [%{{.*}}, 4, 9, 9] [1, 1, 1, 1] : tensor<?x4x9x9xf32> into tensor<?x4x13x13xf32>
// CHECK: scf.for
// CHECK: linalg.copy {{.*}} -> tensor<?x4x1x1x9x9xf32>
// CHECK: %[[COLS:.*]] = tensor.expand_shape %{{.*}} : tensor<?x36x81xf32> into tensor<?x2x18x81xf32>
// CHECK: %[[DYC:.*]] = tensor.extract_slice %[[DYG]]
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x18x3xf32>)
// CHECK: %[[DWT:.*]] = linalg.generic {indexing_maps = [#[[GWCOL]], #[[GWDY]], #[[GWOUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[COLS]], %[[DYC]] : tensor<?x2x18x81xf32>, tensor<?x2x3x81xf32>) outs(%[[Z]] : tensor<2x18x3xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.parallel_insert_slice
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel", "parallel"]} ins(%[[PARTS]] : tensor<?x2x18x3xf32>) outs(%{{.*}} : tensor<2x18x3xf32>)
// CHECK: %[[DW:.*]] = linalg.transpose ins(%[[SUM]] : tensor<2x18x3xf32>) outs(%{{.*}} : tensor<2x3x18xf32>) permutation = [0, 2, 1]
// CHECK: %[[DW2:.*]] = tensor.collapse_shape %[[DW]] {{\[\[}}0, 1], [2]] : tensor<2x3x18xf32> into tensor<6x18xf32>
// CHECK: tensor.expand_shape %[[DW2]] {{\[\[}}0], [1, 2, 3]] output_shape [6, 2, 3, 3] : tensor<6x18xf32> into tensor<6x2x3x3xf32>
func.func @conv2d_grad_weight(%dy: tensor<?x6x9x9xf32>, %x: tensor<?x4x9x9xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<6x2x3x3xf32> {
  %0 = res.conv2d_grad_weight %dy, %x, %w {padding = array<i64: 2, 2>, dilation = array<i64: 2, 2>, groups = 2 : i64} : (tensor<?x6x9x9xf32>, tensor<?x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<6x2x3x3xf32>
  return %0 : tensor<6x2x3x3xf32>
}


// conv2d_grad_weight of a stride-1 convolution on 16 channels of 28 x 28
// (the shifted forward's adjoint, no columns): chunks of 4 images; per chunk
// the padded inputs with their spare row, flattened ([S, 1, 16, 930]), and
// dy on the padded grid (2 zero columns) transposed to [S, 1, 840, 16]; per
// kernel position a contraction over (n, q) of the input shifted by
// kh * 30 + kw against dy^T into that position's slot of the chunk's partial
// sums [chunks, 9, 1, 16, 16]; then the sum over chunks and the transpose to
// [O, C, KH, KW].
// CHECK-LABEL: func.func @conv2d_grad_weight_shifted(
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %{{.*}}, %c4 : index
// CHECK: %[[PARTS:.*]] = scf.forall (%{{.*}}) in (%[[CHUNKS]]) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<?x9x1x16x16xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [%{{.*}}, 16, 28, 28] [1, 1, 1, 1] : tensor<?x16x28x28xf32> into tensor<?x16x31x30xf32>
// CHECK: %[[FLAT:.*]] = tensor.expand_shape %{{.*}} into tensor<?x1x16x930xf32>
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [%{{.*}}, 16, 28, 28] [1, 1, 1, 1] : tensor<?x16x28x28xf32> into tensor<?x16x28x30xf32>
// CHECK: %[[RIGHT:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 28] [%{{.*}}, 16, 28, 2] [1, 1, 1, 1]
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[RIGHT]] : tensor<?x16x28x2xf32>)
// CHECK: %[[DYT:.*]] = linalg.transpose ins(%{{.*}} : tensor<?x1x16x840xf32>) outs(%{{.*}} : tensor<?x1x840x16xf32>) permutation = [0, 1, 3, 2]
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %c9{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<1x9x1x16x16xf32>)
// CHECK: %[[XS:.*]] = tensor.extract_slice %[[FLAT]][0, 0, 0, %{{.*}}] [%{{.*}}, 1, 16, 840] [1, 1, 1, 1]
// CHECK: %[[SLOT:.*]] = tensor.extract_slice %[[ACC]][0, %[[I]], 0, 0, 0] [1, 1, 1, 16, 16] [1, 1, 1, 1, 1] : tensor<1x9x1x16x16xf32> to tensor<1x16x16xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[SLOT]] : tensor<1x16x16xf32>)
// CHECK: %[[DW:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[XS]], %[[DYT]] : tensor<?x1x16x840xf32>, tensor<?x1x840x16xf32>) outs(%[[Z]] : tensor<1x16x16xf32>)
// CHECK: tensor.insert_slice %[[DW]] into %[[ACC]][0, %[[I]], 0, 0, 0] [1, 1, 1, 16, 16] [1, 1, 1, 1, 1]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[PARTS]] : tensor<?x9x1x16x16xf32>) outs(%{{.*}} : tensor<9x1x16x16xf32>)
// CHECK: linalg.transpose ins(%[[SUM]] : tensor<9x1x16x16xf32>) outs(%{{.*}} : tensor<1x16x16x9xf32>) permutation = [1, 3, 2, 0]
// CHECK: tensor.expand_shape %{{.*}} into tensor<16x16x3x3xf32>
func.func @conv2d_grad_weight_shifted(%dy: tensor<?x16x28x28xf32>, %x: tensor<?x16x28x28xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<16x16x3x3xf32> {
  %0 = res.conv2d_grad_weight %dy, %x, %w {padding = array<i64: 1, 1>} : (tensor<?x16x28x28xf32>, tensor<?x16x28x28xf32>, tensor<16x16x3x3xf32>) -> tensor<16x16x3x3xf32>
  return %0 : tensor<16x16x3x3xf32>
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
