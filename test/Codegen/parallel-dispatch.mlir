// RUN: res-opt %s --res-parallel-dispatch | FileCheck %s

// A parallel loop over [lb, ub) by step: the caller fills a context (the
// captured pointer and scalar, then lower bound, step and trip count) in
// an alloca of its entry block and calls the dispatcher; the body runs in
// a chunk function over linear iterations [begin, end), the constant
// copied in, not captured.
// CHECK-LABEL: llvm.func internal @__resc_scale__chunk(
// CHECK-SAME: %[[CTX:.*]]: !llvm.ptr, %[[BEGIN:.*]]: i64, %[[END:.*]]: i64)
// CHECK: %[[TWO:.*]] = llvm.mlir.constant(2.0{{.*}} : f32
// CHECK: %[[PA:.*]] = llvm.getelementptr %[[CTX]][0, 0]
// CHECK: %[[P:.*]] = llvm.load %[[PA]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[SA:.*]] = llvm.getelementptr %[[CTX]][0, 1]
// CHECK: %[[S:.*]] = llvm.load %[[SA]] : !llvm.ptr -> f32
// CHECK: %[[LB:.*]] = llvm.load
// CHECK: %[[STEP:.*]] = llvm.load
// CHECK: llvm.load
// CHECK: llvm.br ^[[HEAD:.*]](%[[BEGIN]] : i64)
// CHECK: ^[[HEAD]](%[[I:.*]]: i64):
// CHECK: %[[MORE:.*]] = llvm.icmp "slt" %[[I]], %[[END]]
// CHECK: llvm.cond_br %[[MORE]], ^[[IV:.*]], ^[[EXIT:[a-z0-9]+]]
// CHECK: ^[[IV]]:
// CHECK: %[[OFF:.*]] = llvm.mul %[[I]], %[[STEP]]
// CHECK: %[[J:.*]] = llvm.add %[[LB]], %[[OFF]]
// CHECK: llvm.br ^[[BODY:.*]](%[[J]] : i64)
// CHECK: ^[[BODY]](%[[X:.*]]: i64):
// CHECK: llvm.getelementptr %[[P]][%[[X]]]
// CHECK: llvm.fmul %{{.*}}, %[[TWO]]
// CHECK: llvm.fmul %{{.*}}, %[[S]]
// CHECK: llvm.br ^[[LATCH:[a-z0-9]+]]
// CHECK: ^[[LATCH]]:
// CHECK: %[[NEXT:.*]] = llvm.add %[[I]], %{{.*}}
// CHECK: llvm.br ^[[HEAD]](%[[NEXT]] : i64)
// CHECK: ^[[EXIT]]:
// CHECK: llvm.return

// CHECK-LABEL: llvm.func @__resc_scale(
// CHECK-SAME: %[[BUF:[^:]*]]: !llvm.ptr, %[[SCALE:[^:]*]]: f32, %[[N:[^:]*]]: i64)
// CHECK: %[[C:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, f32, i64, i64, i64)>
// CHECK-NOT: omp.parallel
// CHECK: %[[SPAN:.*]] = llvm.sub %[[N]], %{{.*}}
// CHECK: llvm.intr.smax(%[[SPAN]]
// CHECK: %[[COUNT:.*]] = llvm.udiv
// CHECK: %[[TOTAL:.*]] = llvm.mul %{{.*}}, %[[COUNT]]
// CHECK: %[[F0:.*]] = llvm.getelementptr %[[C]][0, 0]
// CHECK: llvm.store %[[BUF]], %[[F0]]
// CHECK: %[[F1:.*]] = llvm.getelementptr %[[C]][0, 1]
// CHECK: llvm.store %[[SCALE]], %[[F1]]
// CHECK: %[[FN:.*]] = llvm.mlir.addressof @__resc_scale__chunk
// CHECK: llvm.call @__resc_parallel_for(%[[FN]], %[[C]], %[[TOTAL]])
llvm.func @__resc_scale(%buf: !llvm.ptr, %scale: f32, %n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c4 = llvm.mlir.constant(4 : i64) : i64
  %two = llvm.mlir.constant(2.0 : f32) : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : i64 = (%c0) to (%n) step (%c4) {
        %p = llvm.getelementptr %buf[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
        %v = llvm.load %p : !llvm.ptr -> f32
        %d = llvm.fmul %v, %two : f32
        %s = llvm.fmul %d, %scale : f32
        llvm.store %s, %p : f32, !llvm.ptr
        omp.yield
      }
    }
    omp.terminator
  }
  llvm.return
}

