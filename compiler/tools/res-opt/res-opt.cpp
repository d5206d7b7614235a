//===- res-opt.cpp - Optimizer driver for the res dialect -----------------===//
//
// mlir-opt with the res dialect and every resc pass: any stage of resc's
// pipeline can be replayed alone, e.g.
//   res-opt in.mlir --res-unroll-repeat --canonicalize
//   res-opt in.mlir --res-convert-to-linalg
//   res-opt in.mlir --pass-pipeline='<text from resc/Pipeline/Pipeline.cpp>'
//
//===----------------------------------------------------------------------===//

#include "res/ResDialect.h"
#include "res/TestPasses.h"
#include "resc/Pipeline/Pipeline.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<res::ResDialect>();
  // Upstream dialects and passes come from the MLIR shared library, so
  // registering all of them costs start-up time only.
  resc::registerPipelineDependencies(registry);
  res::registerResTestPasses(); // res-test-vjp, for lit tests
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "res optimizer driver\n", registry));
}
