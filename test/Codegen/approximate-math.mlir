// res-approximate-math: f32 vector exp/log/erf/tanh become polynomials
// (arithmetic only); scalars and f64 stay math ops (libm calls later).
// RUN: res-opt %s --pass-pipeline="builtin.module(func.func(res-approximate-math))" | FileCheck %s

// CHECK-LABEL: func.func @vectors(
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK-NOT: math.erf
// CHECK-NOT: math.tanh
// CHECK: math.fma
// CHECK: return
func.func @vectors(%x: vector<16xf32>, %y: vector<1x1x64xf32>) -> (vector<16xf32>, vector<16xf32>, vector<1x1x64xf32>, vector<16xf32>) {
  %a = math.exp %x : vector<16xf32>
  %b = math.log %x : vector<16xf32>
  %c = math.erf %y : vector<1x1x64xf32>
  %d = math.tanh %x : vector<16xf32>
  return %a, %b, %c, %d : vector<16xf32>, vector<16xf32>, vector<1x1x64xf32>, vector<16xf32>
}

// CHECK-LABEL: func.func @kept(
// CHECK-NEXT: math.exp %{{.*}} : f32
// CHECK-NEXT: math.erf %{{.*}} : vector<8xf64>
// CHECK-NEXT: math.sqrt %{{.*}} : vector<8xf32>
func.func @kept(%s: f32, %v: vector<8xf64>, %w: vector<8xf32>) -> (f32, vector<8xf64>, vector<8xf32>) {
  %a = math.exp %s : f32
  %b = math.erf %v : vector<8xf64>
  %c = math.sqrt %w : vector<8xf32>
  return %a, %b, %c : f32, vector<8xf64>, vector<8xf32>
}
