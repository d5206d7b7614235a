//===- ResDialect.cpp - The res dialect -----------------------------------===//

#include "res/ResDialect.h"
#include "res/ResOps.h"

using namespace mlir;
using namespace res;

#include "res/ResDialect.cpp.inc"

void ResDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "res/ResOps.cpp.inc"
      >();
}

Operation *ResDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}
