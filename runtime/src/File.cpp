//===- File.cpp - whole-file reads and all-or-nothing writes --------------===//

#include "File.h"

#include "Error.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace resc::rt {

FileBuffer::~FileBuffer() { std::free(bytes); }

namespace {
// Closes a descriptor on every path out of a function.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0)
      ::close(fd);
  }
};
} // namespace

resc_error *readFile(const char *path, FileBuffer &out) {
  if (!path)
    return makeError("no file name given");
  Descriptor file{::open(path, O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0)
    return makeError("cannot open '%s': %s", path, std::strerror(errno));
  struct stat info;
  if (::fstat(file.fd, &info) != 0)
    return makeError("cannot read '%s': %s", path, std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return makeError("cannot read '%s': not a regular file", path);
  size_t size = static_cast<size_t>(info.st_size);
  // One extra byte so that an empty file still gets a buffer.
  auto *bytes = static_cast<uint8_t *>(std::malloc(size + 1));
  if (!bytes)
    return makeError("cannot read '%s': no memory for its %zu bytes", path, size);
  size_t done = 0;
  while (done < size) {
    ssize_t got = ::read(file.fd, bytes + done, size - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      int code = got < 0 ? errno : 0;
      std::free(bytes);
      return makeError("cannot read '%s': %s", path,
                       code ? std::strerror(code) : "the file shrank while being read");
    }
    done += static_cast<size_t>(got);
  }
  std::free(out.bytes);
  out.bytes = bytes;
  out.length = size;
  return nullptr;
}

resc_error *writeFileAtomic(const char *path, const Piece *pieces, size_t count) {
  if (!path)
    return makeError("no file name given");
  std::string temporary = std::string(path) + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return makeError("cannot write '%s': %s", path, std::strerror(errno));
  // Every failure after the open removes the temporary and reports errno.
  auto fail = [&](bool closeFirst) {
    int code = errno;
    if (closeFirst)
      ::close(fd);
    ::unlink(temporary.c_str());
    return makeError("cannot write '%s': %s", path, std::strerror(code));
  };
  for (size_t i = 0; i < count; ++i) {
    const auto *bytes = static_cast<const uint8_t *>(pieces[i].data);
    size_t done = 0;
    while (done < pieces[i].size) {
      ssize_t wrote = ::write(fd, bytes + done, pieces[i].size - done);
      if (wrote < 0 && errno == EINTR)
        continue;
      if (wrote < 0)
        return fail(/*closeFirst=*/true);
      done += static_cast<size_t>(wrote);
    }
  }
  if (::close(fd) != 0)
    return fail(/*closeFirst=*/false);
  if (std::rename(temporary.c_str(), path) != 0)
    return fail(/*closeFirst=*/false);
  return nullptr;
}

} // namespace resc::rt
