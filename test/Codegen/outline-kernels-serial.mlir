// RUN: res-opt %s --res-outline-kernels | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
// A linalg op inside an scf.forall (a convolution's per-image loop) becomes
// a kernel marked res.serial: the threads already run the loop around it, so
// res-tile-for-vectors does not split it again.
// CHECK-LABEL: func.func @per_image(
// CHECK: scf.forall
// CHECK: call @[[SERIAL:__resc_kernel_[0-9]+]](
// CHECK: func.func private @[[SERIAL]]({{.*}} attributes {passthrough = ["noinline"], res.serial}
func.func @per_image(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %e = tensor.empty() : tensor<4x64xf32>
  %r = scf.forall (%i) in (4) shared_outs(%o = %e) -> (tensor<4x64xf32>) {
    %xi = tensor.extract_slice %x[%i, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %oi = tensor.extract_slice %o[%i, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%xi : tensor<1x64xf32>) outs(%oi : tensor<1x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %n = arith.negf %in : f32
      linalg.yield %n : f32
    } -> tensor<1x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %y into %o[%i, 0] [1, 64] [1, 1] : tensor<1x64xf32> into tensor<4x64xf32>
    }
  }
  return %r : tensor<4x64xf32>
}
