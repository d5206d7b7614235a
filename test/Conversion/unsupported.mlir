// Ops whose lowering comes later are reported, not crashed on.
// RUN: res-opt %s --res-convert-to-linalg --verify-diagnostics

func.func @attention(%x: tensor<?x?x8xf32>, %wi: tensor<24x8xf32>, %bi: tensor<24xf32>, %wo: tensor<8x8xf32>, %bo: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error@+1 {{'res.self_attention' has no native lowering yet (see docs/passes.md)}}
  %0 = res.self_attention %x, %wi, %bi, %wo, %bo {num_heads = 2 : i64} : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}
