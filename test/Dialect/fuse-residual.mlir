// RUN: res-opt %s --split-input-file --res-derive-backward --res-fuse-residual | FileCheck %s
// RUN: res-opt %s --split-input-file --res-derive-backward --res-fuse-residual=remarks=true --verify-diagnostics -o /dev/null
// RUN: res-opt %s --split-input-file --res-derive-backward --res-fuse-residual="forward=false backward=false" | FileCheck %s --check-prefix=OFF

// x + fc2(h): the branch's linear accumulates onto the skip value.
// CHECK-LABEL: func.func @forward_linear(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>, %[[H:[^:]+]]: tensor<?x8xf32>, %[[W:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<4xf32>
// CHECK-NEXT: %[[Y:.*]] = res.fused_linear %[[H]], %[[W]], %[[B]] addend %[[X]] : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: return %[[Y]]
// OFF-LABEL: func.func @forward_linear(
// OFF: res.linear
// OFF: res.residual_add
func.func @forward_linear(%x: tensor<?x4xf32>, %h: tensor<?x8xf32>, %w: tensor<4x8xf32>,
                          %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %f = res.linear %h, %w, %b : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // expected-remark @below {{residual add fused into res.linear epilogue (forward)}}
  %y = res.residual_add %f, skip %x : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// A projection shortcut: the branch ends in a relu, so the skip's linear
// takes the branch as its addend.
// CHECK-LABEL: func.func @projection_shortcut(
// CHECK: %[[R:.*]] = res.relu
// CHECK-NEXT: %[[Y:.*]] = res.fused_linear %{{.*}}, %{{.*}} addend %[[R]] : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @projection_shortcut(%x: tensor<?x8xf32>, %ws: tensor<4x8xf32>,
                               %f: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = res.relu %f : tensor<?x4xf32>
  %s = res.linear %x, %ws : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  // expected-remark @below {{residual add fused into res.linear epilogue (forward)}}
  %y = res.residual_add %r, skip %s : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// A batched matmul branch; the result keeps the add's (more static) type.
// CHECK-LABEL: func.func @forward_matmul(
// CHECK: %[[M:.*]] = res.fused_matmul %{{.*}}, %{{.*}} addend %{{.*}} : (tensor<2x?x8xf32>, tensor<8x8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
// CHECK-NEXT: return %[[M]]
func.func @forward_matmul(%x: tensor<2x3x8xf32>, %a: tensor<2x?x8xf32>,
                          %w: tensor<8x8xf32>) -> tensor<2x3x8xf32> {
  %f = res.matmul %a, %w : (tensor<2x?x8xf32>, tensor<8x8xf32>) -> tensor<2x?x8xf32>
  // expected-remark @below {{residual add fused into res.matmul epilogue (forward)}}
  %y = res.residual_add %f, skip %x : tensor<2x?x8xf32>, tensor<2x3x8xf32> -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// Not fused: the linear's result is used again (it would have to exist on
// its own anyway).
// CHECK-LABEL: func.func @product_used_again(
// CHECK: res.linear
// CHECK: res.residual_add
func.func @product_used_again(%x: tensor<?x4xf32>, %h: tensor<?x8xf32>,
                              %w: tensor<4x8xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %f = res.linear %h, %w : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  // expected-remark @below {{residual add not fused (forward): the res.linear result is used again}}
  %y = res.residual_add %f, skip %x : tensor<?x4xf32>
  return %y, %f : tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// Not fused: the branch ends in a normalisation (as in ResNet's
// bn2(conv2(h)) + x), and the skip is the block input itself.
// CHECK-LABEL: func.func @branch_not_a_contraction(
// CHECK: res.residual_add
func.func @branch_not_a_contraction(%x: tensor<?x4xf32>, %h: tensor<?x4xf32>,
                                    %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %n = res.layer_norm %h, %g, %b : (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // expected-remark @below {{residual add not fused (forward): the branch comes from 'res.layer_norm', not a linear or matmul}}
  %y = res.residual_add %n, skip %x : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// Not fused: a matrix-vector product (the result lost a dim).
// CHECK-LABEL: func.func @vector_operand(
// CHECK: res.matmul
// CHECK: res.residual_add
func.func @vector_operand(%x: tensor<?xf32>, %a: tensor<?x8xf32>, %v: tensor<8xf32>) -> tensor<?xf32> {
  %f = res.matmul %a, %v : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?xf32>
  // expected-remark @below {{residual add not fused (forward): the matmul has a vector operand}}
  %y = res.residual_add %f, skip %x : tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

// A plain add is not a skip edge: left alone, and no remark.
// CHECK-LABEL: func.func @not_a_skip_edge(
// CHECK: res.linear
// CHECK: res.add
func.func @not_a_skip_edge(%x: tensor<?x4xf32>, %h: tensor<?x8xf32>,
                           %w: tensor<4x8xf32>) -> tensor<?x4xf32> {
  %f = res.linear %h, %w : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  %y = res.add %f, %x : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// Backward: a residual block input's adjoint dy + dz W accumulates into
// the buffer holding dy.
// CHECK-LABEL: func.func @backward_fan_in(
// CHECK-SAME: %[[DY:[^:]+]]: tensor<?x4xf32>, %[[DZ:[^:]+]]: tensor<?x8xf32>, %[[W:[^:]+]]: tensor<8x4xf32>
// CHECK-NEXT: %[[DX:.*]] = res.fused_matmul %[[DZ]], %[[W]] addend %[[DY]] : (tensor<?x8xf32>, tensor<8x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: return %[[DX]]
// OFF-LABEL: func.func @backward_fan_in(
// OFF: res.matmul
// OFF: res.add
func.func @backward_fan_in(%dy: tensor<?x4xf32>, %dz: tensor<?x8xf32>,
                           %w: tensor<8x4xf32>) -> tensor<?x4xf32> {
  %m = res.matmul %dz, %w : (tensor<?x8xf32>, tensor<8x4xf32>) -> tensor<?x4xf32>
  // expected-remark@unknown {{residual add fused into accumulating res.matmul (backward)}}
  %dx = res.add %dy, %m {res.adjoint_sum, res.residual = loc(unknown)} : tensor<?x4xf32>
  return %dx : tensor<?x4xf32>
}

// -----

// Backward, not fused: the data gradient is also returned.
// CHECK-LABEL: func.func @backward_not_fused(
// CHECK: res.matmul
// CHECK: res.add
func.func @backward_not_fused(%dy: tensor<?x4xf32>, %dz: tensor<?x8xf32>,
                              %w: tensor<8x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %m = res.matmul %dz, %w : (tensor<?x8xf32>, tensor<8x4xf32>) -> tensor<?x4xf32>
  // expected-remark@unknown {{residual add not fused (backward): the res.matmul result is used again}}
  %dx = res.add %dy, %m {res.adjoint_sum, res.residual = loc(unknown)} : tensor<?x4xf32>
  return %dx, %m : tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// Backward, not fused: a broadcast sum (the addend is one row).
// CHECK-LABEL: func.func @backward_broadcast(
// CHECK: res.matmul
// CHECK: res.add
func.func @backward_broadcast(%dy: tensor<1x4xf32>, %dz: tensor<3x8xf32>,
                              %w: tensor<8x4xf32>) -> tensor<3x4xf32> {
  %m = res.matmul %dz, %w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %dx = res.add %dy, %m {res.adjoint_sum} : tensor<1x4xf32>, tensor<3x4xf32> -> tensor<3x4xf32>
  return %dx : tensor<3x4xf32>
}

// -----

// Derived then fused: in R_loss_grad the primal's residual add is fused
// forward, and the block input's adjoint dy + dz W1 backward; one remark
// per direction at the residual add. The skip edge of the loss function
// itself is fused too.
// CHECK-LABEL: func.func @R_loss(
// CHECK: res.fused_linear
// CHECK-LABEL: func.func @R_loss_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>{{.*}}%[[W0:[^:]+]]: tensor<4x4xf32>{{.*}}%[[W1:[^:]+]]: tensor<4x4xf32>
// CHECK: %[[H:.*]] = res.linear %[[X]], %[[W0]]
// CHECK: %[[S:.*]] = res.fused_linear %{{.*}}, %[[W1]] addend %[[H]]
// CHECK: %[[DS:.*]] = res.cross_entropy_grad %[[S]]
// CHECK: %[[DH:.*]] = res.fused_matmul %{{.*}}, %[[W1]] addend %[[DS]]
// CHECK: res.linear_weight_grad %[[DH]], %[[X]]
// CHECK-NOT: res.add
// CHECK: return
func.func @R_loss(%x: tensor<?x4xf32> {res.name = "x", res.role = "input", res.dims = ["N", 4]},
                  %y: tensor<?xi32> {res.name = "y", res.role = "input", res.dims = ["N"]},
                  %w0: tensor<4x4xf32> {res.name = "a.weight", res.role = "param"},
                  %w1: tensor<4x4xf32> {res.name = "b.weight", res.role = "param"}) -> tensor<f32> {
  %h = res.linear %x, %w0 : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
  %f = res.linear %h, %w1 : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
  // expected-remark @below {{residual add fused into res.linear epilogue (forward)}}
  // expected-remark @below {{residual add fused into accumulating res.matmul (backward)}}
  %s = res.residual_add %f, skip %h : tensor<?x4xf32>
  %l = res.cross_entropy %s, %y : (tensor<?x4xf32>, tensor<?xi32>) -> tensor<f32>
  return %l : tensor<f32>
}
