// RUN: res-opt %s --res-convert-to-linalg | FileCheck %s

// Row-major reshape: collapse to 1-D, expand; the -1 dim is computed.
// CHECK-LABEL: func.func @reshape(
// CHECK: %[[F:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : tensor<?x28x28xf32> into tensor<?xf32>
// CHECK: %[[T:.*]] = tensor.dim %[[F]]
// CHECK: %[[K:.*]] = arith.constant 784 : index
// CHECK: %[[N:.*]] = arith.divui %[[T]], %[[K]]
// CHECK: tensor.expand_shape %[[F]] {{\[\[}}0, 1]] output_shape [%[[N]], 784] : tensor<?xf32> into tensor<?x784xf32>
func.func @reshape(%x: tensor<?x28x28xf32>) -> tensor<?x784xf32> {
  %0 = res.reshape %x [-1, 784] : tensor<?x28x28xf32> -> tensor<?x784xf32>
  return %0 : tensor<?x784xf32>
}

// CHECK-LABEL: func.func @transpose(
// CHECK: linalg.transpose ins(%{{.*}} : tensor<?x2x16xf32>) outs(%{{.*}} : tensor<?x16x2xf32>) permutation = [0, 2, 1]
func.func @transpose(%x: tensor<?x2x16xf32>) -> tensor<?x16x2xf32> {
  %0 = res.transpose %x dims 2, 1 : tensor<?x2x16xf32> -> tensor<?x16x2xf32>
  return %0 : tensor<?x16x2xf32>
}

// CHECK-LABEL: func.func @concat(
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x7xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %{{.*}} into %[[E]][0, 0] [%{{.*}}, 4] [1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %[[A]][0, 4] [%{{.*}}, 3] [1, 1]
func.func @concat(%a: tensor<?x4xf32>, %b: tensor<?x3xf32>) -> tensor<?x7xf32> {
  %0 = res.concat %a, %b dim 1 : (tensor<?x4xf32>, tensor<?x3xf32>) -> tensor<?x7xf32>
  return %0 : tensor<?x7xf32>
}

// CHECK-LABEL: func.func @instance(
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: tensor.extract_slice %{{.*}}[%[[C3]], 0, 0] [1, 4, 8] [1, 1, 1] : tensor<8x4x8xf32> to tensor<4x8xf32>
func.func @instance(%s: tensor<8x4x8xf32>) -> tensor<4x8xf32> {
  %0 = res.instance %s[3] : tensor<8x4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// split_dim / merge_dims: expand_shape / collapse_shape of one group; a
// dynamic split size is the source size divided by the parts.
// CHECK-LABEL: func.func @split_merge(
// CHECK: %[[E:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [%{{.*}}, %{{.*}}, 4, 32] : tensor<?x?x128xf32> into tensor<?x?x4x32xf32>
// CHECK-NEXT: %[[C:.*]] = tensor.collapse_shape %[[E]] {{\[}}[0], [1], [2, 3]] : tensor<?x?x4x32xf32> into tensor<?x?x128xf32>
// CHECK-NEXT: return %[[C]]
func.func @split_merge(%x: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
  %h = res.split_dim %x dim 2 into 4 : tensor<?x?x128xf32> -> tensor<?x?x4x32xf32>
  %m = res.merge_dims %h dim 2 : tensor<?x?x4x32xf32> -> tensor<?x?x128xf32>
  return %m : tensor<?x?x128xf32>
}

// CHECK-LABEL: func.func @split_dynamic(
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<2x?xf32>
// CHECK: %[[Q:.*]] = arith.divui %[[D]], %{{.*}} : index
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [2, 3, %[[Q]]] : tensor<2x?xf32> into tensor<2x3x?xf32>
func.func @split_dynamic(%x: tensor<2x?xf32>) -> tensor<2x3x?xf32> {
  %h = res.split_dim %x dim 1 into 3 : tensor<2x?xf32> -> tensor<2x3x?xf32>
  return %h : tensor<2x3x?xf32>
}
