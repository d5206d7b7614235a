// Every diagnostic of the res ops, with its message.
// RUN: res-opt %s -split-input-file -verify-diagnostics

func.func @constant_not_tensor() {
  // expected-error @+1 {{'res.constant' op value must have a static tensor type, got 'vector<2xf32>'}}
  %0 = res.constant dense<1.0> : vector<2xf32>
  return
}

// -----

func.func @declared_type_incompatible(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{'res.relu' op requires the same type for all operands and results}}
  %0 = "res.relu"(%a) : (tensor<4x8xf32>) -> tensor<4x9xf32>
  return
}

// -----

func.func @linear_declared_type_incompatible(%x: tensor<?x784xf32>, %w: tensor<512x784xf32>) {
  // expected-error @+1 {{'res.linear' op result type(s) 'tensor<?x10xf32>' do not match the inferred type(s) 'tensor<?x512xf32>'}}
  %0 = res.linear %x, %w : (tensor<?x784xf32>, tensor<512x784xf32>) -> tensor<?x10xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Elementwise binary ops and residual_add
//===----------------------------------------------------------------------===//

func.func @add_no_broadcast(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{'res.add' op operands 'tensor<4x3xf32>' and 'tensor<4x5xf32>' do not broadcast: size 3 vs 5 at result dimension 1}}
  %0 = res.add %a, %b : tensor<4x3xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
  return
}

// -----

func.func @mul_element_types(%a: tensor<4xf32>, %b: tensor<4xf64>) {
  // expected-error @+1 {{'res.mul' op rhs 'tensor<4xf64>' has element type 'f64' but lhs 'tensor<4xf32>' has 'f32'}}
  %0 = res.mul %a, %b : tensor<4xf32>, tensor<4xf64> -> tensor<4xf32>
  return
}

// -----

func.func @residual_add_shape(%fx: tensor<?x256xf32>, %x: tensor<?x512xf32>) {
  // expected-error @+1 {{'res.residual_add' op branch shape 'tensor<?x256xf32>' does not match skip shape 'tensor<?x512xf32>'}}
  %0 = res.residual_add %fx, skip %x : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<?x512xf32>
  return
}

// -----

func.func @residual_add_rank(%fx: tensor<512xf32>, %x: tensor<1x512xf32>) {
  // expected-error @+1 {{'res.residual_add' op branch shape 'tensor<512xf32>' does not match skip shape 'tensor<1x512xf32>'}}
  %0 = res.residual_add %fx, skip %x : tensor<512xf32>, tensor<1x512xf32> -> tensor<1x512xf32>
  return
}

// -----

