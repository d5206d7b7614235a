//===- Params.cpp - the parameter arena -----------------------------------===//
//
// Initialisation (Init.cpp) and safetensors (Safetensors.cpp) fill the arena
// this file allocates.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Handles.h"
#include "Shape.h"

#include <cstring>
#include <new>

using namespace resc::rt;

extern "C" resc_error *resc_params_create(const resc_model *model, resc_params **out) {
  if (!model || !out)
    return makeError("resc_params_create: 'model' and 'out' must not be NULL");
  size_t bytes = static_cast<size_t>(model->desc->param_arena_bytes);
  auto *params = new (std::nothrow) resc_params;
  if (!params)
    return makeError("out of memory");
  params->arena = alignedAlloc(bytes);
  if (!params->arena) {
    delete params;
    return makeError("cannot allocate the %zu-byte parameter arena of model '%s'", bytes,
                     model->desc->model_name);
  }
  params->model = model;
  params->bytes = bytes;
  *out = params;
  return nullptr;
}

extern "C" void resc_params_destroy(resc_params *params) {
  if (!params)
    return;
  alignedFree(params->arena);
  delete params;
}

extern "C" const resc_model *resc_params_model(const resc_params *params) {
  return params->model;
}

extern "C" void *resc_params_arena(resc_params *params) { return params->arena; }

extern "C" resc_error *resc_params_find(resc_params *params, const char *name,
                                        const resc_tensor_desc **out_desc, void **out_data) {
  if (!params || !name || !out_desc)
    return makeError("resc_params_find: 'params', 'name' and 'out_desc' must not be NULL");
  const resc_model_desc &desc = *params->model->desc;
  for (int32_t i = 0; i < desc.num_params; ++i) {
    const resc_tensor_desc &t = desc.params[i];
    if (std::strcmp(t.name, name) != 0)
      continue;
    *out_desc = &t;
    if (out_data)
      *out_data = static_cast<char *>(params->arena) + t.offset;
    return nullptr;
  }
  return makeError("model '%s' has no parameter or buffer '%s'", desc.model_name, name);
}
