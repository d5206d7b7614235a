//===- ResOps.td - Operations of the res dialect -----------*- tablegen -*-===//
//
// Op families are TableGen classes (elementwise binary, elementwise unary,
// reductions, pooling); every op infers its result type through
// InferTypeOpInterface, so builders without result types exist.
//
//===----------------------------------------------------------------------===//

#ifndef RES_OPS_TD
#define RES_OPS_TD

include "res/ResDialect.td"
include "res/ResInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

def Res_FloatTensor : RankedTensorOf<[F32, F64]>;
def Res_IntTensor : RankedTensorOf<[I32, I64]>;
def Res_Tensor : RankedTensorOf<[F32, F64, I32, I64]>;

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

class Res_Op<string mnemonic, list<Trait> traits = []>
    : Op<Res_Dialect, mnemonic, traits>;

// An op whose result types are inferred from its operands and attributes.
// Inference errors are reported at the op's location, prefixed with its name.
// A declared result type may be more static than the inferred one (it is
// compatible if ranks and element types agree and static dims match), so
// passes may refine result types.
//
// ShapeChecked runs the inference once before InferTypeOpInterface's own
// verification, so that a shape error is reported once, with its message,
// rather than followed by "failed to infer returned types".
def Res_ShapeChecked : NativeOpTrait<"ShapeChecked"> {
  let cppNamespace = "::res::OpTrait";
}

class Res_InferOp<string mnemonic, list<Trait> traits = []>
    : Res_Op<mnemonic, !listconcat(traits, [Res_ShapeChecked,
                                            InferTypeOpAdaptorWithIsCompatible])> {
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange l,
                                            ::mlir::TypeRange r) {
      return ::res::detail::areCompatibleReturnTypes(l, r);
    }
  }];
}

// A pure op computing a tensor from tensors.
class Res_PureOp<string mnemonic, list<Trait> traits = []>
    : Res_InferOp<mnemonic, !listconcat(traits, [Pure])>;

// An op with a vector-Jacobian product (buildVJP, in dialect/lib/Gradients/).
defvar Res_HasVJP = DeclareOpInterfaceMethods<Res_GradientOpInterface>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Res_ConstantOp : Res_PureOp<"constant", [ConstantLike, Res_HasVJP]> {
  let summary = "A constant tensor";
  let description = [{
    A tensor whose value is given by an elements attribute. Scalars are
    rank-0 tensors.

    ```mlir
    %eps = res.constant dense<1.0e-05> : tensor<f32>
    %w = res.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Res_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops with broadcasting
//===----------------------------------------------------------------------===//

class Res_BinaryElementwiseOp<string mnemonic, string opDesc,
                              list<Trait> traits = []>
    : Res_PureOp<mnemonic, traits> {
  let summary = "Elementwise " # opDesc # " with broadcasting";
  let description = [{
    Elementwise }] # opDesc # [{ of two tensors with the same element type,
    broadcast like numpy/PyTorch: shapes are aligned at their trailing
    dimensions, a dimension of size 1 stretches to match the other, and a
    missing leading dimension counts as 1. Where a static and a dynamic
    dimension meet, the static one wins.

    The type is written once when operands and result agree, otherwise as
    `lhs-type, rhs-type -> result-type`:

    ```mlir
    %0 = res.}] # mnemonic # [{ %a, %b : tensor<?x512xf32>
    %1 = res.}] # mnemonic # [{ %c, %d : tensor<4x1xf32>, tensor<5xf32> -> tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$lhs, Res_FloatTensor:$rhs);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:`
    custom<CompactTypes>(type($lhs), type($rhs), type($result))
  }];
}

def Res_AddOp : Res_BinaryElementwiseOp<"add", "addition", [Commutative, Res_HasVJP]> {
  // The adjoints of adjacent slices of one tensor (attention's q, k and v
  // projections slice one in_proj weight) add up to their concatenation.
  let hasCanonicalizer = 1;
}
def Res_SubOp : Res_BinaryElementwiseOp<"sub", "subtraction", [Res_HasVJP]>;
def Res_MulOp : Res_BinaryElementwiseOp<"mul", "multiplication", [Commutative, Res_HasVJP]>;
def Res_DivOp : Res_BinaryElementwiseOp<"div", "division", [Res_HasVJP]>;

