//===- Shape.cpp - element counts, byte sizes, aligned memory -------------===//

#include "Shape.h"

#include <cstdlib>
#include <cstring>

#include <sys/mman.h>

namespace resc::rt {

namespace {
const DtypeInfo kDtypes[] = {
    {RESC_F32, 4, "f32", "F32", "<f4"},
    {RESC_F64, 8, "f64", "F64", "<f8"},
    {RESC_I32, 4, "i32", "I32", "<i4"},
    {RESC_I64, 8, "i64", "I64", "<i8"},
};
} // namespace

const DtypeInfo *dtypeInfo(int32_t dtype) {
  for (const DtypeInfo &info : kDtypes)
    if (info.dtype == dtype)
      return &info;
  return nullptr;
}

const DtypeInfo *dtypeSpelled(const char *DtypeInfo::*field, const std::string &text) {
  for (const DtypeInfo &info : kDtypes)
    if (text == info.*field)
      return &info;
  return nullptr;
}

} // namespace resc::rt

extern "C" size_t resc_dtype_size(int32_t dtype) {
  const resc::rt::DtypeInfo *info = resc::rt::dtypeInfo(dtype);
  return info ? info->size : 0;
}

extern "C" const char *resc_dtype_name(int32_t dtype) {
  const resc::rt::DtypeInfo *info = resc::rt::dtypeInfo(dtype);
  return info ? info->name : "unknown";
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

/// Transparent huge pages for large buffers, unless RESC_HUGE_PAGES=0.
static bool hugePagesWanted() {
  const char *setting = std::getenv("RESC_HUGE_PAGES");
  return !setting || std::strcmp(setting, "0") != 0;
}

void *alignedAlloc(size_t bytes) {
  // Round up so that vector code may read whole 64-byte lines.
  size_t rounded = (bytes + RESC_ARENA_ALIGN - 1) / RESC_ARENA_ALIGN * RESC_ARENA_ALIGN;
  if (rounded < bytes)
    return nullptr;
  if (rounded == 0)
    rounded = RESC_ARENA_ALIGN;
  size_t align = RESC_ARENA_ALIGN;
  // The scratch arena, the parameters and large tensors start on a 2 MiB
  // boundary and ask for transparent huge pages (Linux's default policy is
  // madvise): kernels that walk rows a page apart (a weight gradient reads
  // its activations row by row) otherwise miss the TLB at every row, and
  // ResMLP's batch-256 train_step was 10-17% slower on 4 KiB pages.
  constexpr size_t kHugePage = size_t(2) << 20;
  bool huge = rounded >= kHugePage && hugePagesWanted();
  if (huge) {
    size_t whole = (rounded + kHugePage - 1) / kHugePage * kHugePage;
    if (whole < rounded)
      return nullptr;
    rounded = whole;
    align = kHugePage;
  }
  void *pointer = nullptr;
  if (posix_memalign(&pointer, align, rounded) != 0)
    return nullptr;
  if (huge)
    (void)madvise(pointer, rounded, MADV_HUGEPAGE); // advice only: 4 KiB pages otherwise
  std::memset(pointer, 0, rounded);
  return pointer;
}

void alignedFree(void *pointer) { std::free(pointer); }

} // namespace resc::rt
