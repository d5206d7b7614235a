//===- TestPasses.td - Passes for testing the res dialect --*- tablegen -*-===//
//
// Passes that only lit tests use; res-opt registers them, resc does not.
//
//===----------------------------------------------------------------------===//

#ifndef RES_TEST_PASSES_TD
#define RES_TEST_PASSES_TD

include "mlir/Pass/PassBase.td"

def TestVJP : Pass<"res-test-vjp", "::mlir::ModuleOp"> {
  let summary = "Replaces each vjp_* function by the VJP of its one res op";
  let description = [{
    Tests `GradientOpInterface` one op at a time. Every `func.func` whose
    name starts with `vjp_` must contain exactly one op implementing the
    interface, with one result, and take the adjoint of that result as its
    last argument:

    ```mlir
    func.func @vjp_relu(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
      %y = res.relu %x : tensor<?x8xf32>
      return %y : tensor<?x8xf32>
    }
    ```

    The pass emits the op's VJP before the return and makes the function
    return the adjoints of the operands that get one (float operands; the
    optional `res.test_needed = array<i1: ...>` function attribute selects
    operands), in operand order:

    ```mlir
    func.func @vjp_relu(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
      %y = res.relu %x : tensor<?x8xf32>
      %dx = res.relu_grad %x, %dy : tensor<?x8xf32>
      return %dx : tensor<?x8xf32>
    }
    ```
  }];
  let dependentDialects = ["::res::ResDialect"];
}

#endif // RES_TEST_PASSES_TD
