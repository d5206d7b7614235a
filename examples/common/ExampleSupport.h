//===- ExampleSupport.h - error handling shared by the example programs ---===//
//
// The training examples report any runtime failure as "<tool>: error: <msg>"
// and exit 1; they create tensors through the runtime the same way.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_EXAMPLES_EXAMPLESUPPORT_H
#define RESC_EXAMPLES_EXAMPLESUPPORT_H

#include "resc/runtime.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace example {

/// The program name in error messages; main() sets it first.
inline const char *toolName = "example";

[[noreturn]] inline void die(const std::string &message) {
  std::fprintf(stderr, "%s: error: %s\n", toolName, message.c_str());
  std::exit(1);
}

/// Exits with the runtime's message when `error` is set.
inline void check(resc_error *error) {
  if (!error)
    return;
  std::string message = resc_error_message(error);
  resc_error_free(error);
  die(message);
}

inline resc_tensor *tensor(int32_t dtype, std::vector<int64_t> shape) {
  resc_tensor *t = nullptr;
  check(resc_tensor_create(dtype, int32_t(shape.size()), shape.data(), &t));
  return t;
}

} // namespace example

#endif // RESC_EXAMPLES_EXAMPLESUPPORT_H
