//===- Json.cpp - a small strict JSON reader ------------------------------===//

#include "Json.h"

#include "Error.h"

#include <cstring>
#include <unordered_set>

namespace resc::rt::json {

const Value *Value::find(const std::string &key) const {
  for (const Member &member : members)
    if (member.key == key)
      return &member.value;
  return nullptr;
}

bool Value::asUint64(uint64_t &value) const {
  if (kind != Kind::Number || text.empty())
    return false;
  uint64_t result = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    if (__builtin_mul_overflow(result, 10u, &result) ||
        __builtin_add_overflow(result, static_cast<uint64_t>(c - '0'), &result))
      return false;
  }
  value = result;
  return true;
}

const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "boolean";
  case Kind::Number:
    return "number";
  case Kind::String:
    return "string";
  case Kind::Array:
    return "array";
  case Kind::Object:
    return "object";
  }
  return "value";
}

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

int hexValue(char c) {
  if (isDigit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string &out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// The length of the well-formed UTF-8 sequence at `p` (at most `left`
// bytes), or 0: overlong forms, surrogates and code points past U+10FFFF are
// refused, as RFC 3629 asks.
size_t utf8Length(const unsigned char *p, size_t left) {
  unsigned char lead = p[0];
  size_t length;
  uint32_t code, minimum;
  if (lead < 0x80)
    return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code = lead & 0x07, minimum = 0x10000;
  } else {
    return 0;
  }
  if (length > left)
    return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    code = (code << 6) | (p[i] & 0x3F);
  }
  if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
    return 0;
  return length;
}

class Parser {
public:
  Parser(const char *text, size_t size) : begin(text), pos(text), end(text + size) {}

  resc_error *parseDocument(Value &out) {
    skipWhitespace();
    RESC_TRY(parseValue(out, 0));
    skipWhitespace();
    if (pos != end)
      return fail("unexpected text after the JSON value");
    return nullptr;
  }

private:
  const char *begin, *pos, *end;

  resc_error *fail(const char *what) {
    return makeError("invalid JSON at byte %zu: %s", static_cast<size_t>(pos - begin), what);
  }

  void skipWhitespace() {
    while (pos != end && (*pos == ' ' || *pos == '\t' || *pos == '\n' || *pos == '\r'))
      ++pos;
  }

  // Consumes `c` after optional whitespace.
  bool consume(char c) {
    skipWhitespace();
    if (pos != end && *pos == c) {
      ++pos;
      return true;
    }
    return false;
  }

  resc_error *parseValue(Value &out, int depth) {
    if (pos == end)
      return fail("unexpected end of text, expected a value");
    switch (*pos) {
    case '{':
      return parseObject(out, depth + 1);
    case '[':
      return parseArray(out, depth + 1);
    case '"':
      out.kind = Kind::String;
      return parseString(out.text);
    case 't':
      out.kind = Kind::Bool, out.boolean = true;
      return parseWord("true");
    case 'f':
      out.kind = Kind::Bool, out.boolean = false;
      return parseWord("false");
    case 'n':
      out.kind = Kind::Null;
      return parseWord("null");
    default:
      if (*pos == '-' || isDigit(*pos))
        return parseNumber(out);
      return fail("expected a value");
    }
  }

  resc_error *parseWord(const char *word) {
    size_t length = std::strlen(word);
    if (static_cast<size_t>(end - pos) < length || std::memcmp(pos, word, length) != 0)
      return fail("expected a value");
    pos += length;
    return nullptr;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  resc_error *parseNumber(Value &out) {
    const char *start = pos;
    if (*pos == '-')
      ++pos;
    if (pos == end || !isDigit(*pos))
      return fail("expected a digit");
    if (*pos == '0') {
      ++pos;
      if (pos != end && isDigit(*pos))
        return fail("leading zeros are not allowed in numbers");
    }
    auto digits = [&] {
      const char *first = pos;
      while (pos != end && isDigit(*pos))
        ++pos;
      return pos != first;
    };
    digits();
    if (pos != end && *pos == '.') {
      ++pos;
      if (!digits())
        return fail("expected a digit after '.'");
    }
    if (pos != end && (*pos == 'e' || *pos == 'E')) {
      ++pos;
      if (pos != end && (*pos == '+' || *pos == '-'))
        ++pos;
      if (!digits())
        return fail("expected a digit in the exponent");
    }
    out.kind = Kind::Number;
    out.text.assign(start, pos);
    return nullptr;
  }

  resc_error *parseHex4(uint32_t &code) {
    if (end - pos < 4)
      return fail("truncated \\u escape");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      int digit = hexValue(pos[i]);
      if (digit < 0)
        return fail("invalid \\u escape");
      code = code * 16 + static_cast<uint32_t>(digit);
    }
    pos += 4;
    return nullptr;
  }

