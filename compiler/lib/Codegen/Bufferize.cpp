//===- Bufferize.cpp - One-Shot Bufferize with resc's conventions -*- C++ -*-===//

#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace resc {
#define GEN_PASS_DEF_RESBUFFERIZE
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;
using namespace mlir::bufferization;

/// memref<...> with a dynamic offset, dynamic outer strides and a unit
/// innermost stride: any row-contiguous view casts to it.
static MemRefType rowContiguousType(TensorType type, Attribute memorySpace) {
  auto ranked = cast<RankedTensorType>(type);
  SmallVector<int64_t> strides(ranked.getRank(), ShapedType::kDynamic);
  if (!strides.empty())
    strides.back() = 1;
  auto layout = StridedLayoutAttr::get(type.getContext(), ShapedType::kDynamic, strides);
  return MemRefType::get(ranked.getShape(), ranked.getElementType(), layout, memorySpace);
}

namespace {
struct ResBufferize : resc::impl::ResBufferizeBase<ResBufferize> {
  void runOnOperation() override {
    OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = true;
    options.allowReturnAllocsFromLoops = true;
    options.setFunctionBoundaryTypeConversion(LayoutMapOption::IdentityLayoutMap);
    options.inferFunctionResultLayout = false;
    options.functionArgTypeConverterFn =
        [](TensorLikeType type, Attribute memorySpace, func::FuncOp fn,
           const BufferizationOptions &) -> BufferLikeType {
      auto tensor = cast<TensorType>(type);
      if (fn.isPrivate() && isa<RankedTensorType>(tensor) && tensor.getRank() > 0)
        return cast<BufferLikeType>(rowContiguousType(tensor, memorySpace));
      return cast<BufferLikeType>(
          getMemRefTypeWithStaticIdentityLayout(tensor, memorySpace));
    };
    BufferizationState state;
    if (failed(runOneShotModuleBufferize(getOperation(), options, state)))
      signalPassFailure();
  }
};
} // namespace
