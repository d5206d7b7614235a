//===- Init.h - PyTorch-like parameter initialisation ----------*- C++ -*-===//
//
// The pieces of resc_params_init, exposed for unit tests: the init-string
// grammar and the seeded generator.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_RUNTIME_INIT_H
#define RESC_RUNTIME_INIT_H

#include "resc/runtime.h"

#include <cstdint>

namespace resc::rt {

/// A parsed init string.
struct InitSpec {
  enum Kind { Uniform, Normal, Constant, Seed } kind = Constant;
  /// Uniform: the bound b of U(-b, b). Normal: the standard deviation.
  /// Constant: the value. Seed: none (random bits, integer tensors only).
  double value = 0;
};

/// Parses "uniform:fan_in=K", "xavier_uniform:fan_in=A,fan_out=B",
/// "normal:std=S", "ones" or "zeros" (and "" for integer tensors, meaning
/// zero). Every key listed must be present, no other key is allowed, fans are
/// positive integers and std a finite non-negative number.
resc_error *parseInit(const char *text, int32_t dtype, InitSpec &out);

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: small, fast,
/// and the same sequence on every platform.
class Rng {
public:
  /// The stream for one tensor: the state is four SplitMix64 outputs started
  /// from seed ^ FNV-1a-64(name), so a tensor's numbers do not depend on the
  /// other tensors of the model.
  Rng(uint64_t seed, const char *name);
  uint64_t next();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();
  /// Standard normal, by Box-Muller (one draw per pair of uniforms).
  double normal();

private:
  uint64_t state[4];
};

} // namespace resc::rt

#endif // RESC_RUNTIME_INIT_H
