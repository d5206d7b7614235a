//===- Init.cpp - PyTorch-like parameter initialisation -------------------===//
//
// The compiler writes, for every parameter, the distribution PyTorch's layer
// would draw it from (nn.Linear's kaiming_uniform_(a=sqrt(5)) is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), its bias the same bound; Embedding is
// N(0, 1); norms are ones and zeros). The runtime only samples it.
//
//===----------------------------------------------------------------------===//

#include "Init.h"

#include "Error.h"
#include "Handles.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace resc::rt {
namespace {

uint64_t splitMix64(uint64_t &x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t fnv1a64(const char *text) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (const unsigned char *c = reinterpret_cast<const unsigned char *>(text); *c; ++c)
    hash = (hash ^ *c) * 0x100000001B3ull;
  return hash;
}

constexpr double kTwoPi = 6.283185307179586476925286766559;

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// "key=value" pairs after the ':' of an init string.
using Arguments = std::vector<std::pair<std::string, std::string>>;

bool splitArguments(const std::string &text, Arguments &out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    std::string item = text.substr(start, comma - start);
    size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == item.size())
      return false;
    out.emplace_back(item.substr(0, equals), item.substr(equals + 1));
    start = comma + 1;
  }
  return true;
}

// A positive decimal integer, digits only.
bool parseFan(const std::string &text, double &out) {
  if (text.empty() || text.size() > 18 || text[0] == '0')
    return false;
  for (char c : text)
    if (c < '0' || c > '9')
      return false;
  out = std::strtod(text.c_str(), nullptr);
  return true;
}

// A finite, non-negative decimal number with nothing around it.
bool parseStd(const std::string &text, double &out) {
  if (text.empty() || !((text[0] >= '0' && text[0] <= '9') || text[0] == '.'))
    return false;
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (*end != '\0' || !std::isfinite(value) || value < 0)
    return false;
  out = value;
  return true;
}

// Looks up the arguments `keys` (exactly these, in any order) and parses each
// with `parse`. False when one is missing, repeated, extra or malformed.
template <size_t N>
bool takeArguments(const Arguments &arguments, const char *const (&keys)[N],
                   bool (*parse)(const std::string &, double &), double (&values)[N]) {
  if (arguments.size() != N)
    return false;
  bool seen[N] = {};
  for (const auto &[key, value] : arguments) {
    size_t k = 0;
    while (k < N && key != keys[k])
      ++k;
    if (k == N || seen[k] || !parse(value, values[k]))
      return false;
    seen[k] = true;
  }
  return true;
}

bool isInteger(int32_t dtype) { return dtype == RESC_I32 || dtype == RESC_I64; }

// Fills `count` elements of `dtype` at `data` from `spec`.
void fill(void *data, int32_t dtype, int64_t count, const InitSpec &spec, Rng &rng) {
  if (spec.kind == InitSpec::Seed) { // random bits (parseInit allows integers only)
    for (int64_t i = 0; i < count; ++i) {
      uint64_t bits = rng.next();
      if (dtype == RESC_I64)
        std::memcpy(static_cast<char *>(data) + 8 * i, &bits, 8);
      else
        std::memcpy(static_cast<char *>(data) + 4 * i, &bits, 4);
    }
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    double x = spec.value;
    if (spec.kind == InitSpec::Uniform)
      x = -spec.value + 2 * spec.value * rng.uniform();
    else if (spec.kind == InitSpec::Normal)
      x = spec.value * rng.normal();
    switch (dtype) {
    case RESC_F32: {
      float f = static_cast<float>(x);
      // Rounding to float may reach the excluded upper bound.
      if (spec.kind == InitSpec::Uniform && f >= static_cast<float>(spec.value))
        f = std::nextafter(static_cast<float>(spec.value), 0.0f);
      static_cast<float *>(data)[i] = f;
      break;
    }
    case RESC_F64:
      static_cast<double *>(data)[i] = x;
      break;
    case RESC_I32:
      static_cast<int32_t *>(data)[i] = static_cast<int32_t>(x);
      break;
    case RESC_I64:
      static_cast<int64_t *>(data)[i] = static_cast<int64_t>(x);
      break;
    }
  }
}

} // namespace

