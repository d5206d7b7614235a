//===- Validate.cpp - checking a model description ------------------------===//

#include "Validate.h"

#include "Error.h"
#include "Shape.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

namespace resc::rt {
namespace {

// What a tensor description is used for, which decides the rules it obeys.
enum class Use { Param, Input, Output };

const char *roleName(int32_t role) {
  switch (role) {
  case RESC_ROLE_INPUT:
    return "input";
  case RESC_ROLE_OUTPUT:
    return "output";
  case RESC_ROLE_PARAM:
    return "param";
  case RESC_ROLE_BUFFER:
    return "buffer";
  case RESC_ROLE_STATE:
    return "state";
  default:
    return "unknown";
  }
}

bool roleFits(int32_t role, Use use) {
  switch (use) {
  case Use::Param:
    return role == RESC_ROLE_PARAM || role == RESC_ROLE_BUFFER || role == RESC_ROLE_STATE;
  case Use::Input:
    return role == RESC_ROLE_INPUT;
  case Use::Output:
    return role == RESC_ROLE_OUTPUT;
  }
  return false;
}

// Checks one tensor description; `where` names it for messages
// ("parameter #2", "entry 'forward' input #0").
resc_error *checkTensor(const resc_tensor_desc &t, const resc_model_desc &model, Use use,
                        const std::string &where) {
  if (!t.name || !*t.name)
    return makeError("%s has no name", where.c_str());
  std::string what = where + " '" + t.name + "'";
  const char *w = what.c_str();
  if (resc_dtype_size(t.dtype) == 0)
    return makeError("%s has unknown dtype %d", w, t.dtype);
  if (!roleFits(t.role, use))
    return makeError("%s has role %d (%s), which does not fit its place", w, t.role,
                     roleName(t.role));
  if (t.reserved != 0)
    return makeError("%s has a non-zero reserved field", w);
  if (t.rank < 0 || t.rank > RESC_MAX_RANK)
    return makeError("%s has rank %d, outside 0..%d", w, t.rank, RESC_MAX_RANK);
  if (t.rank > 0 && !t.shape)
    return makeError("%s has rank %d but no shape", w, t.rank);
  bool symbolic = false;
  for (int32_t i = 0; i < t.rank; ++i) {
    int64_t dim = t.shape[i];
    if (dim >= 0)
      continue;
    if (-(dim + 1) >= model.num_dims)
      return makeError("%s dim %d is %lld, which names no symbolic dim (the model has %d)", w,
                       i, static_cast<long long>(dim), model.num_dims);
    if (use == Use::Param)
      return makeError("%s dim %d is symbolic; parameters must have static shapes", w, i);
    symbolic = true;
  }
  int64_t numel = 0, bytes = 0;
  if (!symbolic && (!checkedNumel(t.shape, t.rank, numel) || !checkedBytes(numel, t.dtype, bytes)))
    return makeError("%s is too large: %s", w, formatShape(t.shape, t.rank).c_str());

  int64_t expected = symbolic ? -1 : bytes;
  if (t.nbytes != expected)
    return makeError("%s has nbytes %lld, expected %lld for %s %s", w,
                     static_cast<long long>(t.nbytes), static_cast<long long>(expected),
                     resc_dtype_name(t.dtype), formatDescShape(t, model).c_str());
  if (use != Use::Param) {
    if (t.offset != -1)
      return makeError("%s has offset %lld; inputs and outputs must have -1", w,
                       static_cast<long long>(t.offset));
    return nullptr;
  }
  if (t.offset < 0 || t.offset > model.param_arena_bytes ||
      t.nbytes > model.param_arena_bytes - t.offset)
    return makeError("%s at offset %lld with %lld bytes lies outside the %lld-byte arena", w,
                     static_cast<long long>(t.offset), static_cast<long long>(t.nbytes),
                     static_cast<long long>(model.param_arena_bytes));
  // Instances of a `repeat` sit at a fixed stride after a 64-aligned base,
  // so a single tensor is only guaranteed its dtype's alignment.
  if (t.offset % static_cast<int64_t>(resc_dtype_size(t.dtype)) != 0)
    return makeError("%s offset %lld is not aligned to its %zu-byte dtype", w,
                     static_cast<long long>(t.offset), resc_dtype_size(t.dtype));
  if (!t.init)
    return makeError("%s has no init string", w);
  return nullptr;
}

resc_error *checkParams(const resc_model_desc &model) {
  std::unordered_set<std::string> names;
  for (int32_t i = 0; i < model.num_params; ++i) {
    const resc_tensor_desc &t = model.params[i];
    RESC_TRY(checkTensor(t, model, Use::Param, "parameter #" + std::to_string(i)));
    if (!names.insert(t.name).second)
      return makeError("parameter name '%s' appears twice", t.name);
  }
  // Sorted by offset, each non-empty tensor must end before the next begins.
  std::vector<int32_t> order;
  for (int32_t i = 0; i < model.num_params; ++i)
    if (model.params[i].nbytes > 0)
      order.push_back(i);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return model.params[a].offset < model.params[b].offset;
  });
  for (size_t k = 1; k < order.size(); ++k) {
    const resc_tensor_desc &before = model.params[order[k - 1]];
    const resc_tensor_desc &after = model.params[order[k]];
    if (before.offset + before.nbytes > after.offset)
      return makeError("parameters '%s' (bytes %lld..%lld) and '%s' (bytes %lld..%lld) overlap",
                       before.name, static_cast<long long>(before.offset),
                       static_cast<long long>(before.offset + before.nbytes), after.name,
                       static_cast<long long>(after.offset),
                       static_cast<long long>(after.offset + after.nbytes));
  }
  return nullptr;
}

