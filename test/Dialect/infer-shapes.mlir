// res-infer-shapes: result types follow more static operands.
// RUN: res-opt %s -res-infer-shapes -split-input-file -verify-diagnostics | FileCheck %s

// The batch dimension of the argument was specialised to 32; every result
// and the function's signature follow.
// CHECK-LABEL: func.func @mlp
// CHECK-SAME: -> tensor<32x10xf32>
// CHECK: %[[H:.*]] = res.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<32x784xf32>, tensor<512x784xf32>, tensor<512xf32>) -> tensor<32x512xf32>
// CHECK: %[[R:.*]] = res.relu %[[H]] : tensor<32x512xf32>
// CHECK: %[[Y:.*]] = res.repeat 2 carry(%[[C:.*]] = %[[R]] : tensor<32x512xf32>)
// CHECK: res.linear %[[C]], %{{.*}} : (tensor<32x512xf32>, tensor<512x512xf32>) -> tensor<32x512xf32>
// CHECK: %[[S:.*]] = res.residual_add %{{.*}}, skip %[[C]] : tensor<32x512xf32>
// CHECK: res.yield %[[S]] : tensor<32x512xf32>
// CHECK: %[[O:.*]] = res.linear %[[Y]], %{{.*}} : (tensor<32x512xf32>, tensor<10x512xf32>) -> tensor<32x10xf32>
// CHECK: return %[[O]] : tensor<32x10xf32>
func.func @mlp(%x: tensor<32x784xf32>, %w: tensor<512x784xf32>, %b: tensor<512xf32>,
               %W: tensor<2x512x512xf32>, %wh: tensor<10x512xf32>) -> tensor<?x10xf32> {
  %h = res.linear %x, %w, %b : (tensor<32x784xf32>, tensor<512x784xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  %r = res.relu %h : tensor<?x512xf32>
  %y = res.repeat 2 carry(%c = %r : tensor<?x512xf32>) params(%p = %W : tensor<2x512x512xf32>) {
    %l = res.linear %c, %p : (tensor<?x512xf32>, tensor<512x512xf32>) -> tensor<?x512xf32>
    %s = res.residual_add %l, skip %c : tensor<?x512xf32>
    res.yield %s : tensor<?x512xf32>
  }
  %o = res.linear %y, %wh : (tensor<?x512xf32>, tensor<10x512xf32>) -> tensor<?x10xf32>
  return %o : tensor<?x10xf32>
}

// -----

// Spatial sizes through conv, pooling and a reduction.
// CHECK-LABEL: func.func @cnn
// CHECK-SAME: -> tensor<8x16xf32>
// CHECK: res.conv2d {{.*}} -> tensor<8x16x28x28xf32>
// CHECK: res.batch_norm {{.*}} -> tensor<8x16x28x28xf32>
// CHECK: res.max_pool2d {{.*}} : tensor<8x16x28x28xf32> -> tensor<8x16x14x14xf32>
// CHECK: res.mean {{.*}} : tensor<8x16x14x14xf32> -> tensor<8x16xf32>
func.func @cnn(%x: tensor<8x1x28x28xf32>, %w: tensor<16x1x3x3xf32>, %c: tensor<16xf32>) -> tensor<?x16xf32> {
  %0 = res.conv2d %x, %w {padding = array<i64: 1, 1>} : (tensor<8x1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x?x?xf32>
  %1 = res.batch_norm %0, %c, %c, %c, %c : (tensor<?x16x?x?xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x?x?xf32>
  %2 = res.max_pool2d %1 {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<?x16x?x?xf32> -> tensor<?x16x?x?xf32>
  %3 = res.mean %2 {dims = array<i64: 2, 3>} : tensor<?x16x?x?xf32> -> tensor<?x16xf32>
  return %3 : tensor<?x16xf32>
}

// -----

// A called function keeps its signature (its call sites would no longer
// match), but the ops inside are refined.
// CHECK-LABEL: func.func @callee
// CHECK-SAME: -> tensor<?x4xf32>
// CHECK: res.relu %{{.*}} : tensor<2x4xf32>
// CHECK: %[[R:.*]] = res.reshape %{{.*}} [-1, 4] : tensor<2x4xf32> -> tensor<2x4xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[R]] : tensor<2x4xf32> to tensor<?x4xf32>
// CHECK: return %[[C]] : tensor<?x4xf32>
func.func @callee(%x: tensor<2x4xf32>) -> tensor<?x4xf32> {
  %0 = res.relu %x : tensor<2x4xf32>
  %1 = res.reshape %0 [-1, 4] : tensor<2x4xf32> -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}
// CHECK-LABEL: func.func @caller
// CHECK: call @callee(%{{.*}}) : (tensor<2x4xf32>) -> tensor<?x4xf32>
func.func @caller(%x: tensor<2x4xf32>) -> tensor<?x4xf32> {
  %0 = call @callee(%x) : (tensor<2x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Refining %r to 32 elements makes the add's operands contradict.
func.func @contradiction(%a: tensor<4x8xf32>, %b: tensor<16xf32>) -> tensor<16xf32> {
  %r = res.reshape %a [-1] : tensor<4x8xf32> -> tensor<?xf32>
  // expected-error @+1 {{'res.add' op operands 'tensor<32xf32>' and 'tensor<16xf32>' do not broadcast: size 32 vs 16 at result dimension 0}}
  %s = res.add %r, %b : tensor<?xf32>, tensor<16xf32> -> tensor<16xf32>
  return %s : tensor<16xf32>
}
