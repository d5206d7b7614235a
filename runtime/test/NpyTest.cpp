//===- NpyTest.cpp - tensors and .npy files -------------------------------===//

#include "TestSupport.h"

#include <cstring>

using namespace resc::test;
using testing::HasSubstr;

namespace {

// Reading `bytes` as a .npy file fails; returns the message.
std::string npyError(const std::string &bytes) {
  TempDir dir;
  writeBytes(dir.file("x.npy"), bytes);
  resc_tensor *tensor = nullptr;
  resc_error *error = resc_npy_read(dir.file("x.npy").c_str(), &tensor);
  EXPECT_EQ(tensor, nullptr);
  if (!error) {
    resc_tensor_destroy(tensor);
    return "(no error)";
  }
  return takeMessage(error);
}

const char kF32Dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
const std::string kSixFloats = rawBytes(std::vector<float>{1, 2, 3, 4, 5, 6});

TEST(Tensor, CreatesZeroedAlignedTensors) {
  int64_t shape[] = {3, 5};
  resc_tensor *tensor = nullptr;
  RESC_ASSERT_OK(resc_tensor_create(RESC_F64, 2, shape, &tensor));
  EXPECT_EQ(resc_tensor_numel(tensor), 15);
  EXPECT_EQ(resc_tensor_nbytes(tensor), 120u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(resc_tensor_data(tensor)) % RESC_ARENA_ALIGN, 0u);
  const double *data = static_cast<const double *>(resc_tensor_data_const(tensor));
  for (int i = 0; i < 15; ++i)
    EXPECT_EQ(data[i], 0.0);
  resc_tensor_destroy(tensor);

  RESC_ASSERT_OK(resc_tensor_create(RESC_I32, 0, nullptr, &tensor));
  EXPECT_EQ(resc_tensor_numel(tensor), 1);
  EXPECT_NE(resc_tensor_data(tensor), nullptr);
  resc_tensor_destroy(tensor);
}

TEST(Tensor, RefusesBadShapes) {
  resc_tensor *tensor = nullptr;
  int64_t negative[] = {2, -1};
  RESC_EXPECT_ERROR(resc_tensor_create(RESC_F32, 2, negative, &tensor),
                    "cannot create a f32 tensor of shape [2, -1]");
  int64_t huge[] = {INT64_MAX, 2};
  RESC_EXPECT_ERROR(resc_tensor_create(RESC_F32, 2, huge, &tensor), "too large");
  int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  RESC_EXPECT_ERROR(resc_tensor_create(RESC_F32, 9, nine, &tensor), "rank 9 (the limit is 8)");
  RESC_EXPECT_ERROR(resc_tensor_create(7, 0, nullptr, &tensor), "unknown dtype 7");
  EXPECT_EQ(tensor, nullptr);
}

TEST(Npy, RoundTripsEveryDtypeAndRank) {
  TempDir dir;
  std::vector<std::vector<int64_t>> shapes = {{}, {4}, {2, 3}, {1, 2, 0}, {2, 1, 1, 1, 1, 1, 1, 2}};
  for (int32_t dtype : {RESC_F32, RESC_F64, RESC_I32, RESC_I64}) {
    for (const auto &shape : shapes) {
      resc_tensor *tensor = nullptr;
      RESC_ASSERT_OK(resc_tensor_create(dtype, static_cast<int32_t>(shape.size()), shape.data(),
                                        &tensor));
      auto *bytes = static_cast<unsigned char *>(resc_tensor_data(tensor));
      for (size_t i = 0; i < resc_tensor_nbytes(tensor); ++i)
        bytes[i] = static_cast<unsigned char>(i * 7 + 1);
      std::string path = dir.file("t.npy");
      RESC_ASSERT_OK(resc_npy_write(tensor, path.c_str()));
      std::string file = readBytes(path);
      EXPECT_EQ((file.size() - resc_tensor_nbytes(tensor)) % 64, 0u) << "data is 64-aligned";
      resc_tensor *back = nullptr;
      RESC_ASSERT_OK(resc_npy_read(path.c_str(), &back));
      EXPECT_EQ(resc_tensor_dtype(back), dtype);
      ASSERT_EQ(resc_tensor_rank(back), static_cast<int32_t>(shape.size()));
      for (size_t d = 0; d < shape.size(); ++d)
        EXPECT_EQ(resc_tensor_shape(back)[d], shape[d]);
      ASSERT_EQ(resc_tensor_nbytes(back), resc_tensor_nbytes(tensor));
      EXPECT_EQ(std::memcmp(resc_tensor_data(back), bytes, resc_tensor_nbytes(tensor)), 0);
      resc_tensor_destroy(back);
      resc_tensor_destroy(tensor);
    }
  }
}

TEST(Npy, WritesNumpysExactHeader) {
  TempDir dir;
  resc_tensor *tensor = makeTensor<float>(RESC_F32, {3}, {1, 2, 3});
  RESC_ASSERT_OK(resc_npy_write(tensor, dir.file("v.npy").c_str()));
  resc_tensor_destroy(tensor);
  // What numpy.save writes for np.array([1, 2, 3], np.float32).
  std::string expected = npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                                  rawBytes(std::vector<float>{1, 2, 3}));
  EXPECT_EQ(readBytes(dir.file("v.npy")), expected);
}

