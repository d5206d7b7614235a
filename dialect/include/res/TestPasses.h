//===- TestPasses.h - Passes for testing the res dialect --------*- C++ -*-===//
//
// Test-only passes (TestPasses.td), in library ResTestPasses; res-opt calls
// res::registerResTestPasses().
//
//===----------------------------------------------------------------------===//

#ifndef RES_TESTPASSES_H
#define RES_TESTPASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace res {

#define GEN_PASS_DECL
#include "res/TestPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "res/TestPasses.h.inc"

} // namespace res

#endif // RES_TESTPASSES_H