def Res_ResidualAddOp : Res_PureOp<"residual_add", [Res_HasVJP]> {
  let summary = "The addition that closes a residual block";
  let description = [{
    `res.residual_add %branch, skip %x` computes `branch + x`, where `x` is
    the input of a residual block carried around it on the skip edge and
    `branch` is `F(x)`, the output of the block's body. The op keeps the skip
    edge visible in the IR so that passes (fusion, gradient accumulation)
    can find it. Both operands have the same shape (no broadcasting); where
    one has a static and the other a dynamic dimension, the result has the
    static one.

    ```mlir
    %h = res.residual_add %fx, skip %x : tensor<?x512xf32>
    %g = res.residual_add %fy, skip %y : tensor<4x512xf32>, tensor<?x512xf32> -> tensor<4x512xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$branch, Res_FloatTensor:$skip);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $branch `,` `skip` $skip attr-dict `:`
    custom<CompactTypes>(type($branch), type($skip), type($result))
  }];
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Res_MatmulOp : Res_PureOp<"matmul", [Res_HasVJP]> {
  let summary = "Matrix product with torch.matmul semantics";
  let description = [{
    Follows `torch.matmul`: two 1-D operands give their dot product (a
    rank-0 tensor); a 1-D `lhs` is treated as a row `[1, k]` and a 1-D `rhs`
    as a column `[k, 1]`, with the added dimension removed from the result;
    operands of rank 2 or more are batches of matrices whose batch
    dimensions broadcast.

    ```mlir
    %c = res.matmul %a, %b : (tensor<?x784xf32>, tensor<784x512xf32>) -> tensor<?x512xf32>
    %d = res.matmul %q, %k : (tensor<8x4x?x32xf32>, tensor<8x4x32x?xf32>) -> tensor<8x4x?x?xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$lhs, Res_FloatTensor:$rhs);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

def Res_LinearOp : Res_PureOp<"linear", [Res_HasVJP]> {
  let summary = "Affine map y = x W^T + b, like torch.nn.Linear";
  let description = [{
    Applies `weight` (`[out, in]`, PyTorch's layout) to the last dimension
    of `input` (`[..., in]`) and adds the optional `bias` (`[out]`). The
    result is `[..., out]`.

    ```mlir
    %y = res.linear %x, %w, %b : (tensor<?x784xf32>, tensor<512x784xf32>, tensor<512xf32>) -> tensor<?x512xf32>
    %z = res.linear %x, %w : (tensor<?x784xf32>, tensor<512x784xf32>) -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$weight,
                       Optional<Res_FloatTensor>:$bias);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

// The result has the input's type; ODS derives inferReturnTypes from
// SameOperandsAndResultType. Attribute checks are in verify().
class Res_UnaryElementwiseOp<string mnemonic, list<Trait> traits = []>
    : Res_Op<mnemonic, !listconcat(traits, [
        Pure, SameOperandsAndResultType,
        DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let arguments = (ins Res_FloatTensor:$input);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

// A unary elementwise op whose description is generated from a formula.
class Res_SimpleUnaryOp<string mnemonic, string formula,
                        list<Trait> traits = []>
    : Res_UnaryElementwiseOp<mnemonic, traits> {
  let summary = "Elementwise " # formula;
  let description = [{
    Computes `}] # formula # [{` for every element; the result has the
    input's type.

    ```mlir
    %y = res.}] # mnemonic # [{ %x : tensor<?x512xf32>
    ```
  }];
}

def Res_ReluOp : Res_SimpleUnaryOp<"relu", "max(x, 0)", [Res_HasVJP]>;
def Res_SiluOp : Res_SimpleUnaryOp<"silu", "x * sigmoid(x)", [Res_HasVJP]>;
def Res_TanhOp : Res_SimpleUnaryOp<"tanh", "tanh(x)", [Res_HasVJP]>;
def Res_SigmoidOp : Res_SimpleUnaryOp<"sigmoid", "1 / (1 + exp(-x))", [Res_HasVJP]>;
def Res_ExpOp : Res_SimpleUnaryOp<"exp", "exp(x)", [Res_HasVJP]>;
def Res_LogOp : Res_SimpleUnaryOp<"log", "log(x)", [Res_HasVJP]>;
def Res_SqrtOp : Res_SimpleUnaryOp<"sqrt", "sqrt(x)", [Res_HasVJP]>;
def Res_NegOp : Res_SimpleUnaryOp<"neg", "-x", [Res_HasVJP]> {
  let hasFolder = 1;
}

def Res_GeluOp : Res_UnaryElementwiseOp<"gelu", [Res_HasVJP]> {
  let summary = "Elementwise GELU, like torch.nn.functional.gelu";
  let description = [{
    `x * Phi(x)` with `Phi` the standard normal CDF (`approximate = "none"`,
    the default), or PyTorch's tanh approximation
    `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` (`approximate = "tanh"`).

    ```mlir
    %y = res.gelu %x : tensor<?x512xf32>
    %z = res.gelu %x {approximate = "tanh"} : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input,
                       DefaultValuedStrAttr<StrAttr, "none">:$approximate);
  let hasVerifier = 1;
}

def Res_DropoutOp : Res_PureOp<"dropout", [Res_HasVJP]> {
  let summary = "Dropout: active in train_step, the identity elsewhere";
  let description = [{
    Without `key` (forward, loss, loss_grad) the identity. With `key` (a
    rank-0 i32 tensor; `res-build-train-step` sets it in `train_step` from
    the `dropout.seed` state and the step counter) it zeroes each element
    with probability `p` and scales the others by `1 / (1 - p)`. Whether
    element `i` (row-major) is kept is a fixed function of `(key, site, i)`
    (docs/training.md), so the adjoint, `res.dropout` of the result's
    adjoint with the same `key` and `site`, drops exactly the same
    elements. `site` numbers the dropouts of a differentiated loss (set by
    `res-derive-backward`, one per repeat instance). `p` is in `[0, 1)`; a
    dropout with `p = 0` folds away.

    ```mlir
    %y = res.dropout %x {p = 1.000000e-01 : f64} : tensor<?x512xf32>
    %z = res.dropout %x key %k : tensor<i32> {p = 1.000000e-01 : f64, site = 3 : i64} : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input,
                       Optional<TensorOf<[I32]>>:$key, F64Attr:$p,
                       OptionalAttr<I64Attr>:$site);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`key` $key^ `:` type($key))? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "double":$p), [{
      build($_builder, $_state, input, ::mlir::Value(), $_builder.getF64FloatAttr(p),
            ::mlir::IntegerAttr());
    }]>
  ];
  let hasFolder = 1;
}

