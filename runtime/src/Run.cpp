//===- Run.cpp - calling an entry point -----------------------------------===//
//
// The compiled code trusts its arguments completely (abi.h: "the caller has
// checked every shape"), so everything a caller controls is checked here
// before the call: counts, dtypes, ranks, static dims and the agreement of
// symbolic dims across inputs.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Heap.h"
#include "Handles.h"
#include "Shape.h"

#include <string>
#include <vector>

namespace resc::rt {
namespace {

const char *statusMeaning(int32_t status) {
  switch (status) {
  case RESC_ENTRY_LABEL_OUT_OF_RANGE:
    return "a class label is outside [0, C)";
  case RESC_ENTRY_INDEX_OUT_OF_RANGE:
    return "an embedding index is outside the table";
  case RESC_ENTRY_OUT_OF_MEMORY:
    return "the model ran out of memory";
  default:
    return "unknown status";
  }
}

// Binds the symbolic dims from the inputs into `dims` and checks everything
// else about them.
resc_error *bindInputs(const resc_model_desc &model, const resc_entry_desc &entry,
                       const resc_tensor *const *inputs, std::vector<int64_t> &dims) {
  // Which input (and which of its dims) bound each symbolic dim, for messages.
  std::vector<int32_t> binder(dims.size(), -1);
  std::vector<int32_t> binderDim(dims.size(), -1);
  for (int32_t i = 0; i < entry.num_inputs; ++i) {
    const resc_tensor_desc &want = entry.inputs[i];
    const resc_tensor *have = inputs[i];
    if (!have)
      return makeError("input '%s' (#%d) is NULL", want.name, i);
    std::string expected = formatDescShape(want, model);
    if (have->dtype != want.dtype)
      return makeError("input '%s' (#%d) is %s but must be %s %s", want.name, i,
                       resc_dtype_name(have->dtype), resc_dtype_name(want.dtype),
                       expected.c_str());
    if (have->rank != want.rank)
      return makeError("input '%s' (#%d) has shape %s of rank %d but must have rank %d %s",
                       want.name, i, formatShape(have->shape, have->rank).c_str(), have->rank,
                       want.rank, expected.c_str());
    for (int32_t d = 0; d < want.rank; ++d) {
      int64_t value = have->shape[d];
      if (want.shape[d] >= 0) {
        if (value != want.shape[d])
          return makeError("input '%s' (#%d) dim %d is %lld but must be %lld (shape %s)",
                           want.name, i, d, static_cast<long long>(value),
                           static_cast<long long>(want.shape[d]), expected.c_str());
        continue;
      }
      size_t k = static_cast<size_t>(-(want.shape[d] + 1));
      if (binder[k] < 0) {
        dims[k] = value;
        binder[k] = i;
        binderDim[k] = d;
      } else if (dims[k] != value) {
        return makeError("input '%s' (#%d) dim %d gives %s = %lld, but input '%s' (#%d) dim %d "
                         "gave %s = %lld",
                         want.name, i, d, model.dim_names[k], static_cast<long long>(value),
                         entry.inputs[binder[k]].name, binder[k], binderDim[k],
                         model.dim_names[k], static_cast<long long>(dims[k]));
      }
    }
  }
  return nullptr;
}

void releaseOutputs(resc_tensor **outputs, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    resc_tensor_destroy(outputs[i]);
    outputs[i] = nullptr;
  }
}

// Allocates every output with the bound shape; on failure frees what it made.
resc_error *allocateOutputs(const resc_model_desc &model, const resc_entry_desc &entry,
                            const std::vector<int64_t> &dims, resc_tensor **outputs) {
  for (int32_t i = 0; i < entry.num_outputs; ++i) {
    const resc_tensor_desc &t = entry.outputs[i];
    int64_t shape[RESC_MAX_RANK];
    for (int32_t d = 0; d < t.rank; ++d)
      shape[d] = t.shape[d] >= 0 ? t.shape[d] : dims[static_cast<size_t>(-(t.shape[d] + 1))];
    if (resc_error *error = resc_tensor_create(t.dtype, t.rank, shape, &outputs[i])) {
      releaseOutputs(outputs, static_cast<size_t>(i));
      return prefixError(error, "output '%s' of model '%s'", t.name, model.model_name);
    }
  }
  return nullptr;
}

} // namespace
} // namespace resc::rt

using namespace resc::rt;

extern "C" resc_error *resc_run(const resc_model *model, const char *entryName,
                                resc_params *params, const resc_tensor *const *inputs,
                                size_t num_inputs, resc_tensor **outputs, size_t num_outputs) {
  if (!model || !entryName || (num_outputs > 0 && !outputs) || (num_inputs > 0 && !inputs))
    return makeError("resc_run: 'model', 'entry', 'inputs' and 'outputs' must not be NULL");
  for (size_t i = 0; i < num_outputs; ++i)
    outputs[i] = nullptr;
  const resc_model_desc &desc = *model->desc;
  const resc_entry_desc *entry = nullptr;
  int32_t entryIndex = 0;
  RESC_TRY(resc_model_find_entry(model, entryName, &entry, &entryIndex));
  if (num_inputs != static_cast<size_t>(entry->num_inputs))
    return makeError("entry '%s' of model '%s' takes %d input(s), but %zu were given", entry->name,
                     desc.model_name, entry->num_inputs, num_inputs);
  if (num_outputs != static_cast<size_t>(entry->num_outputs))
    return makeError("entry '%s' of model '%s' returns %d output(s), but room for %zu was given",
                     entry->name, desc.model_name, entry->num_outputs, num_outputs);
  if (params && params->model != model)
    return makeError("the parameters were created for another model than '%s'", desc.model_name);
  if (!params && desc.param_arena_bytes > 0)
    return makeError("model '%s' needs parameters, but none were given", desc.model_name);

  // Dims no input binds are not used by this entry's tensors; 0 is as good
  // a value as any.
  std::vector<int64_t> dims(static_cast<size_t>(desc.num_dims), 0);
  if (resc_error *error = bindInputs(desc, *entry, inputs, dims))
    return prefixError(error, "cannot run '%s' of model '%s'", entry->name, desc.model_name);

  RESC_TRY(allocateOutputs(desc, *entry, dims, outputs));
  int64_t scratchBytes = desc.scratch_bytes(entryIndex, dims.data());
  void *scratch = nullptr;
  if (scratchBytes < 0 ||
      (scratchBytes > 0 && !(scratch = threadScratch(static_cast<size_t>(scratchBytes))))) {
    releaseOutputs(outputs, num_outputs);
    return makeError("cannot allocate %lld bytes of scratch for entry '%s' of model '%s'",
                     static_cast<long long>(scratchBytes), entry->name, desc.model_name);
  }

  std::vector<void *> inputData, outputData;
  for (size_t i = 0; i < num_inputs; ++i)
    inputData.push_back(inputs[i]->data);
  for (size_t i = 0; i < num_outputs; ++i)
    outputData.push_back(outputs[i]->data);
  void *arena = params ? params->arena : nullptr;
  resc_threads_apply(model);
  int32_t status =
      entry->fn(inputData.data(), dims.data(), outputData.data(), arena, scratch);
  if (status == RESC_ENTRY_OK)
    return nullptr;
  releaseOutputs(outputs, num_outputs);
  return makeError("entry '%s' of model '%s' failed: %s (status %d)", entry->name,
                   desc.model_name, statusMeaning(status), status);
}
