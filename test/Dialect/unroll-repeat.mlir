// res-unroll-repeat: each res.repeat becomes `count` copies of its body.
// RUN: res-opt %s -res-unroll-repeat -split-input-file | FileCheck %s
// RUN: res-opt %s -res-unroll-repeat=max-count=2 -split-input-file | FileCheck %s --check-prefix=MAX2

// CHECK-LABEL: func.func @residual_mlp
// CHECK-SAME: (%[[X:.*]]: tensor<?x512xf32>, %[[W1:.*]]: tensor<3x1024x512xf32>, %[[W2:.*]]: tensor<3x512x1024xf32>)
// CHECK-NOT: res.repeat
// CHECK: %[[A0:.*]] = res.instance %[[W1]][0] : tensor<3x1024x512xf32> -> tensor<1024x512xf32>
// CHECK: %[[B0:.*]] = res.instance %[[W2]][0] : tensor<3x512x1024xf32> -> tensor<512x1024xf32>
// CHECK: %[[L0:.*]] = res.linear %[[X]], %[[A0]]
// CHECK: %[[R0:.*]] = res.relu %[[L0]]
// CHECK: %[[M0:.*]] = res.linear %[[R0]], %[[B0]]
// CHECK: %[[H1:.*]] = res.residual_add %[[M0]], skip %[[X]] : tensor<?x512xf32>
// CHECK: %[[A1:.*]] = res.instance %[[W1]][1]
// CHECK: %[[B1:.*]] = res.instance %[[W2]][1]
// CHECK: %[[L1:.*]] = res.linear %[[H1]], %[[A1]]
// CHECK: %[[R1:.*]] = res.relu %[[L1]]
// CHECK: %[[M1:.*]] = res.linear %[[R1]], %[[B1]]
// CHECK: %[[H2:.*]] = res.residual_add %[[M1]], skip %[[H1]]
// CHECK: %[[A2:.*]] = res.instance %[[W1]][2]
// CHECK: %[[B2:.*]] = res.instance %[[W2]][2]
// CHECK: %[[L2:.*]] = res.linear %[[H2]], %[[A2]]
// CHECK: %[[R2:.*]] = res.relu %[[L2]]
// CHECK: %[[M2:.*]] = res.linear %[[R2]], %[[B2]]
// CHECK: %[[H3:.*]] = res.residual_add %[[M2]], skip %[[H2]]
// CHECK-NOT: res.instance
// CHECK: return %[[H3]]

// MAX2-LABEL: func.func @residual_mlp
// MAX2: res.repeat 3
func.func @residual_mlp(%x: tensor<?x512xf32>, %W1: tensor<3x1024x512xf32>, %W2: tensor<3x512x1024xf32>) -> tensor<?x512xf32> {
  %y = res.repeat 3 carry(%h = %x : tensor<?x512xf32>)
                    params(%w1 = %W1 : tensor<3x1024x512xf32>, %w2 = %W2 : tensor<3x512x1024xf32>) {
    %a = res.linear %h, %w1 : (tensor<?x512xf32>, tensor<1024x512xf32>) -> tensor<?x1024xf32>
    %r = res.relu %a : tensor<?x1024xf32>
    %b = res.linear %r, %w2 : (tensor<?x1024xf32>, tensor<512x1024xf32>) -> tensor<?x512xf32>
    %n = res.residual_add %b, skip %h : tensor<?x512xf32>
    res.yield %n : tensor<?x512xf32>
  }
  return %y : tensor<?x512xf32>
}

// -----

// Two carried values swap roles each instance; a value defined above the
// repeat is used inside it.
// CHECK-LABEL: func.func @fibonacci
// CHECK-SAME: (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[C:.*]] = res.constant dense<2.000000e+00>
// CHECK: %[[S0:.*]] = res.add %[[A]], %[[B]]
// CHECK: %[[T0:.*]] = res.mul %[[S0]], %[[C]]
// CHECK: %[[S1:.*]] = res.add %[[B]], %[[T0]]
// CHECK: %[[T1:.*]] = res.mul %[[S1]], %[[C]]
// CHECK: return %[[T0]], %[[T1]]

// MAX2-LABEL: func.func @fibonacci
// MAX2-NOT: res.repeat
// MAX2: return
func.func @fibonacci(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %c = res.constant dense<2.0> : tensor<4xf32>
  %r:2 = res.repeat 2 carry(%x = %a : tensor<4xf32>, %y = %b : tensor<4xf32>) {
    %s = res.add %x, %y : tensor<4xf32>
    %t = res.mul %s, %c : tensor<4xf32>
    res.yield %y, %t : tensor<4xf32>, tensor<4xf32>
  }
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Nested repeats: the inner one is unrolled first, then the outer one.
// CHECK-LABEL: func.func @nested
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[P:.*]]: tensor<2x3x4xf32>)
// CHECK-NOT: res.repeat
// CHECK: %[[O0:.*]] = res.instance %[[P]][0] : tensor<2x3x4xf32> -> tensor<3x4xf32>
// CHECK: %[[I00:.*]] = res.instance %[[O0]][0] : tensor<3x4xf32> -> tensor<4xf32>
// CHECK: %[[V0:.*]] = res.add %[[X]], %[[I00]]
// CHECK: res.instance %[[O0]][1]
// CHECK: res.instance %[[O0]][2]
// CHECK: %[[O1:.*]] = res.instance %[[P]][1]
// CHECK: res.instance %[[O1]][0]
// CHECK: res.instance %[[O1]][1]
// CHECK: res.instance %[[O1]][2]
// CHECK: %[[LAST:.*]] = res.add
// CHECK-NEXT: return %[[LAST]]

// MAX2-LABEL: func.func @nested
// MAX2: res.instance %{{.*}}[0] : tensor<2x3x4xf32> -> tensor<3x4xf32>
// MAX2-NEXT: res.repeat 3
// MAX2: res.instance %{{.*}}[1] : tensor<2x3x4xf32> -> tensor<3x4xf32>
// MAX2-NEXT: res.repeat 3
func.func @nested(%x: tensor<4xf32>, %P: tensor<2x3x4xf32>) -> tensor<4xf32> {
  %r = res.repeat 2 carry(%h = %x : tensor<4xf32>) params(%p = %P : tensor<2x3x4xf32>) {
    %s = res.repeat 3 carry(%g = %h : tensor<4xf32>) params(%q = %p : tensor<3x4xf32>) {
      %v = res.add %g, %q : tensor<4xf32>
      res.yield %v : tensor<4xf32>
    }
    res.yield %s : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

// A yielded value more static than the carried type is cast back.
// CHECK-LABEL: func.func @cast_back
// CHECK: %[[L:.*]] = res.linear %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[L]] : tensor<4x8xf32> to tensor<?x8xf32>
// CHECK: return %[[C]]
func.func @cast_back(%x: tensor<?x8xf32>, %x4: tensor<4x8xf32>, %W: tensor<1x8x8xf32>) -> tensor<?x8xf32> {
  %r = res.repeat 1 carry(%h = %x : tensor<?x8xf32>) params(%w = %W : tensor<1x8x8xf32>) {
    %l = res.linear %x4, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    res.yield %l : tensor<4x8xf32>
  }
  return %r : tensor<?x8xf32>
}
