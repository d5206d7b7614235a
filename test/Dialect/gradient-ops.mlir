// Round trip of the ops of backward graphs (ResGradientOps.td).
// RUN: res-opt %s | res-opt | FileCheck %s

// CHECK-LABEL: func.func @reduce_to
// CHECK-SAME: (%[[G:.*]]: tensor<?x512xf32>, %[[B:.*]]: tensor<512xf32>, %[[H:.*]]: tensor<4x5xf64>, %[[C:.*]]: tensor<4x1xf64>, %[[D:.*]]: tensor<?x1xf64>)
func.func @reduce_to(%g: tensor<?x512xf32>, %b: tensor<512xf32>, %h: tensor<4x5xf64>, %c: tensor<4x1xf64>, %d: tensor<?x1xf64>) {
  // CHECK: res.reduce_to %[[G]], %[[B]] : (tensor<?x512xf32>, tensor<512xf32>) -> tensor<512xf32>
  %0 = res.reduce_to %g, %b : (tensor<?x512xf32>, tensor<512xf32>) -> tensor<512xf32>
  // CHECK: res.reduce_to %[[H]], %[[C]] : (tensor<4x5xf64>, tensor<4x1xf64>) -> tensor<4x1xf64>
  %1 = res.reduce_to %h, %c : (tensor<4x5xf64>, tensor<4x1xf64>) -> tensor<4x1xf64>
  // CHECK: res.reduce_to %[[H]], %[[D]] : (tensor<4x5xf64>, tensor<?x1xf64>) -> tensor<?x1xf64>
  %2 = res.reduce_to %h, %d : (tensor<4x5xf64>, tensor<?x1xf64>) -> tensor<?x1xf64>
  return
}

// CHECK-LABEL: func.func @broadcast_to
// CHECK-SAME: (%[[M:.*]]: tensor<?x64xf32>, %[[X:.*]]: tensor<?x64x7x7xf32>, %[[S:.*]]: tensor<f32>, %[[K:.*]]: tensor<?x1xf32>, %[[Y:.*]]: tensor<?x10xf32>)
func.func @broadcast_to(%m: tensor<?x64xf32>, %x: tensor<?x64x7x7xf32>, %s: tensor<f32>, %k: tensor<?x1xf32>, %y: tensor<?x10xf32>) {
  // CHECK: res.broadcast_to %[[M]], %[[X]] {dims = array<i64: 2, 3>, mean = true} : (tensor<?x64xf32>, tensor<?x64x7x7xf32>) -> tensor<?x64x7x7xf32>
  %0 = res.broadcast_to %m, %x {dims = array<i64: 2, 3>, mean = true} : (tensor<?x64xf32>, tensor<?x64x7x7xf32>) -> tensor<?x64x7x7xf32>
  // CHECK: res.broadcast_to %[[S]], %[[Y]] : (tensor<f32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  %1 = res.broadcast_to %s, %y : (tensor<f32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  // CHECK: res.broadcast_to %[[K]], %[[Y]] {dims = array<i64: 1>, keepdim = true} : (tensor<?x1xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  %2 = res.broadcast_to %k, %y {dims = array<i64: 1>, keepdim = true} : (tensor<?x1xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  return
}

// CHECK-LABEL: func.func @activations
// CHECK-SAME: (%[[X:.*]]: tensor<?x512xf32>, %[[DY:.*]]: tensor<?x512xf32>)
func.func @activations(%x: tensor<?x512xf32>, %dy: tensor<?x512xf32>) {
  // CHECK: res.relu_grad %[[X]], %[[DY]] : tensor<?x512xf32>
  %0 = res.relu_grad %x, %dy : tensor<?x512xf32>
  // CHECK: res.gelu_grad %[[X]], %[[DY]] : tensor<?x512xf32>
  %1 = res.gelu_grad %x, %dy : tensor<?x512xf32>
  // CHECK: res.gelu_grad %[[X]], %[[DY]] {approximate = "tanh"} : tensor<?x512xf32>
  %2 = res.gelu_grad %x, %dy {approximate = "tanh"} : tensor<?x512xf32>
  // CHECK: res.silu_grad %[[X]], %[[DY]] : tensor<?x512xf32>
  %3 = res.silu_grad %x, %dy : tensor<?x512xf32>
  // CHECK: res.tanh_grad %[[X]], %[[DY]] : tensor<?x512xf32>
  %4 = res.tanh_grad %x, %dy : tensor<?x512xf32>
  // CHECK: res.sigmoid_grad %[[X]], %[[DY]] : tensor<?x512xf32>
  %5 = res.sigmoid_grad %x, %dy : tensor<?x512xf32>
  return
}

// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[Y:.*]]: tensor<?x10xf32>, %[[DY:.*]]: tensor<?x10xf32>)
func.func @softmax(%y: tensor<?x10xf32>, %dy: tensor<?x10xf32>) {
  // CHECK: res.softmax_grad %[[Y]], %[[DY]] dim 1 : tensor<?x10xf32>
  %0 = res.softmax_grad %y, %dy dim 1 : tensor<?x10xf32>
  // CHECK: res.log_softmax_grad %[[Y]], %[[DY]] dim 0 : tensor<?x10xf32>
  %1 = res.log_softmax_grad %y, %dy dim 0 : tensor<?x10xf32>
  return
}

// CHECK-LABEL: func.func @losses
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>, %[[L:.*]]: tensor<?xi32>, %[[Z:.*]]: tensor<2x?x256xf64>, %[[M:.*]]: tensor<2x?xi64>, %[[T:.*]]: tensor<?x10xf32>, %[[D:.*]]: tensor<f32>, %[[E:.*]]: tensor<f64>)
func.func @losses(%x: tensor<?x10xf32>, %l: tensor<?xi32>, %z: tensor<2x?x256xf64>, %m: tensor<2x?xi64>, %t: tensor<?x10xf32>, %d: tensor<f32>, %e: tensor<f64>) {
  // CHECK: res.cross_entropy_grad %[[X]], %[[L]], %[[D]] : (tensor<?x10xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x10xf32>
  %0 = res.cross_entropy_grad %x, %l, %d : (tensor<?x10xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x10xf32>
  // CHECK: res.cross_entropy_grad %[[Z]], %[[M]], %[[E]] : (tensor<2x?x256xf64>, tensor<2x?xi64>, tensor<f64>) -> tensor<2x?x256xf64>
  %1 = res.cross_entropy_grad %z, %m, %e : (tensor<2x?x256xf64>, tensor<2x?xi64>, tensor<f64>) -> tensor<2x?x256xf64>
  // CHECK: res.mse_grad %[[X]], %[[T]], %[[D]] : (tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>) -> tensor<?x10xf32>
  %2 = res.mse_grad %x, %t, %d : (tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>) -> tensor<?x10xf32>
  return
}

// CHECK-LABEL: func.func @linear_weight_grad
// CHECK-SAME: (%[[DY:.*]]: tensor<?x512xf32>, %[[X:.*]]: tensor<?x784xf32>, %[[DZ:.*]]: tensor<?x?x64xf32>, %[[H:.*]]: tensor<?x?x128xf32>)
func.func @linear_weight_grad(%dy: tensor<?x512xf32>, %x: tensor<?x784xf32>, %dz: tensor<?x?x64xf32>, %h: tensor<?x?x128xf32>) {
  // CHECK: res.linear_weight_grad %[[DY]], %[[X]] : (tensor<?x512xf32>, tensor<?x784xf32>) -> tensor<512x784xf32>
  %0 = res.linear_weight_grad %dy, %x : (tensor<?x512xf32>, tensor<?x784xf32>) -> tensor<512x784xf32>
  // CHECK: res.linear_weight_grad %[[DZ]], %[[H]] : (tensor<?x?x64xf32>, tensor<?x?x128xf32>) -> tensor<64x128xf32>
  %1 = res.linear_weight_grad %dz, %h : (tensor<?x?x64xf32>, tensor<?x?x128xf32>) -> tensor<64x128xf32>
  return
}

// CHECK-LABEL: func.func @slice
// CHECK-SAME: (%[[C:.*]]: tensor<?x48xf32>)
func.func @slice(%c: tensor<?x48xf32>) {
  // CHECK: res.slice %[[C]] dim 1 offset 16 size 32 : tensor<?x48xf32> -> tensor<?x32xf32>
  %0 = res.slice %c dim 1 offset 16 size 32 : tensor<?x48xf32> -> tensor<?x32xf32>
  // CHECK: res.slice %[[C]] dim 0 offset 0 size 2 : tensor<?x48xf32> -> tensor<2x48xf32>
  %1 = res.slice %c dim 0 offset 0 size 2 : tensor<?x48xf32> -> tensor<2x48xf32>
  return
}

// The layers' adjoints (NNGrad.cpp).
// CHECK-LABEL: func.func @layers
func.func @layers(%x: tensor<?x16x28x28xf32>, %w: tensor<32x16x3x3xf32>, %dy: tensor<?x32x14x14xf32>,
                  %p: tensor<?x16x14x14xf32>, %c: tensor<16xf32>, %t: tensor<?x?xi32>,
                  %e: tensor<256x8xf32>, %de: tensor<?x?x8xf32>, %h: tensor<?x?x8xf32>, %d: tensor<8xf32>) {
  // CHECK: res.conv2d_grad_input %{{.*}}, %{{.*}}, %{{.*}} {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x32x14x14xf32>, tensor<32x16x3x3xf32>, tensor<?x16x28x28xf32>) -> tensor<?x16x28x28xf32>
  %0 = res.conv2d_grad_input %dy, %w, %x {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x32x14x14xf32>, tensor<32x16x3x3xf32>, tensor<?x16x28x28xf32>) -> tensor<?x16x28x28xf32>
  // CHECK: res.conv2d_grad_weight %{{.*}}, %{{.*}}, %{{.*}} {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x32x14x14xf32>, tensor<?x16x28x28xf32>, tensor<32x16x3x3xf32>) -> tensor<32x16x3x3xf32>
  %1 = res.conv2d_grad_weight %dy, %x, %w {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x32x14x14xf32>, tensor<?x16x28x28xf32>, tensor<32x16x3x3xf32>) -> tensor<32x16x3x3xf32>
  // CHECK: res.max_pool2d_grad %{{.*}}, %{{.*}} {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<?x16x28x28xf32>, tensor<?x16x14x14xf32>) -> tensor<?x16x28x28xf32>
  %2 = res.max_pool2d_grad %x, %p {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<?x16x28x28xf32>, tensor<?x16x14x14xf32>) -> tensor<?x16x28x28xf32>
  // CHECK: res.avg_pool2d_grad %{{.*}}, %{{.*}} {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<?x16x14x14xf32>, tensor<?x16x28x28xf32>) -> tensor<?x16x28x28xf32>
  %3 = res.avg_pool2d_grad %p, %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<?x16x14x14xf32>, tensor<?x16x28x28xf32>) -> tensor<?x16x28x28xf32>
  // CHECK: res.embedding_grad %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?xi32>, tensor<?x?x8xf32>, tensor<256x8xf32>) -> tensor<256x8xf32>
  %4 = res.embedding_grad %t, %de, %e : (tensor<?x?xi32>, tensor<?x?x8xf32>, tensor<256x8xf32>) -> tensor<256x8xf32>
  // CHECK: res.batch_norm_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {training = true} : (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<?x16x28x28xf32>) -> (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>)
  %5:3 = res.batch_norm_grad %x, %c, %c, %c, %x {training = true} : (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<?x16x28x28xf32>) -> (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>)
  // CHECK: res.layer_norm_grad %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f64} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>)
  %6:3 = res.layer_norm_grad %h, %d, %h {eps = 1.0e-3 : f64} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>)
  return
}

// CHECK-LABEL: func.func @slice_grad
// CHECK-SAME: (%[[G:.*]]: tensor<128x128xf32>, %[[W:.*]]: tensor<384x128xf32>)
func.func @slice_grad(%g: tensor<128x128xf32>, %w: tensor<384x128xf32>) -> tensor<384x128xf32> {
  // CHECK: res.slice_grad %[[G]], %[[W]] dim 0 offset 128 : (tensor<128x128xf32>, tensor<384x128xf32>) -> tensor<384x128xf32>
  %0 = res.slice_grad %g, %w dim 0 offset 128 : (tensor<128x128xf32>, tensor<384x128xf32>) -> tensor<384x128xf32>
  return %0 : tensor<384x128xf32>
}