class Res_SoftmaxLikeOp<string mnemonic, string formula>
    : Res_UnaryElementwiseOp<mnemonic, [Res_HasVJP]> {
  let summary = formula # " along one dimension";
  let description = [{
    Computes `}] # formula # [{` along dimension `dim` of the input (a
    non-negative index below the input's rank), numerically stabilised by
    subtracting the maximum. The result has the input's type.

    ```mlir
    %p = res.}] # mnemonic # [{ %logits dim 1 : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, I64Attr:$dim);
  let hasVerifier = 1;
  let assemblyFormat = "$input `dim` $dim attr-dict `:` type($input)";
}

def Res_SoftmaxOp : Res_SoftmaxLikeOp<"softmax", "exp(x) / sum(exp(x))">;
def Res_LogSoftmaxOp : Res_SoftmaxLikeOp<"log_softmax", "x - log(sum(exp(x)))">;

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Res_ReductionOp<string mnemonic, string what>
    : Res_PureOp<mnemonic, [Res_HasVJP]> {
  let summary = "The " # what # " over some dimensions";
  let description = [{
    The }] # what # [{ of `input` over the dimensions `dims` (all dimensions
    when `dims` is empty). The reduced dimensions are removed from the
    result, or kept with size 1 when `keepdim` is true.

    ```mlir
    %m = res.}] # mnemonic # [{ %h {dims = array<i64: 2, 3>} : tensor<?x64x7x7xf32> -> tensor<?x64xf32>
    %s = res.}] # mnemonic # [{ %h : tensor<?x10xf32> -> tensor<f32>
    %k = res.}] # mnemonic # [{ %h {dims = array<i64: 1>, keepdim = true} : tensor<?x10xf32> -> tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$dims,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdim);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($result)
  }];
}

