// Folds and canonicalization patterns of the res ops.
// RUN: res-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @transpose_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NOT: res.transpose
// CHECK: return %[[X]], %[[X]]
func.func @transpose_transpose(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = res.transpose %x dims 1, 2 : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  %1 = res.transpose %0 dims 1, 2 : tensor<2x4x3xf32> -> tensor<2x3x4xf32>
  // The same pair of dims, given in the other order.
  %2 = res.transpose %0 dims 2, 1 : tensor<2x4x3xf32> -> tensor<2x3x4xf32>
  return %1, %2 : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// Different dims: not the identity, nothing folds.
// CHECK-LABEL: func.func @transpose_transpose_other_dims
// CHECK: %[[T0:.*]] = res.transpose %{{.*}} dims 0, 1
// CHECK: %[[T1:.*]] = res.transpose %[[T0]] dims 1, 2
// CHECK: return %[[T1]]
func.func @transpose_transpose_other_dims(%x: tensor<2x3x4xf32>) -> tensor<3x4x2xf32> {
  %0 = res.transpose %x dims 0, 1 : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %1 = res.transpose %0 dims 1, 2 : tensor<3x2x4xf32> -> tensor<3x4x2xf32>
  return %1 : tensor<3x4x2xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_same_dim
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_same_dim(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = res.transpose %x dims 1, 1 : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[Y:.*]]: tensor<4x6xf32>)
// CHECK-NEXT: return %[[X]], %[[Y]]
func.func @reshape_same_type(%x: tensor<?x784xf32>, %y: tensor<4x6xf32>) -> (tensor<?x784xf32>, tensor<4x6xf32>) {
  %0 = res.reshape %x [-1, 784] : tensor<?x784xf32> -> tensor<?x784xf32>
  %1 = res.reshape %y [4, 6] : tensor<4x6xf32> -> tensor<4x6xf32>
  return %0, %1 : tensor<?x784xf32>, tensor<4x6xf32>
}

// -----

// Same element count, different shape: kept.
// CHECK-LABEL: func.func @reshape_other_type
// CHECK: %[[R:.*]] = res.reshape %{{.*}} [6, 4] : tensor<4x6xf32> -> tensor<6x4xf32>
// CHECK: return %[[R]]
func.func @reshape_other_type(%y: tensor<4x6xf32>) -> tensor<6x4xf32> {
  %0 = res.reshape %y [6, 4] : tensor<4x6xf32> -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<?x1x28x28xf32>)
// CHECK-NEXT: %[[R:.*]] = res.reshape %[[X]] [-1, 784] : tensor<?x1x28x28xf32> -> tensor<?x784xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_reshape(%x: tensor<?x1x28x28xf32>) -> tensor<?x784xf32> {
  %0 = res.reshape %x [-1, 28, 28] : tensor<?x1x28x28xf32> -> tensor<?x28x28xf32>
  %1 = res.reshape %0 [-1, 784] : tensor<?x28x28xf32> -> tensor<?x784xf32>
  return %1 : tensor<?x784xf32>
}

// -----

// Three reshapes become one, which folds away since it restores the input.
// CHECK-LABEL: func.func @reshape_chain_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_chain_identity(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = res.reshape %x [24] : tensor<2x3x4xf32> -> tensor<24xf32>
  %1 = res.reshape %0 [6, 4] : tensor<24xf32> -> tensor<6x4xf32>
  %2 = res.reshape %1 [2, 3, 4] : tensor<6x4xf32> -> tensor<2x3x4xf32>
  return %2 : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @dropout_zero
// CHECK-SAME: (%[[X:.*]]: tensor<?x16xf32>)
// CHECK-NEXT: %[[D:.*]] = res.dropout %[[X]] {p = 1.000000e-01 : f64}
// CHECK-NEXT: return %[[X]], %[[D]]
func.func @dropout_zero(%x: tensor<?x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %0 = res.dropout %x {p = 0.0 : f64} : tensor<?x16xf32>
  %1 = res.dropout %x {p = 0.1 : f64} : tensor<?x16xf32>
  return %0, %1 : tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

// CHECK-LABEL: func.func @neg_neg
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[N:.*]] = res.neg %[[X]]
// CHECK-NEXT: return %[[X]], %[[N]]
func.func @neg_neg(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = res.neg %x : tensor<4xf32>
  %1 = res.neg %0 : tensor<4xf32>
  %2 = res.neg %1 : tensor<4xf32>
  return %1, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @repeat_zero
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[W:.*]]: tensor<0x8x8xf32>)
// CHECK-NOT: res.repeat
// CHECK: return %[[X]]
func.func @repeat_zero(%x: tensor<?x8xf32>, %W: tensor<0x8x8xf32>) -> tensor<?x8xf32> {
  %0 = res.repeat 0 carry(%h = %x : tensor<?x8xf32>) params(%w = %W : tensor<0x8x8xf32>) {
    %y = res.linear %h, %w : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
    res.yield %y : tensor<?x8xf32>
  }
  return %0 : tensor<?x8xf32>
}

// -----

