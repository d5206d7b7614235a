//===- Bufferize.cpp - One-Shot Bufferize with resc's conventions -*- C++ -*-===//

#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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

/// One tensor.empty per use. CSE merges the empties of equal static
/// shapes; as destinations of two kernel calls they would name one buffer
/// that both write, and One-Shot would copy (or, for a loop carry, fail to
/// allocate the strided type of its iter_arg: TinyLM with pinned N and T,
/// whose repeat body wrote into an empty made before the loop).
static void splitEmptyTensors(ModuleOp module) {
  SmallVector<tensor::EmptyOp> shared;
  module.walk([&](tensor::EmptyOp op) {
    if (!op->hasOneUse() && !op->use_empty())
      shared.push_back(op);
  });
  // Each copy right before its user: inside a loop body it is then a new
  // buffer per iteration, as the dynamic-shape IR has.
  for (tensor::EmptyOp op : shared)
    for (OpOperand &use : llvm::make_early_inc_range(llvm::drop_begin(op->getUses()))) {
      OpBuilder b(use.getOwner());
      use.set(b.clone(*op)->getResult(0));
    }
}

namespace {
struct ResBufferize : resc::impl::ResBufferizeBase<ResBufferize> {
  void runOnOperation() override {
    splitEmptyTensors(getOperation());
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
    // A buffer passed to a kernel whose argument type its layout cannot be
    // cast to (a loop-carried buffer of fully dynamic strides into a
    // row-contiguous argument) is copied into a new buffer of the
    // argument's type. A layout with dynamic offset or strides cannot be
    // allocated as such (memref.alloc wants its symbols): allocate the
    // identity layout and cast. (ResNet8 with `repeat(2)`: the BatchNorm
    // kernel after the repeated block took the loop's carry that way.)
    options.allocationFn = [](OpBuilder &b, Location loc, MemRefType type, ValueRange dynShape,
                              unsigned alignment) -> FailureOr<Value> {
      auto identity = MemRefType::get(type.getShape(), type.getElementType(),
                                      MemRefLayoutAttrInterface(), type.getMemorySpace());
      IntegerAttr align = alignment ? b.getI64IntegerAttr(alignment) : IntegerAttr();
      Value buffer = memref::AllocOp::create(b, loc, identity, dynShape, align);
      if (identity == type)
        return buffer;
      if (!memref::CastOp::areCastCompatible(identity, type))
        return failure();
      return Value(memref::CastOp::create(b, loc, type, buffer));
    };
    BufferizationState state;
    if (failed(runOneShotModuleBufferize(getOperation(), options, state)))
      signalPassFailure();
  }
};
} // namespace
