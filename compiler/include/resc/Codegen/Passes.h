//===- Passes.h - code generation passes ------------------------*- C++ -*-===//

#ifndef RESC_CODEGEN_PASSES_H
#define RESC_CODEGEN_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace resc {

#define GEN_PASS_DECL
#include "resc/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "resc/Codegen/Passes.h.inc"

/// Marks an outlined kernel that is called from inside an scf.forall
/// (res-outline-kernels): res-tile-for-vectors does not split it over
/// threads again.
inline constexpr llvm::StringLiteral kSerialKernelAttr = "res.serial";

} // namespace resc

#endif // RESC_CODEGEN_PASSES_H
