//===- ResDialect.td - The res dialect ---------------------*- tablegen -*-===//
//
// The `res` dialect: one op per network operation, on ranked tensors, with
// shape inference and verifiers that name the mismatched shapes.
//
//===----------------------------------------------------------------------===//

#ifndef RES_DIALECT_TD
#define RES_DIALECT_TD

include "mlir/IR/OpBase.td"

def Res_Dialect : Dialect {
  let name = "res";
  let cppNamespace = "::res";
  let summary = "Neural networks with residual connections, at the level they are written";
  let description = [{
    The `res` dialect represents a neural network at the level of its source
    program: `res.linear`, `res.conv2d`, `res.matmul`, elementwise math,
    normalisations, pooling, losses and shape manipulation, all on ranked
    tensors whose dimensions may be dynamic (`?`).

    Two things are explicit in the IR:

    * the skip edge of a residual block, as `res.residual_add`;
    * depth, as `res.repeat`: `repeat(n) Block(...)` is one region over the
      block's body with its parameters stacked along a leading dimension of
      size `n`, not `n` copies of the body.

    Every op infers its result type from its operands and attributes
    (`InferTypeOpInterface`), so builders need no result types; where a
    static and a dynamic dimension meet, the static one wins.
  }];
  let hasConstantMaterializer = 1;
}

#endif // RES_DIALECT_TD
