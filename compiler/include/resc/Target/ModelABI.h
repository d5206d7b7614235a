//===- ModelABI.h - what a compiled model exposes ---------------*- C++ -*-===//
//
// Built from the `res` module (before lowering) from the attributes MLIRGen
// put on the entry functions. Everything downstream — entry wrappers, the
// `resc_model` metadata, the C header — reads this one description, so they
// cannot disagree. Layout rules are in docs/abi.md.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_TARGET_MODELABI_H
#define RESC_TARGET_MODELABI_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include <string>
#include <vector>

namespace resc {

struct ABITensor {
  std::string name;
  int dtype = 0;               // resc_dtype
  int role = 0;                // resc_role
  std::vector<int64_t> shape;  // -(k+1) = symbolic dim k
  int64_t offset = -1;         // in the parameter arena
  int64_t nbytes = -1;
  std::string init;
};

/// A parameter argument of the entry functions: one stacked tensor of the
/// arena ([count..., shape...]) holding `instances` tensors at a fixed stride.
struct ABIParamBlock {
  std::string pattern;         // "blocks.*.fc1.weight"
  int dtype = 0;
  int role = 0;
  std::vector<int64_t> shape;  // full shape, stack dims first
  unsigned stackDepth = 0;
  int64_t offset = 0;          // 64-byte aligned
  int64_t nbytes = 0;
  std::string init;
};

/// Inputs whose values index something and are checked before the call.
struct ABIRangeCheck {
  unsigned input;
  int64_t bound;               // values must lie in [0, bound)
  int32_t status;              // resc_entry_status when not
};

/// Where one result of the lowered function goes.
struct ABIResult {
  enum Kind {
    Output, // outputs[index]
    Grad,   // the "grads" output, at blocks[index].offset
    Update, // written back into the parameter arena at blocks[index].offset
  } kind = Output;
  unsigned index = 0;
};

struct ABIEntry {
  std::string name;            // "forward"
  std::string symbol;          // "ResMLP_forward" (exported wrapper)
  std::string implSymbol;      // the lowered function the wrapper calls
  std::vector<ABITensor> inputs, outputs;
  std::vector<ABIRangeCheck> checks;
  std::vector<ABIResult> results;
  std::vector<unsigned> paramBlocks; // block of each non-input argument
  int gradsOutput = -1;        // index of the "grads" output, if any
};

struct ModelABI {
  std::string modelName;
  std::vector<std::string> dims;      // symbolic dims, in order of first use
  std::vector<ABIParamBlock> blocks;  // params, buffers, optimizer state; arena order
  std::vector<ABITensor> params;      // expanded per instance, block by block
  int64_t arenaBytes = 0;
  std::vector<ABIEntry> entries;
};

/// Reads the ABI off a res-level module; reports unsupported signatures at
/// the function's location.
mlir::FailureOr<ModelABI> buildModelABI(mlir::ModuleOp module);

int64_t dtypeSize(int dtype);
const char *dtypeName(int dtype); // "f32", ...

} // namespace resc

#endif // RESC_TARGET_MODELABI_H
