//===- ResGradientOps.td - Ops of backward graphs ----------*- tablegen -*-===//
//
// The ops that vector-Jacobian products (GradientOpInterface) emit besides
// the forward ones: un-broadcasting, the adjoints of reductions, and fused
// adjoints of activations, softmax and the losses. Included from ResOps.td.
//
// Naming: `grad` is the adjoint flowing in (dy), `input`/`output` the primal
// value the formula needs (x or y = f(x)).
//
//===----------------------------------------------------------------------===//

#ifndef RES_GRADIENT_OPS_TD
#define RES_GRADIENT_OPS_TD

//===----------------------------------------------------------------------===//
// Broadcasting and reductions
//===----------------------------------------------------------------------===//

def Res_ReduceToOp : Res_PureOp<"reduce_to"> {
  let summary = "Sums an adjoint back to the shape of a broadcast operand";
  let description = [{
    The adjoint of numpy/PyTorch broadcasting: `grad` has the shape that
    `like` was broadcast to, and the result, of `like`'s type, sums `grad`
    over the dimensions broadcasting added (leading dimensions `like` does
    not have) or stretched (where `like` has a static size 1 and `grad` does
    not). Only `like`'s type and dynamic sizes are used, not its values.

    `like`'s shape must broadcast to `grad`'s. Where no dimension is
    reduced the op only refines or relaxes the type (and folds away when
    the types are equal).

    ```mlir
    // The adjoint of the bias in `%x + %b` with %b : tensor<512xf32>.
    %db = res.reduce_to %dy, %b : (tensor<?x512xf32>, tensor<512xf32>) -> tensor<512xf32>
    %dc = res.reduce_to %g, %c : (tensor<4x5xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$grad, Res_FloatTensor:$like);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $like attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Res_BroadcastToOp : Res_PureOp<"broadcast_to"> {
  let summary = "Expands the adjoint of a reduction back to the reduced shape";
  let description = [{
    The adjoint of `res.sum` / `res.mean` over `dims` (all dimensions when
    `dims` is empty) with `keepdim`: `grad` has the shape of `like` reduced
    over `dims` (removed, or kept with size 1 when `keepdim`), and the
    result, of `like`'s type, repeats `grad` along `dims`:

        result[i] = grad[i without dims]            (mean = false)
        result[i] = grad[i without dims] / count    (mean = true)

    where `count` is the number of elements of `like` along `dims`. Only
    `like`'s type and dynamic sizes are used, not its values.

    ```mlir
    %dx = res.broadcast_to %dm, %x {dims = array<i64: 2, 3>, mean = true}
        : (tensor<?x64xf32>, tensor<?x64x7x7xf32>) -> tensor<?x64x7x7xf32>
    %dy = res.broadcast_to %ds, %y : (tensor<f32>, tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$grad, Res_FloatTensor:$like,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$dims,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdim,
                       DefaultValuedAttr<BoolAttr, "false">:$mean);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $like attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Adjoints of elementwise activations
//===----------------------------------------------------------------------===//

// `res.<name>_grad %primal, %dy`: the adjoint of the input of an activation,
// elementwise, from the primal `input` (x) or `output` (y = f(x)) and the
// adjoint of the output. All three have the same type.
class Res_ActivationGradOp<string mnemonic, dag primal, string formula,
                           list<Trait> traits = []>
    : Res_Op<mnemonic, !listconcat(traits, [
        Pure, SameOperandsAndResultType,
        DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let summary = "Adjoint of an activation: " # formula;
  let arguments = !con(primal, (ins Res_FloatTensor:$grad));
  let results = (outs Res_FloatTensor:$result);
  let description = [{
    Computes `}] # formula # [{` for every element, where `dy` is `grad`,
    the adjoint of the activation's output. The operands and the result
    have the same type.

    ```mlir
    %dx = res.}] # mnemonic # [{ %v, %dy : tensor<?x512xf32>
    ```
  }];
  let assemblyFormat = "operands attr-dict `:` type($result)";
}

def Res_ReluGradOp : Res_ActivationGradOp<"relu_grad",
    (ins Res_FloatTensor:$output),
    "y > 0 ? dy : 0 with y = relu(x) (positive exactly where x is)">;
def Res_SiluGradOp : Res_ActivationGradOp<"silu_grad",
    (ins Res_FloatTensor:$input),
    "dy * s * (1 + x * (1 - s)) with s = sigmoid(x)">;
def Res_TanhGradOp : Res_ActivationGradOp<"tanh_grad",
    (ins Res_FloatTensor:$output), "dy * (1 - y^2) with y = tanh(x)">;
def Res_SigmoidGradOp : Res_ActivationGradOp<"sigmoid_grad",
    (ins Res_FloatTensor:$output), "dy * y * (1 - y) with y = sigmoid(x)">;

def Res_GeluGradOp : Res_ActivationGradOp<"gelu_grad",
    (ins Res_FloatTensor:$input), "dy * gelu'(x)"> {
  let description = [{
    The adjoint of `res.gelu`'s input from its input `x` and the adjoint
    `dy` (`grad`) of its output, elementwise:

    * `approximate = "none"`: `dy * (Phi(x) + x * phi(x))` with
      `Phi(x) = (1 + erf(x / sqrt 2)) / 2` and `phi(x) = exp(-x^2 / 2) / sqrt(2 pi)`;
    * `approximate = "tanh"`: with `u = sqrt(2/pi) (x + 0.044715 x^3)` and
      `t = tanh(u)`, `dy * (0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2))`.

    ```mlir
    %dx = res.gelu_grad %x, %dy : tensor<?x512xf32>
    %dz = res.gelu_grad %x, %dy {approximate = "tanh"} : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$grad,
                       DefaultValuedStrAttr<StrAttr, "none">:$approximate);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Adjoints of softmax and log_softmax
//===----------------------------------------------------------------------===//

class Res_SoftmaxLikeGradOp<string mnemonic, string of, string formula>
    : Res_Op<mnemonic, [Pure, SameOperandsAndResultType,
                        DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Adjoint of " # of # " along one dimension";
  let description = [{
    The adjoint of the input of `res.}] # of # [{` along `dim` from its
    output `y` (`output`) and the adjoint `dy` (`grad`) of that output:
    `}] # formula # [{`, where the sum runs along `dim` (a non-negative index
    below the rank). The operands and the result have the same type.

    ```mlir
    %dx = res.}] # mnemonic # [{ %y, %dy dim 1 : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$output, Res_FloatTensor:$grad,
                       I64Attr:$dim);
  let results = (outs Res_FloatTensor:$result);
  let hasVerifier = 1;
  let assemblyFormat = "$output `,` $grad `dim` $dim attr-dict `:` type($result)";
}

def Res_SoftmaxGradOp : Res_SoftmaxLikeGradOp<"softmax_grad", "softmax",
    "y * (dy - sum(dy * y))">;
def Res_LogSoftmaxGradOp : Res_SoftmaxLikeGradOp<"log_softmax_grad",
    "log_softmax", "dy - exp(y) * sum(dy)">;

//===----------------------------------------------------------------------===//
// Adjoints of the losses
//===----------------------------------------------------------------------===//

def Res_CrossEntropyGradOp : Res_PureOp<"cross_entropy_grad"> {
  let summary = "Adjoint of the logits of res.cross_entropy";
  let description = [{
    The adjoint of `logits` in `res.cross_entropy %logits, %labels`, given
    the adjoint `dloss` (`grad`, rank 0) of the mean loss:

        (softmax(logits) - onehot(labels)) * dloss / rows

    with the softmax over the classes (last dimension) and `rows` the number
    of positions (`B`, or `B * T` for rank-3 logits). A label outside
    `[0, C)` contributes no one-hot term (and is never used as an index).
    The result has the logits' type; the labels get no adjoint.

    ```mlir
    %dlogits = res.cross_entropy_grad %logits, %y, %dloss
        : (tensor<?x10xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$logits, Res_IntTensor:$labels,
                       Res_FloatTensor:$grad);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $grad attr-dict `:` functional-type(operands, results)
  }];
}

def Res_MseGradOp : Res_PureOp<"mse_grad"> {
  let summary = "Adjoint of the input of res.mse";
  let description = [{
    The adjoint of `input` in `res.mse %input, %target`, given the adjoint
    `dloss` (`grad`, rank 0) of the mean loss:

        2 * (input - target) * dloss / numel

    with `numel` the number of elements of `input`. The adjoint of `target`
    is its negation. The result has the input's type.

    ```mlir
    %da = res.mse_grad %a, %t, %dloss
        : (tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$target,
                       Res_FloatTensor:$grad);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $target `,` $grad attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Contractions and shapes
//===----------------------------------------------------------------------===//

def Res_LinearWeightGradOp : Res_PureOp<"linear_weight_grad"> {
  let summary = "Adjoint of the weight of res.linear";
  let description = [{
    The adjoint of `weight` (`[out, in]`) in `res.linear %x, %weight`, from
    the adjoint `dy` (`grad`, `[..., out]`) of its result and its input `x`
    (`input`, `[..., in]`, the same leading dimensions):

        result[o, i] = sum over the leading indices n of dy[n, o] * x[n, i]

    that is `dy^T x` with all leading dimensions flattened. The result is
    `[out, in]`.

    ```mlir
    %dw = res.linear_weight_grad %dy, %x : (tensor<?x512xf32>, tensor<?x784xf32>) -> tensor<512x784xf32>
    %dv = res.linear_weight_grad %dz, %h : (tensor<?x?x64xf32>, tensor<?x?x128xf32>) -> tensor<64x128xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$grad, Res_FloatTensor:$input);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $input attr-dict `:` functional-type(operands, results)
  }];
}

def Res_SliceOp : Res_PureOp<"slice", [Res_HasVJP]> {
  let summary = "A contiguous slice along one dimension";
  let description = [{
    Elements `offset` to `offset + size - 1` of `input` along `dim`; the
    other dimensions are kept whole. `offset` and `size` are non-negative
    and, where the dimension is static, the slice lies within it. It is the
    adjoint of `res.concat` for each of its inputs.

    ```mlir
    %b = res.slice %c dim 1 offset 16 size 32 : tensor<?x48xf32> -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins Res_Tensor:$input, I64Attr:$dim, I64Attr:$offset,
                       I64Attr:$size);
  let results = (outs Res_Tensor:$result);
  let assemblyFormat = [{
    $input `dim` $dim `offset` $offset `size` $size attr-dict `:`
    type($input) `->` type($result)
  }];
}

def Res_SliceGradOp : Res_PureOp<"slice_grad"> {
  let summary = "Adjoint of res.slice: the slice's adjoint placed in zeros";
  let description = [{
    A tensor of `input`'s type that is zero except for elements `offset` to
    `offset + size - 1` along `dim`, which hold `grad` (`size` is `grad`'s
    size along `dim`). `grad` has the other dimensions of `input`.

    ```mlir
    %dx = res.slice_grad %dy, %x dim 0 offset 128 : (tensor<128x128xf32>, tensor<384x128xf32>) -> tensor<384x128xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$grad, Res_FloatTensor:$input,
                       I64Attr:$dim, I64Attr:$offset);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $input `dim` $dim `offset` $offset attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Adjoints of the network layers (conv2d, pooling, normalisation, embedding)
//===----------------------------------------------------------------------===//

// The window attributes of conv2d, copied from the forward op.
defvar Res_ConvWindowAttrs = (ins
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$stride,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilation,
    DefaultValuedAttr<I64Attr, "1">:$groups);

def Res_Conv2dGradInputOp : Res_PureOp<"conv2d_grad_input"> {
  let summary = "Adjoint of the input of res.conv2d (a transposed convolution)";
  let description = [{
    The adjoint of `input` (`[N, C, H, W]`, whose type `like` gives) in
    `res.conv2d %input, %weight` with the same `stride`, `padding`,
    `dilation` and `groups`, from the adjoint `dy` (`grad`,
    `[N, O, Ho, Wo]`) of the convolution's result:

        dx[n, c, h, w] = sum over o in c's group, kh, kw with
                         oh s + kh d - p = h (and likewise for w) of
                         dy[n, o, oh, ow] * weight[o, c mod (C/groups), kh, kw]

    `grad` must have the shape the convolution of `like` produces. Input
    rows no window reaches (stride larger than the kernel's extent, or the
    rows floor mode drops) get 0.

    ```mlir
    %dx = res.conv2d_grad_input %dy, %w, %x {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>}
        : (tensor<?x32x14x14xf32>, tensor<32x16x3x3xf32>, tensor<?x16x28x28xf32>) -> tensor<?x16x28x28xf32>
    ```
  }];
  let arguments = !con((ins Res_FloatTensor:$grad, Res_FloatTensor:$weight,
                            Res_FloatTensor:$like), Res_ConvWindowAttrs);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $weight `,` $like attr-dict `:` functional-type(operands, results)
  }];
}

def Res_Conv2dGradWeightOp : Res_PureOp<"conv2d_grad_weight"> {
  let summary = "Adjoint of the weight of res.conv2d";
  let description = [{
    The adjoint of `weight` (`[O, C / groups, kh, kw]`, whose type `like`
    gives) in `res.conv2d %input, %weight` with the same window attributes,
    from the adjoint `dy` (`grad`, `[N, O, Ho, Wo]`) and the input `x`
    (`input`, `[N, C, H, W]`), with `x_pad` the input zero-padded by
    `padding` and `g = o / (O / groups)`:

        dw[o, c, kh, kw] = sum over n, oh, ow of
            dy[n, o, oh, ow] * x_pad[n, g (C / groups) + c, oh s + kh d, ow s + kw d]

    ```mlir
    %dw = res.conv2d_grad_weight %dy, %x, %w {padding = array<i64: 1, 1>}
        : (tensor<?x16x28x28xf32>, tensor<?x16x28x28xf32>, tensor<16x16x3x3xf32>) -> tensor<16x16x3x3xf32>
    ```
  }];
  let arguments = !con((ins Res_FloatTensor:$grad, Res_FloatTensor:$input,
                            Res_FloatTensor:$like), Res_ConvWindowAttrs);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $input `,` $like attr-dict `:` functional-type(operands, results)
  }];
}

