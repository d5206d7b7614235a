// res-plan-scratch: every buffer of an entry point becomes a view of one
// scratch argument; disjoint lifetimes share a slot; a layout function
// computes the slots' offsets from the entry's dynamic dims.
// RUN: res-opt %s --allow-unregistered-dialect --res-plan-scratch | FileCheck %s
// RUN: res-opt %s --allow-unregistered-dialect --res-plan-scratch=remarks=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: res-opt %s --allow-unregistered-dialect --res-plan-scratch=plan=false | FileCheck %s --check-prefix=HEAP
// RUN: res-opt %s --allow-unregistered-dialect --res-plan-scratch --canonicalize --cse | FileCheck %s --check-prefix=PACK
// RUN: res-opt %s --allow-unregistered-dialect --res-plan-scratch | FileCheck %s --check-prefix=CHUNK
// (16384 = 64 x 64 floats of one image)

// REMARK: remark: memory plan of callee: scratch arena 1.0 KiB at 64 for each symbolic dim (pin them with -D), 1 buffers at 1 offsets (at most 1.0 KiB live at once, 1.0 KiB without reuse)
// REMARK: remark: memory plan of entry: scratch arena 256.0 MiB at 64 for each symbolic dim (pin them with -D), 7 buffers at 5 offsets (at most 256.0 MiB live at once, 256.0 MiB without reuse)

// CHECK-LABEL: func.func @callee(
// CHECK-SAME: %[[X:[a-z0-9_]+]]: memref<?x4xf32>, %{{.*}}: memref<f32>, %[[S:[a-z0-9_]+]]: memref<?xi8>)
// CHECK-SAME: res.scratch_layout = @callee__scratch_layout
// CHECK: %[[N:.*]] = memref.dim %[[X]]
// CHECK: %[[L:.*]]:2 = call @callee__scratch_layout(%[[N]]) : (index) -> (index, index)
// CHECK: memref.view %[[S]][%[[L]]#1][%{{.*}}] : memref<?xi8> to memref<?x4xf32>
// CHECK-NOT: memref.alloc
// CHECK: return
func.func @callee(%x: memref<?x4xf32>, %out: memref<f32>) attributes {res.out_args = 1 : i64} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %t = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
  "test.compute"(%x, %t) : (memref<?x4xf32>, memref<?x4xf32>) -> ()
  "test.reduce"(%t, %out) : (memref<?x4xf32>, memref<f32>) -> ()
  return
}

// The size: 16 * N bytes rounded up to 64; the total comes first.
// CHECK-LABEL: func.func private @callee__scratch_layout(
// CHECK-SAME: %[[N:[a-z0-9_]+]]: index) -> (index, index)
// CHECK: %[[B:.*]] = arith.muli %{{.*}}, %[[N]]
// CHECK: arith.ceildivui %[[B]]

// %a and %c share a slot (%a is dead when %c is written), %b does not. The
// loop's output alternates between two slots (one shared with %b), its
// temporary gets one slot for all iterations, the parallel loop a piece of
// 4 MiB per thread (its size the layout's last result; iteration j of n runs
// on thread j / ceil(n / team) and uses that thread's piece), and the call
// of the other entry point a slice.
// CHECK-LABEL: func.func @entry(
// CHECK-SAME: %[[X:[a-z0-9_]+]]: memref<?x4xf32>, %[[OUT:[a-z0-9_]+]]: memref<f32>, %[[S:[a-z0-9_]+]]: memref<?xi8>)
// CHECK: %[[L:.*]]:7 = call @entry__scratch_layout
// CHECK: %[[A:.*]] = memref.view %[[S]][%[[L]]#1]
// CHECK: %[[B:.*]] = memref.view %[[S]][%[[L]]#2]
// CHECK: %[[C:.*]] = memref.view %[[S]][%[[L]]#1]
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args(%{{.*}} = %[[C]])
// CHECK: %[[T:.*]] = memref.view %[[S]][%[[L]]#4][] : memref<?xi8> to memref<16xf32>
// CHECK: %[[ODD:.*]] = arith.cmpi ne
// CHECK: %[[OFF:.*]] = arith.select %[[ODD]], %[[L]]#3, %[[L]]#2
// CHECK: memref.view %[[S]][%[[OFF]]]
// CHECK: scf.forall (%[[J:.*]]) in (%[[N:.*]]) {
// CHECK: %[[TEAM:.*]] = func.call @omp_get_num_threads() : () -> i32
// CHECK: %[[TEAMI:.*]] = arith.index_castui %[[TEAM]]
// CHECK: %[[TEAM1:.*]] = arith.maxui %[[TEAMI]]
// CHECK: %[[PER:.*]] = arith.ceildivui %[[N]], %[[TEAM1]]
// CHECK: %[[PIECE:.*]] = arith.divui %[[J]], %[[PER]]
// CHECK: %[[P:.*]] = arith.muli %[[PIECE]], %[[L]]#6
// CHECK: %[[POFF:.*]] = arith.addi %[[L]]#4, %[[P]]
// CHECK: memref.view %[[S]][%[[POFF]]][] : memref<?xi8> to memref<1024x1024xf32>
// CHECK: %[[SLICE:.*]] = memref.view %[[S]][%[[L]]#5][%{{.*}}] : memref<?xi8> to memref<?xi8>
// CHECK: call @callee(%{{.*}}, %[[OUT]], %[[SLICE]])
// CHECK-NOT: memref.alloc

