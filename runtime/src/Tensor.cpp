//===- Tensor.cpp - resc_tensor -------------------------------------------===//

#include "Error.h"
#include "Handles.h"
#include "Shape.h"

#include <new>

using namespace resc::rt;

extern "C" resc_error *resc_tensor_create(int32_t dtype, int32_t rank, const int64_t *shape,
                                          resc_tensor **out) {
  if (!out)
    return makeError("resc_tensor_create: 'out' is NULL");
  if (resc_dtype_size(dtype) == 0)
    return makeError("cannot create a tensor of unknown dtype %d", dtype);
  if (rank < 0 || rank > RESC_MAX_RANK)
    return makeError("cannot create a tensor of rank %d (the limit is %d)", rank, RESC_MAX_RANK);
  if (rank > 0 && !shape)
    return makeError("resc_tensor_create: 'shape' is NULL for rank %d", rank);
  int64_t numel = 0, bytes = 0;
  if (!checkedNumel(shape, rank, numel) || !checkedBytes(numel, dtype, bytes))
    return makeError("cannot create a %s tensor of shape %s: negative dim or too large",
                     resc_dtype_name(dtype), formatShape(shape, rank).c_str());
  auto *tensor = new (std::nothrow) resc_tensor;
  if (!tensor)
    return makeError("out of memory");
  tensor->data = alignedAlloc(static_cast<size_t>(bytes));
  if (!tensor->data) {
    delete tensor;
    return makeError("cannot allocate %lld bytes for a %s tensor of shape %s",
                     static_cast<long long>(bytes), resc_dtype_name(dtype),
                     formatShape(shape, rank).c_str());
  }
  tensor->dtype = dtype;
  tensor->rank = rank;
  for (int32_t i = 0; i < rank; ++i)
    tensor->shape[i] = shape[i];
  tensor->numel = numel;
  tensor->nbytes = static_cast<size_t>(bytes);
  *out = tensor;
  return nullptr;
}

extern "C" void resc_tensor_destroy(resc_tensor *tensor) {
  if (!tensor)
    return;
  alignedFree(tensor->data);
  delete tensor;
}

extern "C" int32_t resc_tensor_dtype(const resc_tensor *tensor) { return tensor->dtype; }
extern "C" int32_t resc_tensor_rank(const resc_tensor *tensor) { return tensor->rank; }
extern "C" const int64_t *resc_tensor_shape(const resc_tensor *tensor) { return tensor->shape; }
extern "C" int64_t resc_tensor_numel(const resc_tensor *tensor) { return tensor->numel; }
extern "C" size_t resc_tensor_nbytes(const resc_tensor *tensor) { return tensor->nbytes; }
extern "C" void *resc_tensor_data(resc_tensor *tensor) { return tensor->data; }
extern "C" const void *resc_tensor_data_const(const resc_tensor *tensor) { return tensor->data; }
