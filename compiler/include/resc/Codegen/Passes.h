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

} // namespace resc

#endif // RESC_CODEGEN_PASSES_H