TEST(Npy, ReadsFormats2And3AndDoubleQuotes) {
  TempDir dir;
  for (int major : {2, 3}) {
    writeBytes(dir.file("x.npy"),
               npyBytes(major, "{\"shape\": (2, 3), \"descr\": \"<f4\", \"fortran_order\": False}",
                        kSixFloats));
    resc_tensor *tensor = nullptr;
    RESC_ASSERT_OK(resc_npy_read(dir.file("x.npy").c_str(), &tensor));
    EXPECT_EQ(static_cast<const float *>(resc_tensor_data(tensor))[5], 6.0f);
    resc_tensor_destroy(tensor);
  }
}

TEST(Npy, RefusesBadMagicAndVersions) {
  EXPECT_THAT(npyError(""), HasSubstr("not a .npy file (bad magic)"));
  EXPECT_THAT(npyError("\x93NUMPZ\x01\x00\x10\x00"), HasSubstr("not a .npy file (bad magic)"));
  EXPECT_THAT(npyError(std::string("\x93NUMPY\x01\x00", 8)), HasSubstr("truncated: 8 bytes"));
  std::string v4 = npyBytes(2, kF32Dict, kSixFloats);
  v4[6] = 4;
  EXPECT_THAT(npyError(v4), HasSubstr("unsupported .npy format version 4.0"));
}

TEST(Npy, RefusesHeaderLongerThanTheFile) {
  std::string bytes = npyBytes(1, kF32Dict, "");
  bytes[8] = '\xFF';
  bytes[9] = '\x7F';
  EXPECT_THAT(npyError(bytes), HasSubstr("header length 32767 runs past the end of the file"));
}

TEST(Npy, RefusesHeaderAboveTheLimit) {
  std::string dict = std::string(kF32Dict) + std::string(20000, ' ');
  EXPECT_THAT(npyError(npyBytes(2, dict, kSixFloats)),
              HasSubstr("exceeds the limit of 10000 bytes"));
}

TEST(Npy, RefusesMalformedHeaders) {
  auto withDict = [](const std::string &dict) { return npyError(npyBytes(1, dict, kSixFloats)); };
  EXPECT_THAT(withDict("{'descr': '<f4', 'fortran_order': False}"),
              HasSubstr("the header lacks key 'shape'"));
  EXPECT_THAT(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}"),
              HasSubstr("unexpected key 'x'"));
  EXPECT_THAT(withDict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}"),
              HasSubstr("key 'descr' appears twice"));
  EXPECT_THAT(withDict("{'descr': '<f4', 'fortran_order': false, 'shape': (2, 3)}"),
              HasSubstr("expected True or False"));
  EXPECT_THAT(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (6)}"),
              HasSubstr("a one-element shape needs a trailing comma"));
  EXPECT_THAT(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}"),
              HasSubstr("expected a non-negative integer in the shape"));
  EXPECT_THAT(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x"),
              HasSubstr("unexpected text after the header dict"));
  EXPECT_THAT(withDict("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}"),
              HasSubstr("malformed header"));
  EXPECT_THAT(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,6)}"),
              HasSubstr("more than 8 dims"));
}

TEST(Npy, RefusesUnsupportedDtypesAndFortranOrder) {
  EXPECT_THAT(npyError(npyBytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }",
                                kSixFloats)),
              HasSubstr("unsupported dtype '>f4' (resc reads <f4, <f8, <i4, <i8)"));
  EXPECT_THAT(npyError(npyBytes(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (6,), }",
                                "abcdef")),
              HasSubstr("unsupported dtype '|b1'"));
  EXPECT_THAT(npyError(npyBytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                kSixFloats)),
              HasSubstr("Fortran-order arrays are not supported"));
}

TEST(Npy, RefusesDataThatDoesNotMatchTheShape) {
  EXPECT_THAT(npyError(npyBytes(1, kF32Dict, kSixFloats.substr(0, 20))),
              HasSubstr("truncated: the data has 20 bytes but <f4 [2, 3] needs 24"));
  EXPECT_THAT(npyError(npyBytes(1, kF32Dict, kSixFloats + "xx")),
              HasSubstr("trailing bytes: the data has 26 bytes but <f4 [2, 3] needs 24"));
  EXPECT_THAT(npyError(npyBytes(1,
                                "{'descr': '<f8', 'fortran_order': False, 'shape': "
                                "(4294967296, 4294967296), }",
                                kSixFloats)),
              HasSubstr("shape [4294967296, 4294967296] is too large"));
}

TEST(Npy, NamesTheFileOfEveryError) {
  TempDir dir;
  std::string path = dir.file("missing.npy");
  resc_tensor *tensor = nullptr;
  RESC_EXPECT_ERROR(resc_npy_read(path.c_str(), &tensor),
                    "cannot open '" + path + "': No such file or directory");
  writeBytes(path, "junk");
  RESC_EXPECT_ERROR(resc_npy_read(path.c_str(), &tensor), "cannot read '" + path + "'");
  RESC_EXPECT_ERROR(resc_npy_read(dir.file("").c_str(), &tensor), "not a regular file");
}

TEST(Npy, SurvivesEveryTruncationAndByteFlip) {
  std::string good = npyBytes(1, kF32Dict, kSixFloats);
  for (size_t cut = 0; cut < good.size(); ++cut)
    EXPECT_NE(npyError(good.substr(0, cut)), "(no error)") << "cut at " << cut;
  TempDir dir;
  for (size_t at = 0; at < good.size() - kSixFloats.size(); ++at)
    for (char value : {'\0', '(', '9', ',', '\xFF'}) {
      std::string bad = good;
      bad[at] = value;
      writeBytes(dir.file("x.npy"), bad);
      resc_tensor *tensor = nullptr;
      resc_error_free(resc_npy_read(dir.file("x.npy").c_str(), &tensor));
      resc_tensor_destroy(tensor);
    }
}

} // namespace
