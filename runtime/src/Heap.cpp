//===- Heap.cpp - keep the C heap warm between calls ----------------------===//
//
// Compiled code takes its temporaries from the scratch arena the runtime
// passes (docs/memory.md); each thread keeps its largest arena for the next
// call, so a training loop faults its pages in once. The runtime still
// allocates each call's outputs, and code compiled with --memory-plan=heap
// mallocs every temporary: glibc serves blocks above 128 KiB with mmap and
// returns them with munmap, so every call would fault in fresh pages again.
// Raising the mmap and trim thresholds keeps freed blocks in the heap for
// the next call. RESC_MALLOC_DEFAULTS=1 leaves the host's allocator
// settings alone.
//
//===----------------------------------------------------------------------===//

#include "Heap.h"
#include "resc/runtime.h"
#include "Shape.h"

#include <cstdlib>
#include <cstring>

#include <malloc.h>

void resc::rt::keepHeapWarm() {
  static const bool done = [] {
    const char *keep = std::getenv("RESC_MALLOC_DEFAULTS");
    if (keep && std::strcmp(keep, "0") != 0)
      return true;
    // 32 MiB is the largest mmap threshold glibc accepts (it ignores more).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)done;
}

namespace {
/// The calling thread's scratch arena, kept between calls.
struct ScratchCache {
  void *data = nullptr;
  size_t bytes = 0;
  ~ScratchCache() { resc::rt::alignedFree(data); }
};
thread_local ScratchCache scratchCache;
} // namespace

void *resc::rt::threadScratch(size_t bytes) {
  if (bytes == 0)
    return nullptr;
  if (scratchCache.bytes < bytes) {
    alignedFree(scratchCache.data);
    scratchCache.bytes = 0;
    scratchCache.data = alignedAlloc(bytes);
    if (!scratchCache.data)
      return nullptr;
    scratchCache.bytes = bytes;
  }
  return scratchCache.data;
}

extern "C" void resc_release_scratch(void) {
  resc::rt::alignedFree(scratchCache.data);
  scratchCache.data = nullptr;
  scratchCache.bytes = 0;
}