func.func @residual_add_element_type(%fx: tensor<8xf64>, %x: tensor<8xf32>) {
  // expected-error @+1 {{'res.residual_add' op branch 'tensor<8xf64>' has element type 'f64' but skip 'tensor<8xf32>' has 'f32'}}
  %0 = res.residual_add %fx, skip %x : tensor<8xf64>, tensor<8xf32> -> tensor<8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Matmul and linear
//===----------------------------------------------------------------------===//

func.func @matmul_contraction(%a: tensor<?x784xf32>, %b: tensor<512x10xf32>) {
  // expected-error @+1 {{'res.matmul' op lhs 'tensor<?x784xf32>' has 784 columns but rhs 'tensor<512x10xf32>' has 512 rows}}
  %0 = res.matmul %a, %b : (tensor<?x784xf32>, tensor<512x10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @matmul_rank0(%a: tensor<f32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'res.matmul' op operands must have rank >= 1, got 'tensor<f32>' and 'tensor<4xf32>'}}
  %0 = res.matmul %a, %b : (tensor<f32>, tensor<4xf32>) -> tensor<f32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<3x4x8xf32>, %b: tensor<5x8x2xf32>) {
  // expected-error @+1 {{'res.matmul' op batch dimensions of 'tensor<3x4x8xf32>' and 'tensor<5x8x2xf32>' do not broadcast: size 3 vs 5 at result dimension 0}}
  %0 = res.matmul %a, %b : (tensor<3x4x8xf32>, tensor<5x8x2xf32>) -> tensor<3x4x2xf32>
  return
}

// -----

func.func @linear_features(%x: tensor<?x784xf32>, %w: tensor<512x512xf32>) {
  // expected-error @+1 {{'res.linear' op input 'tensor<?x784xf32>' has 784 features but weight 'tensor<512x512xf32>' expects 512}}
  %0 = res.linear %x, %w : (tensor<?x784xf32>, tensor<512x512xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<?x784xf32>, %w: tensor<512x784xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'res.linear' op bias 'tensor<10xf32>' has 10 elements but weight 'tensor<512x784xf32>' has 512 outputs}}
  %0 = res.linear %x, %w, %b : (tensor<?x784xf32>, tensor<512x784xf32>, tensor<10xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @linear_bias_rank(%x: tensor<?x784xf32>, %w: tensor<512x784xf32>, %b: tensor<1x512xf32>) {
  // expected-error @+1 {{'res.linear' op bias must have rank 1 ([out]), got 'tensor<1x512xf32>'}}
  %0 = res.linear %x, %w, %b : (tensor<?x784xf32>, tensor<512x784xf32>, tensor<1x512xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<?x784xf32>, %w: tensor<784xf32>) {
  // expected-error @+1 {{'res.linear' op weight must have rank 2 ([out, in]), got 'tensor<784xf32>'}}
  %0 = res.linear %x, %w : (tensor<?x784xf32>, tensor<784xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @linear_input_rank(%x: tensor<f32>, %w: tensor<4x1xf32>) {
  // expected-error @+1 {{'res.linear' op input must have rank >= 1 ([..., in]), got 'tensor<f32>'}}
  %0 = res.linear %x, %w : (tensor<f32>, tensor<4x1xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @linear_element_type(%x: tensor<?x4xf32>, %w: tensor<2x4xf64>) {
  // expected-error @+1 {{'res.linear' op weight 'tensor<2x4xf64>' has element type 'f64' but input 'tensor<?x4xf32>' has 'f32'}}
  %0 = res.linear %x, %w : (tensor<?x4xf32>, tensor<2x4xf64>) -> tensor<?x2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Unary ops with attributes
//===----------------------------------------------------------------------===//

func.func @gelu_approximate(%x: tensor<4xf32>) {
  // expected-error @+1 {{'res.gelu' op approximate must be "none" or "tanh", got "erf"}}
  %0 = res.gelu %x {approximate = "erf"} : tensor<4xf32>
  return
}

// -----

func.func @dropout_p(%x: tensor<4xf32>) {
  // expected-error @+1 {{'res.dropout' op p must be in [0, 1), got 1}}
  %0 = res.dropout %x {p = 1.0 : f64} : tensor<4xf32>
  return
}

// -----

func.func @softmax_dim(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'res.softmax' op dim 2 is out of range for input 'tensor<?x10xf32>' of rank 2}}
  %0 = res.softmax %x dim 2 : tensor<?x10xf32>
  return
}

// -----

func.func @log_softmax_dim(%x: tensor<f32>) {
  // expected-error @+1 {{'res.log_softmax' op dim 0 is out of range for input 'tensor<f32>' of rank 0}}
  %0 = res.log_softmax %x dim 0 : tensor<f32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Reductions and shape manipulation
//===----------------------------------------------------------------------===//

func.func @mean_dims(%x: tensor<?x64x7x7xf32>) {
  // expected-error @+1 {{'res.mean' op dims entry 4 is out of range for input 'tensor<?x64x7x7xf32>' of rank 4}}
  %0 = res.mean %x {dims = array<i64: 2, 4>} : tensor<?x64x7x7xf32> -> tensor<?x64x7xf32>
  return
}

// -----

func.func @sum_dims_twice(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'res.sum' op dims contains 1 twice}}
  %0 = res.sum %x {dims = array<i64: 1, 1>} : tensor<?x10xf32> -> tensor<?xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<6xf32>) {
  // expected-error @+1 {{'res.reshape' op cannot reshape 'tensor<6xf32>' (6 elements) to [4, 2] (8 elements)}}
  %0 = res.reshape %x [4, 2] : tensor<6xf32> -> tensor<4x2xf32>
  return
}

// -----

func.func @reshape_count_inferred(%x: tensor<7xf32>) {
  // expected-error @+1 {{'res.reshape' op cannot reshape 'tensor<7xf32>' (7 elements) to [2, -1]}}
  %0 = res.reshape %x [2, -1] : tensor<7xf32> -> tensor<2x?xf32>
  return
}

// -----

func.func @reshape_two_inferred(%x: tensor<?x784xf32>) {
  // expected-error @+1 {{'res.reshape' op shape [-1, -1] has more than one -1}}
  %0 = res.reshape %x [-1, -1] : tensor<?x784xf32> -> tensor<?x?xf32>
  return
}

// -----

func.func @reshape_negative(%x: tensor<?x784xf32>) {
  // expected-error @+1 {{'res.reshape' op shape [-2, 784] has a negative size -2}}
  %0 = res.reshape %x [-2, 784] : tensor<?x784xf32> -> tensor<?x784xf32>
  return
}

// -----

func.func @transpose_dim(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'res.transpose' op dim1 2 is out of range for input 'tensor<2x3xf32>' of rank 2}}
  %0 = res.transpose %x dims 0, 2 : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{'res.concat' op requires at least one input}}
  %0 = "res.concat"() <{dim = 0 : i64}> : () -> tensor<1xf32>
  return
}

// -----

func.func @concat_dim(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'res.concat' op dim 2 is out of range for input #0 'tensor<2x3xf32>' of rank 2}}
  %0 = res.concat %a, %a dim 2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @concat_sizes(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{'res.concat' op input #1 'tensor<4x5xf32>' has size 4 in dimension 0 but input #0 'tensor<2x3xf32>' has 2}}
  %0 = res.concat %a, %b dim 1 : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'res.concat' op input #1 'tensor<3xf32>' has rank 1 but input #0 'tensor<2x3xf32>' has rank 2}}
  %0 = res.concat %a, %b dim 0 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @concat_element_type(%a: tensor<2xf32>, %b: tensor<2xi32>) {
  // expected-error @+1 {{'res.concat' op input #1 'tensor<2xi32>' has element type 'i32' but input #0 'tensor<2xf32>' has 'f32'}}
  %0 = res.concat %a, %b dim 0 : (tensor<2xf32>, tensor<2xi32>) -> tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

func.func @embedding_weight(%i: tensor<?xi32>, %w: tensor<256xf32>) {
  // expected-error @+1 {{'res.embedding' op weight must have rank 2 ([num, d]), got 'tensor<256xf32>'}}
  %0 = res.embedding %i, %w : (tensor<?xi32>, tensor<256xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<?x3x28x28xf32>, %w: tensor<16x1x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op input 'tensor<?x3x28x28xf32>' has 3 channels but weight 'tensor<16x1x3x3xf32>' expects 1 (1 per group x 1 groups)}}
  %0 = res.conv2d %x, %w : (tensor<?x3x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x26x26xf32>
  return
}

// -----

func.func @conv_groups_channels(%x: tensor<?x3x28x28xf32>, %w: tensor<16x?x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op input channels 3 are not divisible by groups 2}}
  %0 = res.conv2d %x, %w {groups = 2 : i64} : (tensor<?x3x28x28xf32>, tensor<16x?x3x3xf32>) -> tensor<?x16x26x26xf32>
  return
}

// -----

func.func @conv_groups_out(%x: tensor<?x4x28x28xf32>, %w: tensor<15x2x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op weight 'tensor<15x2x3x3xf32>' has 15 output channels, not divisible by groups 2}}
  %0 = res.conv2d %x, %w {groups = 2 : i64} : (tensor<?x4x28x28xf32>, tensor<15x2x3x3xf32>) -> tensor<?x15x26x26xf32>
  return
}

// -----

func.func @conv_groups_positive(%x: tensor<?x4x28x28xf32>, %w: tensor<16x4x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op groups must be >= 1, got 0}}
  %0 = res.conv2d %x, %w {groups = 0 : i64} : (tensor<?x4x28x28xf32>, tensor<16x4x3x3xf32>) -> tensor<?x16x26x26xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<?x1x28x28xf32>, %w: tensor<16x1x3x3xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'res.conv2d' op bias 'tensor<8xf32>' does not match the 16 output channels of weight 'tensor<16x1x3x3xf32>'}}
  %0 = res.conv2d %x, %w, %b : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>, tensor<8xf32>) -> tensor<?x16x26x26xf32>
  return
}

