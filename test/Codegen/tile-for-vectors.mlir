// RUN: res-opt %s --pass-pipeline='builtin.module(func.func(res-tile-for-vectors{parallel=false}))' | FileCheck %s

// A matmul with a dynamic batch: a 6 x 64 register tile, k innermost in
// steps of 1; the batch loop is peeled, and its remainder (M mod 6 rows) is
// cut into pairs of rows up to its largest even part, then single rows, so
// every tile has a static shape.
// CHECK-LABEL: func.func @matmul(
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: scf.for %{{.*}} step %[[C6]]
// CHECK:   scf.for %{{.*}} step %[[C64]]
// CHECK:     scf.for
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<6x1xf32>, tensor<1x64xf32>) outs(%{{.*}} : tensor<6x64xf32>)
// The remainder rows: pairs, then the odd one.
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[EVEN:[^ ]+]] step %[[C2]]
// CHECK:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x1xf32>, tensor<1x64xf32>) outs(%{{.*}} : tensor<2x64xf32>)
// CHECK: scf.for %{{.*}} = %[[EVEN]] to %{{.*}} step %[[C1]]
// CHECK:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1xf32>, tensor<1x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @matmul(%x: tensor<?x16xf32>, %w: tensor<16x128xf32>, %acc: tensor<?x128xf32>) -> tensor<?x128xf32> {
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x16xf32>, tensor<16x128xf32>) outs(%acc : tensor<?x128xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// Elementwise over [?, 784]: unit rows, 64-wide vectors, the 784 % 64 = 16
// remainder peeled into a static 1 x 16 tile.
// CHECK-LABEL: func.func @relu(
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x16xf32>) outs(%{{.*}} : tensor<1x16xf32>)
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu(%x: tensor<?x784xf32>, %o: tensor<?x784xf32>) -> tensor<?x784xf32> {
  %zero = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x784xf32>) outs(%o : tensor<?x784xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x784xf32>
  return %r : tensor<?x784xf32>
}

// A row reduction over a contiguous dim of 10 is one vector per row.
// CHECK-LABEL: func.func @rowsum(
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x10xf32>) outs(%{{.*}} : tensor<1xf32>)
#r_in = affine_map<(d0, d1) -> (d0, d1)>
#r_out = affine_map<(d0, d1) -> (d0)>
func.func @rowsum(%x: tensor<?x10xf32>, %o: tensor<?xf32>) -> tensor<?xf32> {
  %r = linalg.generic {indexing_maps = [#r_in, #r_out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x10xf32>) outs(%o : tensor<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// A transpose moves 16 x 16 blocks, in the input's order: the outer loop
// walks the input's rows (64), the inner one along them (32, contiguous),
// so each block's source rows are read as sequential streams.
// CHECK-LABEL: func.func @transpose(
// CHECK-SAME: %[[W:[^:]+]]: tensor<64x32xf32>
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[C64]] step
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %[[C32]] step
// CHECK: tensor.extract_slice %[[W]][%[[I]], %[[J]]] [16, 16] [1, 1]
// CHECK: linalg.transpose ins(%{{.*}} : tensor<16x16xf32>) outs(%{{.*}} : tensor<16x16xf32>)
func.func @transpose(%w: tensor<64x32xf32>, %o: tensor<32x64xf32>) -> tensor<32x64xf32> {
  %t = linalg.transpose ins(%w : tensor<64x32xf32>) outs(%o : tensor<32x64xf32>) permutation = [1, 0]
  return %t : tensor<32x64xf32>
}

// A transpose of dynamic extents (attention's [N, H, T, T] probabilities)
// moves full 16 x 16 blocks too; the partial blocks at the edges are
// peeled, and their dynamic extents cut into rows and columns of 16.
// CHECK-LABEL: func.func @transpose_dynamic(
// CHECK: scf.for {{.*}} step %c16
// CHECK: scf.for {{.*}} step %c16
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x1x16x16xf32>) outs(%{{.*}} : tensor<1x1x16x16xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x1x1x16xf32>) outs(%{{.*}} : tensor<1x1x16x1xf32>)
func.func @transpose_dynamic(%p: tensor<?x4x?x?xf32>, %o: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %t = linalg.transpose ins(%p : tensor<?x4x?x?xf32>) outs(%o : tensor<?x4x?x?xf32>) permutation = [0, 1, 3, 2]
  return %t : tensor<?x4x?x?xf32>
}

// A static extent that 16 does not divide (ResNet8's 7 x 7 = 49 pixels of a
// weight gradient's dY panel) also moves in 16 x 16 blocks, with the
// 16 x 1 rest peeled: taken whole, the 16 x 49 block was ~1,200 unrolled
// shuffles per kernel.
// CHECK-LABEL: func.func @transpose_ragged(
// CHECK: scf.for {{.*}} step %c16
// CHECK: scf.for {{.*}} to %c48 step %c16
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x16x16xf32>) outs(%{{.*}} : tensor<1x16x16xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x16x1xf32>) outs(%{{.*}} : tensor<1x1x16xf32>)
func.func @transpose_ragged(%dy: tensor<?x64x49xf32>, %o: tensor<?x49x64xf32>) -> tensor<?x49x64xf32> {
  %t = linalg.transpose ins(%dy : tensor<?x64x49xf32>) outs(%o : tensor<?x49x64xf32>) permutation = [0, 2, 1]
  return %t : tensor<?x49x64xf32>
}