def Res_MaxPool2dGradOp : Res_PureOp<"max_pool2d_grad"> {
  let summary = "Adjoint of the input of res.max_pool2d";
  let description = [{
    The adjoint of `input` (`[N, C, H, W]`) in `res.max_pool2d` with the same
    `kernel`, `stride` and `padding`, from the adjoint `dy` (`grad`) of the
    pooled result: each window's `dy` goes to the position of its maximum,
    the first one in row-major order when several are equal (PyTorch's
    choice); positions that are the maximum of several overlapping windows
    receive the sum. The result has the input's type.

    ```mlir
    %dx = res.max_pool2d_grad %x, %dy {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}
        : (tensor<?x16x28x28xf32>, tensor<?x16x14x14xf32>) -> tensor<?x16x28x28xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$grad,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$stride,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad attr-dict `:` functional-type(operands, results)
  }];
}

def Res_AvgPool2dGradOp : Res_PureOp<"avg_pool2d_grad"> {
  let summary = "Adjoint of the input of res.avg_pool2d";
  let description = [{
    The adjoint of `input` (`[N, C, H, W]`, whose type `like` gives) in
    `res.avg_pool2d` with the same `kernel`, `stride` and `padding`, from the
    adjoint `dy` (`grad`) of the pooled result: every position receives
    `dy / (kernel[0] kernel[1])` from each window that covers it (padding
    counts in the divisor, like the forward op).

    ```mlir
    %dx = res.avg_pool2d_grad %dy, %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>}
        : (tensor<?x16x14x14xf32>, tensor<?x16x28x28xf32>) -> tensor<?x16x28x28xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$grad, Res_FloatTensor:$like,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$stride,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $like attr-dict `:` functional-type(operands, results)
  }];
}

