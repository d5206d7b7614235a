//===- Validate.h - checking a model description ---------------*- C++ -*-===//
//
// A model library is code the runtime did not write, so before any other
// call trusts its description every pointer, count, dim and arena offset is
// checked once, here. Afterwards the rest of the runtime relies on these
// facts without re-checking them.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_RUNTIME_VALIDATE_H
#define RESC_RUNTIME_VALIDATE_H

#include "resc/runtime.h"

namespace resc::rt {

/// Limits that keep a hostile description from making the runtime allocate
/// without bound.
constexpr int32_t kMaxDims = 64;
constexpr int32_t kMaxParams = 1 << 24;
constexpr int32_t kMaxEntries = 1024;
constexpr int32_t kMaxEntryTensors = 1024;

/// Checks a description whose abi_version is RESC_ABI_VERSION: non-null
/// pointers, counts within limits, ranks 0..RESC_MAX_RANK, dims either
/// non-negative or naming a declared symbolic dim, parameters static and
/// inside the arena at dtype-aligned offsets without overlapping, unique
/// names, and output dims that the inputs bind. The message says which field
/// of which tensor is wrong.
resc_error *validateModelDesc(const resc_model_desc &desc);

} // namespace resc::rt

#endif // RESC_RUNTIME_VALIDATE_H
