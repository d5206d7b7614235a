// res-update-in-place: an updated parameter is computed into its argument.
// RUN: res-opt %s --pass-pipeline="builtin.module(func.func(res-update-in-place))" | FileCheck %s

#id = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>

// Result 1 replaces argument 1 (p) and result 2 argument 2 (m): the updates
// write into them; p's own input becomes the output block argument.
// CHECK-LABEL: func.func @sgd(
// CHECK-SAME: %[[LR:[^:]+]]: tensor<f32>, %[[P:[^:]+]]: tensor<8xf32>, %[[M:[^:]+]]: tensor<8xf32>, %[[G:[^:]+]]: tensor<8xf32>)
// CHECK: %[[NM:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<8xf32>) outs(%[[M]] : tensor<8xf32>)
// CHECK: %[[NP:.*]] = linalg.generic {{.*}} ins(%[[NM]], %[[LR]] : tensor<8xf32>, tensor<f32>) outs(%[[P]] : tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[MV:[^:]+]]: f32, %[[LRV:[^:]+]]: f32, %[[PV:[^:]+]]: f32):
// CHECK-NEXT: %[[STEP:.*]] = arith.mulf %[[MV]], %[[LRV]] : f32
// CHECK-NEXT: arith.subf %[[PV]], %[[STEP]] : f32
// CHECK: return %{{.*}}, %[[NP]], %[[NM]]
func.func @sgd(%lr: tensor<f32>, %p: tensor<8xf32>, %m: tensor<8xf32>, %g: tensor<8xf32>)
    -> (tensor<f32>, tensor<8xf32>, tensor<8xf32>) attributes {res.update_args = array<i64: -1, 1, 2>} {
  %e = tensor.empty() : tensor<8xf32>
  %nm = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<8xf32>
  %np = linalg.generic {indexing_maps = [#id, #id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%p, %nm, %lr : tensor<8xf32>, tensor<8xf32>, tensor<f32>) outs(%e : tensor<8xf32>) {
  ^bb0(%pv: f32, %mv: f32, %l: f32, %o: f32):
    %s = arith.mulf %mv, %l : f32
    %r = arith.subf %pv, %s : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %lr, %np, %nm : tensor<f32>, tensor<8xf32>, tensor<8xf32>
}

// Left alone: a generic that reads its output operand (accumulates), a
// result that is not a generic, and a function without res.update_args.
// CHECK-LABEL: func.func @kept(
// CHECK-SAME: %[[P:[^:]+]]: tensor<8xf32>, %[[Q:[^:]+]]: tensor<8xf32>, %[[ACC:[^:]+]]: tensor<8xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[ACC]] : tensor<8xf32>)
// CHECK: return
func.func @kept(%p: tensor<8xf32>, %q: tensor<8xf32>, %acc: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>)
    attributes {res.update_args = array<i64: 0, 1>} {
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%acc : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = tensor.cast %q : tensor<8xf32> to tensor<8xf32>
  return %r, %c : tensor<8xf32>, tensor<8xf32>
}

// CHECK-LABEL: func.func @no_updates(
// CHECK: outs(%{{.*}} : tensor<8xf32>)
// CHECK-NOT: outs(%arg0
func.func @no_updates(%p: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// A stacked parameter [2, 8] updated per instance and reassembled at the
// end (insert_slice chain into an empty tensor, as res.concat lowers): each
// update writes into its slice of a new version of the argument, made where
// the update stands, so bufferization sees matching extract/insert pairs on
// one buffer. Instance 0 is read by a contraction after instance 1's update:
// it reads the latest version. Instance 0's update moves after the relu
// that is the contraction's epilogue (the contraction runs in its tiles).
// CHECK-LABEL: func.func @stacked(
// CHECK-SAME: %[[LR:[^:]+]]: tensor<f32>, %[[P:[^:]+]]: tensor<2x8xf32>, %[[G0:[^:]+]]: tensor<8xf32>, %[[G1:[^:]+]]: tensor<8xf32>, %[[X:[^:]+]]: tensor<4x8xf32>)
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[P]][1, 0] [1, 8] [1, 1]
// CHECK: %[[N1:.*]] = linalg.generic {{.*}} ins(%[[G1]], %[[LR]] : tensor<8xf32>, tensor<f32>) outs(%[[S1]] : tensor<8xf32>)
// CHECK: %[[V1:.*]] = tensor.insert_slice %[[N1]] into %[[P]][1, 0] [1, 8] [1, 1]
// CHECK: %[[R0:.*]] = tensor.extract_slice %[[V1]][0, 0] [1, 8] [1, 1]
// CHECK: %[[MV:.*]] = linalg.matvec ins(%[[X]], %[[R0]] : tensor<4x8xf32>, tensor<8xf32>)
// CHECK: %[[RELU:.*]] = linalg.generic {{.*}} ins(%[[MV]] : tensor<4xf32>)
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[V1]][0, 0] [1, 8] [1, 1]
// CHECK: %[[N0:.*]] = linalg.generic {{.*}} ins(%[[G0]], %[[LR]] : tensor<8xf32>, tensor<f32>) outs(%[[S0]] : tensor<8xf32>)
// CHECK: %[[V2:.*]] = tensor.insert_slice %[[N0]] into %[[V1]][0, 0] [1, 8] [1, 1]
// CHECK-NOT: tensor.insert_slice
// CHECK: return %[[LR]], %[[V2]], %[[RELU]]
#mat = affine_map<(d0, d1) -> (d0, d1)>
func.func @stacked(%lr: tensor<f32>, %p: tensor<2x8xf32>, %g0: tensor<8xf32>, %g1: tensor<8xf32>,
                   %x: tensor<4x8xf32>) -> (tensor<f32>, tensor<2x8xf32>, tensor<4xf32>)
    attributes {res.update_args = array<i64: -1, 1, -1>} {
  %zero = arith.constant 0.0 : f32
  %p0 = tensor.extract_slice %p[0, 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<8xf32>
  %p1 = tensor.extract_slice %p[1, 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %n1 = linalg.generic {indexing_maps = [#id, #id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%p1, %g1, %lr : tensor<8xf32>, tensor<8xf32>, tensor<f32>) outs(%e : tensor<8xf32>) {
  ^bb0(%pv: f32, %gv: f32, %l: f32, %o: f32):
    %s = arith.mulf %gv, %l : f32
    %r = arith.subf %pv, %s : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %z = tensor.empty() : tensor<4xf32>
  %zf = linalg.fill ins(%zero : f32) outs(%z : tensor<4xf32>) -> tensor<4xf32>
  %mv = linalg.matvec ins(%x, %p0 : tensor<4x8xf32>, tensor<8xf32>) outs(%zf : tensor<4xf32>) -> tensor<4xf32>
  %n0 = linalg.generic {indexing_maps = [#id, #id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%p0, %g0, %lr : tensor<8xf32>, tensor<8xf32>, tensor<f32>) outs(%e : tensor<8xf32>) {
  ^bb0(%pv: f32, %gv: f32, %l: f32, %o: f32):
    %s = arith.mulf %gv, %l : f32
    %r = arith.subf %pv, %s : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%mv : tensor<4xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %u0 = tensor.expand_shape %n0 [[0, 1]] output_shape [1, 8] : tensor<8xf32> into tensor<1x8xf32>
  %u1 = tensor.expand_shape %n1 [[0, 1]] output_shape [1, 8] : tensor<8xf32> into tensor<1x8xf32>
  %full = tensor.empty() : tensor<2x8xf32>
  %i0 = tensor.insert_slice %u0 into %full[0, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<2x8xf32>
  %i1 = tensor.insert_slice %u1 into %i0[1, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<2x8xf32>
  return %lr, %i1, %relu : tensor<f32>, tensor<2x8xf32>, tensor<4xf32>
}
