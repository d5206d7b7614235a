// Round trip of every res op: parse, print, parse again, print.
// RUN: res-opt %s | res-opt | FileCheck %s

// CHECK-LABEL: func.func @constant
func.func @constant() -> (tensor<f32>, tensor<2x2xf32>, tensor<3xi32>) {
  // CHECK: %[[S:.*]] = res.constant dense<5.000000e-01> : tensor<f32>
  // CHECK: %[[M:.*]] = res.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
  // CHECK: %[[I:.*]] = res.constant dense<[1, 2, 3]> : tensor<3xi32>
  // CHECK: return %[[S]], %[[M]], %[[I]]
  %s = res.constant dense<0.5> : tensor<f32>
  %m = res.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %i = res.constant dense<[1, 2, 3]> : tensor<3xi32>
  return %s, %m, %i : tensor<f32>, tensor<2x2xf32>, tensor<3xi32>
}

// CHECK-LABEL: func.func @binary
// CHECK-SAME: (%[[A:.*]]: tensor<?x512xf32>, %[[B:.*]]: tensor<?x512xf32>, %[[C:.*]]: tensor<4x1xf64>, %[[D:.*]]: tensor<5xf64>)
func.func @binary(%a: tensor<?x512xf32>, %b: tensor<?x512xf32>, %c: tensor<4x1xf64>, %d: tensor<5xf64>) {
  // CHECK: res.add %[[A]], %[[B]] : tensor<?x512xf32>
  %0 = res.add %a, %b : tensor<?x512xf32>
  // CHECK: res.sub %[[A]], %[[B]] : tensor<?x512xf32>
  %1 = res.sub %a, %b : tensor<?x512xf32>
  // CHECK: res.mul %[[C]], %[[D]] : tensor<4x1xf64>, tensor<5xf64> -> tensor<4x5xf64>
  %2 = res.mul %c, %d : tensor<4x1xf64>, tensor<5xf64> -> tensor<4x5xf64>
  // CHECK: res.div %[[D]], %[[C]] : tensor<5xf64>, tensor<4x1xf64> -> tensor<4x5xf64>
  %3 = res.div %d, %c : tensor<5xf64>, tensor<4x1xf64> -> tensor<4x5xf64>
  return
}

// CHECK-LABEL: func.func @residual_add
// CHECK-SAME: (%[[FX:.*]]: tensor<?x512xf32>, %[[X:.*]]: tensor<?x512xf32>, %[[S:.*]]: tensor<8x512xf32>)
func.func @residual_add(%fx: tensor<?x512xf32>, %x: tensor<?x512xf32>, %s: tensor<8x512xf32>) {
  // CHECK: res.residual_add %[[FX]], skip %[[X]] : tensor<?x512xf32>
  %0 = res.residual_add %fx, skip %x : tensor<?x512xf32>
  // CHECK: res.residual_add %[[FX]], skip %[[S]] : tensor<?x512xf32>, tensor<8x512xf32> -> tensor<8x512xf32>
  %1 = res.residual_add %fx, skip %s : tensor<?x512xf32>, tensor<8x512xf32> -> tensor<8x512xf32>
  return
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<?x784xf32>, %b: tensor<784x512xf32>, %v: tensor<784xf32>,
                  %q: tensor<8x4x?x32xf32>, %k: tensor<4x32x?xf32>) {
  // CHECK: res.matmul %{{.*}}, %{{.*}} : (tensor<?x784xf32>, tensor<784x512xf32>) -> tensor<?x512xf32>
  %0 = res.matmul %a, %b : (tensor<?x784xf32>, tensor<784x512xf32>) -> tensor<?x512xf32>
  // CHECK: res.matmul %{{.*}}, %{{.*}} : (tensor<784xf32>, tensor<784xf32>) -> tensor<f32>
  %1 = res.matmul %v, %v : (tensor<784xf32>, tensor<784xf32>) -> tensor<f32>
  // CHECK: res.matmul %{{.*}}, %{{.*}} : (tensor<?x784xf32>, tensor<784xf32>) -> tensor<?xf32>
  %2 = res.matmul %a, %v : (tensor<?x784xf32>, tensor<784xf32>) -> tensor<?xf32>
  // CHECK: res.matmul %{{.*}}, %{{.*}} : (tensor<784xf32>, tensor<784x512xf32>) -> tensor<512xf32>
  %3 = res.matmul %v, %b : (tensor<784xf32>, tensor<784x512xf32>) -> tensor<512xf32>
  // CHECK: res.matmul %{{.*}}, %{{.*}} : (tensor<8x4x?x32xf32>, tensor<4x32x?xf32>) -> tensor<8x4x?x?xf32>
  %4 = res.matmul %q, %k : (tensor<8x4x?x32xf32>, tensor<4x32x?xf32>) -> tensor<8x4x?x?xf32>
  return
}

// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W:.*]]: tensor<512x784xf32>, %[[B:.*]]: tensor<512xf32>, %[[X3:.*]]: tensor<2x?x784xf32>)
func.func @linear(%x: tensor<?x784xf32>, %w: tensor<512x784xf32>, %b: tensor<512xf32>, %x3: tensor<2x?x784xf32>) {
  // CHECK: res.linear %[[X]], %[[W]], %[[B]] : (tensor<?x784xf32>, tensor<512x784xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  %0 = res.linear %x, %w, %b : (tensor<?x784xf32>, tensor<512x784xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  // CHECK: res.linear %[[X3]], %[[W]] : (tensor<2x?x784xf32>, tensor<512x784xf32>) -> tensor<2x?x512xf32>
  %1 = res.linear %x3, %w : (tensor<2x?x784xf32>, tensor<512x784xf32>) -> tensor<2x?x512xf32>
  return
}

// CHECK-LABEL: func.func @unary
// CHECK-SAME: (%[[X:.*]]: tensor<?x16xf32>)
func.func @unary(%x: tensor<?x16xf32>) {
  // CHECK: res.relu %[[X]] : tensor<?x16xf32>
  // CHECK: res.silu %[[X]] : tensor<?x16xf32>
  // CHECK: res.tanh %[[X]] : tensor<?x16xf32>
  // CHECK: res.sigmoid %[[X]] : tensor<?x16xf32>
  // CHECK: res.exp %[[X]] : tensor<?x16xf32>
  // CHECK: res.log %[[X]] : tensor<?x16xf32>
  // CHECK: res.sqrt %[[X]] : tensor<?x16xf32>
  // CHECK: res.neg %[[X]] : tensor<?x16xf32>
  // CHECK: res.gelu %[[X]] : tensor<?x16xf32>
  // CHECK: res.gelu %[[X]] {approximate = "tanh"} : tensor<?x16xf32>
  // CHECK: res.dropout %[[X]] {p = 1.000000e-01 : f64} : tensor<?x16xf32>
  // CHECK: res.softmax %[[X]] dim 1 : tensor<?x16xf32>
  // CHECK: res.log_softmax %[[X]] dim 0 : tensor<?x16xf32>
  %0 = res.relu %x : tensor<?x16xf32>
  %1 = res.silu %x : tensor<?x16xf32>
  %2 = res.tanh %x : tensor<?x16xf32>
  %3 = res.sigmoid %x : tensor<?x16xf32>
  %4 = res.exp %x : tensor<?x16xf32>
  %5 = res.log %x : tensor<?x16xf32>
  %6 = res.sqrt %x : tensor<?x16xf32>
  %7 = res.neg %x : tensor<?x16xf32>
  %8 = res.gelu %x : tensor<?x16xf32>
  %9 = res.gelu %x {approximate = "tanh"} : tensor<?x16xf32>
  %10 = res.dropout %x {p = 0.1 : f64} : tensor<?x16xf32>
  %11 = res.softmax %x dim 1 : tensor<?x16xf32>
  %12 = res.log_softmax %x dim 0 : tensor<?x16xf32>
  return
}

