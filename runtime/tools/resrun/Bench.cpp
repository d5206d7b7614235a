//===- Bench.cpp - resrun --bench: time an entry point --------------------===//
//
// What is timed is the compiled entry function itself, called through the
// ABI (abi.h's resc_entry_fn, as a program using the generated header calls
// it) on inputs, outputs and scratch allocated once: the same work PyTorch
// and the OpenBLAS baseline do per call in bench/. The first call goes
// through resc_run, which checks every shape and label, so a timed call can
// only run on inputs the runtime accepts; it is not counted.
//
//===----------------------------------------------------------------------===//

#include "Bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

namespace resrun {
namespace {

struct TensorDestroyer {
  void operator()(resc_tensor *tensor) const { resc_tensor_destroy(tensor); }
};
using TensorPtr = std::unique_ptr<resc_tensor, TensorDestroyer>;

std::string takeMessage(resc_error *error) {
  std::string message = resc_error_message(error);
  resc_error_free(error);
  return message;
}

std::string dimList(const resc_model_desc &desc) {
  std::string list;
  for (int32_t i = 0; i < desc.num_dims; ++i)
    list += (i ? ", " : "") + std::string(desc.dim_names[i]);
  return list.empty() ? "none" : list;
}

int32_t dimIndex(const resc_model_desc &desc, const std::string &name) {
  for (int32_t i = 0; i < desc.num_dims; ++i)
    if (name == desc.dim_names[i])
      return i;
  return -1;
}

const resc_entry_desc *findEntry(const resc_model_desc &desc, const std::string &name,
                                 int32_t &index) {
  for (int32_t e = 0; e < desc.num_entries; ++e)
    if (name == desc.entries[e].name) {
      index = e;
      return &desc.entries[e];
    }
  return nullptr;
}

// Integer inputs are class labels (cross_entropy) or token ids (Embedding):
// both lie in [0, C) where C is the last dim of forward's output, the class
// count or vocabulary of every fixture. A model where that does not hold is
// caught by the checked first call ("a class label is outside [0, C)").
int64_t integerBound(const resc_model_desc &desc) {
  int32_t index = 0;
  const resc_entry_desc *forward = findEntry(desc, "forward", index);
  if (forward && forward->num_outputs > 0) {
    const resc_tensor_desc &out = forward->outputs[0];
    if (out.rank > 0 && out.shape[out.rank - 1] > 0)
      return out.shape[out.rank - 1];
  }
  return 1;
}

// A tensor of `want`'s dtype and bound shape filled with random values:
// floats ~ N(0, 1) (like standardised data), integers uniform in [0, bound).
std::string randomInput(const resc_tensor_desc &want, const std::vector<int64_t> &dims,
                        int64_t bound, std::mt19937_64 &rng, TensorPtr &out) {
  int64_t shape[RESC_MAX_RANK];
  for (int32_t d = 0; d < want.rank; ++d)
    shape[d] = want.shape[d] >= 0 ? want.shape[d] : dims[static_cast<size_t>(-(want.shape[d] + 1))];
  resc_tensor *raw = nullptr;
  if (resc_error *error = resc_tensor_create(want.dtype, want.rank, shape, &raw))
    return "input '" + std::string(want.name) + "': " + takeMessage(error);
  out.reset(raw);
  int64_t n = resc_tensor_numel(raw);
  void *data = resc_tensor_data(raw);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int64_t> label(0, bound - 1);
  for (int64_t i = 0; i < n; ++i) {
    switch (want.dtype) {
    case RESC_F32: static_cast<float *>(data)[i] = static_cast<float>(normal(rng)); break;
    case RESC_F64: static_cast<double *>(data)[i] = normal(rng); break;
    case RESC_I32: static_cast<int32_t *>(data)[i] = static_cast<int32_t>(label(rng)); break;
    case RESC_I64: static_cast<int64_t *>(data)[i] = label(rng); break;
    }
  }
  return {};
}

double median(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  size_t n = times.size();
  return n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
}

struct AlignedFree {
  void operator()(void *p) const { std::free(p); }
};

} // namespace

std::string runBench(const BenchOptions &options, const resc_model *model, resc_params *params) {
  const resc_model_desc &desc = *resc_model_desc_get(model);
  std::string where = std::string("model '") + desc.model_name + "'";

  int32_t entryIndex = 0;
  const resc_entry_desc *entry = findEntry(desc, options.entry, entryIndex);
  if (!entry) {
    if (options.entry == "loss_grad" || options.entry == "loss")
      return where + " has no " + options.entry + " entry point (declare a loss in the model)";
    if (options.entry == "train_step")
      return where + " has no train_step entry point (declare an optimizer in the model)";
    const resc_entry_desc *unused = nullptr;
    return takeMessage(resc_model_find_entry(model, options.entry.c_str(), &unused, nullptr));
  }
  bool train = options.entry == "train_step";
  if (train && (entry->num_inputs < 1 || entry->inputs[entry->num_inputs - 1].rank != 0))
    return "entry 'train_step' of " + where + " does not take the learning rate as its last input";

  // Bind the symbolic dims from --batch (dim N) and --dim.
  std::vector<int64_t> dims(static_cast<size_t>(desc.num_dims), 0);
  if (options.batch > 0) {
    int32_t k = dimIndex(desc, "N");
    if (k < 0)
      return where + " has no symbolic dim 'N' for --batch (its dims: " + dimList(desc) + ")";
    dims[static_cast<size_t>(k)] = options.batch;
  }
  for (const auto &[name, value] : options.dims) {
    int32_t k = dimIndex(desc, name);
    if (k < 0)
      return where + " has no symbolic dim '" + name + "' (its dims: " + dimList(desc) + ")";
    dims[static_cast<size_t>(k)] = value;
  }

  // Random inputs (train_step's last input is the learning rate).
  std::mt19937_64 rng(options.seed);
  int64_t bound = integerBound(desc);
  std::vector<TensorPtr> inputs(static_cast<size_t>(entry->num_inputs));
  for (int32_t i = 0; i < entry->num_inputs; ++i) {
    const resc_tensor_desc &want = entry->inputs[i];
    for (int32_t d = 0; d < want.rank; ++d) {
      if (want.shape[d] >= 0 || dims[static_cast<size_t>(-(want.shape[d] + 1))] > 0)
        continue;
      std::string dim = desc.dim_names[-(want.shape[d] + 1)];
      return "entry '" + options.entry + "' of " + where + " needs dim '" + dim + "': give " +
             (dim == "N" ? std::string("--batch N") : "--dim " + dim + "=VALUE");
    }
    if (std::string f = randomInput(want, dims, bound, rng, inputs[static_cast<size_t>(i)]);
        !f.empty())
      return f;
  }
  if (train) {
    void *lr = resc_tensor_data(inputs.back().get());
    if (entry->inputs[entry->num_inputs - 1].dtype == RESC_F64)
      *static_cast<double *>(lr) = options.lr;
    else
      *static_cast<float *>(lr) = static_cast<float>(options.lr);
  }

  // The checked first call; it also allocates the outputs reused below.
  std::vector<const resc_tensor *> views;
  std::vector<void *> inputData, outputData;
  for (const TensorPtr &t : inputs) {
    views.push_back(t.get());
    inputData.push_back(resc_tensor_data(t.get()));
  }
  std::vector<resc_tensor *> rawOutputs(static_cast<size_t>(entry->num_outputs), nullptr);
  if (resc_error *error = resc_run(model, options.entry.c_str(), params, views.data(),
                                   views.size(), rawOutputs.data(), rawOutputs.size()))
    return takeMessage(error);
  std::vector<TensorPtr> outputs(rawOutputs.begin(), rawOutputs.end());
  for (const TensorPtr &t : outputs)
    outputData.push_back(resc_tensor_data(t.get()));
  // The timed calls use their own arena: do not keep resc_run's as well
  // (peak RSS would count the scratch twice).
  resc_release_scratch();

  int64_t scratchBytes = desc.scratch_bytes(entryIndex, dims.data());
  std::unique_ptr<void, AlignedFree> scratch;
  if (scratchBytes > 0) {
    size_t rounded = (static_cast<size_t>(scratchBytes) + RESC_ARENA_ALIGN - 1) /
                     RESC_ARENA_ALIGN * RESC_ARENA_ALIGN;
    scratch.reset(std::aligned_alloc(RESC_ARENA_ALIGN, rounded));
    if (!scratch)
      return "cannot allocate " + std::to_string(scratchBytes) + " bytes of scratch";
  }
  void *arena = params ? resc_params_arena(params) : nullptr;
  resc_threads_apply(model);
  auto call = [&]() {
    return entry->fn(inputData.data(), dims.data(), outputData.data(), arena, scratch.get());
  };

  for (int64_t i = 0; i < options.warmup; ++i)
    if (int32_t status = call())
      return "entry '" + options.entry + "' of " + where + " failed in warm-up call " +
             std::to_string(i + 1) + " (status " + std::to_string(status) + ")";
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(options.iters));
  for (int64_t i = 0; i < options.iters; ++i) {
    auto begin = std::chrono::steady_clock::now();
    int32_t status = call();
    auto end = std::chrono::steady_clock::now();
    if (status)
      return "entry '" + options.entry + "' of " + where + " failed in timed call " +
             std::to_string(i + 1) + " (status " + std::to_string(status) + ")";
    ms.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
  }
  std::printf("median_ms=%.4f min_ms=%.4f iters=%lld\n", median(ms),
              *std::min_element(ms.begin(), ms.end()), static_cast<long long>(options.iters));
  return {};
}

} // namespace resrun
