// RUN: res-opt %s --split-input-file --res-derive-backward | FileCheck %s

// Linear, relu, mse: the whole generated gradient function. Inputs and the
// target get no gradient (activity analysis), so no input adjoint is built.
// CHECK-LABEL: func.func @M_loss_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>{{.*}}%[[T:[^:]+]]: tensor<?x2xf32>{{.*}}%[[W:[^:]+]]: tensor<2x4xf32>{{.*}}%[[B:[^:]+]]: tensor<2xf32>
// CHECK-SAME: -> (tensor<f32> {res.dims = [], res.name = "loss", res.role = "loss"}, tensor<2x4xf32> {res.name = "fc.weight", res.role = "grad"}, tensor<2xf32> {res.name = "fc.bias", res.role = "grad"})
// CHECK-NEXT: %[[Y:.*]] = res.linear %[[X]], %[[W]], %[[B]]
// CHECK-NEXT: %[[R:.*]] = res.relu %[[Y]]
// CHECK-NEXT: %[[L:.*]] = res.mse %[[R]], %[[T]]
// CHECK-NEXT: %[[ONE:.*]] = res.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DR:.*]] = res.mse_grad %[[R]], %[[T]], %[[ONE]]
// CHECK-NEXT: %[[DY:.*]] = res.relu_grad %[[R]], %[[DR]]
// CHECK-NEXT: %[[DW:.*]] = res.linear_weight_grad %[[DY]], %[[X]] : (tensor<?x2xf32>, tensor<?x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %[[DB:.*]] = res.sum %[[DY]] {dims = array<i64: 0>} : tensor<?x2xf32> -> tensor<2xf32>
// CHECK-NEXT: return %[[L]], %[[DW]], %[[DB]]
func.func @M_loss(%x: tensor<?x4xf32> {res.name = "x", res.role = "input", res.dims = ["N", 4]},
                  %t: tensor<?x2xf32> {res.name = "t", res.role = "input", res.dims = ["N", 2]},
                  %w: tensor<2x4xf32> {res.name = "fc.weight", res.role = "param"},
                  %b: tensor<2xf32> {res.name = "fc.bias", res.role = "param"}) -> tensor<f32> {
  %y = res.linear %x, %w, %b : (tensor<?x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %r = res.relu %y : tensor<?x2xf32>
  %l = res.mse %r, %t : (tensor<?x2xf32>, tensor<?x2xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A residual block whose input fans out: the skip edge and the branch both
// send an adjoint to %h, summed into dy + J_F^T dy.
// CHECK: #[[RLOC:.*]] = loc("residual")
// CHECK-LABEL: func.func @R_loss_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>{{.*}}%[[Y:[^:]+]]: tensor<?xi32>{{.*}}%[[W0:[^:]+]]: tensor<4x4xf32>{{.*}}%[[W1:[^:]+]]: tensor<4x4xf32>
// CHECK: %[[H:.*]] = res.linear %[[X]], %[[W0]]
// CHECK: %[[F:.*]] = res.linear %[[H]], %[[W1]]
// CHECK: %[[S:.*]] = res.residual_add %[[F]], skip %[[H]]
// CHECK: %[[DS:.*]] = res.cross_entropy_grad %[[S]], %[[Y]], %{{.*}}
// The branch: through the linear back to %h.
// CHECK: %[[DHF:.*]] = res.matmul %[[DS]], %[[W1]] : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
// CHECK: %[[DW1:.*]] = res.linear_weight_grad %[[DS]], %[[H]]
// The fan-in: the skip adjoint plus the branch adjoint, marked as an
// adjoint sum of the residual add (res-fuse-residual reads both marks).
// CHECK: %[[DH:.*]] = res.add %[[DS]], %[[DHF]] {res.adjoint_sum, res.residual = #[[RLOC:.*]]} : tensor<?x4xf32>
// CHECK: %[[DW0:.*]] = res.linear_weight_grad %[[DH]], %[[X]]
// CHECK: return %{{[^,]*}}, %[[DW0]], %[[DW1]]
func.func @R_loss(%x: tensor<?x4xf32> {res.name = "x", res.role = "input", res.dims = ["N", 4]},
                  %y: tensor<?xi32> {res.name = "y", res.role = "input", res.dims = ["N"]},
                  %w0: tensor<4x4xf32> {res.name = "a.weight", res.role = "param"},
                  %w1: tensor<4x4xf32> {res.name = "b.weight", res.role = "param"}) -> tensor<f32> {
  %h = res.linear %x, %w0 : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
  %f = res.linear %h, %w1 : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
  %s = res.residual_add %f, skip %h : tensor<?x4xf32> loc("residual")
  %l = res.cross_entropy %s, %y : (tensor<?x4xf32>, tensor<?xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Softmax: its VJP needs the primal output. A buffer gets no gradient and a
// parameter the loss does not use gets zeros.
// CHECK-LABEL: func.func @S_loss_grad(
// CHECK-SAME: -> (tensor<f32> {{.*}}, tensor<3x3xf32> {res.name = "w", res.role = "grad"}, tensor<3xf32> {res.name = "unused", res.role = "grad"})
// CHECK: %[[P:.*]] = res.softmax %[[Z:.*]] dim 1
// CHECK: %[[DP:.*]] = res.mse_grad %[[P]]
// CHECK: %[[DZ:.*]] = res.softmax_grad %[[P]], %[[DP]] dim 1
// CHECK: %[[DW:.*]] = res.linear_weight_grad %[[DZ]]
// CHECK: %[[ZERO:.*]] = res.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK: return %{{[^,]*}}, %[[DW]], %[[ZERO]]
func.func @S_loss(%x: tensor<?x3xf32> {res.name = "x", res.role = "input", res.dims = ["N", 3]},
                  %t: tensor<?x3xf32> {res.name = "t", res.role = "input", res.dims = ["N", 3]},
                  %w: tensor<3x3xf32> {res.name = "w", res.role = "param"},
                  %u: tensor<3xf32> {res.name = "unused", res.role = "param"},
                  %m: tensor<3xf32> {res.name = "stat", res.role = "buffer"}) -> tensor<f32> {
  %z = res.linear %x, %w : (tensor<?x3xf32>, tensor<3x3xf32>) -> tensor<?x3xf32>
  %p = res.softmax %z dim 1 : tensor<?x3xf32>
  %l = res.mse %p, %t : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Each dropout of the primal gets its own site; its adjoint is a dropout of
// the same site (train_step keys both, so they drop the same elements).
// CHECK-LABEL: func.func @D_loss_grad(
// CHECK: %[[D:.*]] = res.dropout %{{.*}} {p = 5.000000e-01 : f64, site = 0 : i64}
// CHECK-NEXT: %[[E:.*]] = res.dropout %[[D]] {p = 2.500000e-01 : f64, site = 1 : i64}
// CHECK: %[[DE:.*]] = res.dropout %{{.*}} {p = 2.500000e-01 : f64, site = 1 : i64}
// CHECK-NEXT: res.dropout %[[DE]] {p = 5.000000e-01 : f64, site = 0 : i64}
func.func @D_loss(%x: tensor<?x4xf32> {res.name = "x", res.role = "input", res.dims = ["N", 4]},
                  %w: tensor<4xf32> {res.name = "w", res.role = "param"})
    -> (tensor<f32> {res.name = "loss", res.role = "loss", res.dims = []}) {
  %y = res.mul %x, %w : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %d = res.dropout %y {p = 0.5 : f64} : tensor<?x4xf32>
  %e = res.dropout %d {p = 0.25 : f64} : tensor<?x4xf32>
  %l = res.sum %e : tensor<?x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}
