//===- File.h - whole-file reads and all-or-nothing writes ------*- C++ -*-===//
//
// The formats the runtime reads are small compared with memory (parameters
// and single tensors), so they are read whole: parsers then check every
// offset against one in-memory size instead of seeking around a file.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_RUNTIME_FILE_H
#define RESC_RUNTIME_FILE_H

#include "resc/runtime.h"

#include <cstddef>
#include <cstdint>

namespace resc::rt {

/// The content of a file, owned (malloc'ed) and freed on destruction.
class FileBuffer {
public:
  FileBuffer() = default;
  FileBuffer(const FileBuffer &) = delete;
  FileBuffer &operator=(const FileBuffer &) = delete;
  ~FileBuffer();

  const uint8_t *data() const { return bytes; }
  size_t size() const { return length; }

private:
  friend resc_error *readFile(const char *path, FileBuffer &out);
  uint8_t *bytes = nullptr;
  size_t length = 0;
};

/// Reads the regular file `path` into `out`. Errors name the file and say why
/// (missing, a directory, unreadable).
resc_error *readFile(const char *path, FileBuffer &out);

/// A span of bytes to write.
struct Piece {
  const void *data;
  size_t size;
};

/// Writes `pieces` in order to "<path>.tmp" and renames it to `path`, so
/// `path` never holds a partial file; the temporary is removed on failure.
resc_error *writeFileAtomic(const char *path, const Piece *pieces, size_t count);

} // namespace resc::rt

#endif // RESC_RUNTIME_FILE_H
