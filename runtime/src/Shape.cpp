//===- Shape.cpp - element counts, byte sizes, aligned memory -------------===//

#include "Shape.h"

#include <cstdlib>
#include <cstring>

extern "C" size_t resc_dtype_size(int32_t dtype) {
  switch (dtype) {
  case RESC_F32:
  case RESC_I32:
    return 4;
  case RESC_F64:
  case RESC_I64:
    return 8;
  default:
    return 0;
  }
}

extern "C" const char *resc_dtype_name(int32_t dtype) {
  switch (dtype) {
  case RESC_F32:
    return "f32";
  case RESC_F64:
    return "f64";
  case RESC_I32:
    return "i32";
  case RESC_I64:
    return "i64";
  default:
    return "unknown";
  }
}

namespace resc::rt {

bool checkedNumel(const int64_t *shape, int32_t rank, int64_t &numel) {
  int64_t product = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0 || __builtin_mul_overflow(product, shape[i], &product))
      return false;
  }
  numel = product;
  return true;
}

bool checkedBytes(int64_t numel, int32_t dtype, int64_t &bytes) {
  size_t size = resc_dtype_size(dtype);
  return size != 0 && numel >= 0 &&
         !__builtin_mul_overflow(numel, static_cast<int64_t>(size), &bytes);
}

std::string formatShape(const int64_t *shape, int32_t rank) {
  std::string text = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i)
      text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

std::string formatDescShape(const resc_tensor_desc &desc, const resc_model_desc &model) {
  std::string text = "[";
  for (int32_t i = 0; i < desc.rank; ++i) {
    if (i)
      text += ", ";
    int64_t dim = desc.shape[i];
    int64_t symbol = -dim - 1;
    if (dim < 0 && symbol < model.num_dims)
      text += model.dim_names[symbol];
    else
      text += std::to_string(dim);
  }
  return text + "]";
}

void *alignedAlloc(size_t bytes) {
  // Round up so that vector code may read whole 64-byte lines.
  size_t rounded = (bytes + RESC_ARENA_ALIGN - 1) / RESC_ARENA_ALIGN * RESC_ARENA_ALIGN;
  if (rounded < bytes)
    return nullptr;
  if (rounded == 0)
    rounded = RESC_ARENA_ALIGN;
  void *pointer = nullptr;
  if (posix_memalign(&pointer, RESC_ARENA_ALIGN, rounded) != 0)
    return nullptr;
  std::memset(pointer, 0, rounded);
  return pointer;
}

void alignedFree(void *pointer) { std::free(pointer); }

} // namespace resc::rt
