//===- res-opt.cpp - Optimizer driver for the res dialect -----------------===//
//
// Parses, verifies, transforms and prints IR in the res, func, arith and
// tensor dialects: `res-opt in.mlir --res-unroll-repeat --canonicalize`.
//
//===----------------------------------------------------------------------===//

#include "res/Passes.h"
#include "res/ResDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<res::ResDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();

  res::registerResPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "res optimizer driver\n", registry));
}
