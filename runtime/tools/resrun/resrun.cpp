//===- resrun.cpp - run a compiled resc model from the command line -------===//
//
//   resrun MODEL.so --params P.safetensors --input A.npy --output Y.npy
//   resrun MODEL.so --init-params SEED --save-params P.safetensors
//   resrun MODEL.so --params P --input A.npy --input B.npy --grads G.safetensors
//   resrun MODEL.so --params P --input A.npy --input B.npy --train-steps K --lr X
//          --save-params P2.safetensors --save-state S2.safetensors
//   resrun MODEL.so --info
//   resrun MODEL.so --bench forward|loss_grad|train_step --batch N [--dim T=128]
//          [--threads T] [--iters K] [--warmup W]
//
// Black-box tests drive the runtime through this tool, so it keeps one
// contract: exit 0 on success; otherwise exit 1 after one line
// "resrun: error: ..." on stderr (argument errors add the usage after it).
//
//===----------------------------------------------------------------------===//

#include "Bench.h"

#include "resc/runtime.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

const char kUsage[] =
    "usage: resrun MODEL.so [options]\n"
    "  --info                print the model's dims, entry points and parameters\n"
    "  --params FILE         load the parameters from a safetensors file\n"
    "  --init-params SEED    initialise the parameters as PyTorch would, seeded\n"
    "  --save-params FILE    save the parameters and buffers as safetensors (after any\n"
    "                        run)\n"
    "  --load-state FILE     load the optimizer state from a safetensors file (after\n"
    "                        --params or --init-params)\n"
    "  --save-state FILE     save the optimizer state as safetensors (after any run)\n"
    "  --entry NAME          the entry point to run (default: forward)\n"
    "  --input FILE.npy      an input, in the entry's argument order (repeatable)\n"
    "  --output FILE.npy     where to write an output, in order (repeatable)\n"
    "  --grads FILE          run loss_grad on the loss's inputs, print 'loss = <value>'\n"
    "                        and save every parameter's gradient as safetensors\n"
    "  --train-steps K       run train_step K times on the inputs (the loss's inputs),\n"
    "                        printing 'step <i>: loss = <value>' for each\n"
    "  --lr X                the learning rate of --train-steps (required with it) or\n"
    "                        of --bench train_step (default 0.01)\n"
    "  --bench ENTRY         time ENTRY (forward, loss_grad, train_step) on random\n"
    "                        inputs; prints 'median_ms=<x> min_ms=<y> iters=<k>'\n"
    "  --batch N             the batch size (symbolic dim N) of --bench\n"
    "  --dim NAME=VALUE      another symbolic dim of --bench (repeatable)\n"
    "  --iters K             timed calls of --bench (default 10)\n"
    "  --warmup W            untimed calls of --bench before them (default 2)\n"
    "  --threads T           threads the compiled code may use (default:\n"
    "                        RESC_NUM_THREADS, else the CPUs available)\n"
    "  -h, --help            print this message\n";

struct Options {
  std::string model;
  bool info = false;
  std::string paramsPath;
  bool initParams = false;
  uint64_t seed = 0;
  std::string savePath;
  std::string entry = "forward";
  bool entryGiven = false;
  std::vector<std::string> inputs, outputs;
  std::string gradsPath;
  int64_t trainSteps = 0; // 0: no training
  bool lrGiven = false;
  double lr = 0;
  std::string loadStatePath, saveStatePath;
  bool bench = false; // --bench: the rest of it is in benchOptions
  resrun::BenchOptions benchOptions;
  bool itersGiven = false, warmupGiven = false;
  int32_t threads = 0; // --threads; 0 when not given
  bool help = false;
};

// Whether the options ask for an entry point to run.
bool wantsRun(const Options &options) {
  return options.entryGiven || !options.inputs.empty() || !options.outputs.empty() ||
         !options.gradsPath.empty() || options.trainSteps > 0;
}

