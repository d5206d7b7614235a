// Diagnostics of the ops of backward graphs (ResGradientOps.td).
// RUN: res-opt %s -split-input-file -verify-diagnostics

func.func @reduce_to_not_broadcast(%g: tensor<?x4xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'res.reduce_to' op like 'tensor<5xf32>' does not broadcast to grad 'tensor<?x4xf32>'}}
  %0 = res.reduce_to %g, %b : (tensor<?x4xf32>, tensor<5xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @reduce_to_higher_rank(%g: tensor<4xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{'res.reduce_to' op like 'tensor<2x4xf32>' does not broadcast to grad 'tensor<4xf32>'}}
  %0 = res.reduce_to %g, %b : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @reduce_to_element_type(%g: tensor<4xf32>, %b: tensor<4xf64>) {
  // expected-error @+1 {{'res.reduce_to' op like 'tensor<4xf64>' has element type 'f64' but grad 'tensor<4xf32>' has 'f32'}}
  %0 = res.reduce_to %g, %b : (tensor<4xf32>, tensor<4xf64>) -> tensor<4xf64>
  return
}

// -----

func.func @broadcast_to_shape(%g: tensor<?x5xf32>, %x: tensor<?x4x7xf32>) {
  // expected-error @+1 {{'res.broadcast_to' op grad 'tensor<?x5xf32>' is not like 'tensor<?x4x7xf32>' reduced over the dims (expected 'tensor<?x4xf32>')}}
  %0 = res.broadcast_to %g, %x {dims = array<i64: 2>} : (tensor<?x5xf32>, tensor<?x4x7xf32>) -> tensor<?x4x7xf32>
  return
}

// -----

func.func @broadcast_to_keepdim(%g: tensor<?x4xf32>, %x: tensor<?x4x7xf32>) {
  // expected-error @+1 {{'res.broadcast_to' op grad 'tensor<?x4xf32>' is not like 'tensor<?x4x7xf32>' reduced over the dims (expected 'tensor<?x4x1xf32>')}}
  %0 = res.broadcast_to %g, %x {dims = array<i64: 2>, keepdim = true} : (tensor<?x4xf32>, tensor<?x4x7xf32>) -> tensor<?x4x7xf32>
  return
}

// -----

func.func @broadcast_to_dim_range(%g: tensor<?x4xf32>, %x: tensor<?x4xf32>) {
  // expected-error @+1 {{'res.broadcast_to' op dims entry 2 is out of range for like 'tensor<?x4xf32>' of rank 2}}
  %0 = res.broadcast_to %g, %x {dims = array<i64: 2>} : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @relu_grad_types(%x: tensor<?x4xf32>, %dy: tensor<?x5xf32>) {
  // expected-error @+1 {{'res.relu_grad' op requires the same type for all operands and results}}
  %0 = "res.relu_grad"(%x, %dy) : (tensor<?x4xf32>, tensor<?x5xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @gelu_grad_approximate(%x: tensor<4xf32>, %dy: tensor<4xf32>) {
  // expected-error @+1 {{'res.gelu_grad' op approximate must be "none" or "tanh", got "erf"}}
  %0 = res.gelu_grad %x, %dy {approximate = "erf"} : tensor<4xf32>
  return
}

// -----

func.func @softmax_grad_dim(%y: tensor<?x10xf32>, %dy: tensor<?x10xf32>) {
  // expected-error @+1 {{'res.softmax_grad' op dim 2 is out of range for output 'tensor<?x10xf32>' of rank 2}}
  %0 = res.softmax_grad %y, %dy dim 2 : tensor<?x10xf32>
  return
}

// -----

func.func @log_softmax_grad_dim(%y: tensor<?x10xf32>, %dy: tensor<?x10xf32>) {
  // expected-error @+1 {{'res.log_softmax_grad' op dim -1 is out of range for output 'tensor<?x10xf32>' of rank 2}}
  %0 = res.log_softmax_grad %y, %dy dim -1 : tensor<?x10xf32>
  return
}

// -----

func.func @cross_entropy_grad_labels(%x: tensor<?x10xf32>, %y: tensor<?x2xi32>, %d: tensor<f32>) {
  // expected-error @+1 {{'res.cross_entropy_grad' op labels 'tensor<?x2xi32>' do not match logits 'tensor<?x10xf32>' (expected [B])}}
  %0 = res.cross_entropy_grad %x, %y, %d : (tensor<?x10xf32>, tensor<?x2xi32>, tensor<f32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @cross_entropy_grad_dloss(%x: tensor<?x10xf32>, %y: tensor<?xi32>, %d: tensor<1xf32>) {
  // expected-error @+1 {{'res.cross_entropy_grad' op grad must be a rank-0 tensor (the adjoint of the loss), got 'tensor<1xf32>'}}
  %0 = res.cross_entropy_grad %x, %y, %d : (tensor<?x10xf32>, tensor<?xi32>, tensor<1xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @mse_grad_shapes(%a: tensor<?x4xf32>, %t: tensor<?x5xf32>, %d: tensor<f32>) {
  // expected-error @+1 {{'res.mse_grad' op input shape 'tensor<?x4xf32>' does not match target shape 'tensor<?x5xf32>'}}
  %0 = res.mse_grad %a, %t, %d : (tensor<?x4xf32>, tensor<?x5xf32>, tensor<f32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @mse_grad_dloss_type(%a: tensor<?x4xf32>, %t: tensor<?x4xf32>, %d: tensor<f64>) {
  // expected-error @+1 {{'res.mse_grad' op grad 'tensor<f64>' has element type 'f64' but input 'tensor<?x4xf32>' has 'f32'}}
  %0 = res.mse_grad %a, %t, %d : (tensor<?x4xf32>, tensor<?x4xf32>, tensor<f64>) -> tensor<?x4xf32>
  return
}

// -----

func.func @linear_weight_grad_lead(%dy: tensor<?x?x4xf32>, %x: tensor<?x8xf32>) {
  // expected-error @+1 {{'res.linear_weight_grad' op grad 'tensor<?x?x4xf32>' and input 'tensor<?x8xf32>' must have the same leading dimensions}}
  %0 = res.linear_weight_grad %dy, %x : (tensor<?x?x4xf32>, tensor<?x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @linear_weight_grad_result(%dy: tensor<3x4xf32>, %x: tensor<3x8xf32>) {
  // expected-error @+1 {{'res.linear_weight_grad' op result type(s) 'tensor<8x4xf32>' do not match the inferred type(s) 'tensor<4x8xf32>'}}
  %0 = res.linear_weight_grad %dy, %x : (tensor<3x4xf32>, tensor<3x8xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @slice_range(%c: tensor<?x48xf32>) {
  // expected-error @+1 {{'res.slice' op slice [40, 72) is out of range for dimension 1 of input 'tensor<?x48xf32>' of size 48}}
  %0 = res.slice %c dim 1 offset 40 size 32 : tensor<?x48xf32> -> tensor<?x32xf32>
  return
}

// -----

func.func @slice_negative(%c: tensor<?x48xf32>) {
  // expected-error @+1 {{'res.slice' op offset -1 and size 2 must be non-negative}}
  %0 = res.slice %c dim 1 offset -1 size 2 : tensor<?x48xf32> -> tensor<?x2xf32>
  return
}

// -----

func.func @slice_dim(%c: tensor<?x48xf32>) {
  // expected-error @+1 {{'res.slice' op dim 2 is out of range for input 'tensor<?x48xf32>' of rank 2}}
  %0 = res.slice %c dim 2 offset 0 size 2 : tensor<?x48xf32> -> tensor<?x48xf32>
  return
}

// -----

func.func @conv2d_grad_input_shape(%dy: tensor<?x32x13x13xf32>, %w: tensor<32x16x3x3xf32>, %x: tensor<?x16x28x28xf32>) {
  // expected-error @+1 {{'res.conv2d_grad_input' op grad 'tensor<?x32x13x13xf32>' does not have the shape of the convolution's result 'tensor<?x32x14x14xf32>'}}
  %0 = res.conv2d_grad_input %dy, %w, %x {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x32x13x13xf32>, tensor<32x16x3x3xf32>, tensor<?x16x28x28xf32>) -> tensor<?x16x28x28xf32>
  return
}

// -----

func.func @conv2d_grad_weight_groups(%dy: tensor<?x32x28x28xf32>, %x: tensor<?x16x28x28xf32>, %w: tensor<32x16x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d_grad_weight' op input 'tensor<?x16x28x28xf32>' has 16 channels but weight 'tensor<32x16x3x3xf32>' expects 32 (16 per group x 2 groups)}}
  %0 = res.conv2d_grad_weight %dy, %x, %w {padding = array<i64: 1, 1>, groups = 2 : i64} : (tensor<?x32x28x28xf32>, tensor<?x16x28x28xf32>, tensor<32x16x3x3xf32>) -> tensor<32x16x3x3xf32>
  return
}

// -----

func.func @max_pool2d_grad_shape(%x: tensor<?x16x28x28xf32>, %dy: tensor<?x16x28x28xf32>) {
  // expected-error @+1 {{'res.max_pool2d_grad' op grad 'tensor<?x16x28x28xf32>' does not have the shape of the pooled result 'tensor<?x16x14x14xf32>'}}
  %0 = res.max_pool2d_grad %x, %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<?x16x28x28xf32>, tensor<?x16x28x28xf32>) -> tensor<?x16x28x28xf32>
  return
}

// -----

func.func @embedding_grad_shape(%t: tensor<?x?xi32>, %dy: tensor<?x?x4xf32>, %w: tensor<256x8xf32>) {
  // expected-error @+1 {{'res.embedding_grad' op grad 'tensor<?x?x4xf32>' does not have the shape of the embedding's result 'tensor<?x?x8xf32>'}}
  %0 = res.embedding_grad %t, %dy, %w : (tensor<?x?xi32>, tensor<?x?x4xf32>, tensor<256x8xf32>) -> tensor<256x8xf32>
  return
}

// -----

func.func @batch_norm_grad_channels(%x: tensor<?x16x4x4xf32>, %c: tensor<8xf32>, %d: tensor<16xf32>) {
  // expected-error @+1 {{'res.batch_norm_grad' op running_mean 'tensor<8xf32>' does not match the 16 channels of input 'tensor<?x16x4x4xf32>'}}
  %0:3 = res.batch_norm_grad %x, %d, %c, %d, %x : (tensor<?x16x4x4xf32>, tensor<16xf32>, tensor<8xf32>, tensor<16xf32>, tensor<?x16x4x4xf32>) -> (tensor<?x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>)
  return
}

// -----

func.func @layer_norm_grad_features(%x: tensor<?x8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'res.layer_norm_grad' op weight 'tensor<4xf32>' does not match the 8 features of input 'tensor<?x8xf32>'}}
  %0:3 = res.layer_norm_grad %x, %w, %x : (tensor<?x8xf32>, tensor<4xf32>, tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @slice_grad_range(%g: tensor<128x128xf32>, %w: tensor<384x128xf32>) {
  // expected-error @+1 {{'res.slice_grad' op slice at offset 300 of 'tensor<128x128xf32>' does not fit in dimension 0 of input 'tensor<384x128xf32>'}}
  %0 = res.slice_grad %g, %w dim 0 offset 300 : (tensor<128x128xf32>, tensor<384x128xf32>) -> tensor<384x128xf32>
  return
}

// -----

func.func @slice_grad_shape(%g: tensor<128x64xf32>, %w: tensor<384x128xf32>) {
  // expected-error @+1 {{'res.slice_grad' op grad 'tensor<128x64xf32>' and input 'tensor<384x128xf32>' must agree in every dimension but 0}}
  %0 = res.slice_grad %g, %w dim 0 offset 0 : (tensor<128x64xf32>, tensor<384x128xf32>) -> tensor<384x128xf32>
  return
}
