// RUN: res-opt %s --split-input-file --res-build-train-step="fuse-update=true" --canonicalize | FileCheck %s
// RUN: res-opt %s --split-input-file --res-build-train-step --canonicalize | FileCheck %s --check-prefix=CALL

// SGD with momentum: lr becomes an input, the momentum buffer and the step
// counter become state arguments, and every new value is an "update" result.
// CHECK-LABEL: func.func @M_train_step(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32> {{.*}}res.name = "x", res.role = "input"
// CHECK-SAME: %[[LR:[^:]+]]: tensor<f32> {res.dims = [], res.name = "lr", res.role = "input"}
// CHECK-SAME: %[[W:[^:]+]]: tensor<2x4xf32> {res.name = "fc.weight", res.role = "param"}
// CHECK-SAME: %[[BUF:[^:]+]]: tensor<2x4xf32> {res.init = "zeros", res.name = "fc.weight.momentum_buffer", res.role = "state"}
// CHECK-SAME: %[[STEP:[^:]+]]: tensor<f32> {res.init = "zeros", res.name = "optimizer.step", res.role = "state"}
// CHECK-SAME: -> (tensor<f32> {{.*}}res.role = "loss"}, tensor<2x4xf32> {res.name = "fc.weight", res.role = "update"}, tensor<2x4xf32> {res.name = "fc.weight.momentum_buffer", res.role = "update"}, tensor<f32> {res.name = "optimizer.step", res.role = "update"})
// With fuse-update the step repeats loss_grad's body and
// updates the weight right after its gradient.
// CHECK-NOT: call @M_loss_grad
// CHECK: %[[Y:.*]] = res.linear %[[X]], %[[W]]
// CHECK: %[[L:.*]] = res.mean %[[Y]]
// CHECK: %[[G:.*]] = res.linear_weight_grad %[[Y]], %[[X]]
// The first step takes the gradient as the buffer (torch.optim): relu(1 - step).
// CHECK: %[[FIRST:.*]] = res.relu %{{.*}} : tensor<f32>
// CHECK: res.mul %[[BUF]], %{{.*}} : tensor<2x4xf32>, tensor<f32> -> tensor<2x4xf32>
// CHECK: %[[NEWBUF:.*]] = res.add
// CHECK: %[[STEPPED:.*]] = res.mul %[[NEWBUF]], %[[LR]]
// CHECK: %[[NEWW:.*]] = res.sub %[[W]], %[[STEPPED]]
// CHECK: return %[[L]], %[[NEWW]], %[[NEWBUF]], %{{.*}}
// Without it (the default), the step calls loss_grad rather than repeating
// its body.
// CALL-LABEL: func.func @M_train_step(
// CALL: %[[LG:.*]]:2 = call @M_loss_grad(%{{.*}}, %{{.*}}) : (tensor<?x4xf32>, tensor<2x4xf32>) -> (tensor<f32>, tensor<2x4xf32>)
// CALL-NOT: res.linear_weight_grad
// CALL: %[[NEWW:.*]] = res.sub %{{.*}}, %{{.*}} : tensor<2x4xf32>
// CALL: return %[[LG]]#0, %[[NEWW]]
module attributes {res.optimizer = {name = "SGD", momentum = 0.9 : f64, dampening = 0.0 : f64, weight_decay = 0.0 : f64, nesterov = false, lr = 0.1 : f64}} {
  func.func @M_loss_grad(%x: tensor<?x4xf32> {res.name = "x", res.role = "input", res.dims = ["N", 4]},
                         %w: tensor<2x4xf32> {res.name = "fc.weight", res.role = "param"})
      -> (tensor<f32> {res.name = "loss", res.role = "loss", res.dims = []}, tensor<2x4xf32> {res.name = "fc.weight", res.role = "grad"}) {
    %y = res.linear %x, %w : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x2xf32>
    %l = res.mean %y : tensor<?x2xf32> -> tensor<f32>
    %g = res.linear_weight_grad %y, %x : (tensor<?x2xf32>, tensor<?x4xf32>) -> tensor<2x4xf32>
    return %l, %g : tensor<f32>, tensor<2x4xf32>
  }
}

