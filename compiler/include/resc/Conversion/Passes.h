//===- Passes.h - res to linalg conversion ----------------------*- C++ -*-===//

#ifndef RESC_CONVERSION_PASSES_H
#define RESC_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace resc {

#define GEN_PASS_DECL
#include "resc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "resc/Conversion/Passes.h.inc"

} // namespace resc

#endif // RESC_CONVERSION_PASSES_H
