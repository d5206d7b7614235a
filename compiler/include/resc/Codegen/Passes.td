//===- Passes.td - code generation for linalg on tensors ---*- tablegen -*-===//
//
// The schedule that turns resc's linalg-on-tensors into register-tiled
// vector code before bufferization: choose operand layouts, tile every op
// to vector-sized pieces, then vectorize them.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_CODEGEN_PASSES
#define RESC_CODEGEN_PASSES

include "mlir/Pass/PassBase.td"

def ResFuseElementwise : Pass<"res-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg ops into one pass over memory";
  let description = [{
    Each res op lowers to its own `linalg.generic`, so an optimizer update
    (`p - lr * (momentum * buf + g + wd * p)`) or an activation after an
    add would sweep the whole tensor once per op. This pass merges a
    producer generic into its consumer when both are purely parallel
    (elementwise or broadcast, no reduction) and the producer has no other
    use, so the chain becomes one loop that reads each input once and keeps
    the intermediates in registers. Such a producer also fuses into a
    reduction that reads each of its elements once (a permutation of the
    reduction's loops: batch-norm statistics of `(x - mean)^2`), never into
    a contraction (its operands are read once per output they feed). A
    cheap producer (a few adds and multiplies) read by several consumers it
    could fuse into is copied for each when that costs fewer whole-tensor
    reads than writing it and reading it back in each (batch norm's xhat).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def ResUpdateInPlace : Pass<"res-update-in-place", "mlir::func::FuncOp"> {
  let summary = "Let train_step write updated parameters into their arguments";
  let description = [{
    `train_step` returns every updated parameter, buffer and optimizer state
    tensor. The entry function carries `res.update_args` (set from the ABI
    by `renameEntryPoints`): for each result, the argument it replaces, or
    -1. Where such a result is computed by an all-parallel `linalg.generic`
    (the fused optimizer update) that does not read its output operand, the
    output operand becomes that argument, so that bufferization can write
    the new values into the parameter arena instead of a fresh buffer the
    entry wrapper would copy back (67 MB per step for the ResMLP fixture).
    Bufferization still copies where the old value is read after the
    update; `res-drop-in-place-results` then removes the results that alias
    their argument.

    ```mlir
    %0 = tensor.empty() : tensor<10xf32>
    %1 = linalg.generic {...} ins(%p, %g : ...) outs(%0 : tensor<10xf32>) {...}
    return %1
    ```
    becomes `outs(%p : tensor<10xf32>)` when `%1` replaces argument `%p`.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def ResCollapseDims : Pass<"res-collapse-dims", "mlir::func::FuncOp"> {
  let summary = "Run loops that are contiguous in every operand as one loop";
  let description = [{
    Batch norm, its statistics and its adjoint iterate [N, C, H, W] with
    h and w as two loops; with w = 28 the vector along it is an unclean
    28 floats and each channel's sum reduces across lanes once per row.
    For each elementwise or reduction `linalg.generic` (not contractions,
    nor the ops fused into their register tiles), adjacent loops of
    static extent and the same iterator type that appear adjacent and in
    order in every indexing map, and whose operands' buffers hold them
    contiguously (fresh allocations, entry arguments, slices that keep
    the inner dims whole), become one loop (`linalg::collapseOpIterationDims`):
    `tensor.collapse_shape` on the operands, `tensor.expand_shape` on the
    results. Dynamic dims are never merged.

    ```mlir
    linalg.generic {indexing_maps = [(n, c, h, w) -> (n, c, h, w), (n, c, h, w) -> (c)],
                    iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
        ins(%x : tensor<?x16x28x28xf32>) outs(%s : tensor<16xf32>)
    ```
    becomes the same sum over `tensor<?x16x784xf32>`.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def ResOutlineKernels : Pass<"res-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Move each linalg op into a private kernel function, one per distinct op";
  let description = [{
    A network repeats the same layer shapes many times (every instance of
    a `repeat`, forward and loss and loss_grad and train_step), and the
    unrolled backward of a `repeat` repeats them again. Each linalg op on
    tensors becomes a call to `@__resc_kernel_<i>`, a private function
    holding a copy of the op; structurally identical ops (same op, same
    types, same body) share one function. Tiling and vectorization then
    run once per distinct kernel: compile time and code size grow with
    the number of distinct layer shapes, not with depth. Constants the op
    captures are copied into the kernel; other captured values become
    arguments.

    Example: two `linalg.generic` relus on `tensor<?x512xf32>` become two
    `call @__resc_kernel_0(%x, %init)` and one kernel.
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def ResTransposeContractionOperands
    : Pass<"res-transpose-contraction-operands", "mlir::func::FuncOp"> {
  let summary = "Give contraction operands a layout whose innermost dim is the output's";
  let description = [{
    A register-tiled matmul broadcasts one element of the left operand and
    multiplies it with a vector of the right operand along the output's
    innermost dim `n`. Linear's forward reads its weight as `w[n, k]`, so
    that vector would be a strided gather. This pass transposes such an
    operand once (`linalg.transpose` into `[.., k, n]`) and rewrites the
    indexing map, so every contraction reads contiguous rows. The
    transposition costs one pass over the weight per call, as BLAS packing
    does; it is amortised over the batch.

    Example:
    ```mlir
    linalg.generic {indexing_maps = [(m,n,k)->(m,k), (m,n,k)->(n,k), (m,n,k)->(m,n)]}
    ```
    gets `linalg.transpose ins(%w) permutation = [1, 0]` and the map
    `(m,n,k)->(k,n)` for the weight.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def ResTileForVectors : Pass<"res-tile-for-vectors", "mlir::func::FuncOp"> {
  let summary = "Tile every linalg op into static, vector-sized tiles";
  let description = [{
    Chooses tile sizes per op (compiler/lib/Codegen/Schedule.cpp):
    contractions get an `mr x nr` register tile (6 x 64 f32: twenty-four 512-bit
    accumulators) with the reduction dim tiled by 1 innermost; other ops get
    a vector along the output's innermost dim and unit tiles elsewhere.
    Loops whose trip count does not divide (the dynamic batch dim, a
    feature dim like 784) are peeled, and whatever is still dynamic after
    that is tiled by 1, so every tile the vectorizer sees has a static
    shape. Ops that cannot be tiled are left for the scalar fallback.

    With `parallel` (the default), an outer `scf.forall` level first splits
    each op big enough to be worth it among threads: column panels of a
    matmul's output (rows when it is narrow), the outermost parallel dim of
    other ops. It becomes an OpenMP work-sharing loop.
  }];
  let options = [
    Option<"parallel", "parallel", "bool", "true",
           "Split large ops over threads with an outer scf.forall">
  ];
  let dependentDialects = [
    "mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect"
  ];
}

def ResVectorize : Pass<"res-vectorize", "mlir::func::FuncOp"> {
  let summary = "Vectorize static-shaped linalg ops and keep accumulators in registers";
  let description = [{
    Runs the linalg vectorizer on every linalg op with a static iteration
    space of modest size (the tiles `res-tile-for-vectors` made), folds the
    tensor slices into the vector transfers, turns multiply-reductions into
    `vector.contract`, and hoists the read/write of a loop-carried
    accumulator tile out of the reduction loop, so a matmul's `C` tile
    lives in registers for the whole `k` loop. A loop over the chunks of a
    sum, maximum or minimum (up to 64 floats per chunk) carries the whole
    chunk and reduces across lanes once after the loop. Ops that do not
    vectorize stay as they are and are lowered to loops later.
  }];
  let options = [
    Option<"maxVectorElements", "max-vector-elements", "int64_t", "16384",
           "Largest iteration space (elements) vectorized as one op">
  ];
  let dependentDialects = [
    "mlir::vector::VectorDialect", "mlir::tensor::TensorDialect",
    "mlir::arith::ArithDialect"
  ];
}

def ResBufferize : Pass<"res-bufferize", "mlir::ModuleOp"> {
  let summary = "One-Shot Bufferize with entry-point and kernel calling conventions";
  let description = [{
    One-Shot module bufferization, with two conventions at function
    boundaries. Public functions (the entry points) take and return
    identity-layout memrefs, so the C wrappers build descriptors from plain
    pointers. Private functions (the kernels of `res-outline-kernels`) take
    memrefs with a dynamic offset and dynamic outer strides but a unit
    innermost stride: a slice of a stacked parameter or of a batch is passed
    as a view instead of being copied into a fresh buffer, and the kernel
    still reads rows with contiguous vector loads. Loops may yield fresh
    allocations (`res.repeat` carries).
  }];
  let dependentDialects = [
    "mlir::bufferization::BufferizationDialect", "mlir::memref::MemRefDialect"
  ];
}

def ResDropInPlaceResults : Pass<"res-drop-in-place-results", "mlir::ModuleOp"> {
  let summary = "Remove entry results that bufferized into their own argument";
  let description = [{
    After bufferization, an entry function with `res.update_args` may return
    a parameter argument itself (the update was written in place). Such
    results are removed from the function (the data is already where the
    caller wants it); the function records the original indices of the
    results it still returns in `res.kept_results`, which the entry wrapper
    (`LLVMEmitter.cpp`) uses to copy only those. `drop-equivalent-buffer-results`
    does the same for private functions only, and the deallocation pipeline
    would otherwise clone a returned argument.
  }];
}

def ResCoalesceCopies : Pass<"res-coalesce-copies", "mlir::ModuleOp"> {
  let summary = "Let a copy's target be its source when the source is dead afterwards";
  let description = [{
    One-Shot Bufferize copies a kernel's result into a fresh buffer when a
    reshape cannot prove the kernel's (dynamically strided) result type
    collapsible: TinyLM's heads merged back into rows (`[N, T, 4, 32]` ->
    `[N, T, 128]`) after every attention, and after most kernels whose
    result is reshaped. When the copy's source and target are allocations
    of one type in the same block, nothing reads or writes the source (or a
    view of it) after the copy and nothing touches the target before it,
    the target is the source renamed: its uses take the source and the
    copy and the target's allocation are erased. Whether a call writes a
    buffer is read off the callee's body, so the pass runs on the module.

    Example:
    ```mlir
    %a = memref.alloc(%n) : memref<?x4x32xf32>
    call @kernel(%x, %a)
    %b = memref.alloc(%n) : memref<?x4x32xf32>
    memref.copy %a, %b
    %c = memref.collapse_shape %b [[0], [1, 2]]
    ```
    becomes the call writing `%a` and `%c = memref.collapse_shape %a`.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def ResHoistKernelAllocs : Pass<"res-hoist-kernel-allocs", "mlir::ModuleOp"> {
  let summary = "Let callers allocate the buffers kernels allocate at their top level";
  let description = [{
    A kernel's top-level `memref.alloc` (a transposed operand, an
    out-of-place result) becomes a trailing argument; each call site
    allocates it just before the call, with the size rebuilt from the call's
    operands. A kernel result that was such a buffer is dropped and the
    caller uses its own buffer. The entry's memory plan (`res-plan-scratch`)
    then places these buffers in the scratch arena with the others.
    Buffers whose size cannot be computed from the arguments stay where
    they are. A buffer allocated in the body of a top-level one-dim
    `scf.forall` with static bounds, read and written by vector transfers
    only, whose size has no constant bound (a weight gradient's B panel,
    `[batch, 64]`, which `res-stack-temporaries` cannot put on a worker's
    stack) first becomes one buffer with a piece per iteration,
    `[iterations, ...]`, allocated before the loop.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def ResEntryOutParams : Pass<"res-entry-out-params", "mlir::ModuleOp"> {
  let summary = "Turn entry-point results into buffers the caller passes";
  let description = [{
    Every result of a public function becomes a trailing argument (the C
    wrapper passes the output tensor, the gradient arena's slot or the
    parameter's arena slot). A result computed into a fresh buffer is then
    computed into the caller's buffer directly (also through the copy
    bufferization makes of a returned buffer); any other result, and an
    update of a parameter (`res.kept_updates`, whose slot the function still
    reads), is copied into it before the return. Calls between entry points
    allocate the buffers at the call site. The count goes to `res.out_args`.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def ResStackTemporaries : Pass<"res-stack-temporaries", "mlir::func::FuncOp"> {
  let summary = "Put bounded buffers of loop iterations on the stack";
  let description = [{
    A `memref.alloc` directly in the body of an `scf.for`, `scf.forall` or
    `scf.parallel` whose size has a constant upper bound (value bounds: a
    per-image chunk `min(n - i, 4)`, a partial register tile) and that is
    not yielded becomes a `memref.alloca`, and the body is wrapped in a
    `memref.alloca_scope` so every iteration releases it. The threads of a
    parallel loop each use their own stack, so no per-thread arena is
    needed. The buffers of one body may take at most `limit` bytes (at
    their bounds); larger ones stay on the heap.
  }];
  let options = [
    Option<"limit", "limit", "int64_t", "1 << 20",
           "Bytes the stack buffers of one loop body may take at most">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def ResSpecializeKernelLayouts
    : Pass<"res-specialize-kernel-layouts", "mlir::ModuleOp"> {
  let summary = "Give kernel arguments the strides and offset all their callers agree on";
  let description = [{
    Bufferization gives every kernel argument a fully dynamic layout
    (`strided<[?, ?, ?, 1], offset: ?>`), and each call site casts its
    buffer to it. For each argument of a private function called only
    directly, the layout becomes the join of what the call sites pass
    before their casts: a stride or the offset is static when every caller
    passes the same static value, else it stays dynamic. The body then
    indexes with constants instead of reading strides from the descriptor:
    its parallel loops' chunks (res-parallel-dispatch) no longer load every
    stride from their context and keep them in registers. Canonicalization
    folds the casts this leaves at both ends.

    Example: with every call passing a `memref<?x16x28x28xf32>`, the
    argument `memref<?x16x28x28xf32, strided<[?, ?, ?, 1], offset: ?>>`
    becomes `memref<?x16x28x28xf32, strided<[12544, 784, 28, 1]>>`.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def ResPlanScratch : Pass<"res-plan-scratch", "mlir::ModuleOp"> {
  let summary = "Place every buffer of an entry point in one scratch arena";
  let description = [{
    Liveness-based buffer reuse for each entry point: each `memref.alloc`
    of the entry, or of sequential loops in it, becomes a `memref.view` of a
    trailing `memref<?xi8>` scratch argument. Lifetimes are intervals over
    the entry's ops in program order (a use inside a loop that does not
    contain the allocation lasts the whole loop; views, casts, selects,
    loop-carried values and call results alias their sources); buffers
    with disjoint lifetimes share a slot. A buffer carried to exactly the next loop iteration (a
    `repeat` body's output) alternates between two slots. Sizes are
    symbolic: a private `<entry>__scratch_layout` function, called at the
    start of the entry and by the runtime's `scratch_bytes`, returns the
    total bytes and each slot's offset (64-byte aligned) from the entry's
    argument dims. (Bounded per-iteration buffers of parallel loops are on
    the stack already: `res-stack-temporaries`.) A call of another entry
    point passes it a slice of the arena. `remarks` prints the plan.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", "false",
           "Emit one remark per entry point describing its plan">,
    Option<"plan", "plan", "bool", "true",
           "Plan the buffers; false leaves them all on the heap (for comparisons) "
           "but still adds the scratch argument and layout function">
  ];
  let dependentDialects = [
    "mlir::memref::MemRefDialect", "mlir::arith::ArithDialect", "mlir::func::FuncDialect"
  ];
}

def ResOutlineParallelBodies : Pass<"res-outline-parallel-bodies", "mlir::ModuleOp"> {
  let summary = "Move each entry point's parallel loop bodies into shared private functions";
  let description = [{
    Entry points repeat each other's per-image loops: `loss` runs
    `forward`'s, `train_step` runs `loss_grad`'s (ResNet8: 70 parallel
    loops, 20 distinct bodies). On buffers, after the memory plan, the body
    of each outermost `scf.forall` of an entry implementation (a function
    marked `res.out_args`) becomes a call to `@__resc_parallel_body_<i>`,
    a private `noinline` function taking the induction variables and the
    values the body captures (constants are copied in); bodies that print
    alike share one function, so each is lowered and compiled once. The
    loop stays where it was and is still made an OpenMP work-sharing loop.
    Kernels' own thread-shared tile loops are left alone: a kernel is
    shared already.

    ```mlir
    scf.forall (%i) in (%n) {
      %s = memref.subview %x[%i, 0] [1, 64] [1, 1] : ...
      func.call @__resc_kernel_0(%s) : (...) -> ()
    }
    ```
    becomes `scf.forall (%i) in (%n) { func.call @__resc_parallel_body_0(%i, %x) }`.
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def ResHoistLoopAllocas : Pass<"res-hoist-loop-allocas", "mlir::func::FuncOp"> {
  let summary = "Keep stack buffers of sequential loops from growing the stack every iteration";
  let description = [{
    `scf.for` is an automatic allocation scope, but `convert-scf-to-cf`
    lowers a `memref.alloca` in its body to an LLVM alloca in the loop: the
    stack grows with every iteration (a register tile's 6 x 64 epilogue
    buffer overflowed a thread's stack). Each such alloca moves in front
    of the outermost enclosing `scf.for` its sizes do not depend on,
    stopping at the first scope that is not an `scf.for` (a function, a
    parallel loop's body): one buffer serves all those iterations, each of
    which is done with it when it ends. One whose sizes depend on the loops
    (a partial tile's rows) becomes a `memref.view` of an `i8` buffer of
    its largest size (value bounds), allocated in front of the loops; one
    without a bound is left where it is, with a warning. (A
    `memref.alloca_scope` per iteration would also release it, but it is
    lowered before the loops are, and canonicalization inlines it into a
    loop body, which is a scope already.)
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def ResParallelDispatch : Pass<"res-parallel-dispatch", "mlir::ModuleOp"> {
  let summary = "Run each OpenMP parallel loop through one shared dispatcher";
  let description = [{
    On the LLVM dialect, after convert-openmp-to-llvm. Each `omp.parallel`
    that holds just a work-sharing loop without clauses (what
    convert-scf-to-openmp makes of an `scf.forall` on buffers) gives its
    body to a new private function `<fn>__chunk(context, begin, end)`,
    which loads the values the body uses from the context struct and runs
    linear iterations [begin, end) (induction variables recovered from the
    linear index, innermost dim fastest). The loop becomes: fill the
    context (captured values, and per dim lower bound, step and trip
    count; an alloca in the function's entry block), then call
    `__resc_parallel_for(chunk, context, n)`, created once per module: its
    one `omp.parallel` gives each thread one contiguous block of [0, n), as
    OpenMP's static schedule does, and an n of at most 1 runs on the
    calling thread without a fork. Constants are copied into the chunk, not
    captured. OpenMPIRBuilder outlined every loop on its own, with a fork
    call, a pointer to a stack copy of every captured scalar and the
    schedule's set-up, fini and barrier calls: ResNet8's 111 loops spent
    about a third of its machine code on that.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::omp::OpenMPDialect"];
}

def ResApproximateMath : Pass<"res-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Polynomial approximations for f32 vector exp, log, erf, tanh";
  let description = [{
    The vectorizer leaves `math.exp` (softmax, cross-entropy, sigmoid),
    `math.erf` (exact GELU), `math.tanh` and `math.log` on vectors. libm has
    no vector entry points, so `convert-math-to-libm` would unroll each
    vector into one scalar call per lane (expf, erff: 20-40 cycles each).
    This pass rewrites those ops on f32 *vectors* into MLIR's polynomial
    approximations (range reduction plus a minimax polynomial, arithmetic
    only, so they stay vectorized); scalar ops and f64 keep libm's
    correctly-rounded-ish versions. The approximations are within a few
    ulp of f32 (docs/passes.md gives the measured effect on the parity
    tests).
  }];
  let dependentDialects = [
    "mlir::vector::VectorDialect", "mlir::arith::ArithDialect", "mlir::math::MathDialect"
  ];
}

#endif // RESC_CODEGEN_PASSES