// HEAP-LABEL: func.func @entry(
// HEAP-SAME: memref<?xi8>)
// HEAP-COUNT-6: memref.alloc
// HEAP: call @callee__scratch_layout
// HEAP: %[[OWN:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xi8>
// HEAP: call @callee(%{{.*}}, %{{.*}}, %[[OWN]])
// HEAP-LABEL: func.func private @entry__scratch_layout(
// HEAP-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// HEAP-NEXT: return %[[ZERO]] : index
func.func @entry(%x: memref<?x4xf32>, %out: memref<f32>) attributes {res.out_args = 1 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
  "test.compute"(%x, %a) : (memref<?x4xf32>, memref<?x4xf32>) -> ()
  %b = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
  "test.compute"(%a, %b) : (memref<?x4xf32>, memref<?x4xf32>) -> ()
  %c = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
  "test.compute"(%b, %c) : (memref<?x4xf32>, memref<?x4xf32>) -> ()
  %h = scf.for %i = %c0 to %c3 step %c1 iter_args(%prev = %c) -> (memref<?x4xf32>) {
    %t = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    %next = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
    "test.compute"(%prev, %t, %next) : (memref<?x4xf32>, memref<16xf32>, memref<?x4xf32>) -> ()
    scf.yield %next : memref<?x4xf32>
  }
  scf.forall (%i) in (%n) {
    %p = memref.alloc() {alignment = 64 : i64} : memref<1024x1024xf32>
    "test.use"(%p, %h) : (memref<1024x1024xf32>, memref<?x4xf32>) -> ()
  }
  call @callee(%h, %out) : (memref<?x4xf32>, memref<f32>) -> ()
  return
}

// Sizes that are one multiple of N each are packed by offset, in units of
// N (exact for every N): %b and %c take %a's place side by side, 128 * N
// bytes in all; slots would need 192 * N (%b in %a's slot, %c in a new one).
// PACK-LABEL: func.func @packed(
// PACK: %[[L:.*]]:4 = call @packed__scratch_layout
// PACK: memref.view %{{.*}}[%[[L]]#1]{{.*}} to memref<?x32xf32>
// PACK: memref.view %{{.*}}[%[[L]]#2]{{.*}} to memref<?x16xf32>
// PACK: memref.view %{{.*}}[%[[L]]#3]{{.*}} to memref<?x16xf32>
// PACK-LABEL: func.func private @packed__scratch_layout(
// PACK-SAME: %[[N:[a-z0-9_]+]]: index) -> (index, index, index, index)
// PACK-DAG: %[[C0:.*]] = arith.constant 0 : index
// PACK-DAG: %[[C64:.*]] = arith.constant 64 : index
// PACK-DAG: %[[C128:.*]] = arith.constant 128 : index
// PACK-DAG: %[[HALF:.*]] = arith.muli %[[N]], %[[C64]] : index
// PACK-DAG: %[[TOTAL:.*]] = arith.muli %[[N]], %[[C128]] : index
// PACK: return %[[TOTAL]], %[[C0]], %[[C0]], %[[HALF]] : index, index, index, index
func.func @packed(%x: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?x32xf32>
  "test.compute"(%x, %a) : (memref<?x4xf32>, memref<?x32xf32>) -> ()
  "test.use"(%a) : (memref<?x32xf32>) -> ()
  %b = memref.alloc(%n) {alignment = 64 : i64} : memref<?x16xf32>
  "test.compute"(%x, %b) : (memref<?x4xf32>, memref<?x16xf32>) -> ()
  %c = memref.alloc(%n) {alignment = 64 : i64} : memref<?x16xf32>
  "test.compute"(%x, %c) : (memref<?x4xf32>, memref<?x16xf32>) -> ()
  "test.use"(%b, %c) : (memref<?x16xf32>, memref<?x16xf32>) -> ()
  return
}

// A per-iteration buffer of a chunked loop, min(n - i * 83, 83) images: a
// piece of min(n, 83) images per iteration, not 83 (the first chunk is the
// largest), so small batches do not reserve a whole chunk.
// CHUNK-LABEL: func.func private @chunked__scratch_layout(
// CHUNK-SAME: %[[N:[a-z0-9_]+]]: index)
// CHUNK: %[[K:.*]] = arith.minui %[[N]], %c83{{.*}} : index
// CHUNK: arith.muli %c16384, %[[K]] : index
func.func @chunked(%x: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c83 = arith.constant 83 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %chunks = arith.ceildivui %n, %c83 : index
  scf.forall (%i) in (%chunks) {
    %first = arith.muli %i, %c83 : index
    %left = arith.subi %n, %first : index
    %k = arith.minui %left, %c83 : index
    %b = memref.alloc(%k) {alignment = 64 : i64} : memref<?x64x64xf32>
    "test.use"(%b) : (memref<?x64x64xf32>) -> ()
  }
  return
}