// CHECK-LABEL: func.func @reductions
// CHECK-SAME: (%[[H:.*]]: tensor<?x64x7x7xf32>)
func.func @reductions(%h: tensor<?x64x7x7xf32>) {
  // CHECK: res.mean %[[H]] {dims = array<i64: 2, 3>} : tensor<?x64x7x7xf32> -> tensor<?x64xf32>
  %0 = res.mean %h {dims = array<i64: 2, 3>} : tensor<?x64x7x7xf32> -> tensor<?x64xf32>
  // CHECK: res.sum %[[H]] : tensor<?x64x7x7xf32> -> tensor<f32>
  %1 = res.sum %h : tensor<?x64x7x7xf32> -> tensor<f32>
  // CHECK: res.mean %[[H]] {dims = array<i64: 1>, keepdim = true} : tensor<?x64x7x7xf32> -> tensor<?x1x7x7xf32>
  %2 = res.mean %h {dims = array<i64: 1>, keepdim = true} : tensor<?x64x7x7xf32> -> tensor<?x1x7x7xf32>
  return
}

// CHECK-LABEL: func.func @shapes
// CHECK-SAME: (%[[X:.*]]: tensor<?x1x28x28xf32>, %[[Y:.*]]: tensor<6xi64>, %[[A:.*]]: tensor<?x16xf32>, %[[B:.*]]: tensor<?x32xf32>)
func.func @shapes(%x: tensor<?x1x28x28xf32>, %y: tensor<6xi64>, %a: tensor<?x16xf32>, %b: tensor<?x32xf32>) {
  // CHECK: res.reshape %[[X]] [-1, 784] : tensor<?x1x28x28xf32> -> tensor<?x784xf32>
  %0 = res.reshape %x [-1, 784] : tensor<?x1x28x28xf32> -> tensor<?x784xf32>
  // CHECK: res.reshape %[[Y]] [2, -1] : tensor<6xi64> -> tensor<2x3xi64>
  %1 = res.reshape %y [2, -1] : tensor<6xi64> -> tensor<2x3xi64>
  // CHECK: res.transpose %[[X]] dims 1, 3 : tensor<?x1x28x28xf32> -> tensor<?x28x28x1xf32>
  %2 = res.transpose %x dims 1, 3 : tensor<?x1x28x28xf32> -> tensor<?x28x28x1xf32>
  // CHECK: res.concat %[[A]], %[[B]] dim 1 : (tensor<?x16xf32>, tensor<?x32xf32>) -> tensor<?x48xf32>
  %3 = res.concat %a, %b dim 1 : (tensor<?x16xf32>, tensor<?x32xf32>) -> tensor<?x48xf32>
  return
}

