//===- ReturnedBuffers.h - buffers made only to be returned -----*- C++ -*-===//
//
// Bufferization returns a value through a fresh identity-layout buffer that
// only a copy writes; res-drop-in-place-results and res-entry-out-params
// both look for that shape. Passes that follow a buffer to where it was
// made look through the memref.casts bufferization puts in between.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_CODEGEN_RETURNEDBUFFERS_H
#define RESC_CODEGEN_RETURNEDBUFFERS_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace resc {

/// The buffer `v` is a cast of (through any chain of memref.casts).
inline mlir::Value stripCasts(mlir::Value v) {
  while (auto cast = v.getDefiningOp<mlir::memref::CastOp>())
    v = cast.getSource();
  return v;
}

/// The one copy into `alloc` when `alloc` is used only by it and by `ret`,
/// else null.
inline mlir::memref::CopyOp soleCopyInto(mlir::memref::AllocOp alloc, mlir::Operation *ret) {
  mlir::memref::CopyOp copy;
  for (mlir::Operation *user : alloc->getUsers()) {
    if (user == ret)
      continue;
    auto c = llvm::dyn_cast<mlir::memref::CopyOp>(user);
    if (!c || c.getTarget() != alloc.getResult() || copy)
      return nullptr;
    copy = c;
  }
  return copy;
}

} // namespace resc

#endif