// -----

// AdamW: two moments per parameter; the bias corrections use the run-time
// step t = step + 1 as exp(t log beta).
// CHECK-LABEL: func.func @A_train_step(
// CHECK-SAME: res.name = "w.exp_avg", res.role = "state"
// CHECK-SAME: res.name = "w.exp_avg_sq", res.role = "state"
// CHECK-SAME: res.name = "optimizer.step", res.role = "state"
// CHECK: res.exp
// CHECK: res.exp
// CHECK: res.sqrt
// CHECK: return {{.*}} : tensor<f32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>
module attributes {res.optimizer = {name = "AdamW", beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, weight_decay = 0.01 : f64, lr = 0.001 : f64}} {
  func.func @A_loss_grad(%w: tensor<3xf32> {res.name = "w", res.role = "param"})
      -> (tensor<f32> {res.name = "loss", res.role = "loss", res.dims = []}, tensor<3xf32> {res.name = "w", res.role = "grad"}) {
    %l = res.sum %w : tensor<3xf32> -> tensor<f32>
    return %l, %w : tensor<f32>, tensor<3xf32>
  }
}

// -----

// A dropout makes the step repeat loss_grad's body (dropout is active in
// train_step only) with every dropout keyed by this step's key, from the
// dropout.seed state (i64, init "seed") and the step counter.
// CHECK-LABEL: func.func @D_train_step(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>
// CHECK-SAME: %[[STEP:[^:]+]]: tensor<f32> {res.init = "zeros", res.name = "optimizer.step", res.role = "state"}
// CHECK-SAME: %[[SEED:[^:]+]]: tensor<i64> {res.init = "seed", res.name = "dropout.seed", res.role = "state"}
// CHECK-NOT: call @D_loss_grad
// CHECK-DAG: %[[S:.*]] = tensor.extract %[[SEED]][] : tensor<i64>
// CHECK-DAG: %[[HI:.*]] = arith.shrui %[[S]], %{{.*}} : i64
// CHECK-DAG: %[[XOR:.*]] = arith.xori %[[S]], %[[HI]] : i64
// CHECK-DAG: %[[LO:.*]] = arith.trunci %[[XOR]] : i64 to i32
// CHECK-DAG: %[[T:.*]] = tensor.extract %[[STEP]][] : tensor<f32>
// CHECK-DAG: %[[N:.*]] = arith.fptoui %[[T]] : f32 to i32
// CHECK-DAG: %[[MUL:.*]] = arith.muli %[[N]], %{{.*}} : i32
// CHECK-DAG: %[[KEY:.*]] = arith.addi %[[LO]], %[[MUL]] : i32
// CHECK-DAG: %[[K:.*]] = tensor.from_elements %[[KEY]] : tensor<i32>
// CHECK: res.dropout %[[X]] key %[[K]] : tensor<i32> {p = 5.000000e-01 : f64, site = 0 : i64}
// CHECK: res.dropout %{{.*}} key %[[K]] : tensor<i32> {p = 5.000000e-01 : f64, site = 0 : i64}
// CHECK: return {{.*}} : tensor<f32>, tensor<4xf32>, tensor<f32>
module attributes {res.optimizer = {name = "SGD", momentum = 0.0 : f64, dampening = 0.0 : f64, weight_decay = 0.0 : f64, nesterov = false, lr = 0.1 : f64}} {
  func.func @D_loss_grad(%x: tensor<?x4xf32> {res.name = "x", res.role = "input", res.dims = ["N", 4]},
                         %w: tensor<4xf32> {res.name = "w", res.role = "param"})
      -> (tensor<f32> {res.name = "loss", res.role = "loss", res.dims = []}, tensor<4xf32> {res.name = "w", res.role = "grad"}) {
    %d = res.dropout %x {p = 0.5 : f64, site = 0 : i64} : tensor<?x4xf32>
    %y = res.mul %d, %w : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
    %l = res.sum %y : tensor<?x4xf32> -> tensor<f32>
    %one = res.constant dense<1.0> : tensor<f32>
    %b = res.broadcast_to %one, %x : (tensor<f32>, tensor<?x4xf32>) -> tensor<?x4xf32>
    %db = res.dropout %b {p = 0.5 : f64, site = 0 : i64} : tensor<?x4xf32>
    %gw = res.mul %db, %x : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
    %g = res.reduce_to %gw, %w : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %l, %g : tensor<f32>, tensor<4xf32>
  }
}

