//===- TestSupport.h - helpers shared by the runtime tests -----*- C++ -*-===//

#ifndef RESC_RUNTIME_TEST_SUPPORT_H
#define RESC_RUNTIME_TEST_SUPPORT_H

#include "resc/runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include <cstdint>
#include <string>
#include <vector>

namespace resc::test {

/// The path of the fake model library built from models/TinyModel.c with the
/// given variant ("tiny", "tiny_overlap", ...), or of "not_a_model".
std::string modelPath(const std::string &name);

/// A fresh directory, removed with its files at destruction.
class TempDir {
public:
  TempDir();
  ~TempDir();
  /// `name` inside the directory.
  std::string file(const std::string &name) const { return path + "/" + name; }

private:
  std::string path;
};

void writeBytes(const std::string &path, const std::string &bytes);
std::string readBytes(const std::string &path);

/// The message of `error` (which must not be NULL), freeing the error.
std::string takeMessage(resc_error *error);

/// A safetensors file: the 8-byte length of `header`, `header`, `data`.
std::string safetensorsBytes(const std::string &header, const std::string &data);

/// A .npy file of format `major`.0 with the given header text (padded as
/// numpy pads it) and data.
std::string npyBytes(int major, const std::string &dict, const std::string &data);

/// The raw bytes of `values`.
template <typename T> std::string rawBytes(const std::vector<T> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(T));
}

/// Opens the good fake model and gives it a zeroed arena.
class TinyModelTest : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;
  resc_model *model = nullptr;
  resc_params *params = nullptr;
};

/// A new tensor holding `values`; the test fails if creation fails.
template <typename T>
resc_tensor *makeTensor(int32_t dtype, std::vector<int64_t> shape, const std::vector<T> &values) {
  resc_tensor *tensor = nullptr;
  resc_error *error =
      resc_tensor_create(dtype, static_cast<int32_t>(shape.size()), shape.data(), &tensor);
  if (error) {
    ADD_FAILURE() << resc_error_message(error);
    resc_error_free(error);
    return nullptr;
  }
  EXPECT_EQ(resc_tensor_nbytes(tensor), values.size() * sizeof(T));
  std::copy(values.begin(), values.end(), static_cast<T *>(resc_tensor_data(tensor)));
  return tensor;
}

} // namespace resc::test

/// Fails the test, with the message, unless `expr` returns no error.
#define RESC_ASSERT_OK(expr)                                                                       \
  do {                                                                                             \
    resc_error *resc_ok_error_ = (expr);                                                           \
    ASSERT_EQ(resc_ok_error_, nullptr) << resc_error_message(resc_ok_error_);                      \
  } while (0)

/// Expects `expr` to fail with a message containing `substring`.
#define RESC_EXPECT_ERROR(expr, substring)                                                         \
  do {                                                                                             \
    resc_error *resc_expect_error_ = (expr);                                                       \
    ASSERT_NE(resc_expect_error_, nullptr) << "expected an error containing: " << (substring);    \
    EXPECT_THAT(resc::test::takeMessage(resc_expect_error_), ::testing::HasSubstr(substring));     \
  } while (0)

#endif // RESC_RUNTIME_TEST_SUPPORT_H