// The result of a step: empty on success, else the message for stderr.
using Failure = std::string;

// Takes ownership of a resc_error and turns it into a Failure.
Failure failure(resc_error *error) {
  if (!error)
    return {};
  Failure message = resc_error_message(error);
  resc_error_free(error);
  return message;
}

bool parseSeed(const std::string &text, uint64_t &out) {
  if (text.empty() || text.size() > 20)
    return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || __builtin_mul_overflow(value, 10u, &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value))
      return false;
  }
  out = value;
  return true;
}

// A step count of --train-steps: a decimal integer in 1..2^63-1.
bool parseSteps(const std::string &text, int64_t &out) {
  uint64_t value = 0;
  if (!parseSeed(text, value) || value == 0 || value > static_cast<uint64_t>(INT64_MAX))
    return false;
  out = static_cast<int64_t>(value);
  return true;
}

// A count of --iters/--warmup/--threads: a decimal integer in min..max.
bool parseCount(const std::string &text, int64_t min, int64_t max, int64_t &out) {
  uint64_t value = 0;
  if (!parseSeed(text, value) || value > static_cast<uint64_t>(max) ||
      static_cast<int64_t>(value) < min)
    return false;
  out = static_cast<int64_t>(value);
  return true;
}

// --dim NAME=VALUE with VALUE a positive integer.
Failure parseDim(const std::string &text, resrun::BenchOptions &bench) {
  size_t equals = text.find('=');
  int64_t value = 0;
  if (equals == std::string::npos || equals == 0 ||
      !parseSteps(text.substr(equals + 1), value))
    return "--dim needs NAME=VALUE with a positive integer VALUE, not '" + text + "'";
  std::string name = text.substr(0, equals);
  for (const auto &dim : bench.dims)
    if (dim.first == name)
      return "--dim " + name + " is given twice";
  bench.dims.emplace_back(name, value);
  return {};
}

// A learning rate: a whole decimal (or hex) float, finite and non-negative,
// that stays finite as an f32 (the ABI's type for lr).
bool parseRate(const std::string &text, double &out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    return false;
  char *end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || !std::isfinite(value) || !(value >= 0) ||
      !std::isfinite(static_cast<float>(value)))
    return false;
  out = value;
  return true;
}