// -----

// A stacked parameter (two instances) whose gradient is the concatenation
// of per-instance gradients is updated per instance: each update right
// after the last read of its instance (instance 1's weight is read again by
// the data gradient after its weight gradient), the new stack reassembled
// at the end.
// CHECK-LABEL: func.func @S_train_step(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4xf32>
// CHECK-SAME: %[[LR:[^:]+]]: tensor<f32>
// CHECK-SAME: %[[W:[^:]+]]: tensor<2x4x4xf32>
// CHECK-NOT: call @S_loss_grad
// CHECK: %[[W1:.*]] = res.instance %[[W]][1]
// CHECK: %[[G1:.*]] = res.linear_weight_grad
// CHECK: %[[DX:.*]] = res.matmul %{{.*}}, %[[W1]]
// CHECK: %[[STEP1:.*]] = res.mul %[[G1]], %[[LR]]
// CHECK: %[[NEW1:.*]] = res.sub %{{.*}}, %[[STEP1]]
// CHECK: %[[G0:.*]] = res.linear_weight_grad %[[DX]]
// CHECK: %[[STEP0:.*]] = res.mul %[[G0]], %[[LR]]
// CHECK: %[[NEW0:.*]] = res.sub %{{.*}}, %[[STEP0]]
// CHECK: %[[U0:.*]] = res.reshape %[[NEW0]] [1, 4, 4]
// CHECK: %[[U1:.*]] = res.reshape %[[NEW1]] [1, 4, 4]
// CHECK: %[[NEWW:.*]] = res.concat %[[U0]], %[[U1]] dim 0
// CHECK: return %{{.*}}, %[[NEWW]],
// CALL-LABEL: func.func @S_train_step(
// CALL: call @S_loss_grad
// CALL-NOT: res.instance
module attributes {res.optimizer = {name = "SGD", momentum = 0.0 : f64, dampening = 0.0 : f64, weight_decay = 0.0 : f64, nesterov = false, lr = 0.1 : f64}} {
  func.func @S_loss_grad(%x: tensor<?x4xf32> {res.name = "x", res.role = "input", res.dims = ["N", 4]},
                         %w: tensor<2x4x4xf32> {res.name = "blocks.*.w", res.role = "param", res.stacked = 1 : i64})
      -> (tensor<f32> {res.name = "loss", res.role = "loss", res.dims = []}, tensor<2x4x4xf32> {res.name = "blocks.*.w", res.role = "grad"}) {
    %w0 = res.instance %w[0] : tensor<2x4x4xf32> -> tensor<4x4xf32>
    %w1 = res.instance %w[1] : tensor<2x4x4xf32> -> tensor<4x4xf32>
    %h = res.matmul %x, %w0 : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
    %y = res.matmul %h, %w1 : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
    %l = res.mean %y : tensor<?x4xf32> -> tensor<f32>
    %g1 = res.linear_weight_grad %y, %h : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<4x4xf32>
    %dh = res.matmul %y, %w1 : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
    %g0 = res.linear_weight_grad %dh, %x : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<4x4xf32>
    %u0 = res.reshape %g0 [1, 4, 4] : tensor<4x4xf32> -> tensor<1x4x4xf32>
    %u1 = res.reshape %g1 [1, 4, 4] : tensor<4x4xf32> -> tensor<1x4x4xf32>
    %g = res.concat %u0, %u1 dim 0 : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
    return %l, %g : tensor<f32>, tensor<2x4x4xf32>
  }
}

// -----