  resc_error *parseEscape(std::string &out) {
    if (pos == end)
      return fail("unterminated string");
    char c = *pos++;
    switch (c) {
    case '"':
    case '\\':
    case '/':
      out += c;
      return nullptr;
    case 'b':
      out += '\b';
      return nullptr;
    case 'f':
      out += '\f';
      return nullptr;
    case 'n':
      out += '\n';
      return nullptr;
    case 'r':
      out += '\r';
      return nullptr;
    case 't':
      out += '\t';
      return nullptr;
    case 'u':
      break;
    default:
      --pos;
      return fail("invalid escape in string");
    }
    uint32_t code = 0;
    RESC_TRY(parseHex4(code));
    if (code >= 0xDC00 && code <= 0xDFFF)
      return fail("unpaired low surrogate in \\u escape");
    if (code >= 0xD800 && code <= 0xDBFF) {
      // A high surrogate must be followed by an escaped low one.
      if (end - pos < 2 || pos[0] != '\\' || pos[1] != 'u')
        return fail("unpaired high surrogate in \\u escape");
      pos += 2;
      uint32_t low = 0;
      RESC_TRY(parseHex4(low));
      if (low < 0xDC00 || low > 0xDFFF)
        return fail("unpaired high surrogate in \\u escape");
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    appendUtf8(out, code);
    return nullptr;
  }

  resc_error *parseString(std::string &out) {
    ++pos; // the opening quote
    out.clear();
    while (true) {
      if (pos == end)
        return fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(*pos);
      if (c == '"') {
        ++pos;
        return nullptr;
      }
      if (c == '\\') {
        ++pos;
        RESC_TRY(parseEscape(out));
        continue;
      }
      if (c < 0x20)
        return fail("control character in string");
      size_t length =
          utf8Length(reinterpret_cast<const unsigned char *>(pos), static_cast<size_t>(end - pos));
      if (length == 0)
        return fail("invalid UTF-8 in string");
      out.append(pos, length);
      pos += length;
    }
  }

  resc_error *parseArray(Value &out, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting too deep");
    ++pos; // '['
    out.kind = Kind::Array;
    if (consume(']'))
      return nullptr;
    while (true) {
      skipWhitespace();
      out.items.emplace_back();
      RESC_TRY(parseValue(out.items.back(), depth));
      if (consume(']'))
        return nullptr;
      if (!consume(','))
        return fail("expected ',' or ']' in array");
    }
  }

  resc_error *parseObject(Value &out, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting too deep");
    ++pos; // '{'
    out.kind = Kind::Object;
    if (consume('}'))
      return nullptr;
    // A set rather than find(): a hostile header may have millions of keys.
    std::unordered_set<std::string> seen;
    while (true) {
      skipWhitespace();
      if (pos == end || *pos != '"')
        return fail("expected a string as object key");
      const char *keyStart = pos;
      Member member;
      RESC_TRY(parseString(member.key));
      if (!seen.insert(member.key).second) {
        pos = keyStart;
        std::string what = "duplicate key '" + member.key + "'";
        return fail(what.c_str());
      }
      if (!consume(':'))
        return fail("expected ':' after object key");
      skipWhitespace();
      RESC_TRY(parseValue(member.value, depth));
      out.members.push_back(std::move(member));
      if (consume('}'))
        return nullptr;
      if (!consume(','))
        return fail("expected ',' or '}' in object");
    }
  }
};

} // namespace

resc_error *parse(const char *text, size_t size, Value &out) {
  out = Value();
  return Parser(text, size).parseDocument(out);
}

} // namespace resc::rt::json
