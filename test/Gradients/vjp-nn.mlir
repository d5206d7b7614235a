// VJPs of the layers (NNGrad.cpp): each emits its gradient op with the
// forward op's attributes; biases are sums of dy; batch_norm's running
// statistics and embedding indices get no adjoint.
// RUN: res-opt %s --res-test-vjp | FileCheck %s

// CHECK-LABEL: func.func @vjp_conv2d(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x3x8x8xf32>, %[[W:[^:]+]]: tensor<4x3x3x3xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<?x4x4x4xf32>) -> (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.conv2d %[[X]], %[[W]], %[[B]] {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
// CHECK-NEXT: %[[R1:.*]] = res.conv2d_grad_input %[[DY]], %[[W]], %[[X]] {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x4x4x4xf32>, tensor<4x3x3x3xf32>, tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
// CHECK-NEXT: %[[R2:.*]] = res.conv2d_grad_weight %[[DY]], %[[X]], %[[W]] {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x4x4x4xf32>, tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<4x3x3x3xf32>
// CHECK-NEXT: %[[R3:.*]] = res.sum %[[DY]] {dims = array<i64: 0, 2, 3>} : tensor<?x4x4x4xf32> -> tensor<4xf32>
// CHECK-NEXT: return %[[R1]], %[[R2]], %[[R3]] : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
func.func @vjp_conv2d(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>, %dy: tensor<?x4x4x4xf32>) -> tensor<?x4x4x4xf32> {
  %y = res.conv2d %x, %w, %b {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
  return %y : tensor<?x4x4x4xf32>
}

// CHECK-LABEL: func.func @vjp_conv2d_weight_only(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4x9x9xf32>, %[[W:[^:]+]]: tensor<6x2x3x3xf32>, %[[DY:[^:]+]]: tensor<?x6x9x9xf32>) -> tensor<6x2x3x3xf32>
// CHECK-NEXT: %[[Y:.*]] = res.conv2d %[[X]], %[[W]] {dilation = array<i64: 2, 2>, groups = 2 : i64, padding = array<i64: 2, 2>} : (tensor<?x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<?x6x9x9xf32>
// CHECK-NEXT: %[[R1:.*]] = res.conv2d_grad_weight %[[DY]], %[[X]], %[[W]] {dilation = array<i64: 2, 2>, groups = 2 : i64, padding = array<i64: 2, 2>} : (tensor<?x6x9x9xf32>, tensor<?x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<6x2x3x3xf32>
// CHECK-NEXT: return %[[R1]] : tensor<6x2x3x3xf32>
func.func @vjp_conv2d_weight_only(%x: tensor<?x4x9x9xf32>, %w: tensor<6x2x3x3xf32>, %dy: tensor<?x6x9x9xf32>) -> tensor<?x6x9x9xf32> attributes {res.test_needed = array<i1: false, true>} {
  %y = res.conv2d %x, %w {padding = array<i64: 2, 2>, dilation = array<i64: 2, 2>, groups = 2 : i64} : (tensor<?x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<?x6x9x9xf32>
  return %y : tensor<?x6x9x9xf32>
}

// CHECK-LABEL: func.func @vjp_max_pool2d(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x3x7x7xf32>, %[[DY:[^:]+]]: tensor<?x3x4x4xf32>) -> tensor<?x3x7x7xf32>
// CHECK-NEXT: %[[Y:.*]] = res.max_pool2d %[[X]] {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x7x7xf32> -> tensor<?x3x4x4xf32>
// CHECK-NEXT: %[[R1:.*]] = res.max_pool2d_grad %[[X]], %[[DY]] {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x3x7x7xf32>, tensor<?x3x4x4xf32>) -> tensor<?x3x7x7xf32>
// CHECK-NEXT: return %[[R1]] : tensor<?x3x7x7xf32>
func.func @vjp_max_pool2d(%x: tensor<?x3x7x7xf32>, %dy: tensor<?x3x4x4xf32>) -> tensor<?x3x4x4xf32> {
  %y = res.max_pool2d %x {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<?x3x7x7xf32> -> tensor<?x3x4x4xf32>
  return %y : tensor<?x3x4x4xf32>
}

// CHECK-LABEL: func.func @vjp_avg_pool2d(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x3x6x6xf32>, %[[DY:[^:]+]]: tensor<?x3x3x3xf32>) -> tensor<?x3x6x6xf32>
// CHECK-NEXT: %[[Y:.*]] = res.avg_pool2d %[[X]] {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<?x3x6x6xf32> -> tensor<?x3x3x3xf32>
// CHECK-NEXT: %[[R1:.*]] = res.avg_pool2d_grad %[[DY]], %[[X]] {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<?x3x3x3xf32>, tensor<?x3x6x6xf32>) -> tensor<?x3x6x6xf32>
// CHECK-NEXT: return %[[R1]] : tensor<?x3x6x6xf32>
func.func @vjp_avg_pool2d(%x: tensor<?x3x6x6xf32>, %dy: tensor<?x3x3x3xf32>) -> tensor<?x3x3x3xf32> {
  %y = res.avg_pool2d %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<?x3x6x6xf32> -> tensor<?x3x3x3xf32>
  return %y : tensor<?x3x3x3xf32>
}

// CHECK-LABEL: func.func @vjp_embedding(
// CHECK-SAME: %[[I:[^:]+]]: tensor<?x?xi32>, %[[W:[^:]+]]: tensor<20x8xf32>, %[[DY:[^:]+]]: tensor<?x?x8xf32>) -> tensor<20x8xf32>
// CHECK-NEXT: %[[Y:.*]] = res.embedding %[[I]], %[[W]] : (tensor<?x?xi32>, tensor<20x8xf32>) -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[R1:.*]] = res.embedding_grad %[[I]], %[[DY]], %[[W]] : (tensor<?x?xi32>, tensor<?x?x8xf32>, tensor<20x8xf32>) -> tensor<20x8xf32>
// CHECK-NEXT: return %[[R1]] : tensor<20x8xf32>
func.func @vjp_embedding(%i: tensor<?x?xi32>, %w: tensor<20x8xf32>, %dy: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %y = res.embedding %i, %w : (tensor<?x?xi32>, tensor<20x8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// CHECK-LABEL: func.func @vjp_batch_norm_train(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4x5x5xf32>, %[[W:[^:]+]]: tensor<4xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[M:[^:]+]]: tensor<4xf32>, %[[V:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<?x4x5x5xf32>) -> (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.batch_norm %[[X]], %[[W]], %[[B]], %[[M]], %[[V]] {eps = 1.000000e-03 : f64, training = true} : (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
// CHECK-NEXT: %[[INPUT_GRAD:[^ ,]+]], %[[WEIGHT_GRAD:[^ ,]+]], %[[BIAS_GRAD:[^ ,]+]] = res.batch_norm_grad %[[X]], %[[W]], %[[M]], %[[V]], %[[DY]] {eps = 1.000000e-03 : f64, training = true} : (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<?x4x5x5xf32>) -> (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT: return %[[INPUT_GRAD]], %[[WEIGHT_GRAD]], %[[BIAS_GRAD]] : tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>
func.func @vjp_batch_norm_train(%x: tensor<?x4x5x5xf32>, %w: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %dy: tensor<?x4x5x5xf32>) -> tensor<?x4x5x5xf32> {
  %y = res.batch_norm %x, %w, %b, %m, %v {eps = 1.0e-3 : f64, training = true} : (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
  return %y : tensor<?x4x5x5xf32>
}

// CHECK-LABEL: func.func @vjp_batch_norm_eval_input_only(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4x5x5xf32>, %[[W:[^:]+]]: tensor<4xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[M:[^:]+]]: tensor<4xf32>, %[[V:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<?x4x5x5xf32>) -> tensor<?x4x5x5xf32>
// CHECK-NEXT: %[[Y:.*]] = res.batch_norm %[[X]], %[[W]], %[[B]], %[[M]], %[[V]] : (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
// CHECK-NEXT: %[[INPUT_GRAD:[^ ,]+]], %[[WEIGHT_GRAD:[^ ,]+]], %[[BIAS_GRAD:[^ ,]+]] = res.batch_norm_grad %[[X]], %[[W]], %[[M]], %[[V]], %[[DY]] : (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<?x4x5x5xf32>) -> (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT: return %[[INPUT_GRAD]] : tensor<?x4x5x5xf32>
func.func @vjp_batch_norm_eval_input_only(%x: tensor<?x4x5x5xf32>, %w: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %dy: tensor<?x4x5x5xf32>) -> tensor<?x4x5x5xf32> attributes {res.test_needed = array<i1: true, false, false, false, false>} {
  %y = res.batch_norm %x, %w, %b, %m, %v : (tensor<?x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
  return %y : tensor<?x4x5x5xf32>
}

// CHECK-LABEL: func.func @vjp_layer_norm(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x8xf32>, %[[W:[^:]+]]: tensor<8xf32>, %[[B:[^:]+]]: tensor<8xf32>, %[[DY:[^:]+]]: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>)
// CHECK-NEXT: %[[Y:.*]] = res.layer_norm %[[X]], %[[W]], %[[B]] : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[INPUT_GRAD:[^ ,]+]], %[[WEIGHT_GRAD:[^ ,]+]], %[[BIAS_GRAD:[^ ,]+]] = res.layer_norm_grad %[[X]], %[[W]], %[[DY]] : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>)
// CHECK-NEXT: return %[[INPUT_GRAD]], %[[WEIGHT_GRAD]], %[[BIAS_GRAD]] : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>
func.func @vjp_layer_norm(%x: tensor<?x?x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>, %dy: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %y = res.layer_norm %x, %w, %b : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}
