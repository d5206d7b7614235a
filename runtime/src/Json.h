//===- Json.h - a small strict JSON reader ---------------------*- C++ -*-===//
//
// Just enough JSON for safetensors headers, written here so the runtime has
// no dependency. It accepts exactly RFC 8259 (no comments, no trailing
// commas, no NaN, valid UTF-8 only) and, because the input is hostile, it
// refuses duplicate object keys and nesting deeper than a fixed limit.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_RUNTIME_JSON_H
#define RESC_RUNTIME_JSON_H

#include "resc/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace resc::rt::json {

enum class Kind { Null, Bool, Number, String, Array, Object };

struct Member;

struct Value {
  Kind kind = Kind::Null;
  bool boolean = false;
  /// String: the decoded UTF-8 text. Number: the literal as written, so that
  /// integers keep all 64 bits.
  std::string text;
  std::vector<Value> items;    // Array
  std::vector<Member> members; // Object, in the order of the text

  /// The member called `key` of an object, or NULL.
  const Value *find(const std::string &key) const;
  /// True when this is a Number written as a non-negative integer (no sign,
  /// fraction or exponent) that fits in uint64_t; stores it in `value`.
  bool asUint64(uint64_t &value) const;
};

struct Member {
  std::string key;
  Value value;
};

/// "object", "array", ...: for error messages.
const char *kindName(Kind kind);

/// The deepest nesting of arrays and objects parse() accepts.
constexpr int kMaxDepth = 64;

/// Parses `size` bytes at `text` as one JSON value surrounded by optional
/// whitespace. Errors give the byte offset of the problem.
resc_error *parse(const char *text, size_t size, Value &out);

} // namespace resc::rt::json

#endif // RESC_RUNTIME_JSON_H
