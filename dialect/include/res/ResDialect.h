//===- ResDialect.h - The res dialect ---------------------------*- C++ -*-===//
//
// Declares the `res` dialect (namespace ::res).
//
//===----------------------------------------------------------------------===//

#ifndef RES_RESDIALECT_H
#define RES_RESDIALECT_H

#include "mlir/IR/Dialect.h"

#include "res/ResDialect.h.inc"

#endif // RES_RESDIALECT_H
