//===- Shape.h - element counts, byte sizes, aligned memory -----*- C++ -*-===//
//
// Sizes in the runtime come from files and from model libraries, so every
// product is checked for overflow, and every buffer whose size such a source
// decides is allocated with a checked call rather than through `new` (which
// would abort under -fno-exceptions).
//
//===----------------------------------------------------------------------===//

#ifndef RESC_RUNTIME_SHAPE_H
#define RESC_RUNTIME_SHAPE_H

#include "resc/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace resc::rt {

/// What the runtime knows about a dtype, with its spelling in each format.
struct DtypeInfo {
  int32_t dtype;
  size_t size;
  const char *name;        // "f32", in messages and resrun --info
  const char *safetensors; // "F32"
  const char *npy;         // "<f4", numpy's descr
};

/// The info of `dtype`, or NULL when it is not a resc_dtype.
const DtypeInfo *dtypeInfo(int32_t dtype);

/// The dtype whose `field` (&DtypeInfo::safetensors, &DtypeInfo::npy) is
/// `text`, or NULL.
const DtypeInfo *dtypeSpelled(const char *DtypeInfo::*field, const std::string &text);

/// The number of elements of a static shape; false when a dim is negative or
/// the product does not fit in int64_t.
bool checkedNumel(const int64_t *shape, int32_t rank, int64_t &numel);

/// numel * resc_dtype_size(dtype); false on overflow or an unknown dtype.
bool checkedBytes(int64_t numel, int32_t dtype, int64_t &bytes);

/// "[2, 3]"; "[]" for a scalar.
std::string formatShape(const int64_t *shape, int32_t rank);

/// A description's shape with symbolic dims by name: "[N, 3]".
std::string formatDescShape(const resc_tensor_desc &desc, const resc_model_desc &model);

/// `bytes` zeroed bytes aligned to RESC_ARENA_ALIGN, or NULL when the memory
/// is not available. Zero bytes still give a valid, unique pointer.
void *alignedAlloc(size_t bytes);
void alignedFree(void *pointer);

} // namespace resc::rt

#endif // RESC_RUNTIME_SHAPE_H