// Fills `options` from argv; a Failure is an argument error.
Failure parseArguments(int argc, char **argv, Options &options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return {};
    }
    if (arg == "--info") {
      options.info = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      if (!options.model.empty())
        return "unexpected argument '" + arg + "' (the model is '" + options.model + "')";
      options.model = arg;
      continue;
    }
    // Every other option takes a value, as "--opt VALUE" or "--opt=VALUE".
    std::string name = arg, value;
    size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return "option '" + arg + "' needs a value";
    }
    if (value.empty())
      return "option '" + name + "' needs a non-empty value";
    if (name == "--params") {
      options.paramsPath = value;
    } else if (name == "--init-params") {
      if (!parseSeed(value, options.seed))
        return "--init-params needs an unsigned 64-bit integer seed, not '" + value + "'";
      options.initParams = true;
    } else if (name == "--save-params") {
      options.savePath = value;
    } else if (name == "--entry") {
      options.entry = value;
      options.entryGiven = true;
    } else if (name == "--input") {
      options.inputs.push_back(value);
    } else if (name == "--grads") {
      options.gradsPath = value;
      if (!options.entryGiven)
        options.entry = "loss_grad";
    } else if (name == "--output") {
      options.outputs.push_back(value);
    } else if (name == "--train-steps") {
      if (!parseSteps(value, options.trainSteps))
        return "--train-steps needs a positive integer step count, not '" + value + "'";
    } else if (name == "--lr") {
      if (!parseRate(value, options.lr))
        return "--lr needs a finite, non-negative learning rate, not '" + value + "'";
      options.lrGiven = true;
    } else if (name == "--load-state") {
      options.loadStatePath = value;
    } else if (name == "--save-state") {
      options.saveStatePath = value;
    } else if (name == "--bench") {
      options.bench = true;
      options.benchOptions.entry = value;
    } else if (name == "--batch") {
      if (!parseSteps(value, options.benchOptions.batch))
        return "--batch needs a positive integer, not '" + value + "'";
    } else if (name == "--dim") {
      if (Failure f = parseDim(value, options.benchOptions); !f.empty())
        return f;
    } else if (name == "--iters") {
      if (!parseCount(value, 1, INT32_MAX, options.benchOptions.iters))
        return "--iters needs a positive integer, not '" + value + "'";
      options.itersGiven = true;
    } else if (name == "--warmup") {
      if (!parseCount(value, 0, INT32_MAX, options.benchOptions.warmup))
        return "--warmup needs a non-negative integer, not '" + value + "'";
      options.warmupGiven = true;
    } else if (name == "--threads") {
      int64_t threads = 0;
      if (!parseCount(value, 1, RESC_MAX_THREADS, threads))
        return "--threads needs an integer in 1.." + std::to_string(RESC_MAX_THREADS) +
               ", not '" + value + "'";
      options.threads = static_cast<int32_t>(threads);
    } else {
      return "unknown option '" + name + "'";
    }
  }
  if (options.model.empty())
    return "no model library given";
  if (!options.paramsPath.empty() && options.initParams)
    return "--params and --init-params exclude each other";
  if (options.bench) {
    if (options.entryGiven || !options.inputs.empty() || !options.outputs.empty() ||
        !options.gradsPath.empty() || options.trainSteps > 0)
      return "--bench runs its entry on random inputs; it excludes --entry, --input, --output, "
             "--grads and --train-steps";
    for (const auto &dim : options.benchOptions.dims)
      if (dim.first == "N" && options.benchOptions.batch > 0)
        return "--batch gives dim N; --dim N=" + std::to_string(dim.second) + " repeats it";
    if (options.lrGiven && options.benchOptions.entry != "train_step")
      return "--lr with --bench needs --bench train_step";
    if (options.lrGiven)
      options.benchOptions.lr = options.lr;
    // Random parameters, initialised as --init-params does, unless given.
    options.benchOptions.seed = options.initParams ? options.seed : 1;
    if (options.paramsPath.empty() && !options.initParams) {
      options.initParams = true;
      options.seed = 1;
    }
  } else {
    const char *benchOnly = options.benchOptions.batch > 0       ? "--batch"
                            : !options.benchOptions.dims.empty() ? "--dim"
                            : options.itersGiven                 ? "--iters"
                            : options.warmupGiven                ? "--warmup"
                                                                 : nullptr;
    if (benchOnly)
      return std::string(benchOnly) + " needs --bench";
  }
  if (options.lrGiven && options.trainSteps == 0 && !options.bench)
    return "--lr needs --train-steps";
  if (options.trainSteps > 0 && !options.lrGiven)
    return "--train-steps needs --lr";
  if (options.trainSteps > 0 &&
      (options.entryGiven || !options.outputs.empty() || !options.gradsPath.empty()))
    return "--train-steps runs entry 'train_step' and prints the losses; it excludes --entry, "
           "--output and --grads";
  if (!wantsRun(options) && !options.bench && !options.info && options.savePath.empty() &&
      options.saveStatePath.empty())
    return "nothing to do: give --info, --save-params, --save-state, --bench, or inputs and "
           "outputs to run";
  bool haveParams = !options.paramsPath.empty() || options.initParams;
  if (!options.savePath.empty() && !haveParams)
    return "--save-params needs --params or --init-params";
  if (!options.saveStatePath.empty() && !haveParams)
    return "--save-state needs --params or --init-params";
  if (!options.loadStatePath.empty() && !haveParams)
    return "--load-state needs --params or --init-params";
  return {};
}

