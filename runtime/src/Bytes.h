//===- Bytes.h - little-endian integers in file headers --------*- C++ -*-===//
//
// Both file formats store their header lengths little-endian, and the
// runtime copies tensor data byte for byte, which is only right on a
// little-endian host; the static_assert makes a port notice.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_RUNTIME_BYTES_H
#define RESC_RUNTIME_BYTES_H

#include <cstddef>
#include <cstdint>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the resc runtime copies little-endian file data as is");

namespace resc::rt {

/// The `width`-byte little-endian unsigned integer at `p`.
inline uint64_t readLittleEndian(const uint8_t *p, size_t width) {
  uint64_t value = 0;
  for (size_t i = width; i-- > 0;)
    value = (value << 8) | p[i];
  return value;
}

/// Stores the low `width` bytes of `value` at `p`, little-endian.
inline void writeLittleEndian(uint8_t *p, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i, value >>= 8)
    p[i] = static_cast<uint8_t>(value);
}

} // namespace resc::rt

#endif // RESC_RUNTIME_BYTES_H
