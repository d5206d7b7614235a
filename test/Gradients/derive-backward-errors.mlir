// RUN: res-opt %s --res-derive-backward --verify-diagnostics

func.func @A_loss(%x: tensor<?x?x8xf32> {res.name = "x", res.role = "input"},
                  %wi: tensor<24x8xf32> {res.name = "attn.in_proj_weight", res.role = "param"},
                  %bi: tensor<24xf32> {res.name = "attn.in_proj_bias", res.role = "param"},
                  %wo: tensor<8x8xf32> {res.name = "attn.out_proj.weight", res.role = "param"},
                  %bo: tensor<8xf32> {res.name = "attn.out_proj.bias", res.role = "param"}) -> tensor<f32> {
  // expected-error@+1 {{'res.self_attention' has no gradient yet, so the loss cannot be differentiated}}
  %y = res.self_attention %x, %wi, %bi, %wo, %bo {num_heads = 2 : i64} : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %m = res.mean %y : tensor<?x?x8xf32> -> tensor<f32>
  return %m : tensor<f32>
}
