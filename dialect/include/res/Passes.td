//===- Passes.td - Passes of the res dialect ---------------*- tablegen -*-===//

#ifndef RES_PASSES_TD
#define RES_PASSES_TD

include "mlir/Pass/PassBase.td"

def ResUnrollRepeat : Pass<"res-unroll-repeat"> {
  let summary = "Unroll res.repeat into copies of its body";
  let description = [{
    Replaces every `res.repeat` (innermost first) by `count` copies of its
    body, in sequence: copy `i` receives the carried values produced by copy
    `i - 1` (the repeat's `inits` for the first) and `res.instance %stack[i]`
    slices of the stacked parameters; the repeat's results become the values
    yielded by the last copy. With `max-count=N`, only repeats with
    `count <= N` are unrolled, so that deep stacks keep their loop.

    ```mlir
    %y = res.repeat 2 carry(%h = %x : tensor<4xf32>) params(%p = %P : tensor<2x4xf32>) {
      %s = res.add %h, %p : tensor<4xf32>
      res.yield %s : tensor<4xf32>
    }
    ```
    becomes
    ```mlir
    %p0 = res.instance %P[0] : tensor<2x4xf32> -> tensor<4xf32>
    %s0 = res.add %x, %p0 : tensor<4xf32>
    %p1 = res.instance %P[1] : tensor<2x4xf32> -> tensor<4xf32>
    %s1 = res.add %s0, %p1 : tensor<4xf32>
    ```
  }];
  let options = [
    Option<"maxCount", "max-count", "int64_t", /*default=*/"-1",
           "Only unroll repeats with count <= max-count (-1: no limit)">
  ];
  // A carried value that became more static than the repeat's result type
  // is cast back with tensor.cast.
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def ResInferShapes : Pass<"res-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "Refine result types with the ops' shape inference";
  let description = [{
    Walks every function in order and asks each op implementing
    `InferTypeOpInterface` for its result types given its current operands.
    Where the inferred type is more static than the current one (for
    instance after a function argument's type was specialised from
    `tensor<?x784xf32>` to `tensor<32x784xf32>`), the result type is refined:
    each dimension that is static in either type becomes static. Carried
    block arguments of `res.repeat` follow their inits. Finally each
    function's result types are set to the types it returns, unless the
    function is called from within the module (its call sites would no
    longer match). Users outside the `res` dialect that need the old type
    (a kept signature's `func.return`, `func.call`, tensor ops) receive a
    `tensor.cast` back to it. An op whose operands became contradictory
    reports the inference error and the pass fails.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def ResDecompose : Pass<"res-decompose"> {
  let summary = "Expand composite layers into primitive res ops";
  let description = [{
    Rewrites each composite op into the primitive res ops it is made of, so
    that lowering, fusion and differentiation (every primitive has its
    vector-Jacobian product) need nothing of their own for it. One rewrite
    pattern per composite op; today `res.self_attention`, which becomes
    PyTorch's `multi_head_attention_forward`:

    ```
    q, k, v = linear(x, W_i[0:d], b_i[0:d]), linear(x, W_i[d:2d], ...), ...
    q, k, v = each split_dim(dim 2 into heads), transpose(1, 2)   [N, H, T, d/H]
    s = matmul(q / sqrt(d/H), transpose(k, 2, 3))                  [N, H, T, T]
    s = causal_mask(s, fill = -inf)                                (causal only)
    o = matmul(softmax(s, dim 3), v)                               [N, H, T, d/H]
    y = linear(merge_dims(transpose(o, 1, 2), dim 2), W_o, b_o)    [N, T, d]
    ```

    The packed in-projection is sliced along its rows (`res.slice`), not the
    activations, so the adjoints of the slices are three small weight
    pieces rather than three copies of `[N, T, 3d]`.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def ResDeriveBackward : Pass<"res-derive-backward", "::mlir::ModuleOp"> {
  let summary = "Build <Model>_loss_grad from <Model>_loss by reverse-mode AD";
  let description = [{
    For every function whose name ends in `_loss`, creates `<name>_grad`
    with the same arguments, returning the loss and then the gradient of
    every parameter argument (`res.role = "param"`; buffers and inputs get
    none), each result tagged `res.role = "grad"` and `res.name`.

    The gradient function first repeats the loss computation (the primal),
    with `res.repeat` unrolled so each instance's activations are kept;
    then it walks the primal ops in reverse and asks each op for its
    vector-Jacobian product through `GradientOpInterface` — there is no
    switch over op kinds. Adjoints of a value used more than once are
    summed: a residual block's input receives `dy + J_F^T dy`. Activity
    analysis skips everything that does not depend on a parameter (integer
    labels, inputs, constants); primal values the backward pass does not
    read are removed by the canonicalizer afterwards.

    Example: for `%y = res.relu %x` with adjoint `%dy`, the op contributes
    `%dx = res.relu_grad %x, %dy` to the adjoint of `%x`.

    With `remarks`, one remark per source expression whose value the
    backward pass reads (an activation kept for backward): how many
    tensors (repeat instances) of which type, and their bytes per unit of
    the dynamic dims (per sample).
  }];
  let options = [
    Option<"remarks", "remarks", "bool", "false",
           "Report the primal values kept for the backward pass">
  ];
}

def ResBuildTrainStep : Pass<"res-build-train-step", "::mlir::ModuleOp"> {
  let summary = "Build <Model>_train_step: loss_grad plus the optimizer update";
  let description = [{
    For every `<name>_loss_grad` in a module whose `res.optimizer` attribute
    names an optimizer, creates `<name>_train_step`: the loss's inputs, then
    the learning rate `lr` (a rank-0 input, so it can change every call),
    then the parameters and buffers, then the optimizer state as arguments
    with `res.role = "state"` (`<param>.momentum_buffer` for SGD with
    momentum; `<param>.exp_avg` and `<param>.exp_avg_sq` for AdamW; one
    `optimizer.step`). It returns the loss and the new value of every
    parameter and state tensor (`res.role = "update"`), which the entry
    wrapper writes back into the arena in place.

    The update rules are torch.optim's, written in res ops:
    SGD: g += wd p; buf = m buf + (1 - d) g (buf = g on the first step);
    g = nesterov ? g + m buf : buf; p -= lr g.
    AdamW: p *= 1 - lr wd; m1 = b1 m1 + (1 - b1) g; m2 = b2 m2 + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m1 / (sqrt(m2) / sqrt(1 - b2^t) + eps).

    BatchNorm buffers (training-mode `res.batch_norm` only), like PyTorch's
    train-mode forward: `running_mean = (1 - momentum) running_mean +
    momentum mean`, `running_var` likewise with the unbiased batch variance,
    `num_batches_tracked += 1`; also results with `res.role = "update"`.

    `fuse-update` (off by default; `fuse-update-above=B` turns it on for
    models whose parameters take more than B bytes, as resc does above 16
    MiB: measured in docs/performance.md): the step repeats loss_grad's body instead
    of calling it, and each parameter's update is placed right after the
    last op that reads the parameter and after its gradient; a stacked
    parameter (`repeat`) whose gradient is the concatenation of per-instance
    gradients is updated per instance. Every weight gradient then has its
    update as its only user, which code generation fuses into the gradient's
    register tiles (res-tile-for-vectors), so the gradient is never stored.
    Without it the step calls loss_grad and updates all parameters at the
    end (one copy of the forward and backward code).
  }];
  let options = [
    Option<"fuseUpdate", "fuse-update", "bool", /*default=*/"false",
           "Update each parameter (instance) right after its gradient">,
    Option<"fuseUpdateAbove", "fuse-update-above", "int64_t", /*default=*/"0",
           "Also fuse when the parameters take more than this many bytes (0: never)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ResFuseResidual : Pass<"res-fuse-residual", "::mlir::ModuleOp"> {
  let summary = "Fold residual adds into the accumulators of contractions";
  let description = [{
    Forward: `res.residual_add %branch, skip %s` whose branch (or, for a
    projection shortcut, whose skip) is a `res.linear` or a rank >= 2
    `res.matmul` used only by the add becomes `res.fused_linear` /
    `res.fused_matmul` with the other operand as `addend`: the contraction
    accumulates onto the skip value (plus the bias), so the add costs no
    pass over memory, and bufferization writes the result into the skip
    value's buffer when it is dead afterwards.

    Backward: an adjoint sum made by res-derive-backward (`res.add` marked
    `res.adjoint_sum`, e.g. a residual block's input adjoint
    `dx = dy + dz W`) whose one operand is a single-use `res.matmul` (a
    Linear's data gradient) becomes an accumulating `res.fused_matmul` into
    the other operand's buffer.

    Not fused: a contraction whose result is used again, an addend of
    another shape (a broadcast), adds that are neither skip edges nor
    adjoint sums, and branches that end in anything but a contraction
    (a batch norm). With `remarks`, each residual add gets one remark per
    direction at its source location, as clang's optimisation remarks:
    `residual add fused into res.linear epilogue (forward)`,
    `residual add fused into accumulating res.matmul (backward)`, or
    `residual add not fused (forward): <reason>`.

    Runs after differentiation: the fused ops have no VJP.
  }];
  let options = [
    Option<"forward", "forward", "bool", /*default=*/"true",
           "Fuse residual adds into forward contractions">,
    Option<"backward", "backward", "bool", /*default=*/"true",
           "Fuse adjoint sums into backward contractions">,
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit one remark per residual add and direction">,
  ];
}

#endif // RES_PASSES_TD