// -----

func.func @conv_input_rank(%x: tensor<1x28x28xf32>, %w: tensor<16x1x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op input must have rank 4 ([N, C, H, W]), got 'tensor<1x28x28xf32>'}}
  %0 = res.conv2d %x, %w : (tensor<1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x26x26xf32>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<?x1x28x28xf32>, %w: tensor<16x9xf32>) {
  // expected-error @+1 {{'res.conv2d' op weight must have rank 4 ([out, in / groups, kh, kw]), got 'tensor<16x9xf32>'}}
  %0 = res.conv2d %x, %w : (tensor<?x1x28x28xf32>, tensor<16x9xf32>) -> tensor<?x16x26x26xf32>
  return
}

// -----

func.func @conv_stride_entries(%x: tensor<?x1x28x28xf32>, %w: tensor<16x1x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op stride must have 2 entries (height, width), got 1}}
  %0 = res.conv2d %x, %w {stride = array<i64: 2>} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x13x13xf32>
  return
}

// -----

func.func @conv_stride_zero(%x: tensor<?x1x28x28xf32>, %w: tensor<16x1x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op stride entries must be >= 1, got 0}}
  %0 = res.conv2d %x, %w {stride = array<i64: 0, 1>} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x26x26xf32>
  return
}

// -----

func.func @conv_padding_negative(%x: tensor<?x1x28x28xf32>, %w: tensor<16x1x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op padding entries must be >= 0, got -1}}
  %0 = res.conv2d %x, %w {padding = array<i64: -1, 0>} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x26x26xf32>
  return
}

