//===- Copies.h - how memref.copy lowers ------------------------*- C++ -*-===//

#ifndef RESC_LIB_CONVERSION_COPIES_H
#define RESC_LIB_CONVERSION_COPIES_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace resc {

/// True when finalize-memref-to-llvm lowers `op` to the memcpy intrinsic
/// (libc's vectorized memcpy): both buffers contiguous. Other copies would
/// call MLIR's runner library.
bool lowersToMemcpy(mlir::memref::CopyOp op);

} // namespace resc

#endif // RESC_LIB_CONVERSION_COPIES_H
