//===- TestSupport.cpp - helpers shared by the runtime tests --------------===//

#include "TestSupport.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <ftw.h>
#include <unistd.h>

namespace resc::test {

std::string modelPath(const std::string &name) {
  return std::string(RESC_TEST_MODEL_DIR) + "/" + name + ".so";
}

TempDir::TempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/resc-rt-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!mkdtemp(buffer.data()))
    ADD_FAILURE() << "mkdtemp failed";
  path = buffer.data();
}

TempDir::~TempDir() {
  nftw(
      path.c_str(),
      [](const char *file, const struct stat *, int, struct FTW *) { return ::remove(file); }, 8,
      FTW_DEPTH | FTW_PHYS);
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string takeMessage(resc_error *error) {
  std::string message = resc_error_message(error);
  resc_error_free(error);
  return message;
}

std::string safetensorsBytes(const std::string &header, const std::string &data) {
  std::string length(8, '\0');
  uint64_t size = header.size();
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<char>((size >> (8 * i)) & 0xFF);
  return length + header + data;
}

std::string npyBytes(int major, const std::string &dict, const std::string &data) {
  size_t lengthBytes = major == 1 ? 2 : 4;
  std::string header = dict;
  size_t unpadded = 8 + lengthBytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < lengthBytes; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + data;
}

void TinyModelTest::SetUp() {
  RESC_ASSERT_OK(resc_model_open(modelPath("tiny").c_str(), &model));
  RESC_ASSERT_OK(resc_params_create(model, &params));
}

void TinyModelTest::TearDown() {
  resc_params_destroy(params);
  resc_model_close(model);
}

} // namespace resc::test