// Heads moved past rows keep the innermost dim: whole rows are copied.
// CHECK-LABEL: func.func @transpose_rows(
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x1x1x32xf32>) outs(%{{.*}} : tensor<1x1x1x32xf32>) permutation = [0, 2, 1, 3]
func.func @transpose_rows(%q: tensor<?x?x4x32xf32>, %o: tensor<?x4x?x32xf32>) -> tensor<?x4x?x32xf32> {
  %t = linalg.transpose ins(%q : tensor<?x?x4x32xf32>) outs(%o : tensor<?x4x?x32xf32>) permutation = [0, 2, 1, 3]
  return %t : tensor<?x4x?x32xf32>
}

// A convolution's contraction over its columns (Conversion/Im2col.cpp) on
// a 7 x 7 image: 49 columns are cut into 16-wide tiles and a peeled single
// column, since a 49- or 48-lane vector would be shuffled element by
// element; a one-vector-wide tile takes 24 rows instead of 6 (24
// accumulators); the image dim n is a unit loop outside the register tile.
// CHECK-LABEL: func.func @conv_columns(
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x24x1xf32>, tensor<1x1x1x16xf32>) outs(%{{.*}} : tensor<1x1x24x16xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x24x1xf32>, tensor<1x1x1x1xf32>) outs(%{{.*}} : tensor<1x1x24x1xf32>)
#cw = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d4)>
#cc = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#cy = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @conv_columns(%w: tensor<1x64x576xf32>, %col: tensor<?x1x576x49xf32>, %acc: tensor<?x1x64x49xf32>) -> tensor<?x1x64x49xf32> {
  %y = linalg.generic {indexing_maps = [#cw, #cc, #cy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %col : tensor<1x64x576xf32>, tensor<?x1x576x49xf32>) outs(%acc : tensor<?x1x64x49xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x1x64x49xf32>
  return %y : tensor<?x1x64x49xf32>
}

// A weight gradient sums over images and pixels: the image loop (the outer
// reduction) runs outside the register tile's loops, so one image's columns
// serve every output tile from cache; the pixels are the innermost k.
// CHECK-LABEL: func.func @conv_weight_grad(
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x1x16x784xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x6x1xf32>, tensor<1x1x64x1xf32>) outs(%{{.*}} : tensor<1x6x64xf32>)
#gdy = affine_map<(d0, d1, d2, d3, d4) -> (d3, d0, d1, d4)>
#gcol = affine_map<(d0, d1, d2, d3, d4) -> (d3, d0, d2, d4)>
#gdw = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>
func.func @conv_weight_grad(%dy: tensor<?x1x16x784xf32>, %col: tensor<?x1x144x784xf32>, %acc: tensor<1x16x144xf32>) -> tensor<1x16x144xf32> {
  %dw = linalg.generic {indexing_maps = [#gdy, #gcol, #gdw], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%dy, %col : tensor<?x1x16x784xf32>, tensor<?x1x144x784xf32>) outs(%acc : tensor<1x16x144xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<1x16x144xf32>
  return %dw : tensor<1x16x144xf32>
}

// The thread level (default): a large matmul is first split into column
// panels of its output in an scf.forall, then register-tiled inside.
// A dynamic innermost dim (attention's T) still gets 64-wide tiles: the
// full ones are static, the peeled remainder is cut into unit tiles.
// CHECK-LABEL: func.func @dynamic_inner(
// CHECK: scf.for %{{.*}} step %[[C64:.*]] iter_args
// CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x64xf32>) outs(%{{.*}} : tensor<1x1x64xf32>)
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x1xf32>)
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @dynamic_inner(%x: tensor<4x?x?xf32>, %o: tensor<4x?x?xf32>) -> tensor<4x?x?xf32> {
  %y = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<4x?x?xf32>) outs(%o : tensor<4x?x?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  } -> tensor<4x?x?xf32>
  return %y : tensor<4x?x?xf32>
}