// A repeat with a nonzero count stays a loop.
// CHECK-LABEL: func.func @repeat_nonzero
// CHECK: res.repeat 2
func.func @repeat_nonzero(%x: tensor<?x8xf32>, %W: tensor<2x8x8xf32>) -> tensor<?x8xf32> {
  %0 = res.repeat 2 carry(%h = %x : tensor<?x8xf32>) params(%w = %W : tensor<2x8x8xf32>) {
    %y = res.linear %h, %w : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
    res.yield %y : tensor<?x8xf32>
  }
  return %0 : tensor<?x8xf32>
}

// -----

// The adjoints of q, k and v (adjacent slices of one in_proj weight), added
// in the order the backward pass accumulates them, become one
// concatenation: no zero tensors, inserts or full-size adds.
// CHECK-LABEL: func.func @slice_grads_concat
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4xf32>, %[[K:.*]]: tensor<2x4xf32>, %[[V:.*]]: tensor<2x4xf32>, %[[W:.*]]: tensor<6x4xf32>)
// CHECK-NOT: res.slice_grad
// CHECK-NOT: res.add
// CHECK: %[[KV:.*]] = res.concat %[[K]], %[[V]] dim 0 : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
// CHECK: %[[QKV:.*]] = res.concat %[[Q]], %[[KV]] dim 0 : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<6x4xf32>
// CHECK: return %[[QKV]]
func.func @slice_grads_concat(%q: tensor<2x4xf32>, %k: tensor<2x4xf32>, %v: tensor<2x4xf32>, %w: tensor<6x4xf32>) -> tensor<6x4xf32> {
  %gv = res.slice_grad %v, %w dim 0 offset 4 : (tensor<2x4xf32>, tensor<6x4xf32>) -> tensor<6x4xf32>
  %gk = res.slice_grad %k, %w dim 0 offset 2 : (tensor<2x4xf32>, tensor<6x4xf32>) -> tensor<6x4xf32>
  %s = res.add %gv, %gk : tensor<6x4xf32>
  %gq = res.slice_grad %q, %w dim 0 offset 0 : (tensor<2x4xf32>, tensor<6x4xf32>) -> tensor<6x4xf32>
  %t = res.add %s, %gq : tensor<6x4xf32>
  return %t : tensor<6x4xf32>
}

// -----

// Adjacent slices that do not cover the tensor stay one slice_grad of
// their concatenation; slices with a gap between them, or of different
// tensors, are left alone.
// CHECK-LABEL: func.func @slice_grads_partial
// CHECK: %[[J:.*]] = res.concat %{{.*}}, %{{.*}} dim 1 : (tensor<3x1xf32>, tensor<3x2xf32>) -> tensor<3x3xf32>
// CHECK: %[[G:.*]] = res.slice_grad %[[J]], %{{.*}} dim 1 offset 1 : (tensor<3x3xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
// CHECK: return %[[G]]
func.func @slice_grads_partial(%a: tensor<3x1xf32>, %b: tensor<3x2xf32>, %x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %ga = res.slice_grad %a, %x dim 1 offset 1 : (tensor<3x1xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  %gb = res.slice_grad %b, %x dim 1 offset 2 : (tensor<3x2xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  %s = res.add %gb, %ga : tensor<3x5xf32>
  return %s : tensor<3x5xf32>
}

// CHECK-LABEL: func.func @slice_grads_gap
// CHECK-COUNT-2: res.slice_grad
// CHECK: res.add
func.func @slice_grads_gap(%a: tensor<3x1xf32>, %b: tensor<3x2xf32>, %x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %ga = res.slice_grad %a, %x dim 1 offset 0 : (tensor<3x1xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  %gb = res.slice_grad %b, %x dim 1 offset 2 : (tensor<3x2xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  %s = res.add %ga, %gb : tensor<3x5xf32>
  return %s : tensor<3x5xf32>
}

// CHECK-LABEL: func.func @slice_grads_other_tensors
// CHECK-COUNT-2: res.slice_grad
// CHECK: res.add
func.func @slice_grads_other_tensors(%a: tensor<3x1xf32>, %b: tensor<3x2xf32>, %x: tensor<3x5xf32>, %y: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %ga = res.slice_grad %a, %x dim 1 offset 0 : (tensor<3x1xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  %gb = res.slice_grad %b, %y dim 1 offset 1 : (tensor<3x2xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  %s = res.add %ga, %gb : tensor<3x5xf32>
  return %s : tensor<3x5xf32>
}

// -----

// A dynamic batch dim where one gradient has it static: the concatenation
// keeps the static size.
// CHECK-LABEL: func.func @slice_grads_dynamic_batch
// CHECK: res.concat %{{.*}}, %{{.*}} dim 1 : (tensor<?x2xf32>, tensor<3x2xf32>) -> tensor<3x4xf32>
// CHECK-NOT: res.slice_grad
func.func @slice_grads_dynamic_batch(%a: tensor<?x2xf32>, %b: tensor<3x2xf32>, %x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %ga = res.slice_grad %a, %x dim 1 offset 0 : (tensor<?x2xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %gb = res.slice_grad %b, %x dim 1 offset 2 : (tensor<3x2xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %s = res.add %ga, %gb : tensor<3x4xf32>
  return %s : tensor<3x4xf32>
}
