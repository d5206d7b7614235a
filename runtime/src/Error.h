//===- Error.h - building resc_error values ---------------------*- C++ -*-===//
//
// Every failure in the runtime becomes a resc_error carrying one line of
// text. Messages follow the compiler's diagnostics style: lower case, no
// trailing period, the offending name and values quoted.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_RUNTIME_ERROR_H
#define RESC_RUNTIME_ERROR_H

#include "resc/runtime.h"

namespace resc::rt {

/// Makes an error from a printf-style message. Never returns NULL: when even
/// the message cannot be allocated it returns a static "out of memory" error
/// that resc_error_free leaves alone.
resc_error *makeError(const char *format, ...) __attribute__((format(printf, 1, 2)));

/// Returns `error` with "<prefix>: " put in front of its message (and takes
/// ownership of it), so callers can add context such as the file name.
resc_error *prefixError(resc_error *error, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

} // namespace resc::rt

/// Propagates a non-NULL resc_error out of the enclosing function.
#define RESC_TRY(expr)                                                         \
  do {                                                                         \
    if (resc_error *resc_try_error_ = (expr))                                  \
      return resc_try_error_;                                                  \
  } while (0)

#endif // RESC_RUNTIME_ERROR_H
