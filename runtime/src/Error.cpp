//===- Error.cpp - resc_error ---------------------------------------------===//

#include "Error.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

struct resc_error {
  // malloc'ed so that a failing allocation is a status, not an abort.
  char *message;
};

namespace {
// Returned when no memory is left even for the error itself.
char outOfMemoryText[] = "out of memory";
resc_error outOfMemory{outOfMemoryText};

// vsnprintf into a fresh malloc'ed buffer, or NULL.
char *vformat(const char *format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int length = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (length < 0)
    return nullptr;
  char *text = static_cast<char *>(std::malloc(static_cast<size_t>(length) + 1));
  if (!text)
    return nullptr;
  std::vsnprintf(text, static_cast<size_t>(length) + 1, format, args);
  // Messages are one line: resrun prints them as such.
  for (char *c = text; *c; ++c)
    if (*c == '\n' || *c == '\r')
      *c = ' ';
  return text;
}

resc_error *wrap(char *text) {
  if (!text)
    return &outOfMemory;
  auto *error = static_cast<resc_error *>(std::malloc(sizeof(resc_error)));
  if (!error) {
    std::free(text);
    return &outOfMemory;
  }
  error->message = text;
  return error;
}
} // namespace

namespace resc::rt {

resc_error *makeError(const char *format, ...) {
  va_list args;
  va_start(args, format);
  char *text = vformat(format, args);
  va_end(args);
  return wrap(text);
}

resc_error *prefixError(resc_error *error, const char *format, ...) {
  va_list args;
  va_start(args, format);
  char *prefix = vformat(format, args);
  va_end(args);
  if (!prefix)
    return error; // Keep the original message rather than lose it.
  resc_error *combined = makeError("%s: %s", prefix, resc_error_message(error));
  std::free(prefix);
  if (combined == &outOfMemory)
    return error;
  resc_error_free(error);
  return combined;
}

} // namespace resc::rt

extern "C" const char *resc_error_message(const resc_error *error) {
  if (!error)
    return "no error";
  return error->message;
}

extern "C" void resc_error_free(resc_error *error) {
  if (!error || error == &outOfMemory)
    return;
  std::free(error->message);
  std::free(error);
}
