// Ops whose lowering comes later are reported, not crashed on.
// RUN: res-opt %s --res-convert-to-linalg --verify-diagnostics

func.func @conv(%x: tensor<?x1x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<?x4x6x6xf32> {
  // expected-error@+1 {{'res.conv2d' has no native lowering yet (see docs/passes.md)}}
  %0 = res.conv2d %x, %w : (tensor<?x1x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<?x4x6x6xf32>
  return %0 : tensor<?x4x6x6xf32>
}