def Res_EmbeddingGradOp : Res_PureOp<"embedding_grad"> {
  let summary = "Adjoint of the weight of res.embedding (a scatter-add)";
  let description = [{
    The adjoint of `weight` (`[num, d]`, whose type `like` gives) in
    `res.embedding %indices, %weight`, from the adjoint `dy` (`grad`,
    `[..., d]`, the indices' shape then `d`): row `r` is the sum of the rows
    of `dy` at the positions whose index is `r`. Indices are clamped to
    `[0, num)` like the forward lookup (the entry wrapper rejects others).

    ```mlir
    %dw = res.embedding_grad %tokens, %dy, %w
        : (tensor<?x?xi32>, tensor<?x?x128xf32>, tensor<256x128xf32>) -> tensor<256x128xf32>
    ```
  }];
  let arguments = (ins Res_IntTensor:$indices, Res_FloatTensor:$grad,
                       Res_FloatTensor:$like);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $indices `,` $grad `,` $like attr-dict `:` functional-type(operands, results)
  }];
}

def Res_BatchNormGradOp : Res_PureOp<"batch_norm_grad"> {
  let summary = "Adjoints of the input, weight and bias of res.batch_norm";
  let description = [{
    The adjoints of `input` (`[N, C, ...]`), `weight` and `bias` (`[C]`) in
    `res.batch_norm` with the same `eps` and `training`, from the adjoint
    `dy` (`grad`, the input's shape). Per channel, with `M` the number of
    elements of a channel, `xhat = (x - mean) / sqrt(var + eps)` and
    `rstd = 1 / sqrt(var + eps)`:

    * `training = true` (batch statistics: `mean`, biased `var` of the
      channel in this batch):
      `dx = weight rstd (dy - sum(dy) / M - xhat sum(dy xhat) / M)`;
    * `training = false` (`running_mean`, `running_var`):
      `dx = weight rstd dy`;

    and in both `dweight = sum(dy xhat)`, `dbias = sum(dy)`. The running
    statistics are only read in evaluation mode and get no adjoint.

    ```mlir
    %dx, %dw, %db = res.batch_norm_grad %x, %w, %mean, %var, %dy {training = true}
        : (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<?x16x28x28xf32>)
        -> (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>)
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$weight,
                       Res_FloatTensor:$running_mean,
                       Res_FloatTensor:$running_var, Res_FloatTensor:$grad,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$eps,
                       DefaultValuedAttr<BoolAttr, "false">:$training);
  let results = (outs Res_FloatTensor:$input_grad,
                      Res_FloatTensor:$weight_grad, Res_FloatTensor:$bias_grad);
  let assemblyFormat = [{
    $input `,` $weight `,` $running_mean `,` $running_var `,` $grad attr-dict
    `:` functional-type(operands, results)
  }];
}

def Res_LayerNormGradOp : Res_PureOp<"layer_norm_grad"> {
  let summary = "Adjoints of the input, weight and bias of res.layer_norm";
  let description = [{
    The adjoints of `input` (`[..., d]`), `weight` and `bias` (`[d]`) in
    `res.layer_norm` with the same `eps`, from the adjoint `dy` (`grad`, the
    input's shape). Per row (last dimension), with `xhat` the normalised
    input, `rstd = 1 / sqrt(var + eps)` and `g = dy weight`:

        dx      = rstd (g - mean(g) - xhat mean(g xhat))
        dweight = sum over the leading dims of dy xhat
        dbias   = sum over the leading dims of dy

    ```mlir
    %dx, %dw, %db = res.layer_norm_grad %x, %w, %dy
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<?x?x128xf32>)
        -> (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>)
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$weight,
                       Res_FloatTensor:$grad,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$eps);
  let results = (outs Res_FloatTensor:$input_grad,
                      Res_FloatTensor:$weight_grad, Res_FloatTensor:$bias_grad);
  let assemblyFormat = [{
    $input `,` $weight `,` $grad attr-dict `:` functional-type(operands, results)
  }];
}

#endif // RES_GRADIENT_OPS_TD
