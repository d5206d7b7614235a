//===- Npy.cpp - .npy files -----------------------------------------------===//
//
// The format (numpy.lib.format): the magic "\x93NUMPY", a major and minor
// version, the header length (2 bytes little-endian in 1.0, 4 bytes in 2.0
// and 3.0), then a Python dict literal such as
//     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ended by '\n', then the raw data. The reader
// accepts exactly the dicts numpy writes: the three keys once each, quoted
// strings, True/False, and a tuple of non-negative integers.
//
//===----------------------------------------------------------------------===//

#include "Bytes.h"
#include "Error.h"
#include "File.h"
#include "Handles.h"
#include "Shape.h"

#include <cstring>
#include <string>

namespace resc::rt {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
// numpy's own default limit (max_header_size): headers it writes are far
// shorter, and a longer one is more likely an attack than an array.
constexpr size_t kMaxHeaderBytes = 10000;

struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  int32_t rank = 0;
  int64_t shape[RESC_MAX_RANK] = {};
};

// A recursive-descent reader for the header dict.
class HeaderParser {
public:
  HeaderParser(const char *text, size_t size) : begin(text), pos(text), end(text + size) {}

  resc_error *parse(NpyHeader &out) {
    bool seenDescr = false, seenFortran = false, seenShape = false;
    skipSpaces();
    if (!consume('{'))
      return fail("expected '{'");
    while (true) {
      skipSpaces();
      if (consume('}'))
        break;
      std::string key;
      RESC_TRY(parseString(key));
      skipSpaces();
      if (!consume(':'))
        return fail("expected ':' after a key");
      skipSpaces();
      bool *seen = key == "descr"           ? &seenDescr
                   : key == "fortran_order" ? &seenFortran
                   : key == "shape"         ? &seenShape
                                            : nullptr;
      if (!seen)
        return makeError("unexpected key '%s' in the header", key.c_str());
      if (*seen)
        return makeError("key '%s' appears twice in the header", key.c_str());
      *seen = true;
      if (key == "descr")
        RESC_TRY(parseString(out.descr));
      else if (key == "fortran_order")
        RESC_TRY(parseBool(out.fortranOrder));
      else
        RESC_TRY(parseShape(out));
      skipSpaces();
      if (consume('}'))
        break;
      if (!consume(','))
        return fail("expected ',' or '}'");
    }
    // numpy pads with spaces and ends with a newline.
    while (pos != end && (*pos == ' ' || *pos == '\n'))
      ++pos;
    if (pos != end)
      return fail("unexpected text after the header dict");
    if (!seenDescr || !seenFortran || !seenShape)
      return makeError("the header lacks key '%s'",
                       !seenDescr ? "descr" : !seenFortran ? "fortran_order" : "shape");
    return nullptr;
  }

private:
  const char *begin, *pos, *end;

  resc_error *fail(const char *what) {
    return makeError("malformed header at byte %zu: %s", static_cast<size_t>(pos - begin), what);
  }

  void skipSpaces() {
    while (pos != end && *pos == ' ')
      ++pos;
  }

  bool consume(char c) {
    if (pos != end && *pos == c) {
      ++pos;
      return true;
    }
    return false;
  }

  // 'text' or "text", without escapes (numpy never writes any here).
  resc_error *parseString(std::string &out) {
    if (pos == end || (*pos != '\'' && *pos != '"'))
      return fail("expected a quoted string");
    char quote = *pos++;
    const char *start = pos;
    while (pos != end && *pos != quote) {
      if (*pos == '\\' || *pos == '\n')
        return fail("unsupported character in a string");
      ++pos;
    }
    if (pos == end)
      return fail("unterminated string");
    out.assign(start, pos);
    ++pos;
    return nullptr;
  }

  resc_error *parseBool(bool &out) {
    for (bool value : {false, true}) {
      const char *word = value ? "True" : "False";
      size_t length = std::strlen(word);
      if (static_cast<size_t>(end - pos) >= length && std::memcmp(pos, word, length) == 0) {
        pos += length;
        out = value;
        return nullptr;
      }
    }
    return fail("expected True or False");
  }

  resc_error *parseDim(int64_t &out) {
    if (pos == end || *pos < '0' || *pos > '9')
      return fail("expected a non-negative integer in the shape");
    int64_t value = 0;
    while (pos != end && *pos >= '0' && *pos <= '9') {
      if (__builtin_mul_overflow(value, 10, &value) ||
          __builtin_add_overflow(value, *pos - '0', &value))
        return fail("shape entry too large");
      ++pos;
    }
    out = value;
    return nullptr;
  }