// Two dims: the linear index is split innermost first.
// CHECK-LABEL: llvm.func internal @__resc_grid__chunk(
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[LB0:.*]] = llvm.load
// CHECK: %[[STEP0:.*]] = llvm.load
// CHECK: %[[COUNT0:.*]] = llvm.load
// CHECK: %[[LB1:.*]] = llvm.load
// CHECK: %[[STEP1:.*]] = llvm.load
// CHECK: %[[COUNT1:.*]] = llvm.load
// CHECK: ^{{.*}}(%[[I:.*]]: i64):
// CHECK: %[[R1:.*]] = llvm.urem %[[I]], %[[COUNT1]]
// CHECK: %[[Q:.*]] = llvm.udiv %[[I]], %[[COUNT1]]
// CHECK: %[[O1:.*]] = llvm.mul %[[R1]], %[[STEP1]]
// CHECK: %[[Y:.*]] = llvm.add %[[LB1]], %[[O1]]
// CHECK: %[[R0:.*]] = llvm.urem %[[Q]], %[[COUNT0]]
// CHECK: %[[O0:.*]] = llvm.mul %[[R0]], %[[STEP0]]
// CHECK: %[[X:.*]] = llvm.add %[[LB0]], %[[O0]]
// CHECK: llvm.br ^{{.*}}(%[[X]], %[[Y]] : i64, i64)
// CHECK-LABEL: llvm.func @__resc_grid(
// CHECK: llvm.alloca {{.*}} x !llvm.struct<(ptr, i64, i64, i64, i64, i64, i64)>
// CHECK: llvm.call @__resc_parallel_for(
llvm.func @__resc_grid(%buf: !llvm.ptr, %rows: i64, %cols: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %c16 = llvm.mlir.constant(16 : i64) : i64
  %zero = llvm.mlir.constant(0.0 : f32) : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i, %j) : i64 = (%c0, %c0) to (%rows, %cols) step (%c1, %c16) {
        %k = llvm.add %i, %j : i64
        %p = llvm.getelementptr %buf[%k] : (!llvm.ptr, i64) -> !llvm.ptr, f32
        llvm.store %zero, %p : f32, !llvm.ptr
        omp.yield
      }
    }
    omp.terminator
  }
  llvm.return
}

// A parallel loop inside another goes with its parent's body; its own
// context is then on the stack of the parent's chunk, one per thread.
// CHECK-LABEL: llvm.func internal @__resc_nested__chunk__chunk(
// CHECK-LABEL: llvm.func internal @__resc_nested__chunk(
// CHECK: %[[INNER:.*]] = llvm.alloca {{.*}} x !llvm.struct<(i64, ptr, i64, i64, i64)>
// CHECK: llvm.call @__resc_parallel_for(%{{.*}}, %[[INNER]], %{{.*}})
// CHECK-LABEL: llvm.func @__resc_nested(
// CHECK: llvm.call @__resc_parallel_for(
llvm.func @__resc_nested(%buf: !llvm.ptr, %n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %zero = llvm.mlir.constant(0.0 : f32) : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : i64 = (%c0) to (%n) step (%c1) {
        omp.parallel {
          omp.wsloop {
            omp.loop_nest (%j) : i64 = (%c0) to (%n) step (%c1) {
              %k = llvm.mul %i, %j : i64
              %p = llvm.getelementptr %buf[%k] : (!llvm.ptr, i64) -> !llvm.ptr, f32
              llvm.store %zero, %p : f32, !llvm.ptr
              omp.yield
            }
          }
          omp.terminator
        }
        omp.yield
      }
    }
    omp.terminator
  }
  llvm.return
}

// A region with clauses (here num_threads) stays OpenMP's.
// CHECK-LABEL: llvm.func @__resc_clauses(
// CHECK: omp.parallel num_threads
// CHECK-NOT: llvm.call @__resc_parallel_for
llvm.func @__resc_clauses(%buf: !llvm.ptr, %n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %c2 = llvm.mlir.constant(2 : i32) : i32
  %zero = llvm.mlir.constant(0.0 : f32) : f32
  omp.parallel num_threads(%c2 : i32) {
    omp.wsloop {
      omp.loop_nest (%i) : i64 = (%c0) to (%n) step (%c1) {
        %p = llvm.getelementptr %buf[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
        llvm.store %zero, %p : f32, !llvm.ptr
        omp.yield
      }
    }
    omp.terminator
  }
  llvm.return
}

// The dispatcher, once per module: n <= 1 runs on the calling thread; else
// each thread of the team takes [tid * per, min(n, (tid + 1) * per)),
// per = ceil(n / team), as OpenMP's static schedule splits it.
// CHECK-LABEL: llvm.func internal @__resc_parallel_for(
// CHECK-SAME: %[[CHUNK:.*]]: !llvm.ptr, %[[CTX:.*]]: !llvm.ptr, %[[N:.*]]: i64) attributes {no_inline}
// CHECK: %[[SMALL:.*]] = llvm.icmp "sle" %[[N]]
// CHECK: llvm.cond_br %[[SMALL]], ^[[SERIAL:.*]], ^[[PAR:[a-z0-9]+]]
// CHECK: ^[[SERIAL]]:
// CHECK: llvm.call %[[CHUNK]](%[[CTX]], %{{.*}}, %[[N]])
// CHECK: ^[[PAR]]:
// CHECK: omp.parallel {
// CHECK: %[[TID:.*]] = llvm.call @omp_get_thread_num()
// CHECK: %[[TEAM:.*]] = llvm.call @omp_get_num_threads()
// CHECK: %[[B:.*]] = llvm.intr.umin
// CHECK: %[[E:.*]] = llvm.intr.umin
// CHECK: llvm.call %[[CHUNK]](%[[CTX]], %[[B]], %[[E]])
// CHECK: omp.terminator