// A row reduction over dynamic rows: the rows are strided in the input, so
// they are not vectorized (a 64 x 256 vector); each row is one 256-wide
// reduction.
// CHECK-LABEL: func.func @row_sum(
// CHECK: scf.for %{{.*}} step %{{.*}} iter_args
// CHECK-NEXT: tensor.extract_slice
// CHECK-NEXT: tensor.extract_slice
// CHECK-NEXT: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x256xf32>) outs(%{{.*}} : tensor<1xf32>)
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @row_sum(%x: tensor<?x256xf32>, %o: tensor<?xf32>) -> tensor<?xf32> {
  %y = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x256xf32>) outs(%o : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// Channel sums of [N, 16, 784] (batch-norm statistics, h and w merged):
// each channel's pixels are contiguous, the channels are not, so one
// channel at a time, its 784 pixels in 12 chunks of 64 and a peeled 16.
// CHECK-LABEL: func.func @channel_sums(
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x64xf32>) outs(%{{.*}} : tensor<1xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x16xf32>) outs(%{{.*}} : tensor<1xf32>)
#ncp = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#cp = affine_map<(d0, d1, d2) -> (d1)>
func.func @channel_sums(%x: tensor<?x16x784xf32>, %o: tensor<16xf32>) -> tensor<16xf32> {
  %y = linalg.generic {indexing_maps = [#ncp, #cp], iterator_types = ["reduction", "parallel", "reduction"]}
      ins(%x : tensor<?x16x784xf32>) outs(%o : tensor<16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// RUN: res-opt %s --pass-pipeline='builtin.module(func.func(res-tile-for-vectors))' | FileCheck %s --check-prefix=PAR
// A dynamic batch is split into row blocks; a small static op is not split.
// PAR-LABEL: func.func @matmul(
// PAR: scf.forall
// PAR-LABEL: func.func @transpose(
// PAR-NOT: scf.forall
// PAR-LABEL: func.func @transpose_dynamic(
// PAR: scf.forall
// PAR: linalg.transpose ins(%{{.*}} : tensor<1x1x16x16xf32>)
// The columns' contraction is split over images (4 per chunk of a dynamic
// batch): every tile inside keeps static extents.
// PAR-LABEL: func.func @conv_columns(
// PAR: %[[N:.*]] = tensor.dim
// PAR: scf.forall (%{{.*}}) = (0) to (%[[N]]) step (4)
// PAR: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x24x16xf32>)
// A data gradient's weight (B [k, n] with rows longer than a chunk's
// panel) is copied panel by panel into each chunk: read in place, each
// 6-row tile walked [512, 128] rows 4 KB apart, one page per row, and
// ResMLP's data-gradient GEMMs ran at half the forward's rate on Intel.
// PAR-LABEL: func.func @big(
// PAR: scf.forall (%{{.*}}) = (0) to (1024) step (128)
// PAR: linalg.copy ins(%{{.*}} : tensor<1x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// PAR: linalg.generic {{.*}} tensor<6x64xf32>
// PAR: scf.forall.in_parallel
// The same contraction in a kernel called from a parallel loop (res.serial)
// is register-tiled only.
// PAR-LABEL: func.func @big_serial(
// PAR-NOT: scf.forall
// PAR-NOT: linalg.copy
// PAR: linalg.generic {{.*}} tensor<6x64xf32>
// PAR-NOT: scf.forall
// PAR-NOT: linalg.copy
// With its initialisation in the tiles too; a panel over 512 KB stays in
// place (it would not fit the worker's stack budget).
// PAR-LABEL: func.func @rows_with_init(
// PAR: scf.forall (%{{.*}}) = (0) to (1024) step (128)
// PAR: linalg.copy ins(%{{.*}} : tensor<1x64xf32>)
// PAR: linalg.generic {{.*}} tensor<6x64xf32>
// PAR-LABEL: func.func @rows_too_deep(
// PAR: scf.forall
// PAR-NOT: linalg.copy
// PAR: return
// A transposed operand of dynamic extent (a weight gradient's lhs, [m, batch])
// is not moved into the row chunks: their copy could not live on the stack.
// It is transposed whole (in 16 x 16 blocks) before the chunks.
// PAR-LABEL: func.func @dynamic_lhs_whole(
// PAR: linalg.transpose ins(%{{.*}} : tensor<16x16xf32>)
// PAR: scf.forall
// PAR-NOT: linalg.transpose
// PAR: return
func.func @big(%x: tensor<?x512xf32>, %w: tensor<512x1024xf32>, %acc: tensor<?x1024xf32>) -> tensor<?x1024xf32> {
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x512xf32>, tensor<512x1024xf32>) outs(%acc : tensor<?x1024xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}
func.func @big_serial(%x: tensor<?x512xf32>, %w: tensor<512x1024xf32>, %acc: tensor<?x1024xf32>) -> tensor<?x1024xf32> attributes {res.serial} {
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x512xf32>, tensor<512x1024xf32>) outs(%acc : tensor<?x1024xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}

func.func @rows_with_init(%x: tensor<?x512xf32>, %w: tensor<512x1024xf32>) -> tensor<?x1024xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x512xf32>
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x512xf32>, tensor<512x1024xf32>) outs(%acc : tensor<?x1024xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}
func.func @rows_too_deep(%x: tensor<?x4096xf32>, %w: tensor<4096x1024xf32>, %acc: tensor<?x1024xf32>) -> tensor<?x1024xf32> {
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x4096xf32>, tensor<4096x1024xf32>) outs(%acc : tensor<?x1024xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}

func.func @dynamic_lhs_whole(%dy: tensor<?x512xf32>, %x: tensor<?x100xf32>) -> tensor<512x100xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %b = tensor.dim %dy, %c0 : tensor<?x512xf32>
  %te = tensor.empty(%b) : tensor<512x?xf32>
  %dyt = linalg.transpose ins(%dy : tensor<?x512xf32>) outs(%te : tensor<512x?xf32>) permutation = [1, 0]
  %e = tensor.empty() : tensor<512x100xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<512x100xf32>) -> tensor<512x100xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dyt, %x : tensor<512x?xf32>, tensor<?x100xf32>) outs(%acc : tensor<512x100xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<512x100xf32>
  return %y : tensor<512x100xf32>
}

// The accumulator's initialisation (here a bias broadcast) moves into the
// register tiles: each 6 x 64 tile is initialised right before its k loop,
// not by a pass over the whole output first; k stays innermost.
// CHECK-LABEL: func.func @init_in_tiles(
// CHECK-NOT: linalg.generic
// CHECK: scf.for {{.*}} step %c6 iter_args
// CHECK:   scf.for {{.*}} step %c64 iter_args
// CHECK:     %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<64xf32>) outs(%{{.*}} : tensor<6x64xf32>)
// CHECK:     scf.for {{.*}} step %c1 iter_args(%{{.*}} = %[[INIT]])
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<6x1xf32>, tensor<1x64xf32>) outs(%{{.*}} : tensor<6x64xf32>)
#bias = affine_map<(d0, d1) -> (d1)>
#out2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @init_in_tiles(%x: tensor<12x16xf32>, %w: tensor<16x128xf32>, %b: tensor<128xf32>) -> tensor<12x128xf32> {
  %e = tensor.empty() : tensor<12x128xf32>
  %acc = linalg.generic {indexing_maps = [#bias, #out2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<128xf32>) outs(%e : tensor<12x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<12x128xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<12x16xf32>, tensor<16x128xf32>) outs(%acc : tensor<12x128xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<12x128xf32>
  return %y : tensor<12x128xf32>
}

// Linear's weight, transposed for the register tiles
// (res-transpose-contraction-operands), moves into the thread chunks: each
// chunk transposes only its 128-column panel, in 16 x 16 blocks, into a
// buffer that stays in cache (BLAS packs B the same way), instead of the
// whole [512, 1024] copy going through memory before the product. Not in a
// serial kernel (no chunks): there the weight is transposed whole.
// PAR-LABEL: func.func @packed_weight(
// PAR-NOT: linalg.transpose
// PAR: scf.forall (%{{.*}}) = (0) to (1024) step (128)
// PAR: linalg.transpose ins(%{{.*}} : tensor<16x16xf32>)
// PAR: linalg.generic {{.*}} tensor<6x64xf32>
// PAR: scf.forall.in_parallel
// PAR-LABEL: func.func @packed_weight_serial(
// PAR: linalg.transpose ins(%{{.*}} : tensor<16x16xf32>)
// PAR-NOT: scf.forall
func.func @packed_weight(%x: tensor<?x512xf32>, %w: tensor<1024x512xf32>) -> tensor<?x1024xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x512xf32>
  %te = tensor.empty() : tensor<512x1024xf32>
  %wt = linalg.transpose ins(%w : tensor<1024x512xf32>) outs(%te : tensor<512x1024xf32>) permutation = [1, 0]
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %wt : tensor<?x512xf32>, tensor<512x1024xf32>) outs(%acc : tensor<?x1024xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}
func.func @packed_weight_serial(%x: tensor<?x512xf32>, %w: tensor<1024x512xf32>) -> tensor<?x1024xf32> attributes {res.serial} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x512xf32>
  %te = tensor.empty() : tensor<512x1024xf32>
  %wt = linalg.transpose ins(%w : tensor<1024x512xf32>) outs(%te : tensor<512x1024xf32>) permutation = [1, 0]
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %wt : tensor<?x512xf32>, tensor<512x1024xf32>) outs(%acc : tensor<?x1024xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}

