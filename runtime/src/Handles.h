//===- Handles.h - the structs behind the opaque handles -------*- C++ -*-===//

#ifndef RESC_RUNTIME_HANDLES_H
#define RESC_RUNTIME_HANDLES_H

#include "resc/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>

struct resc_model {
  void *library = nullptr; // dlopen handle
  std::string path;
  const resc_model_desc *desc = nullptr; // validated, owned by the library
  // omp_set_num_threads of the OpenMP runtime the model's threads use, or
  // null (a model built without threads).
  void (*setOmpThreads)(int) = nullptr;
};

struct resc_tensor {
  int32_t dtype = RESC_F32;
  int32_t rank = 0;
  int64_t shape[RESC_MAX_RANK] = {};
  int64_t numel = 1;
  size_t nbytes = 0;
  void *data = nullptr; // from alignedAlloc
};

struct resc_params {
  const resc_model *model = nullptr;
  void *arena = nullptr; // from alignedAlloc, param_arena_bytes long
  size_t bytes = 0;
};

#endif // RESC_RUNTIME_HANDLES_H
