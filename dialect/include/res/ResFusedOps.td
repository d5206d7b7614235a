//===- ResFusedOps.td - contractions with a fused addend ---*- tablegen -*-===//
//
// Made by res-fuse-residual from a residual add (forward) or an adjoint
// fan-in add (backward) whose other operand is a single-use contraction:
// the contraction accumulates into a buffer that starts as the addend, so
// the add costs no pass over memory. They run after differentiation and
// have no VJP of their own.
//
//===----------------------------------------------------------------------===//

#ifndef RES_FUSED_OPS_TD
#define RES_FUSED_OPS_TD

def Res_FusedLinearOp : Res_PureOp<"fused_linear"> {
  let summary = "res.linear whose accumulator starts as an addend: x W^T + b + s";
  let description = [{
    Computes `res.linear %x, %w, %b` plus `addend` (the result's exact shape,
    no broadcasting). The lowering initialises the contraction's accumulator
    with `addend` (plus the bias) instead of zeros, so the residual add
    happens in registers, and the result may take the addend's buffer when
    the addend is dead afterwards.

    ```mlir
    %y = res.fused_linear %h, %w, %b addend %x : (tensor<?x1024xf32>, tensor<512x1024xf32>, tensor<512xf32>, tensor<?x512xf32>) -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$weight,
                       Optional<Res_FloatTensor>:$bias, Res_FloatTensor:$addend);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `addend` $addend attr-dict `:`
    functional-type(operands, results)
  }];
}

def Res_FusedMatmulOp : Res_PureOp<"fused_matmul"> {
  let summary = "res.matmul whose accumulator starts as an addend: A B + s";
  let description = [{
    Computes `res.matmul %a, %b` (both of rank >= 2, batch dims
    broadcasting as in `torch.matmul`) plus `addend`, which has the
    result's exact shape. In the backward pass this is a residual block's
    input adjoint `dx = dy + dz W`: the data gradient accumulates into the
    buffer holding `dy`.

    ```mlir
    %dx = res.fused_matmul %dz, %w addend %dy : (tensor<?x1024xf32>, tensor<1024x512xf32>, tensor<?x512xf32>) -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$lhs, Res_FloatTensor:$rhs, Res_FloatTensor:$addend);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `addend` $addend attr-dict `:` functional-type(operands, results)
  }];
}

#endif // RES_FUSED_OPS_TD
