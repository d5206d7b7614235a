//===- Model.cpp - opening a model library --------------------------------===//

#include "Error.h"
#include "Handles.h"
#include "Heap.h"
#include "Validate.h"

#include <cstring>
#include <new>
#include <string>

#include <dlfcn.h>

using namespace resc::rt;

namespace {

// dlerror() text, or a fallback when the loader gave none.
const char *loaderMessage() {
  const char *message = dlerror();
  return message ? message : "unknown loader error";
}

// Everything after dlopen: the ABI handshake, the description and the entry
// symbols. `path` is only for messages.
resc_error *describe(void *library, const char *path, const resc_model_desc *&out) {
  dlerror();
  void *symbol = dlsym(library, RESC_MODEL_SYMBOL);
  if (!symbol)
    return makeError("'%s' is not a resc model library: it does not export '%s'", path,
                     RESC_MODEL_SYMBOL);
  const resc_model_desc *desc = reinterpret_cast<resc_model_fn>(symbol)();
  if (!desc)
    return makeError("'%s' is not a valid resc model: '%s' returned NULL", path,
                     RESC_MODEL_SYMBOL);
  // Checked before reading anything else: another version may lay the
  // description out differently.
  if (desc->abi_version != RESC_ABI_VERSION)
    return makeError("'%s' was built for resc ABI version %u, but this runtime implements "
                     "version %u; recompile the model",
                     path, desc->abi_version, RESC_ABI_VERSION);
  if (resc_error *error = validateModelDesc(*desc))
    return prefixError(error, "'%s' is not a valid resc model", path);
  // The table's function pointers are what the runtime calls; the exported
  // symbols are what a program linking the library calls. They must agree.
  for (int32_t i = 0; i < desc->num_entries; ++i) {
    const resc_entry_desc &entry = desc->entries[i];
    dlerror();
    void *exported = dlsym(library, entry.symbol);
    if (!exported)
      return makeError("'%s' is not a valid resc model: entry '%s' names symbol '%s', which "
                       "the library does not export",
                       path, entry.name, entry.symbol);
    if (exported != reinterpret_cast<void *>(entry.fn))
      return makeError("'%s' is not a valid resc model: entry '%s' points to another "
                       "function than symbol '%s'",
                       path, entry.name, entry.symbol);
  }
  out = desc;
  return nullptr;
}

} // namespace

extern "C" resc_error *resc_model_open(const char *path, resc_model **out) {
  if (!path || !out)
    return makeError("resc_model_open: 'path' and 'out' must not be NULL");
  // dlopen searches the library path for a name without '/', which would
  // find another file than the one in the current directory the user means.
  std::string where = std::strchr(path, '/') ? path : std::string("./") + path;
  dlerror();
  void *library = dlopen(where.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return makeError("cannot load model library '%s': %s", path, loaderMessage());
  const resc_model_desc *desc = nullptr;
  if (resc_error *error = describe(library, path, desc)) {
    dlclose(library);
    return error;
  }
  auto *model = new (std::nothrow) resc_model;
  if (!model) {
    dlclose(library);
    return makeError("out of memory");
  }
  keepHeapWarm();
  model->library = library;
  model->path = path;
  // The model's own libomp (a dependency of the library, local to it).
  model->setOmpThreads =
      reinterpret_cast<void (*)(int)>(dlsym(library, "omp_set_num_threads"));
  model->desc = desc;
  *out = model;
  return nullptr;
}

extern "C" resc_error *resc_model_from_desc(const resc_model_desc *desc, resc_model **out) {
  if (!desc || !out)
    return makeError("resc_model_from_desc: 'desc' and 'out' must not be NULL");
  if (desc->abi_version != RESC_ABI_VERSION)
    return makeError("the linked model was built for resc ABI version %u, but this runtime "
                     "implements version %u; recompile the model",
                     desc->abi_version, RESC_ABI_VERSION);
  if (resc_error *error = validateModelDesc(*desc))
    return prefixError(error, "the linked model is not a valid resc model");
  auto *model = new (std::nothrow) resc_model;
  if (!model)
    return makeError("out of memory");
  keepHeapWarm();
  model->library = nullptr; // linked into the program: nothing to close
  model->setOmpThreads =
      reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  model->path = desc->model_name;
  model->desc = desc;
  *out = model;
  return nullptr;
}

extern "C" void resc_model_close(resc_model *model) {
  if (!model)
    return;
  if (model->library)
    dlclose(model->library);
  delete model;
}

extern "C" const resc_model_desc *resc_model_desc_get(const resc_model *model) {
  return model->desc;
}

extern "C" resc_error *resc_model_find_entry(const resc_model *model, const char *name,
                                             const resc_entry_desc **out, int32_t *out_index) {
  if (!model || !name || !out)
    return makeError("resc_model_find_entry: 'model', 'name' and 'out' must not be NULL");
  const resc_model_desc &desc = *model->desc;
  std::string available;
  for (int32_t i = 0; i < desc.num_entries; ++i) {
    if (std::strcmp(desc.entries[i].name, name) == 0) {
      *out = &desc.entries[i];
      if (out_index)
        *out_index = i;
      return nullptr;
    }
    available += (i ? ", " : "") + std::string(desc.entries[i].name);
  }
  return makeError("model '%s' has no entry point '%s' (it has: %s)", desc.model_name, name,
                   available.empty() ? "none" : available.c_str());
}
