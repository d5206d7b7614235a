//===- Transforms.h - reusable rewrites of the res dialect ------*- C++ -*-===//

#ifndef RES_TRANSFORMS_H
#define RES_TRANSFORMS_H

#include "res/ResOps.h"

namespace res {

/// On a `res.add` made by res-derive-backward to sum the adjoints of a
/// value used several times (unit attribute).
constexpr llvm::StringLiteral kAdjointSumAttr = "res.adjoint_sum";
/// On such a sum when the value is a residual block's input: the location
/// of the residual add, for res-fuse-residual's remarks.
constexpr llvm::StringLiteral kResidualAttr = "res.residual";

/// Replaces `op` by `count` copies of its body fed with `res.instance`
/// slices of the stacked parameters (what res-unroll-repeat does to each
/// repeat).
void unrollRepeat(RepeatOp op);

} // namespace res

#endif // RES_TRANSFORMS_H
