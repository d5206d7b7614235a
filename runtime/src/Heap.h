//===- Heap.h - memory kept warm between calls ------------------*- C++ -*-===//

#ifndef RESC_RUNTIME_HEAP_H
#define RESC_RUNTIME_HEAP_H

#include <cstddef>

namespace resc::rt {
/// Once per process: keep large freed blocks in the heap (see Heap.cpp).
void keepHeapWarm();

/// At least `bytes` of 64-byte aligned scratch memory for a call on this
/// thread (null for 0 bytes or when allocation fails). The same arena is
/// reused by the thread's later calls and freed when the thread exits.
void *threadScratch(size_t bytes);
} // namespace resc::rt

#endif // RESC_RUNTIME_HEAP_H
