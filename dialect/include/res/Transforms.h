//===- Transforms.h - reusable rewrites of the res dialect ------*- C++ -*-===//

#ifndef RES_TRANSFORMS_H
#define RES_TRANSFORMS_H

#include "res/ResOps.h"

namespace res {

/// Replaces `op` by `count` copies of its body fed with `res.instance`
/// slices of the stacked parameters (what res-unroll-repeat does to each
/// repeat).
void unrollRepeat(RepeatOp op);

} // namespace res

#endif // RES_TRANSFORMS_H