// Batch norms whose running buffers are instances of a stacked buffer: the
// step and loss_grad both call the body that also returns the batch
// statistics, and each instance's statistics update that instance.
// CALL-LABEL: func.func @__resc_impl_B_loss_grad_stats(
// CALL: %[[M0:[^,]+]], %[[V0:[^ ]+]] = res.batch_stats
// CALL: %[[M1:[^,]+]], %[[V1:[^ ]+]] = res.batch_stats
// CALL: return %{{.*}}, %{{.*}}, %[[M0]], %[[V0]], %[[M1]], %[[V1]] :
// CALL-LABEL: func.func @B_loss_grad(
// CALL-NEXT: call @__resc_impl_B_loss_grad_stats
// CALL-LABEL: func.func @B_train_step(
// CALL-NOT: res.batch_norm
// CALL: %[[S:.*]]:6 = call @__resc_impl_B_loss_grad_stats(
// CALL-DAG: %[[RM0:.*]] = res.instance %{{.*}}[0] : tensor<2x3xf32> -> tensor<3xf32>
// CALL-DAG: %[[RM1:.*]] = res.instance %{{.*}}[1] : tensor<2x3xf32> -> tensor<3xf32>
// CALL-DAG: res.mul %[[S]]#2,
// CALL-DAG: res.mul %[[RM0]],
// CALL-DAG: res.mul %[[S]]#4,
// CALL-DAG: res.mul %[[RM1]],
// CALL: res.concat
module attributes {res.optimizer = {name = "SGD", momentum = 0.0 : f64, dampening = 0.0 : f64, weight_decay = 0.0 : f64, nesterov = false, lr = 0.1 : f64}} {
  func.func @B_loss_grad(%x: tensor<?x3x2xf32> {res.name = "x", res.role = "input", res.dims = ["N", 3, 2]},
                         %c: tensor<3xf32> {res.name = "w", res.role = "param"},
                         %rm: tensor<2x3xf32> {res.name = "blocks.*.bn.running_mean", res.role = "buffer", res.stacked = 1 : i64},
                         %rv: tensor<2x3xf32> {res.name = "blocks.*.bn.running_var", res.role = "buffer", res.stacked = 1 : i64})
      -> (tensor<f32> {res.name = "loss", res.role = "loss", res.dims = []}, tensor<3xf32> {res.name = "w", res.role = "grad"}) {
    %m0 = res.instance %rm[0] : tensor<2x3xf32> -> tensor<3xf32>
    %v0 = res.instance %rv[0] : tensor<2x3xf32> -> tensor<3xf32>
    %m1 = res.instance %rm[1] : tensor<2x3xf32> -> tensor<3xf32>
    %v1 = res.instance %rv[1] : tensor<2x3xf32> -> tensor<3xf32>
    %y0 = res.batch_norm %x, %c, %c, %m0, %v0 {training = true} : (tensor<?x3x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x2xf32>
    %y1 = res.batch_norm %y0, %c, %c, %m1, %v1 {training = true} : (tensor<?x3x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x2xf32>
    %l = res.mean %y1 : tensor<?x3x2xf32> -> tensor<f32>
    return %l, %c : tensor<f32>, tensor<3xf32>
  }
}

// -----

// A running buffer that is not an argument (nor an instance of one): the
// step cannot name it across a call, so it keeps its own copy of the body.
// CALL-LABEL: func.func @C_train_step(
// CALL-NOT: call
// CALL: res.batch_norm
// CALL-NOT: __resc_impl_C_loss_grad_stats
module attributes {res.optimizer = {name = "SGD", momentum = 0.0 : f64, dampening = 0.0 : f64, weight_decay = 0.0 : f64, nesterov = false, lr = 0.1 : f64}} {
  func.func @C_loss_grad(%x: tensor<?x3x2xf32> {res.name = "x", res.role = "input", res.dims = ["N", 3, 2]},
                         %c: tensor<3xf32> {res.name = "w", res.role = "param"})
      -> (tensor<f32> {res.name = "loss", res.role = "loss", res.dims = []}, tensor<3xf32> {res.name = "w", res.role = "grad"}) {
    %m = res.add %c, %c : tensor<3xf32>
    %y = res.batch_norm %x, %c, %c, %m, %c {training = true} : (tensor<?x3x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x2xf32>
    %l = res.mean %y : tensor<?x3x2xf32> -> tensor<f32>
    return %l, %c : tensor<f32>, tensor<3xf32>
  }
}
