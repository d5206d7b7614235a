//===- Heap.h - keep the C heap warm between calls --------------*- C++ -*-===//

#ifndef RESC_RUNTIME_HEAP_H
#define RESC_RUNTIME_HEAP_H

namespace resc::rt {
/// Once per process: keep large freed blocks in the heap (see Heap.cpp).
void keepHeapWarm();
} // namespace resc::rt

#endif // RESC_RUNTIME_HEAP_H
