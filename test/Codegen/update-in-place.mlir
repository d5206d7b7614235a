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