// CHECK-LABEL: func.func @layers
func.func @layers(%tok: tensor<?x?xi32>, %emb: tensor<256x128xf32>,
                  %img: tensor<?x1x28x28xf32>, %cw: tensor<16x1x3x3xf32>, %cb: tensor<16xf32>,
                  %c: tensor<16xf32>, %seq: tensor<?x?x128xf32>, %d: tensor<128xf32>,
                  %wi: tensor<384x128xf32>, %bi: tensor<384xf32>, %wo: tensor<128x128xf32>) {
  // CHECK: res.embedding %{{.*}}, %{{.*}} : (tensor<?x?xi32>, tensor<256x128xf32>) -> tensor<?x?x128xf32>
  %0 = res.embedding %tok, %emb : (tensor<?x?xi32>, tensor<256x128xf32>) -> tensor<?x?x128xf32>
  // CHECK: %[[CONV:.*]] = res.conv2d %{{.*}}, %{{.*}}, %{{.*}} {padding = array<i64: 1, 1>} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>, tensor<16xf32>) -> tensor<?x16x28x28xf32>
  %1 = res.conv2d %img, %cw, %cb {padding = array<i64: 1, 1>} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>, tensor<16xf32>) -> tensor<?x16x28x28xf32>
  // CHECK: res.conv2d %{{.*}}, %{{.*}} {dilation = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x12x12xf32>
  %2 = res.conv2d %img, %cw {stride = array<i64: 2, 2>, dilation = array<i64: 2, 2>, groups = 1 : i64} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x12x12xf32>
  // CHECK: res.batch_norm %[[CONV]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f64} : (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x28x28xf32>
  %3 = res.batch_norm %1, %c, %c, %c, %c {eps = 1.0e-3 : f64, momentum = 0.1 : f64} : (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x28x28xf32>
  // CHECK: res.max_pool2d %[[CONV]] {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<?x16x28x28xf32> -> tensor<?x16x14x14xf32>
  %4 = res.max_pool2d %1 {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<?x16x28x28xf32> -> tensor<?x16x14x14xf32>
  // CHECK: res.avg_pool2d %[[CONV]] {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x16x28x28xf32> -> tensor<?x16x14x14xf32>
  %5 = res.avg_pool2d %1 {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<?x16x28x28xf32> -> tensor<?x16x14x14xf32>
  // CHECK: res.layer_norm %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  %6 = res.layer_norm %seq, %d, %d : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  // CHECK: res.self_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {causal = true, num_heads = 4 : i64} : (tensor<?x?x128xf32>, tensor<384x128xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  %7 = res.self_attention %seq, %wi, %bi, %wo, %d {causal = true, num_heads = 4 : i64} : (tensor<?x?x128xf32>, tensor<384x128xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  return
}

// CHECK-LABEL: func.func @losses
func.func @losses(%logits: tensor<?x10xf32>, %y: tensor<?xi32>, %lm: tensor<8x?x256xf32>, %next: tensor<8x?xi64>) {
  // CHECK: res.cross_entropy %{{.*}}, %{{.*}} : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
  %0 = res.cross_entropy %logits, %y : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
  // CHECK: res.cross_entropy %{{.*}}, %{{.*}} : (tensor<8x?x256xf32>, tensor<8x?xi64>) -> tensor<f32>
  %1 = res.cross_entropy %lm, %next : (tensor<8x?x256xf32>, tensor<8x?xi64>) -> tensor<f32>
  // CHECK: res.mse %{{.*}}, %{{.*}} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
  %2 = res.mse %logits, %logits : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
  return
}

// CHECK-LABEL: func.func @repeat
// CHECK-SAME: (%[[X:.*]]: tensor<?x512xf32>, %[[W1:.*]]: tensor<8x1024x512xf32>, %[[W2:.*]]: tensor<8x512x1024xf32>)
func.func @repeat(%x: tensor<?x512xf32>, %W1: tensor<8x1024x512xf32>, %W2: tensor<8x512x1024xf32>) -> tensor<?x512xf32> {
  // CHECK: %[[Y:.*]] = res.repeat 8 carry(%[[H:.*]] = %[[X]] : tensor<?x512xf32>) params(%[[P1:.*]] = %[[W1]] : tensor<8x1024x512xf32>, %[[P2:.*]] = %[[W2]] : tensor<8x512x1024xf32>) {
  // CHECK-NEXT: %[[A:.*]] = res.linear %[[H]], %[[P1]] : (tensor<?x512xf32>, tensor<1024x512xf32>) -> tensor<?x1024xf32>
  // CHECK-NEXT: %[[R:.*]] = res.relu %[[A]]
  // CHECK-NEXT: %[[B:.*]] = res.linear %[[R]], %[[P2]]
  // CHECK-NEXT: %[[N:.*]] = res.residual_add %[[B]], skip %[[H]] : tensor<?x512xf32>
  // CHECK-NEXT: res.yield %[[N]] : tensor<?x512xf32>
  // CHECK-NEXT: }
  // CHECK: return %[[Y]]
  %y = res.repeat 8 carry(%h = %x : tensor<?x512xf32>)
                    params(%w1 = %W1 : tensor<8x1024x512xf32>, %w2 = %W2 : tensor<8x512x1024xf32>) {
    %a = res.linear %h, %w1 : (tensor<?x512xf32>, tensor<1024x512xf32>) -> tensor<?x1024xf32>
    %r = res.relu %a : tensor<?x1024xf32>
    %b = res.linear %r, %w2 : (tensor<?x1024xf32>, tensor<512x1024xf32>) -> tensor<?x512xf32>
    %n = res.residual_add %b, skip %h : tensor<?x512xf32>
    res.yield %n : tensor<?x512xf32>
  }
  return %y : tensor<?x512xf32>
}

// Two carried values, no params.
// CHECK-LABEL: func.func @repeat_carry_two
// CHECK: %{{.*}}:2 = res.repeat 3 carry(%[[A:.*]] = %{{.*}} : tensor<4xf32>, %[[B:.*]] = %{{.*}} : tensor<4xf32>) {
// CHECK-NEXT: %[[S:.*]] = res.add %[[A]], %[[B]] : tensor<4xf32>
// CHECK-NEXT: res.yield %[[B]], %[[S]] : tensor<4xf32>, tensor<4xf32>
func.func @repeat_carry_two(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %r:2 = res.repeat 3 carry(%x = %a : tensor<4xf32>, %y = %b : tensor<4xf32>) {
    %s = res.add %x, %y : tensor<4xf32>
    res.yield %y, %s : tensor<4xf32>, tensor<4xf32>
  }
  return %r#1 : tensor<4xf32>
}

// CHECK-LABEL: func.func @instance
// CHECK: res.instance %{{.*}}[3] : tensor<8x1024x512xf32> -> tensor<1024x512xf32>
func.func @instance(%W: tensor<8x1024x512xf32>) -> tensor<1024x512xf32> {
  %w = res.instance %W[3] : tensor<8x1024x512xf32> -> tensor<1024x512xf32>
  return %w : tensor<1024x512xf32>
}

// A declared result type may be more static than the inferred one.
// CHECK-LABEL: func.func @refined_result
// CHECK: res.linear %{{.*}}, %{{.*}} : (tensor<?x784xf32>, tensor<512x784xf32>) -> tensor<8x512xf32>
func.func @refined_result(%x: tensor<?x784xf32>, %w: tensor<512x784xf32>) -> tensor<8x512xf32> {
  %0 = res.linear %x, %w : (tensor<?x784xf32>, tensor<512x784xf32>) -> tensor<8x512xf32>
  return %0 : tensor<8x512xf32>
}

// CHECK-LABEL: func.func @heads
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x128xf32>, %[[S:.*]]: tensor<8x4x?x?xf32>)
func.func @heads(%x: tensor<?x?x128xf32>, %s: tensor<8x4x?x?xf32>) -> (tensor<?x?x128xf32>, tensor<8x4x?x?xf32>) {
  // CHECK: %[[H:.*]] = res.split_dim %[[X]] dim 2 into 4 : tensor<?x?x128xf32> -> tensor<?x?x4x32xf32>
  %h = res.split_dim %x dim 2 into 4 : tensor<?x?x128xf32> -> tensor<?x?x4x32xf32>
  // CHECK: res.merge_dims %[[H]] dim 2 : tensor<?x?x4x32xf32> -> tensor<?x?x128xf32>
  %m = res.merge_dims %h dim 2 : tensor<?x?x4x32xf32> -> tensor<?x?x128xf32>
  // CHECK: res.causal_mask %[[S]] {fill = 0xFFF0000000000000 : f64} : tensor<8x4x?x?xf32>
  %c = res.causal_mask %s {fill = 0xFFF0000000000000 : f64} : tensor<8x4x?x?xf32>
  return %m, %c : tensor<?x?x128xf32>, tensor<8x4x?x?xf32>
}

// CHECK-LABEL: func.func @dropout_keyed
// CHECK-SAME: (%[[X:.*]]: tensor<?x16xf32>, %[[K:.*]]: tensor<i32>)
func.func @dropout_keyed(%x: tensor<?x16xf32>, %k: tensor<i32>) -> tensor<?x16xf32> {
  // CHECK: res.dropout %[[X]] key %[[K]] : tensor<i32> {p = 1.000000e-01 : f64, site = 3 : i64} : tensor<?x16xf32>
  %0 = res.dropout %x key %k : tensor<i32> {p = 0.1 : f64, site = 3 : i64} : tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}
