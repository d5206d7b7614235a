//===- Heap.cpp - keep the C heap warm between calls ----------------------===//
//
// Until the compile-time memory plan (one scratch arena per call) lands,
// generated code takes its temporaries from malloc. glibc serves blocks
// above 128 KiB with mmap and returns them with munmap, so every call of a
// training step would fault in tens of megabytes of fresh pages again (it
// cost more than the arithmetic). Raising the mmap and trim thresholds keeps
// freed blocks in the heap for the next call. RESC_MALLOC_DEFAULTS=1 leaves
// the host's allocator settings alone.
//
//===----------------------------------------------------------------------===//

#include "Heap.h"

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