resc_error *checkEntry(const resc_entry_desc &entry, const resc_model_desc &model, int32_t index) {
  if (!entry.name || !*entry.name)
    return makeError("entry #%d has no name", index);
  const char *name = entry.name;
  if (!entry.symbol || !*entry.symbol)
    return makeError("entry '%s' has no symbol", name);
  if (!entry.fn)
    return makeError("entry '%s' has no function", name);
  if (entry.num_inputs < 0 || entry.num_inputs > kMaxEntryTensors || entry.num_outputs < 0 ||
      entry.num_outputs > kMaxEntryTensors)
    return makeError("entry '%s' has %d inputs and %d outputs; each must be in 0..%d", name,
                     entry.num_inputs, entry.num_outputs, kMaxEntryTensors);
  if ((entry.num_inputs > 0 && !entry.inputs) || (entry.num_outputs > 0 && !entry.outputs))
    return makeError("entry '%s' has a NULL input or output table", name);

  std::unordered_set<std::string> names;
  std::vector<bool> bound(static_cast<size_t>(model.num_dims), false);
  std::string prefix = std::string("entry '") + name + "' ";
  // Inputs first: they bind the symbolic dims, and the runtime sizes outputs
  // from dims the inputs bind; nothing else can.
  auto checkList = [&](const resc_tensor_desc *list, int32_t count, Use use) -> resc_error * {
    const char *kind = use == Use::Input ? "input #" : "output #";
    for (int32_t i = 0; i < count; ++i) {
      const resc_tensor_desc &t = list[i];
      RESC_TRY(checkTensor(t, model, use, prefix + kind + std::to_string(i)));
      if (!names.insert(t.name).second)
        return makeError("entry '%s' names two arguments '%s'", name, t.name);
      for (int32_t d = 0; d < t.rank; ++d) {
        if (t.shape[d] >= 0)
          continue;
        size_t k = static_cast<size_t>(-(t.shape[d] + 1));
        if (use == Use::Input)
          bound[k] = true;
        else if (!bound[k])
          return makeError("entry '%s' output '%s' dim %d is '%s', which no input binds", name,
                           t.name, d, model.dim_names[k]);
      }
    }
    return nullptr;
  };
  RESC_TRY(checkList(entry.inputs, entry.num_inputs, Use::Input));
  RESC_TRY(checkList(entry.outputs, entry.num_outputs, Use::Output));
  return nullptr;
}

} // namespace

resc_error *validateModelDesc(const resc_model_desc &model) {
  if (model.reserved != 0 || model.reserved2 != 0)
    return makeError("reserved fields of the model description are not zero");
  if (!model.model_name || !*model.model_name)
    return makeError("the model has no name");
  if (model.num_dims < 0 || model.num_dims > kMaxDims)
    return makeError("the model has %d symbolic dims; the limit is %d", model.num_dims, kMaxDims);
  if (model.num_dims > 0 && !model.dim_names)
    return makeError("the model has %d symbolic dims but no dim names", model.num_dims);
  std::unordered_set<std::string> dimNames;
  for (int32_t i = 0; i < model.num_dims; ++i) {
    if (!model.dim_names[i] || !*model.dim_names[i])
      return makeError("symbolic dim #%d has no name", i);
    if (!dimNames.insert(model.dim_names[i]).second)
      return makeError("symbolic dim '%s' is declared twice", model.dim_names[i]);
  }
  if (model.num_params < 0 || model.num_params > kMaxParams)
    return makeError("the model has %d parameters; the limit is %d", model.num_params, kMaxParams);
  if (model.num_params > 0 && !model.params)
    return makeError("the model has %d parameters but no parameter table", model.num_params);
  if (model.param_arena_bytes < 0)
    return makeError("the parameter arena has a negative size (%lld)",
                     static_cast<long long>(model.param_arena_bytes));
  if (model.num_entries < 0 || model.num_entries > kMaxEntries)
    return makeError("the model has %d entry points; the limit is %d", model.num_entries,
                     kMaxEntries);
  if (model.num_entries > 0 && !model.entries)
    return makeError("the model has %d entry points but no entry table", model.num_entries);
  if (!model.scratch_bytes)
    return makeError("the model has no scratch_bytes function");

  RESC_TRY(checkParams(model));
  std::unordered_set<std::string> entryNames;
  for (int32_t i = 0; i < model.num_entries; ++i) {
    RESC_TRY(checkEntry(model.entries[i], model, i));
    if (!entryNames.insert(model.entries[i].name).second)
      return makeError("entry point '%s' is declared twice", model.entries[i].name);
  }
  return nullptr;
}

} // namespace resc::rt