def Res_MeanOp : Res_ReductionOp<"mean", "mean">;
def Res_SumOp : Res_ReductionOp<"sum", "sum">;

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def Res_ReshapeOp : Res_PureOp<"reshape", [Res_HasVJP]> {
  let summary = "Reshape to a given shape, with at most one -1";
  let description = [{
    Reinterprets the elements of `input` in row-major order with the shape
    `shape`. At most one entry of `shape` is `-1`; its size is computed from
    the element count. When the input's shape is static, the element counts
    must agree; when it is dynamic, the `-1` dimension of the result is `?`.

    ```mlir
    %f = res.reshape %x [-1, 784] : tensor<?x1x28x28xf32> -> tensor<?x784xf32>
    %g = res.reshape %y [2, 3] : tensor<6xf32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Res_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Res_Tensor:$result);
  let assemblyFormat = [{
    $input $shape attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Res_TransposeOp : Res_PureOp<"transpose", [Res_HasVJP]> {
  let summary = "Swap two dimensions, like torch.transpose";
  let description = [{
    Swaps dimensions `dim0` and `dim1` of `input`.

    ```mlir
    %t = res.transpose %x dims 1, 2 : tensor<8x?x64xf32> -> tensor<8x64x?xf32>
    ```
  }];
  let arguments = (ins Res_Tensor:$input, I64Attr:$dim0, I64Attr:$dim1);
  let results = (outs Res_Tensor:$result);
  let assemblyFormat = [{
    $input `dims` $dim0 `,` $dim1 attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Res_SplitDimOp : Res_PureOp<"split_dim", [Res_HasVJP]> {
  let summary = "Split one dimension in two, like torch.Tensor.unflatten";
  let description = [{
    Splits dimension `dim` of `input` (size `S`) into two dimensions
    `[parts, S / parts]`, keeping the row-major order of the elements. `S`
    must be divisible by `parts` when it is static. Multi-head attention
    uses it to give each head its own dimension without knowing `N` or `T`
    (which `res.reshape`, with its single `-1`, could not).

    ```mlir
    %h = res.split_dim %x dim 2 into 4 : tensor<?x?x128xf32> -> tensor<?x?x4x32xf32>
    ```
  }];
  let arguments = (ins Res_Tensor:$input, I64Attr:$dim, I64Attr:$parts);
  let results = (outs Res_Tensor:$result);
  let assemblyFormat = [{
    $input `dim` $dim `into` $parts attr-dict `:` type($input) `->` type($result)
  }];
}

def Res_MergeDimsOp : Res_PureOp<"merge_dims", [Res_HasVJP]> {
  let summary = "Merge two adjacent dimensions, like torch.flatten(x, dim, dim + 1)";
  let description = [{
    Merges dimensions `dim` and `dim + 1` of `input` into one, keeping the
    row-major order of the elements: the inverse of `res.split_dim`.

    ```mlir
    %x = res.merge_dims %h dim 2 : tensor<?x?x4x32xf32> -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins Res_Tensor:$input, I64Attr:$dim);
  let results = (outs Res_Tensor:$result);
  let assemblyFormat = [{
    $input `dim` $dim attr-dict `:` type($input) `->` type($result)
  }];
}

def Res_ConcatOp : Res_PureOp<"concat", [Res_HasVJP]> {
  let summary = "Concatenate tensors along a dimension, like torch.cat";
  let description = [{
    Concatenates one or more tensors of the same rank and element type
    along `dim`. All other dimensions must agree.

    ```mlir
    %c = res.concat %a, %b dim 1 : (tensor<?x16xf32>, tensor<?x32xf32>) -> tensor<?x48xf32>
    ```
  }];
  let arguments = (ins Variadic<Res_Tensor>:$inputs, I64Attr:$dim);
  let results = (outs Res_Tensor:$result);
  let assemblyFormat = [{
    $inputs `dim` $dim attr-dict `:` functional-type($inputs, $result)
  }];
}

//===----------------------------------------------------------------------===//
// Network layers
//===----------------------------------------------------------------------===//

def Res_EmbeddingOp : Res_PureOp<"embedding", [Res_HasVJP]> {
  let summary = "Table lookup, like torch.nn.Embedding";
  let description = [{
    Gathers the rows of `weight` (`[num, d]`) selected by the integer
    `indices` (`[...]`). The result is `[..., d]`.

    ```mlir
    %e = res.embedding %tokens, %w : (tensor<?x?xi32>, tensor<256x128xf32>) -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins Res_IntTensor:$indices, Res_FloatTensor:$weight);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $indices `,` $weight attr-dict `:` functional-type(operands, results)
  }];
}

def Res_Conv2dOp : Res_PureOp<"conv2d", [Res_HasVJP]> {
  let summary = "2-D convolution in NCHW, like torch.nn.Conv2d";
  let description = [{
    Convolves `input` (`[N, C, H, W]`) with `weight`
    (`[O, C / groups, kh, kw]`) and adds the optional `bias` (`[O]`). The
    result is `[N, O, Ho, Wo]` with PyTorch's formula
    `Ho = floor((H + 2 padding[0] - dilation[0] (kh - 1) - 1) / stride[0]) + 1`
    (and likewise for `Wo`); dynamic `H` or `W` give `?`.

    ```mlir
    %y = res.conv2d %x, %w {padding = array<i64: 1, 1>} : (tensor<?x1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x28x28xf32>
    %z = res.conv2d %x, %w, %b {stride = array<i64: 2, 2>} : (tensor<?x16x28x28xf32>, tensor<32x16x1x1xf32>, tensor<32xf32>) -> tensor<?x32x14x14xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$weight,
                       Optional<Res_FloatTensor>:$bias,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$stride,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilation,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Res_BatchNormOp : Res_PureOp<"batch_norm", [Res_HasVJP]> {
  let summary = "Batch normalisation, like torch.nn.BatchNorm2d";
  let description = [{
    Normalises `input` (`[N, C, ...]`) per channel, then scales by `weight`
    and shifts by `bias` (`[C]`): `(x - mean) / sqrt(var + eps) * weight +
    bias`. In evaluation mode (`training = false`, `forward`) `mean` and
    `var` are the running statistics `running_mean` and `running_var`
    (`[C]`, PyTorch's buffers); in training mode (`training = true`, what
    `loss`, `loss_grad` and `train_step` use, like PyTorch's
    `model.train()`) they are the mean and biased variance of the channel
    over this batch (all dimensions but 1), and the running statistics are
    not read. `momentum` is the update rate of the running statistics in
    training. The result has the input's shape.

    ```mlir
    %y = res.batch_norm %x, %w, %b, %mean, %var {eps = 1.000000e-05 : f64, momentum = 1.000000e-01 : f64}
        : (tensor<?x16x28x28xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x28x28xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$weight,
                       Res_FloatTensor:$bias, Res_FloatTensor:$running_mean,
                       Res_FloatTensor:$running_var,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$eps,
                       DefaultValuedAttr<F64Attr, "0.1">:$momentum,
                       DefaultValuedAttr<BoolAttr, "false">:$training);
  let results = (outs Res_FloatTensor:$result);
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$weight,
                   "::mlir::Value":$bias, "::mlir::Value":$running_mean,
                   "::mlir::Value":$running_var, CArg<"double", "1e-5">:$eps,
                   CArg<"double", "0.1">:$momentum,
                   CArg<"bool", "false">:$training), [{
      build($_builder, $_state, input, weight, bias, running_mean, running_var,
            $_builder.getF64FloatAttr(eps), $_builder.getF64FloatAttr(momentum),
            $_builder.getBoolAttr(training));
    }]>
  ];
  let assemblyFormat = [{
    $input `,` $weight `,` $bias `,` $running_mean `,` $running_var attr-dict
    `:` functional-type(operands, results)
  }];
}

def Res_BatchStatsOp : Res_PureOp<"batch_stats"> {
  let summary = "Per-channel batch mean and unbiased variance, for BatchNorm's running statistics";
  let description = [{
    The mean and the unbiased variance (divided by M - 1, M the elements per
    channel) of `input` (`[N, C, ...]`) over every dim but 1: what a
    training-mode `batch_norm` blends into its running buffers, like
    PyTorch. res-build-train-step emits it after each training-mode
    `batch_norm`; it lowers through the same moments as the normalisation,
    so CSE computes them once.

    ```mlir
    %mean, %var = res.batch_stats %x : tensor<?x16x28x28xf32> -> tensor<16xf32>, tensor<16xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input);
  let results = (outs Res_FloatTensor:$mean, Res_FloatTensor:$var);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($mean) `,` type($var)
  }];
}

def Res_LayerNormOp : Res_PureOp<"layer_norm", [Res_HasVJP]> {
  let summary = "Layer normalisation over the last dimension";
  let description = [{
    Normalises `input` (`[..., d]`) over its last dimension,
    `(x - mean) / sqrt(var + eps)`, then scales by `weight` and shifts by
    `bias` (`[d]`), like `torch.nn.LayerNorm(d)`. The result has the input's
    shape.

    ```mlir
    %y = res.layer_norm %x, %w, %b : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$weight,
                       Res_FloatTensor:$bias,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$eps);
  let results = (outs Res_FloatTensor:$result);
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$weight,
                   "::mlir::Value":$bias, CArg<"double", "1e-5">:$eps), [{
      build($_builder, $_state, input, weight, bias,
            $_builder.getF64FloatAttr(eps));
    }]>
  ];
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)
  }];
}

class Res_Pool2dOp<string mnemonic, string what>
    : Res_PureOp<mnemonic, [Res_HasVJP]> {
  let summary = "2-D " # what # " pooling in NCHW";
  let description = [{
    }] # what # [{ pooling of `input` (`[N, C, H, W]`) over `kernel` windows
    moved by `stride`, after implicit padding by `padding` on each side
    (at most half the kernel). The output size is PyTorch's (floor mode):
    `Ho = floor((H + 2 padding[0] - kernel[0]) / stride[0]) + 1`. Average
    pooling counts the padding in the divisor, like PyTorch's default
    `count_include_pad=True`; max pooling pads with -infinity.

    ```mlir
    %y = res.}] # mnemonic # [{ %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<?x16x28x28xf32> -> tensor<?x16x14x14xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($result)
  }];
}

def Res_MaxPool2dOp : Res_Pool2dOp<"max_pool2d", "Max">;
def Res_AvgPool2dOp : Res_Pool2dOp<"avg_pool2d", "Average">;

def Res_CausalMaskOp : Res_UnaryElementwiseOp<"causal_mask", [Res_HasVJP]> {
  let summary = "Replace the entries above the diagonal of the last two dims";
  let description = [{
    Element `[..., i, j]` of `input` (rank >= 2) with `j > i` becomes `fill`;
    the others are kept. With `fill = -inf` before a softmax over the last
    dimension, position `i` attends only to positions `<= i`, as PyTorch's
    causal attention mask; the adjoint is the same op with `fill = 0`.

    ```mlir
    %m = res.causal_mask %s {fill = 0xFFF0000000000000 : f64} : tensor<8x4x?x?xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, F64Attr:$fill);
  let hasVerifier = 1;
}

def Res_SelfAttentionOp : Res_PureOp<"self_attention"> {
  let summary = "Multi-head self-attention, like torch.nn.MultiheadAttention";
  let description = [{
    Multi-head scaled dot-product self-attention over `input` (`[N, T, d]`,
    batch first) with PyTorch's packed parameters: `in_proj_weight`
    (`[3d, d]`) and `in_proj_bias` (`[3d]`) project to queries, keys and
    values; `out_proj_weight` (`[d, d]`) and `out_proj_bias` (`[d]`) project
    the concatenated heads back. `d` must be divisible by `num_heads`. With
    `causal = true`, position `t` attends only to positions `<= t`. The
    result is `[N, T, d]`.

    ```mlir
    %y = res.self_attention %x, %wi, %bi, %wo, %bo {causal = true, num_heads = 4 : i64}
        : (tensor<?x?x128xf32>, tensor<384x128xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$in_proj_weight,
                       Res_FloatTensor:$in_proj_bias,
                       Res_FloatTensor:$out_proj_weight,
                       Res_FloatTensor:$out_proj_bias, I64Attr:$num_heads,
                       DefaultValuedAttr<BoolAttr, "false">:$causal);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $in_proj_weight `,` $in_proj_bias `,` $out_proj_weight `,`
    $out_proj_bias attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

def Res_CrossEntropyOp : Res_PureOp<"cross_entropy", [Res_HasVJP]> {
  let summary = "Mean cross-entropy of logits against integer labels";
  let description = [{
    `mean(-log_softmax(logits)[label])` over all positions, like
    `torch.nn.functional.cross_entropy`. `logits` is `[B, C]` with `labels`
    `[B]`, or `[B, T, C]` with `labels` `[B, T]` (classes last, unlike
    PyTorch's `[B, C, T]`). The result is a rank-0 tensor.

    ```mlir
    %l = res.cross_entropy %logits, %y : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$logits, Res_IntTensor:$labels);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` functional-type(operands, results)
  }];
}

def Res_MseOp : Res_PureOp<"mse", [Res_HasVJP]> {
  let summary = "Mean squared error";
  let description = [{
    `mean((input - target)^2)` over all elements, like
    `torch.nn.functional.mse_loss`; `input` and `target` have the same shape.
    The result is a rank-0 tensor.

    ```mlir
    %l = res.mse %y, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Res_FloatTensor:$input, Res_FloatTensor:$target);
  let results = (outs Res_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $target attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Depth: repeat
//===----------------------------------------------------------------------===//

def Res_RepeatOp : Res_InferOp<"repeat", [
    AttrSizedOperandSegments, RecursiveMemoryEffects, SingleBlock,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>]> {
  let summary = "A block applied `count` times in sequence, with stacked parameters";
  let description = [{
    `repeat(n) Block(...)` as one region over the block's body, so that the
    IR stays flat as depth grows. `inits` are the values carried from one
    instance to the next; `params` are the instances' parameters stacked
    along a leading dimension of size `count`. The body is one block whose
    arguments are the carried values followed by one slice of each stacked
    parameter (its type without the leading dimension). It ends in
    `res.yield` of the next carried values, with the carried types. The
    results are the carried values after the last instance.

    Instance `i` sees slice `i` of each stack; unrolling (the
    `res-unroll-repeat` pass) replaces the op by `count` copies of the body
    fed with `res.instance` slices. The body may use values defined above
    the op.

    ```mlir
    %y = res.repeat 8 carry(%h = %x : tensor<?x512xf32>)
                      params(%w1 = %W1 : tensor<8x1024x512xf32>,
                             %w2 = %W2 : tensor<8x512x1024xf32>) {
      %a = res.linear %h, %w1 : (tensor<?x512xf32>, tensor<1024x512xf32>) -> tensor<?x1024xf32>
      %r = res.relu %a : tensor<?x1024xf32>
      %b = res.linear %r, %w2 : (tensor<?x1024xf32>, tensor<512x1024xf32>) -> tensor<?x512xf32>
      %n = res.residual_add %b, skip %h : tensor<?x512xf32>
      res.yield %n : tensor<?x512xf32>
    }
    ```
  }];
  let arguments = (ins I64Attr:$count, Variadic<Res_Tensor>:$inits,
                       Variadic<Res_Tensor>:$params);
  let results = (outs Variadic<Res_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasRegionVerifier = 1;
  let hasFolder = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    // Creates the op and its body block with the right arguments (carried
    // values, then one slice per stacked parameter) and no terminator: fill
    // it and end it with res.yield.
    OpBuilder<(ins "int64_t":$count, "::mlir::ValueRange":$inits,
                   "::mlir::ValueRange":$params)>
  ];
  let extraClassDeclaration = [{
    /// The body block.
    ::mlir::Block *getBodyBlock() { return &getBody().front(); }
    /// Block arguments carrying the values from one instance to the next.
    ::mlir::Block::BlockArgListType getCarriedArgs() {
      return getBodyBlock()->getArguments().take_front(getInits().size());
    }
    /// Block arguments holding one instance's slice of each stacked param.
    ::mlir::Block::BlockArgListType getParamArgs() {
      return getBodyBlock()->getArguments().drop_front(getInits().size());
    }
    /// The type of one slice of a stacked parameter (leading dim dropped).
    static ::mlir::RankedTensorType getSliceType(::mlir::RankedTensorType stack);
  }];
}

def Res_YieldOp : Res_Op<"yield", [Pure, ReturnLike, Terminator,
                                   HasParent<"::res::RepeatOp">]> {
  let summary = "Yields the carried values of a res.repeat body";
  let description = [{
    Ends the body of a `res.repeat`: its operands are the values carried to
    the next instance, with the types of the carried block arguments.

    ```mlir
    res.yield %h : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Variadic<Res_Tensor>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

def Res_InstanceOp : Res_PureOp<"instance"> {
  let summary = "One instance's slice of a stacked parameter";
  let description = [{
    Slice `index` of a parameter stacked along its leading dimension (the
    result has the stack's type without the leading dimension). Unrolling a
    `res.repeat` feeds its copies of the body with these slices.

    ```mlir
    %w3 = res.instance %W[3] : tensor<8x1024x512xf32> -> tensor<1024x512xf32>
    ```
  }];
  let arguments = (ins Res_Tensor:$stack, I64Attr:$index);
  let results = (outs Res_Tensor:$result);
  let assemblyFormat = [{
    $stack `[` $index `]` attr-dict `:` type($stack) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Backward graphs
//===----------------------------------------------------------------------===//

include "res/ResGradientOps.td"

//===----------------------------------------------------------------------===//
// Fused contractions (res-fuse-residual)
//===----------------------------------------------------------------------===//

include "res/ResFusedOps.td"

#endif // RES_OPS_TD