  // "()", "(3,)", "(2, 3)" or "(2, 3,)": Python tuple syntax, where a single
  // element needs its trailing comma.
  resc_error *parseShape(NpyHeader &out) {
    if (!consume('('))
      return fail("expected '(' to start the shape");
    out.rank = 0;
    while (true) {
      skipSpaces();
      if (consume(')'))
        break;
      if (out.rank == RESC_MAX_RANK)
        return makeError("the shape has more than %d dims", RESC_MAX_RANK);
      RESC_TRY(parseDim(out.shape[out.rank++]));
      skipSpaces();
      if (consume(','))
        continue;
      if (out.rank == 1)
        return fail("a one-element shape needs a trailing comma");
      if (!consume(')'))
        return fail("expected ',' or ')' in the shape");
      break;
    }
    return nullptr;
  }
};

resc_error *parseNpy(const FileBuffer &file, resc_tensor **out) {
  const uint8_t *bytes = file.data();
  size_t size = file.size();
  if (size < kMagicBytes || std::memcmp(bytes, kMagic, kMagicBytes) != 0)
    return makeError("not a .npy file (bad magic)");
  if (size < 10)
    return makeError("truncated: %zu bytes, too few for a .npy preamble", size);
  unsigned major = bytes[6], minor = bytes[7];
  size_t lengthBytes;
  if (major == 1 && minor == 0)
    lengthBytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    lengthBytes = 4;
  else
    return makeError("unsupported .npy format version %u.%u (resc reads 1.0, 2.0, 3.0)", major,
                     minor);
  size_t headerStart = 8 + lengthBytes;
  if (size < headerStart)
    return makeError("truncated: the file ends inside the header length");
  uint64_t headerBytes = readLittleEndian(bytes + 8, lengthBytes);
  if (headerBytes > size - headerStart)
    return makeError("header length %llu runs past the end of the file (%zu bytes)",
                     static_cast<unsigned long long>(headerBytes), size);
  if (headerBytes > kMaxHeaderBytes)
    return makeError("header length %llu exceeds the limit of %zu bytes",
                     static_cast<unsigned long long>(headerBytes), kMaxHeaderBytes);

  NpyHeader header;
  RESC_TRY(HeaderParser(reinterpret_cast<const char *>(bytes + headerStart),
                        static_cast<size_t>(headerBytes))
               .parse(header));
  const DtypeInfo *info = dtypeSpelled(&DtypeInfo::npy, header.descr);
  if (!info)
    return makeError("unsupported dtype '%s' (resc reads <f4, <f8, <i4, <i8)",
                     header.descr.c_str());
  if (header.fortranOrder)
    return makeError("Fortran-order arrays are not supported (save a C-order array, e.g. with "
                     "numpy.ascontiguousarray)");
  int64_t numel = 0, needed = 0;
  int32_t dtype = info->dtype;
  if (!checkedNumel(header.shape, header.rank, numel) || !checkedBytes(numel, dtype, needed))
    return makeError("shape %s is too large", formatShape(header.shape, header.rank).c_str());
  size_t dataStart = headerStart + static_cast<size_t>(headerBytes);
  size_t have = size - dataStart;
  if (have != static_cast<uint64_t>(needed))
    return makeError("%s: the data has %zu bytes but %s %s needs %lld",
                     have < static_cast<uint64_t>(needed) ? "truncated" : "trailing bytes", have,
                     header.descr.c_str(), formatShape(header.shape, header.rank).c_str(),
                     static_cast<long long>(needed));
  resc_tensor *tensor = nullptr;
  RESC_TRY(resc_tensor_create(dtype, header.rank, header.shape, &tensor));
  std::memcpy(tensor->data, bytes + dataStart, have);
  *out = tensor;
  return nullptr;
}

} // namespace
} // namespace resc::rt

using namespace resc::rt;

extern "C" resc_error *resc_npy_read(const char *path, resc_tensor **out) {
  if (!path || !out)
    return makeError("resc_npy_read: 'path' and 'out' must not be NULL");
  FileBuffer file;
  RESC_TRY(readFile(path, file));
  if (resc_error *error = parseNpy(file, out))
    return prefixError(error, "cannot read '%s'", path);
  return nullptr;
}

extern "C" resc_error *resc_npy_write(const resc_tensor *tensor, const char *path) {
  if (!tensor || !path)
    return makeError("resc_npy_write: 'tensor' and 'path' must not be NULL");
  std::string dict = std::string("{'descr': '") + dtypeInfo(tensor->dtype)->npy +
                     "', 'fortran_order': False, 'shape': (";
  for (int32_t i = 0; i < tensor->rank; ++i)
    dict += (i ? ", " : "") + std::to_string(tensor->shape[i]);
  dict += tensor->rank == 1 ? ",), }" : "), }";
  // numpy aligns the data to 64 bytes: pad with spaces, end with '\n'.
  size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  uint8_t preamble[10];
  std::memcpy(preamble, kMagic, kMagicBytes);
  preamble[6] = 1;
  preamble[7] = 0;
  writeLittleEndian(preamble + 8, dict.size(), 2);
  Piece pieces[] = {{preamble, sizeof preamble},
                    {dict.data(), dict.size()},
                    {tensor->data, tensor->nbytes}};
  return writeFileAtomic(path, pieces, 3);
}
