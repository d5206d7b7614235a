//===- SizeExpr.h - read a scratch-size computation -------------*- C++ -*-===//
//
// A scratch layout function (res-plan-scratch) computes sizes and offsets
// with index arithmetic over its index arguments (the entry's dynamic dims). These
// helpers evaluate such a value for given dims (the plan's size estimates,
// the memory remark) and write it as C statements (the header's
// <Model>_<entry>_scratch_bytes functions).
//
//===----------------------------------------------------------------------===//

#ifndef RESC_CODEGEN_SIZEEXPR_H
#define RESC_CODEGEN_SIZEEXPR_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <string>

namespace resc {

/// The value of argument `arg` of the outermost layout function (one
/// dynamic dim of the entry; calls of other layout functions are followed
/// to it).
using DimValueFn = llvm::function_ref<int64_t(mlir::BlockArgument arg)>;
/// The C spelling of that dim (a symbolic dim's name), or "" if it has none.
using DimNameFn = llvm::function_ref<std::string(mlir::BlockArgument arg)>;

/// `v` evaluated, or nullopt for an op the evaluator does not know.
std::optional<int64_t> evaluateSize(mlir::Value v, DimValueFn dimValue);

/// Appends to `body` one `const int64_t tK = ...;` line per op `v` depends
/// on and returns the C expression of `v` (a name or a literal), or nullopt.
std::optional<std::string> printSizeAsC(mlir::Value v, DimNameFn dimName, std::string &body);

} // namespace resc

#endif
