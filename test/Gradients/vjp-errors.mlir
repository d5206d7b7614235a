// VJPs that cannot be written in res ops report why, at the op.
// RUN: res-opt %s --res-test-vjp -split-input-file -verify-diagnostics

// res.reshape takes one -1, so the reverse reshape cannot restore two
// dynamic dimensions.
func.func @vjp_reshape_two_dynamic(%x: tensor<?x?x4xf32>, %dy: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'res.reshape' op cannot build the adjoint of a reshape whose input has more than one dynamic dimension (res.reshape takes at most one -1)}}
  %y = res.reshape %x [-1, 4] : tensor<?x?x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// Inputs after a dynamic one along the concatenated dim have no static offset.
func.func @vjp_concat_dynamic(%a: tensor<2x?xf32>, %b: tensor<2x3xf32>, %dy: tensor<2x?xf32>) -> tensor<2x?xf32> {
  // expected-error @+1 {{'res.concat' op cannot build the adjoint of input #0: the inputs are not static along dim 1}}
  %y = res.concat %a, %b dim 1 : (tensor<2x?xf32>, tensor<2x3xf32>) -> tensor<2x?xf32>
  return %y : tensor<2x?xf32>
}

// -----

// The test pass itself checks its input.
// expected-error @+1 {{a vjp_ function needs exactly one op with a VJP, found 2}}
func.func @vjp_two_ops(%x: tensor<4xf32>, %dy: tensor<4xf32>) -> tensor<4xf32> {
  %y = res.relu %x : tensor<4xf32>
  %z = res.relu %y : tensor<4xf32>
  return %z : tensor<4xf32>
}
