//===- Passes.h - Passes of the res dialect ---------------------*- C++ -*-===//

#ifndef RES_PASSES_H
#define RES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace res {

#define GEN_PASS_DECL
#include "res/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "res/Passes.h.inc"

} // namespace res

#endif // RES_PASSES_H