std::string shapeText(const resc_tensor_desc &t, const resc_model_desc &model) {
  std::string text = "[";
  for (int32_t d = 0; d < t.rank; ++d) {
    if (d)
      text += ", ";
    int64_t dim = t.shape[d];
    text += dim < 0 ? model.dim_names[-(dim + 1)] : std::to_string(dim);
  }
  return text + "]";
}

void printInfo(const resc_model_desc &model) {
  std::printf("model %s (resc ABI %u)\n", model.model_name, model.abi_version);
  std::printf("dims:");
  for (int32_t i = 0; i < model.num_dims; ++i)
    std::printf(" %s", model.dim_names[i]);
  std::printf("%s\n", model.num_dims ? "" : " none");
  for (int32_t e = 0; e < model.num_entries; ++e) {
    const resc_entry_desc &entry = model.entries[e];
    std::printf("entry %s (symbol %s)\n", entry.name, entry.symbol);
    for (int32_t i = 0; i < entry.num_inputs; ++i)
      std::printf("  input  %s: %s %s\n", entry.inputs[i].name,
                  resc_dtype_name(entry.inputs[i].dtype), shapeText(entry.inputs[i], model).c_str());
    for (int32_t i = 0; i < entry.num_outputs; ++i)
      std::printf("  output %s: %s %s\n", entry.outputs[i].name,
                  resc_dtype_name(entry.outputs[i].dtype),
                  shapeText(entry.outputs[i], model).c_str());
  }
  std::printf("params: %d tensors in a %lld-byte arena\n", model.num_params,
              static_cast<long long>(model.param_arena_bytes));
  for (int32_t i = 0; i < model.num_params; ++i) {
    const resc_tensor_desc &t = model.params[i];
    const char *role = t.role == RESC_ROLE_BUFFER  ? "buffer"
                       : t.role == RESC_ROLE_STATE ? "state"
                                                   : "param";
    std::printf("  %s: %s %s %s offset %lld bytes %lld init %s\n", t.name, role,
                resc_dtype_name(t.dtype),
                shapeText(t, model).c_str(), static_cast<long long>(t.offset),
                static_cast<long long>(t.nbytes), *t.init ? t.init : "-");
  }
}

// Owners for the runtime's handles, so every exit path releases them.
struct ModelCloser {
  void operator()(resc_model *model) const { resc_model_close(model); }
};
struct ParamsDestroyer {
  void operator()(resc_params *params) const { resc_params_destroy(params); }
};
struct TensorDestroyer {
  void operator()(resc_tensor *tensor) const { resc_tensor_destroy(tensor); }
};
using TensorPtr = std::unique_ptr<resc_tensor, TensorDestroyer>;

// Reads the inputs of `files` into tensors owned by `owned`.
Failure readInputs(const std::vector<std::string> &files, std::vector<TensorPtr> &owned,
                   std::vector<const resc_tensor *> &views) {
  for (const std::string &path : files) {
    resc_tensor *tensor = nullptr;
    if (Failure f = failure(resc_npy_read(path.c_str(), &tensor)); !f.empty())
      return f;
    owned.emplace_back(tensor);
    views.push_back(tensor);
  }
  return {};
}

// The f32 or f64 scalar in `tensor`.
double scalarValue(const resc_tensor *tensor) {
  return resc_tensor_dtype(tensor) == RESC_F64
             ? *static_cast<const double *>(resc_tensor_data_const(tensor))
             : *static_cast<const float *>(resc_tensor_data_const(tensor));
}

bool isFloatScalar(const resc_tensor_desc &t) {
  return t.rank == 0 && (t.dtype == RESC_F32 || t.dtype == RESC_F64);
}

