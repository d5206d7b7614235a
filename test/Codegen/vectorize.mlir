// RUN: res-opt %s --pass-pipeline='builtin.module(func.func(res-tile-for-vectors{parallel=false}, res-vectorize))' | FileCheck %s

// The matmul's 6 x 64 accumulator is read once before the k loop, carried
// through it as a vector (registers) and written once after it.
// CHECK-LABEL: func.func @matmul(
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<64x128xf32>, vector<6x64xf32>
// CHECK:     %[[R:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<6x64xf32>)
// CHECK-NOT:   vector.transfer_write
// CHECK:       vector.contract {{.*}} %[[A]] : vector<6x1xf32>, vector<1x64xf32> into vector<6x64xf32>
// CHECK:       scf.yield
// CHECK:     vector.transfer_write %[[R]]
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @matmul(%x: tensor<64x16xf32>, %w: tensor<16x128xf32>, %acc: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<64x16xf32>, tensor<16x128xf32>) outs(%acc : tensor<64x128xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}

// Two reductions (a weight gradient's images and pixels), the image one a
// unit tile: it is dropped from the vector.contract, which keeps the single
// reduction the outer-product (broadcast-FMA) lowering takes.
// CHECK-LABEL: func.func @two_reductions(
// CHECK: vector.contract {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %{{.*}}, %{{.*}}, %{{.*}} : vector<6x1xf32>, vector<1x64xf32> into vector<6x64xf32>
// CHECK-NOT: "reduction", "reduction"
#ra = affine_map<(d0, d1, d2, d3) -> (d2, d0, d3)>
#rb = affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>
#rc = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @two_reductions(%dy: tensor<4x12x32xf32>, %col: tensor<4x32x128xf32>, %acc: tensor<12x128xf32>) -> tensor<12x128xf32> {
  %dw = linalg.generic {indexing_maps = [#ra, #rb, #rc], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%dy, %col : tensor<4x12x32xf32>, tensor<4x32x128xf32>) outs(%acc : tensor<12x128xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<12x128xf32>
  return %dw : tensor<12x128xf32>
}

// Elementwise: 64-wide vector arithmetic, no linalg left.
// CHECK-LABEL: func.func @relu(
// CHECK: vector.transfer_read {{.*}} vector<1x64xf32>
// CHECK: arith.maximumf {{.*}} : vector<1x64xf32>
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu(%x: tensor<?x128xf32>, %o: tensor<?x128xf32>) -> tensor<?x128xf32> {
  %zero = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x128xf32>) outs(%o : tensor<?x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x128xf32>
  return %r : tensor<?x128xf32>
}

// Too large to be one set of vectors (max-vector-elements): left alone.
// RUN: res-opt %s --pass-pipeline='builtin.module(func.func(res-vectorize{max-vector-elements=16}))' | FileCheck %s --check-prefix=SMALL
// SMALL-LABEL: func.func @matmul(
// SMALL: linalg.generic
// SMALL-NOT: vector.contract

// A zero-filled accumulator: with the fill moved into the tiles, the k loop
// starts from a constant zero vector; nothing reads or writes zeros in
// memory before it.
// CHECK-LABEL: func.func @zero_init(
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<6x64xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.for
// CHECK:   scf.for
// CHECK-NOT: vector.transfer_read {{.*}} : tensor<12x128xf32>
// CHECK:     %[[R:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[Z]]) -> (vector<6x64xf32>)
// CHECK:       vector.contract
// CHECK:     vector.transfer_write %[[R]]
func.func @zero_init(%x: tensor<12x16xf32>, %w: tensor<16x128xf32>) -> tensor<12x128xf32> {
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
  return %y : tensor<12x128xf32>
}

// An epilogue tiled with its contraction (res-tile-for-vectors): the bias
// is broadcast into the accumulator registers, the k loop runs, the relu is
// applied to the registers, and each 6 x 64 tile is written once.
// CHECK-LABEL: func.func @epilogue(
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     %[[BIAS:.*]] = vector.transfer_read {{.*}} : tensor<128xf32>, vector<64xf32>
// CHECK:     %[[INIT:.*]] = vector.broadcast %[[BIAS]] : vector<64xf32> to vector<6x64xf32>
// CHECK:     %[[R:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (vector<6x64xf32>)
// CHECK:       vector.contract
// CHECK:     %[[A:.*]] = arith.maximumf %[[R]], %{{.*}} : vector<6x64xf32>
// CHECK-NOT: vector.transfer_read
// CHECK:     vector.transfer_write %[[A]]
#bias = affine_map<(d0, d1) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @epilogue(%x: tensor<12x16xf32>, %w: tensor<16x128xf32>, %bv: tensor<128xf32>) -> tensor<12x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x128xf32>
  %acc = linalg.generic {indexing_maps = [#bias, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%bv : tensor<128xf32>) outs(%e : tensor<12x128xf32>) {
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
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<12x128xf32>) outs(%e : tensor<12x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<12x128xf32>
  return %r : tensor<12x128xf32>
}

// A row maximum over a dynamic length (softmax over T) carries a whole
// 64-lane chunk through the chunk loop (from maxnum's identity, NaN),
// combined lane by lane, and reduces across lanes once after it; so does a
// sum (from zero).
// CHECK-LABEL: func.func @row_max(
// CHECK: %[[NAN:.*]] = arith.constant dense<0xFFC00000> : vector<1x64xf32>
// CHECK: scf.for {{.*}} step %c64 iter_args(%[[ACC:.*]] = %[[NAN]]) -> (vector<1x64xf32>)
// CHECK: arith.maxnumf %{{.*}}, %[[ACC]] : vector<1x64xf32>
// CHECK-NOT: vector.multi_reduction
// CHECK: scf.yield
// CHECK: %[[FLAT:.*]] = vector.shape_cast %{{.*}} : vector<1x64xf32> to vector<64xf32>
// CHECK: vector.reduction <maxnumf>, %[[FLAT]], %{{.*}} : vector<64xf32> into f32
#row = affine_map<(d0, d1) -> (d0, d1)>
#rowout = affine_map<(d0, d1) -> (d0)>
func.func @row_max(%x: tensor<?x?xf32>, %init: tensor<?xf32>) -> tensor<?xf32> {
  %y = linalg.generic {indexing_maps = [#row, #rowout], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.maxnumf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// CHECK-LABEL: func.func @row_sum(
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<1x64xf32>
// CHECK: scf.for {{.*}} step %c64 iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (vector<1x64xf32>)
// CHECK: arith.addf %{{.*}}, %[[ACC]] : vector<1x64xf32>
// CHECK-NOT: vector.multi_reduction
// CHECK: scf.yield
// CHECK: %[[FLAT:.*]] = vector.shape_cast %{{.*}} : vector<1x64xf32> to vector<64xf32>
// CHECK: vector.reduction <add>, %[[FLAT]], %{{.*}} : vector<64xf32> into f32
func.func @row_sum(%x: tensor<?x?xf32>, %init: tensor<?xf32>) -> tensor<?xf32> {
  %y = linalg.generic {indexing_maps = [#row, #rowout], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// Batch-norm statistics of 64 channels of 7 x 7 images: the rows are
// contiguous, the channels 49 floats apart, so each channel is summed on
// its own, along its rows: a 7-float chunk carried through the loop over
// rows, one tree reduction into the channel's sum per image. (A 64 x 7
// block carried across channels was 448 floats, and the lowering of a
// multi-reduction to one element added the lanes one after another.)
// CHECK-LABEL: func.func @channel_sums(
// CHECK: scf.for {{.*}} to %c64 step %c1
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<1xf32>)
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<1x1x1x7xf32>)
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<1x1x1x7xf32>
// CHECK: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<7xf32> into f32
// CHECK-NOT: vector.multi_reduction
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#chan = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @channel_sums(%x: tensor<?x64x7x7xf32>, %init: tensor<64xf32>) -> tensor<64xf32> {
  %y = linalg.generic {indexing_maps = [#nchw, #chan], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%x : tensor<?x64x7x7xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  return %y : tensor<64xf32>
}

// Rows of 28 are a vector of 16 and a peeled one of 12: each chunk of the
// chain gets its own carried vector through the loop over rows, and both
// are reduced once per image after it.
// CHECK-LABEL: func.func @channel_sums_peeled(
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<1x1x1x16xf32>, vector<1x1x1x12xf32>)
// CHECK-NOT: vector.reduction
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<1x1x1x16xf32>
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<1x1x1x12xf32>
// CHECK: scf.yield
// CHECK: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<16xf32> into f32
// CHECK: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<12xf32> into f32
func.func @channel_sums_peeled(%x: tensor<?x4x28x28xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %y = linalg.generic {indexing_maps = [#nchw, #chan], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%x : tensor<?x4x28x28xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// A multiplication is not widened (no neutral-element rewrite for it here):
// the per-chunk reduction stays, as one tree reduction of the chunk.
// CHECK-LABEL: func.func @row_product(
// CHECK: scf.for {{.*}} step %c64 iter_args(%{{.*}} = %{{.*}}) -> (vector<1xf32>)
// CHECK: vector.reduction <mul>, %{{.*}}, %{{.*}} : vector<64xf32> into f32
func.func @row_product(%x: tensor<?x?xf32>, %init: tensor<?xf32>) -> tensor<?xf32> {
  %y = linalg.generic {indexing_maps = [#row, #rowout], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.mulf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// An 8 x 48 register tile of a shifted contraction, cut into three
// 16-column contractions by res-tile-for-vectors: each carries its own
// accumulator through the channel loop (three vector<8x16>, no 48-lane
// vector), and the three share each broadcast: row by row, one broadcast
// and an FMA per piece, so a broadcast dies before the next is made.
// CHECK-LABEL: func.func @shifted_pieces(
// CHECK: scf.for {{.*}} to %c16 step %c1 iter_args({{.*}}) -> (vector<1x1x8x16xf32>, vector<1x1x8x16xf32>, vector<1x1x8x16xf32>)
// CHECK-NOT: vector.contract
// CHECK: vector.broadcast
// CHECK-NEXT: vector.extract
// CHECK-NEXT: vector.fma
// CHECK-NEXT: vector.extract
// CHECK-NEXT: vector.fma
// CHECK-NEXT: vector.extract
// CHECK-NEXT: vector.fma
// CHECK-NEXT: vector.extract
// CHECK-NEXT: vector.broadcast
// CHECK-NOT: vector.contract
// CHECK: scf.yield
#pw = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d1, d2, d6)>
#px = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d6, d3 + d4 * 10 + d5)>
#py = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
func.func @shifted_pieces(%w: tensor<3x3x1x8x16xf32>, %x: tensor<1x1x16x120xf32>) -> tensor<1x1x8x96xf32> {
  %e = tensor.empty() : tensor<1x1x8x96xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<1x1x8x96xf32>) -> tensor<1x1x8x96xf32>
  %y = linalg.generic {indexing_maps = [#pw, #px, #py], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%w, %x : tensor<3x3x1x8x16xf32>, tensor<1x1x16x120xf32>) outs(%acc : tensor<1x1x8x96xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.mulf %p, %q : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  } -> tensor<1x1x8x96xf32>
  return %y : tensor<1x1x8x96xf32>
}