// -----

func.func @conv_dilation_zero(%x: tensor<?x1x28x28xf32>, %w: tensor<16x1x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op dilation entries must be >= 1, got 0}}
  %0 = res.conv2d %x, %w {dilation = array<i64: 1, 0>} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x26x26xf32>
  return
}

// -----

func.func @conv_too_small(%x: tensor<?x1x2x28xf32>, %w: tensor<16x1x3x3xf32>) {
  // expected-error @+1 {{'res.conv2d' op input 'tensor<?x1x2x28xf32>' is too small: height 2 with padding 0 is smaller than the kernel's extent 3}}
  %0 = res.conv2d %x, %w : (tensor<?x1x2x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x1x26xf32>
  return
}

// -----

func.func @pool_rank(%x: tensor<16x28x28xf32>) {
  // expected-error @+1 {{'res.max_pool2d' op input must have rank 4 ([N, C, H, W]), got 'tensor<16x28x28xf32>'}}
  %0 = res.max_pool2d %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<16x28x28xf32> -> tensor<16x14x14xf32>
  return
}

// -----

func.func @pool_kernel(%x: tensor<?x16x28x28xf32>) {
  // expected-error @+1 {{'res.avg_pool2d' op kernel must have 2 entries (height, width), got 3}}
  %0 = res.avg_pool2d %x {kernel = array<i64: 2, 2, 2>, stride = array<i64: 2, 2>} : tensor<?x16x28x28xf32> -> tensor<?x16x14x14xf32>
  return
}

// -----

func.func @pool_padding(%x: tensor<?x16x28x28xf32>) {
  // expected-error @+1 {{'res.max_pool2d' op padding 2 must be at most half the kernel size 3}}
  %0 = res.max_pool2d %x {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 2, 0>} : tensor<?x16x28x28xf32> -> tensor<?x16x30x26xf32>
  return
}

// -----

func.func @pool_too_small(%x: tensor<?x16x28x1xf32>) {
  // expected-error @+1 {{'res.avg_pool2d' op input 'tensor<?x16x28x1xf32>' is too small: width 1 with padding 0 is smaller than the kernel's extent 2}}
  %0 = res.avg_pool2d %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<?x16x28x1xf32> -> tensor<?x16x14x0xf32>
  return
}

// -----

func.func @batch_norm_channels(%x: tensor<?x16x28x28xf32>, %c: tensor<16xf32>, %m: tensor<32xf32>) {
  // expected-error @+1 {{'res.batch_norm' op running_mean 'tensor<32xf32>' does not match the 16 channels of input 'tensor<?x16x28x28xf32>' (expected shape [16])}}
  %0 = res.batch_norm %x, %c, %c, %m, %c : (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>, tensor<32xf32>, tensor<16xf32>) -> tensor<?x16x28x28xf32>
  return
}

// -----

func.func @batch_norm_rank(%x: tensor<16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{'res.batch_norm' op input must have rank >= 2 ([N, C, ...]), got 'tensor<16xf32>'}}
  %0 = res.batch_norm %x, %c, %c, %c, %c : (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return
}

// -----

func.func @batch_stats_rank(%x: tensor<16xf32>) {
  // expected-error @+1 {{'res.batch_stats' op input must have rank >= 2 ([N, C, ...]), got 'tensor<16xf32>'}}
  %m, %v = res.batch_stats %x : tensor<16xf32> -> tensor<16xf32>, tensor<16xf32>
  return
}

// -----

func.func @batch_stats_channels(%x: tensor<?x16x7x7xf32>) {
  // expected-error @+1 {{'res.batch_stats' op result type(s) 'tensor<8xf32>', 'tensor<8xf32>' do not match the inferred type(s) 'tensor<16xf32>', 'tensor<16xf32>'}}
  %m, %v = res.batch_stats %x : tensor<?x16x7x7xf32> -> tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @batch_norm_eps(%x: tensor<?x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{'res.batch_norm' op eps must be > 0, got 0}}
  %0 = res.batch_norm %x, %c, %c, %c, %c {eps = 0.0 : f64} : (tensor<?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  return
}

// -----

func.func @batch_norm_momentum(%x: tensor<?x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{'res.batch_norm' op momentum must be in [0, 1], got 2}}
  %0 = res.batch_norm %x, %c, %c, %c, %c {momentum = 2.0 : f64} : (tensor<?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  return
}

// -----

func.func @layer_norm_features(%x: tensor<?x?x128xf32>, %w: tensor<64xf32>, %b: tensor<128xf32>) {
  // expected-error @+1 {{'res.layer_norm' op weight 'tensor<64xf32>' does not match the 128 features of input 'tensor<?x?x128xf32>' (expected shape [128])}}
  %0 = res.layer_norm %x, %w, %b : (tensor<?x?x128xf32>, tensor<64xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  return
}

// -----

func.func @layer_norm_rank(%x: tensor<f32>, %w: tensor<1xf32>) {
  // expected-error @+1 {{'res.layer_norm' op input must have rank >= 1 ([..., d]), got 'tensor<f32>'}}
  %0 = res.layer_norm %x, %w, %w : (tensor<f32>, tensor<1xf32>, tensor<1xf32>) -> tensor<f32>
  return
}

// -----

func.func @layer_norm_element_type(%x: tensor<?x4xf32>, %w: tensor<4xf64>) {
  // expected-error @+1 {{'res.layer_norm' op weight 'tensor<4xf64>' has element type 'f64' but input 'tensor<?x4xf32>' has 'f32'}}
  %0 = res.layer_norm %x, %w, %w : (tensor<?x4xf32>, tensor<4xf64>, tensor<4xf64>) -> tensor<?x4xf32>
  return
}

// -----

func.func @attention_heads(%x: tensor<?x?x128xf32>, %wi: tensor<384x128xf32>, %bi: tensor<384xf32>, %wo: tensor<128x128xf32>, %bo: tensor<128xf32>) {
  // expected-error @+1 {{'res.self_attention' op embedding size 128 is not divisible by num_heads 3}}
  %0 = res.self_attention %x, %wi, %bi, %wo, %bo {num_heads = 3 : i64} : (tensor<?x?x128xf32>, tensor<384x128xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  return
}

// -----

func.func @attention_heads_positive(%x: tensor<?x?x128xf32>, %wi: tensor<384x128xf32>, %bi: tensor<384xf32>, %wo: tensor<128x128xf32>, %bo: tensor<128xf32>) {
  // expected-error @+1 {{'res.self_attention' op num_heads must be >= 1, got 0}}
  %0 = res.self_attention %x, %wi, %bi, %wo, %bo {num_heads = 0 : i64} : (tensor<?x?x128xf32>, tensor<384x128xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  return
}

// -----

func.func @attention_in_proj(%x: tensor<?x?x128xf32>, %wi: tensor<128x128xf32>, %bi: tensor<384xf32>, %wo: tensor<128x128xf32>, %bo: tensor<128xf32>) {
  // expected-error @+1 {{'res.self_attention' op in_proj_weight 'tensor<128x128xf32>' does not match input 'tensor<?x?x128xf32>': expected shape [384, 128] with d = 128}}
  %0 = res.self_attention %x, %wi, %bi, %wo, %bo {num_heads = 4 : i64} : (tensor<?x?x128xf32>, tensor<128x128xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  return
}

// -----

func.func @attention_rank(%x: tensor<?x128xf32>, %wi: tensor<384x128xf32>, %bi: tensor<384xf32>, %wo: tensor<128x128xf32>, %bo: tensor<128xf32>) {
  // expected-error @+1 {{'res.self_attention' op input must have rank 3 ([N, T, d]), got 'tensor<?x128xf32>'}}
  %0 = res.self_attention %x, %wi, %bi, %wo, %bo {num_heads = 4 : i64} : (tensor<?x128xf32>, tensor<384x128xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

func.func @cross_entropy_labels(%l: tensor<?x10xf32>, %y: tensor<?x10xi32>) {
  // expected-error @+1 {{'res.cross_entropy' op labels 'tensor<?x10xi32>' do not match logits 'tensor<?x10xf32>' (expected [B])}}
  %0 = res.cross_entropy %l, %y : (tensor<?x10xf32>, tensor<?x10xi32>) -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_batch(%l: tensor<8x?x256xf32>, %y: tensor<4x?xi32>) {
  // expected-error @+1 {{'res.cross_entropy' op labels 'tensor<4x?xi32>' do not match logits 'tensor<8x?x256xf32>' (expected [B, T])}}
  %0 = res.cross_entropy %l, %y : (tensor<8x?x256xf32>, tensor<4x?xi32>) -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_rank(%l: tensor<10xf32>, %y: tensor<i32>) {
  // expected-error @+1 {{'res.cross_entropy' op logits must have rank 2 ([B, C]) or 3 ([B, T, C]), got 'tensor<10xf32>'}}
  %0 = res.cross_entropy %l, %y : (tensor<10xf32>, tensor<i32>) -> tensor<f32>
  return
}

// -----

func.func @mse_shape(%a: tensor<?x10xf32>, %b: tensor<?x5xf32>) {
  // expected-error @+1 {{'res.mse' op input shape 'tensor<?x10xf32>' does not match target shape 'tensor<?x5xf32>'}}
  %0 = res.mse %a, %b : (tensor<?x10xf32>, tensor<?x5xf32>) -> tensor<f32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Repeat and instance
//===----------------------------------------------------------------------===//

func.func @repeat_leading_dim(%x: tensor<?x512xf32>, %W: tensor<4x512x512xf32>) {
  // expected-error @+1 {{'res.repeat' op param #0 'tensor<4x512x512xf32>' has leading dimension 4 but count is 8}}
  %0 = res.repeat 8 carry(%h = %x : tensor<?x512xf32>) params(%w = %W : tensor<4x512x512xf32>) {
    %y = res.linear %h, %w : (tensor<?x512xf32>, tensor<512x512xf32>) -> tensor<?x512xf32>
    res.yield %y : tensor<?x512xf32>
  }
  return
}

// -----

func.func @repeat_negative_count(%x: tensor<4xf32>) {
  // expected-error @+1 {{'res.repeat' op count must be >= 0, got -1}}
  %0 = res.repeat -1 carry(%h = %x : tensor<4xf32>) {
    res.yield %h : tensor<4xf32>
  }
  return
}

// -----

func.func @repeat_param_rank(%x: tensor<4xf32>, %p: tensor<f32>) {
  // expected-error @+1 {{a stacked param must be a tensor of rank >= 1, got 'tensor<f32>'}}
  %0 = res.repeat 2 carry(%h = %x : tensor<4xf32>) params(%q = %p : tensor<f32>) {
    res.yield %h : tensor<4xf32>
  }
  return
}

// -----

func.func @repeat_param_rank_generic(%x: tensor<4xf32>, %p: tensor<f32>) {
  // expected-error @+1 {{'res.repeat' op param #0 must be a stacked tensor of rank >= 1, got 'tensor<f32>'}}
  %0 = "res.repeat"(%x, %p) <{count = 2 : i64, operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%h: tensor<4xf32>, %q: tensor<f32>):
    res.yield %h : tensor<4xf32>
  }) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return
}

// -----

func.func @repeat_yield_count(%x: tensor<4xf32>) {
  // expected-error @+2 {{'res.yield' op yields 0 values but the repeat carries 1}}
  %0 = res.repeat 2 carry(%h = %x : tensor<4xf32>) {
    res.yield
  }
  return
}

// -----

func.func @repeat_yield_type(%x: tensor<4xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+3 {{'res.yield' op value #0 has type 'tensor<8xf32>' but the carried value has type 'tensor<4xf32>'}}
  %0 = res.repeat 2 carry(%h = %x : tensor<4xf32>) {
    %y = res.matmul %w, %h : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8xf32>
    res.yield %y : tensor<8xf32>
  }
  return
}

// -----

func.func @repeat_num_args(%x: tensor<4xf32>) {
  // expected-error @+1 {{'res.repeat' op body must have 1 arguments (1 carried values, then one slice per param), got 2}}
  %0 = "res.repeat"(%x) <{count = 2 : i64, operandSegmentSizes = array<i32: 1, 0>}> ({
  ^bb0(%h: tensor<4xf32>, %g: tensor<4xf32>):
    res.yield %h : tensor<4xf32>
  }) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @repeat_carried_arg_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'res.repeat' op body argument #0 has type 'tensor<?xf32>' but init #0 has type 'tensor<4xf32>'}}
  %0 = "res.repeat"(%x) <{count = 2 : i64, operandSegmentSizes = array<i32: 1, 0>}> ({
  ^bb0(%h: tensor<?xf32>):
    res.yield %h : tensor<?xf32>
  }) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @repeat_param_arg_type(%x: tensor<4xf32>, %p: tensor<2x4xf32>) {
  // expected-error @+1 {{'res.repeat' op body argument #1 has type 'tensor<2x4xf32>' but param #0 'tensor<2x4xf32>' has slices of type 'tensor<4xf32>'}}
  %0 = "res.repeat"(%x, %p) <{count = 2 : i64, operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%h: tensor<4xf32>, %q: tensor<2x4xf32>):
    res.yield %h : tensor<4xf32>
  }) : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @yield_outside_repeat(%x: tensor<4xf32>) {
  // expected-error @+1 {{'res.yield' op expects parent op 'res.repeat'}}
  res.yield %x : tensor<4xf32>
}

// -----

func.func @instance_index(%W: tensor<8x4xf32>) {
  // expected-error @+1 {{'res.instance' op index 8 is out of range for stack 'tensor<8x4xf32>' of 8 instances}}
  %0 = res.instance %W[8] : tensor<8x4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @instance_rank(%W: tensor<f32>) {
  // expected-error @+1 {{'res.instance' op stack must have rank >= 1, got 'tensor<f32>'}}
  %0 = res.instance %W[0] : tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @split_dim_indivisible(%x: tensor<2x10xf32>) {
  // expected-error @+1 {{'res.split_dim' op dimension 1 of input 'tensor<2x10xf32>' (size 10) is not divisible into 4 parts}}
  %0 = res.split_dim %x dim 1 into 4 : tensor<2x10xf32> -> tensor<2x4x2xf32>
  return
}

// -----

func.func @split_dim_parts(%x: tensor<2x?xf32>) {
  // expected-error @+1 {{'res.split_dim' op parts must be positive, got 0}}
  %0 = res.split_dim %x dim 1 into 0 : tensor<2x?xf32> -> tensor<2x0x?xf32>
  return
}

// -----

func.func @merge_dims_last(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'res.merge_dims' op dim 1 is the last dimension of input 'tensor<2x3xf32>'; there is no dimension 2 to merge with}}
  %0 = res.merge_dims %x dim 1 : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @causal_mask_rank(%x: tensor<5xf32>) {
  // expected-error @+1 {{'res.causal_mask' op needs an input of rank >= 2, got 'tensor<5xf32>'}}
  %0 = res.causal_mask %x {fill = 0.0 : f64} : tensor<5xf32>
  return
}

// -----

func.func @dropout_key_rank(%x: tensor<4xf32>, %k: tensor<2xi32>) {
  // expected-error @+1 {{'res.dropout' op key must be a rank-0 tensor, got 'tensor<2xi32>'}}
  %0 = res.dropout %x key %k : tensor<2xi32> {p = 0.5 : f64} : tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Fused contractions (res-fuse-residual)
//===----------------------------------------------------------------------===//

func.func @fused_linear_addend_shape(%h: tensor<?x8xf32>, %w: tensor<4x8xf32>, %x: tensor<?x5xf32>) {
  // expected-error @+1 {{'res.fused_linear' op addend 'tensor<?x5xf32>' does not match the product 'tensor<?x4xf32>'}}
  %0 = res.fused_linear %h, %w addend %x : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<?x5xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @fused_linear_addend_broadcast(%h: tensor<3x8xf32>, %w: tensor<4x8xf32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'res.fused_linear' op addend 'tensor<4xf32>' does not match the product 'tensor<3x4xf32>'}}
  %0 = res.fused_linear %h, %w addend %x : (tensor<3x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @fused_linear_inner_error(%h: tensor<?x8xf32>, %w: tensor<4x9xf32>, %x: tensor<?x4xf32>) {
  // expected-error @+1 {{'res.fused_linear' op input 'tensor<?x8xf32>' has 8 features but weight 'tensor<4x9xf32>' expects 9}}
  %0 = res.fused_linear %h, %w addend %x : (tensor<?x8xf32>, tensor<4x9xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @fused_matmul_vector(%a: tensor<?x8xf32>, %v: tensor<8xf32>, %x: tensor<?xf32>) {
  // expected-error @+1 {{'res.fused_matmul' op rhs must have rank >= 2, got 'tensor<8xf32>'}}
  %0 = res.fused_matmul %a, %v addend %x : (tensor<?x8xf32>, tensor<8xf32>, tensor<?xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @fused_matmul_element_type(%a: tensor<?x8xf32>, %b: tensor<8x4xf32>, %x: tensor<?x4xf64>) {
  // expected-error @+1 {{'res.fused_matmul' op addend 'tensor<?x4xf64>' has element type 'f64' but product 'tensor<?x4xf32>' has 'f32'}}
  %0 = res.fused_matmul %a, %b addend %x : (tensor<?x8xf32>, tensor<8x4xf32>, tensor<?x4xf64>) -> tensor<?x4xf32>
  return
}
