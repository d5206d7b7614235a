//===- Bench.h - resrun --bench: time an entry point ------------*- C++ -*-===//

#ifndef RESC_RESRUN_BENCH_H
#define RESC_RESRUN_BENCH_H

#include "resc/runtime.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace resrun {

struct BenchOptions {
  std::string entry;                                 // "forward", "loss_grad", "train_step"
  int64_t batch = 0;                                 // --batch: dim N; 0 when not given
  std::vector<std::pair<std::string, int64_t>> dims; // --dim NAME=VALUE
  int64_t iters = 10;                                // timed calls
  int64_t warmup = 2;                                // untimed calls before them
  double lr = 0.01;                                  // train_step's learning rate
  uint64_t seed = 1;                                 // for the random inputs
};

/// Times `options.entry` on random inputs with the arena `params` and prints
/// "median_ms=<x> min_ms=<y> iters=<k>" on stdout. Returns "" on success,
/// else the error message.
std::string runBench(const BenchOptions &options, const resc_model *model, resc_params *params);

} // namespace resrun

#endif // RESC_RESRUN_BENCH_H