// loss_grad: prints the loss, saves the gradients by parameter name.
Failure runGrads(const Options &options, const resc_model *model, resc_params *params,
                 const resc_entry_desc &entry) {
  int gradsIndex = -1, lossIndex = -1;
  for (int32_t i = 0; i < entry.num_outputs; ++i) {
    if (std::strcmp(entry.outputs[i].name, "grads") == 0)
      gradsIndex = i;
    else if (entry.outputs[i].rank == 0 && lossIndex < 0)
      lossIndex = i;
  }
  if (gradsIndex < 0 || lossIndex < 0)
    return "entry '" + options.entry + "' does not return a loss and gradients";
  std::vector<TensorPtr> inputs;
  std::vector<const resc_tensor *> views;
  if (Failure f = readInputs(options.inputs, inputs, views); !f.empty())
    return f;
  std::vector<resc_tensor *> outputs(entry.num_outputs, nullptr);
  if (Failure f = failure(resc_run(model, options.entry.c_str(), params, views.data(),
                                   views.size(), outputs.data(), outputs.size()));
      !f.empty())
    return f;
  std::vector<TensorPtr> owned(outputs.begin(), outputs.end());
  std::printf("loss = %.9g\n", scalarValue(owned[lossIndex].get()));
  return failure(resc_grads_save_safetensors(model, owned[gradsIndex].get(),
                                             options.gradsPath.c_str()));
}

// train_step, K times on the same inputs: prints each step's loss; the
// parameters, buffers and optimizer state are updated in `params`.
Failure runTrainSteps(const Options &options, const resc_model *model, resc_params *params) {
  const resc_model_desc &desc = *resc_model_desc_get(model);
  const resc_entry_desc *entry = nullptr;
  for (int32_t e = 0; e < desc.num_entries && !entry; ++e)
    if (std::strcmp(desc.entries[e].name, "train_step") == 0)
      entry = &desc.entries[e];
  std::string where = std::string("model '") + desc.model_name + "'";
  if (!entry)
    return where + " has no train_step entry point (declare an optimizer in the model)";
  if (entry->num_inputs < 1 || !isFloatScalar(entry->inputs[entry->num_inputs - 1]) ||
      entry->num_outputs != 1 || !isFloatScalar(entry->outputs[0]))
    return "entry 'train_step' of " + where +
           " does not take the learning rate as a scalar last input and return the loss";
  size_t lossInputs = static_cast<size_t>(entry->num_inputs - 1);
  if (options.inputs.size() != lossInputs)
    return "entry 'train_step' of " + where + " takes " + std::to_string(lossInputs) +
           " input(s) and the learning rate, but " + std::to_string(options.inputs.size()) +
           " --input were given";
  std::vector<TensorPtr> inputs;
  std::vector<const resc_tensor *> views;
  if (Failure f = readInputs(options.inputs, inputs, views); !f.empty())
    return f;
  // The learning rate, in the dtype the entry declares.
  int32_t lrDtype = entry->inputs[entry->num_inputs - 1].dtype;
  resc_tensor *lr = nullptr;
  if (Failure f = failure(resc_tensor_create(lrDtype, 0, nullptr, &lr)); !f.empty())
    return f;
  inputs.emplace_back(lr);
  if (lrDtype == RESC_F64)
    *static_cast<double *>(resc_tensor_data(lr)) = options.lr;
  else
    *static_cast<float *>(resc_tensor_data(lr)) = static_cast<float>(options.lr);
  views.push_back(lr);
  for (int64_t step = 1; step <= options.trainSteps; ++step) {
    resc_tensor *loss = nullptr;
    if (Failure f = failure(
            resc_run(model, "train_step", params, views.data(), views.size(), &loss, 1));
        !f.empty())
      return "step " + std::to_string(step) + ": " + f;
    TensorPtr owned(loss);
    std::printf("step %lld: loss = %.9g\n", static_cast<long long>(step), scalarValue(loss));
    std::fflush(stdout); // one progress line per step, also through a pipe
  }
  return {};
}