Rng::Rng(uint64_t seed, const char *name) {
  uint64_t x = seed ^ fnv1a64(name);
  for (uint64_t &word : state)
    word = splitMix64(x);
}

uint64_t Rng::next() {
  uint64_t result = rotl(state[1] * 5, 7) * 9;
  uint64_t t = state[1] << 17;
  state[2] ^= state[0];
  state[3] ^= state[1];
  state[1] ^= state[2];
  state[0] ^= state[3];
  state[2] ^= t;
  state[3] = rotl(state[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  double u1 = 1.0 - uniform(); // (0, 1]: log(u1) is finite
  double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

resc_error *parseInit(const char *text, int32_t dtype, InitSpec &out) {
  std::string init = text ? text : "";
  if (init == "zeros" || (init.empty() && isInteger(dtype))) {
    out = {InitSpec::Constant, 0.0};
    return nullptr;
  }
  if (init == "ones") {
    out = {InitSpec::Constant, 1.0};
    return nullptr;
  }
  if (init == "seed") { // e.g. dropout.seed: the generator's key, from the init seed
    if (!isInteger(dtype))
      return makeError("init 'seed' fills integer tensors, but the tensor is %s",
                       resc_dtype_name(dtype));
    out = {InitSpec::Seed, 0.0};
    return nullptr;
  }
  size_t colon = init.find(':');
  std::string kind = init.substr(0, colon);
  Arguments arguments;
  bool argumentsOk = colon != std::string::npos && splitArguments(init.substr(colon + 1), arguments);
  bool known = kind == "uniform" || kind == "xavier_uniform" || kind == "normal";
  if (!known)
    return makeError("unknown init string '%s' (expected uniform:fan_in=K, "
                     "xavier_uniform:fan_in=A,fan_out=B, normal:std=S, ones, zeros or seed)",
                     init.c_str());
  if (isInteger(dtype))
    return makeError("init '%s' draws random numbers, but the tensor is %s", init.c_str(),
                     resc_dtype_name(dtype));
  if (kind == "uniform") {
    static const char *const keys[] = {"fan_in"};
    double fan[1] = {};
    if (!argumentsOk || !takeArguments(arguments, keys, parseFan, fan))
      return makeError("malformed init string '%s' (expected uniform:fan_in=K with K > 0)",
                       init.c_str());
    out = {InitSpec::Uniform, 1.0 / std::sqrt(fan[0])};
  } else if (kind == "xavier_uniform") {
    static const char *const keys[] = {"fan_in", "fan_out"};
    double fans[2] = {};
    if (!argumentsOk || !takeArguments(arguments, keys, parseFan, fans))
      return makeError("malformed init string '%s' (expected "
                       "xavier_uniform:fan_in=A,fan_out=B with A, B > 0)",
                       init.c_str());
    out = {InitSpec::Uniform, std::sqrt(6.0 / (fans[0] + fans[1]))};
  } else {
    static const char *const keys[] = {"std"};
    double deviation[1] = {};
    if (!argumentsOk || !takeArguments(arguments, keys, parseStd, deviation))
      return makeError("malformed init string '%s' (expected normal:std=S with S >= 0)",
                       init.c_str());
    out = {InitSpec::Normal, deviation[0]};
  }
  return nullptr;
}

} // namespace resc::rt

using namespace resc::rt;

extern "C" resc_error *resc_params_init(resc_params *params, uint64_t seed) {
  if (!params)
    return makeError("resc_params_init: 'params' must not be NULL");
  const resc_model_desc &desc = *params->model->desc;
  for (int32_t i = 0; i < desc.num_params; ++i) {
    const resc_tensor_desc &t = desc.params[i];
    InitSpec spec;
    if (resc_error *error = parseInit(t.init, t.dtype, spec))
      return prefixError(error, "cannot initialise '%s'", t.name);
    Rng rng(seed, t.name);
    fill(static_cast<char *>(params->arena) + t.offset, t.dtype,
         t.nbytes / static_cast<int64_t>(resc_dtype_size(t.dtype)), spec, rng);
  }
  return nullptr;
}
