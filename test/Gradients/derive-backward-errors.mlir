// RUN: res-opt %s --res-derive-backward --verify-diagnostics

func.func @C_loss(%x: tensor<?x1x8x8xf32> {res.name = "x", res.role = "input"},
                  %w: tensor<2x1x3x3xf32> {res.name = "conv.weight", res.role = "param"}) -> tensor<f32> {
  // expected-error@+1 {{'res.conv2d' has no gradient yet, so the loss cannot be differentiated}}
  %y = res.conv2d %x, %w : (tensor<?x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<?x2x6x6xf32>
  %m = res.mean %y : tensor<?x2x6x6xf32> -> tensor<f32>
  return %m : tensor<f32>
}