// Reads the inputs, runs the entry and writes the outputs.
Failure runEntry(const Options &options, const resc_model *model, resc_params *params) {
  const resc_model_desc &desc = *resc_model_desc_get(model);
  if (!params && desc.param_arena_bytes > 0)
    return std::string("model '") + desc.model_name +
           "' has parameters: give --params FILE or --init-params SEED";
  if (options.trainSteps > 0)
    return runTrainSteps(options, model, params);
  const resc_entry_desc *entry = nullptr;
  if (Failure f = failure(resc_model_find_entry(model, options.entry.c_str(), &entry, nullptr));
      !f.empty())
    return f;
  if (!options.gradsPath.empty())
    return runGrads(options, model, params, *entry);
  if (options.outputs.size() != static_cast<size_t>(entry->num_outputs))
    return "entry '" + options.entry + "' has " + std::to_string(entry->num_outputs) +
           " output(s), but " + std::to_string(options.outputs.size()) + " --output were given";
  std::vector<TensorPtr> inputs;
  std::vector<const resc_tensor *> inputViews;
  if (Failure f = readInputs(options.inputs, inputs, inputViews); !f.empty())
    return f;
  std::vector<resc_tensor *> outputs(options.outputs.size(), nullptr);
  if (Failure f = failure(resc_run(model, options.entry.c_str(), params, inputViews.data(),
                                   inputViews.size(), outputs.data(), outputs.size()));
      !f.empty())
    return f;
  std::vector<TensorPtr> owned(outputs.begin(), outputs.end());
  for (size_t i = 0; i < owned.size(); ++i)
    if (Failure f = failure(resc_npy_write(owned[i].get(), options.outputs[i].c_str()));
        !f.empty())
      return f;
  return {};
}

Failure run(const Options &options) {
  if (options.threads > 0)
    if (Failure f = failure(resc_set_num_threads(options.threads)); !f.empty())
      return f;
  resc_model *rawModel = nullptr;
  if (Failure f = failure(resc_model_open(options.model.c_str(), &rawModel)); !f.empty())
    return f;
  std::unique_ptr<resc_model, ModelCloser> model(rawModel);
  if (options.info)
    printInfo(*resc_model_desc_get(model.get()));

  std::unique_ptr<resc_params, ParamsDestroyer> params;
  if (!options.paramsPath.empty() || options.initParams) {
    resc_params *rawParams = nullptr;
    if (Failure f = failure(resc_params_create(model.get(), &rawParams)); !f.empty())
      return f;
    params.reset(rawParams);
    resc_error *error = options.initParams
                            ? resc_params_init(params.get(), options.seed)
                            : resc_params_load_safetensors(params.get(), options.paramsPath.c_str());
    if (Failure f = failure(error); !f.empty())
      return f;
    if (!options.loadStatePath.empty())
      if (Failure f = failure(
              resc_state_load_safetensors(params.get(), options.loadStatePath.c_str()));
          !f.empty())
        return f;
  }

  if (wantsRun(options))
    if (Failure f = runEntry(options, model.get(), params.get()); !f.empty())
      return f;
  if (options.bench)
    if (Failure f = resrun::runBench(options.benchOptions, model.get(), params.get()); !f.empty())
      return f;
  if (!options.savePath.empty())
    if (Failure f = failure(
            resc_params_save_safetensors(params.get(), options.savePath.c_str()));
        !f.empty())
      return f;
  if (!options.saveStatePath.empty())
    return failure(resc_state_save_safetensors(params.get(), options.saveStatePath.c_str()));
  return {};
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  if (Failure f = parseArguments(argc, argv, options); !f.empty()) {
    std::fprintf(stderr, "resrun: error: %s\n%s", f.c_str(), kUsage);
    return 1;
  }
  if (options.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Failure f = run(options);
  if (f.empty() && (std::fflush(stdout) != 0 || std::ferror(stdout)))
    f = "cannot write to standard output";
  if (!f.empty()) {
    std::fprintf(stderr, "resrun: error: %s\n", f.c_str());
    return 1;
  }
  return 0;
}