// An epilogue with erf (GELU) is applied to its 6 x 64 register tile two
// rows (8 registers) at a time: each erf becomes a ~20-instruction
// polynomial per register, so over the whole tile it was most of the
// kernel's code. A cheap epilogue (relu) stays on the whole tile.
// CHECK-LABEL: func.func @gelu_epilogue(
// CHECK: scf.for {{.*}} step %c6
// CHECK:   scf.for {{.*}} step %c64
// CHECK:     %[[ACC:.*]] = scf.for {{.*}} step %c1
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<6x1xf32>, tensor<1x64xf32>) outs(%{{.*}} : tensor<6x64xf32>)
// CHECK:     scf.for {{.*}} = %c0 to %c6 step %c2
// CHECK:       tensor.extract_slice %[[ACC]]{{.*}} to tensor<2x64xf32>
// CHECK:       linalg.generic {{.*}} outs(%{{.*}} : tensor<2x64xf32>)
// CHECK:         math.erf
// CHECK-LABEL: func.func @relu_epilogue(
// CHECK:     scf.for {{.*}} step %c1
// CHECK:       linalg.generic {{.*}} outs(%{{.*}} : tensor<6x64xf32>)
// CHECK-NOT: scf.for
// CHECK:     linalg.generic {{.*}} ins(%{{.*}} : tensor<6x64xf32>) outs(%{{.*}} : tensor<6x64xf32>)
// CHECK:       arith.maximumf
func.func @gelu_epilogue(%x: tensor<12x16xf32>, %w: tensor<16x128xf32>) -> tensor<12x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<12x128xf32>) -> tensor<12x128xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<12x16xf32>, tensor<16x128xf32>) outs(%acc : tensor<12x128xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<12x128xf32>
  %e2 = tensor.empty() : tensor<12x128xf32>
  %g = linalg.generic {indexing_maps = [#out2, #out2], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<12x128xf32>) outs(%e2 : tensor<12x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.erf %in : f32
    %m = arith.mulf %in, %r : f32
    linalg.yield %m : f32
  } -> tensor<12x128xf32>
  return %g : tensor<12x128xf32>
}
func.func @relu_epilogue(%x: tensor<12x16xf32>, %w: tensor<16x128xf32>) -> tensor<12x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<12x128xf32>) -> tensor<12x128xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<12x16xf32>, tensor<16x128xf32>) outs(%acc : tensor<12x128xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<12x128xf32>
  %e2 = tensor.empty() : tensor<12x128xf32>
  %g = linalg.generic {indexing_maps = [#out2, #out2], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<12x128xf32>) outs(%e2 : tensor<12x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  } -> tensor<12x128xf32>
  return %g : tensor<12x128xf32>
}

// A shifted contraction (a stride-1 3x3 convolution on the padded grid,
// ConvBlocks.cpp): the 8 x 48 register tile of y (8 divides its 16 output
// channels) is zeroed in place (the fill moves into the tile), then loops
// over the kernel positions kh and kw and, inside, over the 16 channels in
// steps of 1 carry it; each step is a plain contraction of a weight column
// [8, 1] with the image row at the tile's pixels plus kh * 30 + kw, cut
// into three 16-column contractions (splitColumns: a 48-lane vector would
// be widened to 64 lanes by LLVM). The 840 pixels leave a 24-wide rest: 16
// and 8 columns.
// CHECK-LABEL: func.func @shifted(
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C48:.*]] = arith.constant 48 : index
// CHECK: scf.for %{{.*}} step %[[C8]]
// CHECK:   scf.for %[[Q:.*]] = %{{.*}} step %[[C48]]
// CHECK-COUNT-3: linalg.fill {{.*}} -> tensor<1x1x8x16xf32>
// CHECK:     scf.for %[[KH:.*]] = %{{.*}} to %[[C3]] {{.*}} -> (tensor<1x1x8x48xf32>)
// CHECK:       scf.for %[[KW:.*]] = %{{.*}} to %[[C3]]
// CHECK:         %[[OFF:.*]] = affine.apply #{{.*}}(%[[KH]], %[[KW]])
// CHECK:         tensor.extract_slice %{{.*}}[0, 0, 0, %[[OFF]]] [1, 1, 16, 48]
// CHECK:         scf.for %{{.*}} to %[[C16]]
// CHECK-COUNT-3:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x8x1xf32>, tensor<1x1x1x16xf32>) outs(%{{.*}} : tensor<1x1x8x16xf32>)
// CHECK-NOT:       linalg.generic
// CHECK:           scf.yield %{{.*}} : tensor<1x1x8x48xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x1xf32>, tensor<1x1x1x16xf32>) outs(%{{.*}} : tensor<1x1x8x16xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x1xf32>, tensor<1x1x1x8xf32>) outs(%{{.*}} : tensor<1x1x8x8xf32>)
#sw = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d1, d2, d6)>
#sx = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d6, d3 + d4 * 30 + d5)>
#sy = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
func.func @shifted(%w: tensor<3x3x1x16x16xf32>, %x: tensor<1x1x16x930xf32>) -> tensor<1x1x16x840xf32> {
  %e = tensor.empty() : tensor<1x1x16x840xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<1x1x16x840xf32>) -> tensor<1x1x16x840xf32>
  %y = linalg.generic {indexing_maps = [#sw, #sx, #sy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%w, %x : tensor<3x3x1x16x16xf32>, tensor<1x1x16x930xf32>) outs(%acc : tensor<1x1x16x840xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<1x1x16x840xf32>
  return %y : tensor<1x1x16x840xf32>
}

// Accumulating into an argument (nothing to fuse): the same tiles, the
// positions tiled with the register tile.
// CHECK-LABEL: func.func @shifted_into(
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<1x1x16x840xf32>)
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       scf.for
// CHECK:         tensor.extract_slice %{{.*}} [1, 1, 8, 48]
// CHECK:         scf.for
// CHECK-COUNT-3:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x1xf32>, tensor<1x1x1x16xf32>) outs(%{{.*}} : tensor<1x1x8x16xf32>)
func.func @shifted_into(%w: tensor<3x3x1x16x16xf32>, %x: tensor<1x1x16x930xf32>, %acc: tensor<1x1x16x840xf32>) -> tensor<1x1x16x840xf32> {
  %y = linalg.generic {indexing_maps = [#sw, #sx, #sy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%w, %x : tensor<3x3x1x16x16xf32>, tensor<1x1x16x930xf32>) outs(%acc : tensor<1x1x16x840xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<1x1x16x840xf32>
  return %y : tensor<1x1x16x840xf32>
}

// Layer norm's weight gradient with xhat fused in: sum over (n, t) of
// dy * (x - mean[n, t]) * rstd[n, t] into [D]. T is innermost only in the
// per-row mean and rstd, not in the whole inputs: it is walked one row at a
// time (the vector runs along D), not as 64 rows with the row values
// transposed across the lanes.
// CHECK-LABEL: func.func @row_stats_fused(
// PAR-LABEL: func.func @row_stats_fused(
// CHECK-NOT: tensor<1x64x64xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x1x64xf32>, tensor<1x1x64xf32>, tensor<1x1xf32>, tensor<1x1xf32>) outs(%{{.*}} : tensor<64xf32>)
// CHECK-NOT: tensor<1x64x64xf32>
// CHECK: return
#rs_full = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#rs_row = affine_map<(d0, d1, d2) -> (d0, d1)>
#rs_out = affine_map<(d0, d1, d2) -> (d2)>
func.func @row_stats_fused(%dy: tensor<?x?x128xf32>, %x: tensor<?x?x128xf32>, %mean: tensor<?x?xf32>,
                           %rstd: tensor<?x?xf32>, %acc: tensor<128xf32>) -> tensor<128xf32> {
  %r = linalg.generic {indexing_maps = [#rs_full, #rs_full, #rs_row, #rs_row, #rs_out], iterator_types = ["reduction", "reduction", "parallel"]}
      ins(%dy, %x, %mean, %rstd : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?xf32>, tensor<?x?xf32>) outs(%acc : tensor<128xf32>) {
  ^bb0(%g: f32, %v: f32, %m: f32, %s: f32, %o: f32):
    %c = arith.subf %v, %m : f32
    %h = arith.mulf %c, %s : f32
    %p = arith.mulf %g, %h : f32
    %t = arith.addf %o, %p : f32
    linalg.yield %t : f32
  } -> tensor<128xf32>
  return %r : tensor<128xf32>
}

// A convolution's column GEMM reads B in place, rows of 196 floats: most
// 16-lane loads span two cache lines, so the tile is 8 x 48 (three loads
// per k), cut into 16-column contractions, with a 4-column rest. B rows of
// 192 (16 divides them) keep the 6 x 64 tile.
// CHECK-LABEL: func.func @unaligned_rows(
// CHECK: scf.for %{{.*}} step %c8
// CHECK:   scf.for %{{.*}} to %c192 step %c48
// CHECK:     scf.for %{{.*}} to %c288 step %c1
// CHECK-COUNT-3: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x1xf32>, tensor<1x16xf32>) outs(%{{.*}} : tensor<8x16xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x1xf32>, tensor<1x4xf32>) outs(%{{.*}} : tensor<8x4xf32>)
// CHECK-LABEL: func.func @aligned_rows(
// CHECK: scf.for %{{.*}} step %c6
// CHECK:   scf.for %{{.*}} step %c64
// CHECK:     scf.for %{{.*}} to %c288 step %c1
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<6x1xf32>, tensor<1x64xf32>) outs(%{{.*}} : tensor<6x64xf32>)
#ua = affine_map<(m, n, k) -> (m, k)>
#ub = affine_map<(m, n, k) -> (k, n)>
#uc = affine_map<(m, n, k) -> (m, n)>
func.func @unaligned_rows(%a: tensor<64x288xf32>, %b: tensor<288x196xf32>) -> tensor<64x196xf32> {
  %e = tensor.empty() : tensor<64x196xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<64x196xf32>) -> tensor<64x196xf32>
  %y = linalg.generic {indexing_maps = [#ua, #ub, #uc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<64x288xf32>, tensor<288x196xf32>) outs(%acc : tensor<64x196xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<64x196xf32>
  return %y : tensor<64x196xf32>
}
func.func @aligned_rows(%a: tensor<64x288xf32>, %b: tensor<288x192xf32>) -> tensor<64x192xf32> {
  %e = tensor.empty() : tensor<64x192xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<64x192xf32>) -> tensor<64x192xf32>
  %y = linalg.generic {indexing_maps = [#ua, #ub, #uc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<64x288xf32>, tensor<288x192xf32>) outs(%acc : tensor<64x192xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<64x192xf32>
  return %y : tensor<64x192xf32>
}

// A weight gradient dY^T X whose B (X, [batch, 512]) has a dynamic number of
// rows is copied panel by panel into its chunks too (the buffer, sized by
// the batch, becomes a kernel argument in res-hoist-kernel-allocs): read in
// place, 1024 rows 2 KB apart filled the few cache sets they map to and the
// tiles ran at half speed (TinyLM's fc2 gradient). A classifier head's 10
// rows (two row tiles) read the panel too seldom for a copy to pay.
// PAR-LABEL: func.func @dynamic_rows(
// PAR: scf.forall (%{{.*}}) = (0) to (512) step (64)
// PAR: linalg.copy ins(%{{.*}} : tensor<1x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// PAR: linalg.generic {{.*}} tensor<6x64xf32>
// PAR-LABEL: func.func @dynamic_rows_head(
// PAR: scf.forall
// PAR-NOT: linalg.copy
// PAR: return
func.func @dynamic_rows(%dyt: tensor<128x?xf32>, %x: tensor<?x512xf32>, %acc: tensor<128x512xf32>) -> tensor<128x512xf32> {
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dyt, %x : tensor<128x?xf32>, tensor<?x512xf32>) outs(%acc : tensor<128x512xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<128x512xf32>
  return %y : tensor<128x512xf32>
}
func.func @dynamic_rows_head(%dyt: tensor<10x?xf32>, %x: tensor<?x512xf32>, %acc: tensor<10x512xf32>) -> tensor<10x512xf32> {
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dyt, %x : tensor<10x?xf32>, tensor<?x512xf32>) outs(%acc : tensor<10x512xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<10x512xf32>
  return %y : tensor<10x512xf32>
}
