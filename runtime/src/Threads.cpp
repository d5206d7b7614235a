//===- Threads.cpp - the thread count compiled code may use --------------===//
//
// One process-wide setting, like OpenMP's omp_set_num_threads: the host
// application (or resrun --threads) sets it, RESC_NUM_THREADS gives the
// default. Compiled code runs its large loops on LLVM's OpenMP runtime
// (libomp); before each call the count is applied to the calling thread.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Handles.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include <sched.h>

namespace {

// The value set by resc_set_num_threads; 0 means "the default".
std::atomic<int32_t> chosenThreads{0};

// RESC_NUM_THREADS when it is a whole number in 1..RESC_MAX_THREADS,
// otherwise the number of CPUs this process may run on (its affinity mask,
// which taskset and container CPU sets narrow), at least 1.
int32_t defaultThreads() {
  if (const char *text = std::getenv("RESC_NUM_THREADS")) {
    char *end = nullptr;
    long value = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && value >= 1 && value <= RESC_MAX_THREADS)
      return static_cast<int32_t>(value);
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count >= 1)
      return count < RESC_MAX_THREADS ? count : RESC_MAX_THREADS;
  }
  return 1;
}

} // namespace

extern "C" resc_error *resc_set_num_threads(int32_t num_threads) {
  if (num_threads < 0 || num_threads > RESC_MAX_THREADS)
    return resc::rt::makeError("the thread count must be in 1..%d (or 0 for the default), not %d",
                               RESC_MAX_THREADS, num_threads);
  chosenThreads.store(num_threads, std::memory_order_relaxed);
  return nullptr;
}

extern "C" int32_t resc_get_num_threads(void) {
  int32_t chosen = chosenThreads.load(std::memory_order_relaxed);
  return chosen > 0 ? chosen : defaultThreads();
}

extern "C" void resc_threads_apply(const resc_model *model) {
  if (model && model->setOmpThreads)
    model->setOmpThreads(resc_get_num_threads());
}
