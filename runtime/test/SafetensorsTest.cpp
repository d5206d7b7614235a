//===- SafetensorsTest.cpp - loading and saving parameters ----------------===//

#include "TestSupport.h"

#include <cstring>

using namespace resc::test;
using testing::HasSubstr;

namespace {

// One tensor entry of a hand-made header.
struct Entry {
  std::string name, dtype, shape;
  uint64_t begin, end;
};

std::string header(const std::vector<Entry> &entries, const std::string &extra = "") {
  std::string text = "{" + extra;
  for (const Entry &e : entries) {
    if (text.size() > 1)
      text += ", ";
    text += "\"" + e.name + "\": {\"dtype\": \"" + e.dtype + "\", \"shape\": " + e.shape +
            ", \"data_offsets\": [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]}";
  }
  return text + "}";
}

// The Tiny model's tensors, laid out one after the other (48 bytes).
std::vector<Entry> tinyEntries() {
  return {{"fc.weight", "F32", "[2, 3]", 0, 24},
          {"fc.bias", "F32", "[2]", 24, 32},
          {"norm.weight", "F32", "[2]", 32, 40},
          {"steps", "I64", "[]", 40, 48}};
}

std::string tinyData() {
  std::vector<float> floats = {1, 2, 3, 4, 5, 6, 0.5f, -0.5f, 2, 3};
  return rawBytes(floats) + rawBytes(std::vector<int64_t>{7});
}

class Safetensors : public TinyModelTest {
protected:
  // Loading `bytes` fails; the arena is left untouched. Returns the message.
  std::string loadError(const std::string &bytes) {
    writeBytes(dir.file("p.safetensors"), bytes);
    std::vector<unsigned char> before(192);
    std::memcpy(before.data(), resc_params_arena(params), 192);
    resc_error *error = resc_params_load_safetensors(params, dir.file("p.safetensors").c_str());
    EXPECT_EQ(std::memcmp(before.data(), resc_params_arena(params), 192), 0);
    return error ? takeMessage(error) : "(no error)";
  }
  TempDir dir;
};

TEST_F(Safetensors, LoadsByNameInAnyOrder) {
  std::vector<Entry> entries = tinyEntries();
  std::swap(entries[0], entries[3]);
  std::string path = dir.file("p.safetensors");
  writeBytes(path, safetensorsBytes(header(entries, "\"__metadata__\": {\"format\": \"pt\"}"),
                                    tinyData()));
  RESC_ASSERT_OK(resc_params_load_safetensors(params, path.c_str()));
  const resc_tensor_desc *desc = nullptr;
  void *data = nullptr;
  RESC_ASSERT_OK(resc_params_find(params, "norm.weight", &desc, &data));
  EXPECT_EQ(desc->offset, 72);
  EXPECT_EQ(static_cast<float *>(data)[1], 3.0f);
  RESC_ASSERT_OK(resc_params_find(params, "steps", &desc, &data));
  EXPECT_EQ(*static_cast<int64_t *>(data), 7);
  RESC_EXPECT_ERROR(resc_params_find(params, "fc.gamma", &desc, &data),
                    "model 'Tiny' has no parameter or buffer 'fc.gamma'");
}

TEST_F(Safetensors, SaveThenLoadRoundTrips) {
  RESC_ASSERT_OK(resc_params_init(params, 42));
  std::string path = dir.file("out.safetensors");
  RESC_ASSERT_OK(resc_params_save_safetensors(params, path.c_str()));
  std::string file = readBytes(path);
  uint64_t headerBytes = 0;
  std::memcpy(&headerBytes, file.data(), 8);
  EXPECT_EQ((8 + headerBytes) % 8, 0u) << "data aligned to 8 bytes";
  EXPECT_EQ(file.substr(8, headerBytes).find(
                "{\"__metadata__\":{\"format\":\"pt\"},\"fc.weight\":{\"dtype\":\"F32\",\"shape\":"
                "[2,3],\"data_offsets\":[0,24]},"),
            0u);
  EXPECT_EQ(file.size(), 8 + headerBytes + 48);

  resc_params *copy = nullptr;
  RESC_ASSERT_OK(resc_params_create(model, &copy));
  RESC_ASSERT_OK(resc_params_load_safetensors(copy, path.c_str()));
  EXPECT_EQ(std::memcmp(resc_params_arena(copy), resc_params_arena(params), 192), 0);
  resc_params_destroy(copy);
}

TEST_F(Safetensors, SaveFailsCleanlyInAMissingDirectory) {
  std::string path = dir.file("no/such/dir/p.safetensors");
  RESC_EXPECT_ERROR(resc_params_save_safetensors(params, path.c_str()),
                    "cannot write '" + path + "': No such file or directory");
}

TEST_F(Safetensors, RefusesMissingFile) {
  std::string path = dir.file("absent.safetensors");
  RESC_EXPECT_ERROR(resc_params_load_safetensors(params, path.c_str()),
                    "cannot open '" + path + "': No such file or directory");
}

TEST_F(Safetensors, RefusesHeaderLengthLargerThanTheFile) {
  std::string bytes = safetensorsBytes(header(tinyEntries()), tinyData());
  bytes[5] = 1; // 2^40 and a bit
  EXPECT_THAT(loadError(bytes), HasSubstr("is larger than the rest of the file"));
  EXPECT_THAT(loadError(std::string("\x05\x00\x00", 3)), HasSubstr("the file has 3 bytes, too few"));
}

TEST_F(Safetensors, RefusesBadAndTruncatedJson) {
  EXPECT_THAT(loadError(safetensorsBytes("{\"fc.weight\": {\"dtype\": \"F32\",}", "")),
              HasSubstr("invalid JSON at byte 30: expected a string as object key"));
  std::string good = header(tinyEntries());
  EXPECT_THAT(loadError(safetensorsBytes(good.substr(0, good.size() - 1), tinyData())),
              HasSubstr("invalid JSON"));
  EXPECT_THAT(loadError(safetensorsBytes("[1, 2]", "")),
              HasSubstr("the header is a JSON array, not an object"));
}

TEST_F(Safetensors, RefusesDuplicateNames) {
  std::vector<Entry> entries = tinyEntries();
  entries.push_back({"fc.bias", "F32", "[2]", 48, 56});
  EXPECT_THAT(loadError(safetensorsBytes(header(entries), tinyData() + "12345678")),
              HasSubstr("duplicate key 'fc.bias'"));
}

TEST_F(Safetensors, RefusesUnsupportedDtypes) {
  std::vector<Entry> entries = tinyEntries();
  entries[1].dtype = "F16";
  entries[1].end = 28;
  for (size_t i = 2; i < entries.size(); ++i)
    entries[i].begin -= 4, entries[i].end -= 4;
  EXPECT_THAT(loadError(safetensorsBytes(header(entries), tinyData().substr(4))),
              HasSubstr("tensor 'fc.bias' has unsupported dtype 'F16' (resc reads F32, F64, I32, "
                        "I64)"));
}

TEST_F(Safetensors, RefusesOffsetsOutOfRange) {
  std::vector<Entry> entries = tinyEntries();
  entries[3] = {"steps", "I64", "[]", 44, 52};
  EXPECT_THAT(loadError(safetensorsBytes(header(entries), tinyData())),
              HasSubstr("tensor 'steps' has data_offsets [44, 52] outside the 48 bytes of data"));
  entries[3] = {"steps", "I64", "[]", 48, 40};
  EXPECT_THAT(loadError(safetensorsBytes(header(entries), tinyData())),
              HasSubstr("tensor 'steps' has data_offsets [48, 40] outside"));
}

TEST_F(Safetensors, RefusesOffsetsThatDoNotMatchTheShape) {
  std::vector<Entry> entries = tinyEntries();
  entries[0].shape = "[3, 3]";
  EXPECT_THAT(loadError(safetensorsBytes(header(entries), tinyData())),
              HasSubstr("tensor 'fc.weight' has data_offsets [0, 24] spanning 24 bytes, but F32 "
                        "[3, 3] needs 36"));
}

TEST_F(Safetensors, RefusesOverlapsAndGaps) {
  std::vector<Entry> entries = tinyEntries();
  entries[1] = {"fc.bias", "F32", "[2]", 20, 28};
  EXPECT_THAT(loadError(safetensorsBytes(header(entries), tinyData())),
              HasSubstr("tensors 'fc.weight' and 'fc.bias' overlap in the data"));
  EXPECT_THAT(loadError(safetensorsBytes(header(tinyEntries()), tinyData() + "pad!")),
              HasSubstr("data bytes 48..52 belong to no tensor"));
}

TEST_F(Safetensors, RefusesMalformedEntries) {
  std::string tail = header(tinyEntries()).substr(1);
  EXPECT_THAT(loadError(safetensorsBytes("{\"__metadata__\": {\"n\": 1}, " + tail, tinyData())),
              HasSubstr("__metadata__ entry 'n' is not a string"));
  EXPECT_THAT(loadError(safetensorsBytes("{\"x\": 3, " + tail, tinyData())),
              HasSubstr("tensor 'x' is described by a number, not an object"));
  EXPECT_THAT(loadError(safetensorsBytes(
                  "{\"x\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [48, 52], "
                  "\"strides\": [1]}, " + tail, tinyData() + "four")),
              HasSubstr("tensor 'x' has unexpected field 'strides'"));
  EXPECT_THAT(loadError(safetensorsBytes(
                  "{\"x\": {\"dtype\": \"F32\", \"data_offsets\": [48, 52]}, " + tail, tinyData())),
              HasSubstr("tensor 'x' lacks field 'shape'"));
  EXPECT_THAT(loadError(safetensorsBytes(
                  "{\"x\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [48, 52]}, " +
                      tail, tinyData())),
              HasSubstr("tensor 'x' has shape entry #0 that is not a non-negative integer"));
  EXPECT_THAT(loadError(safetensorsBytes(
                  "{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [48]}, " + tail,
                  tinyData())),
              HasSubstr("tensor 'x' has data_offsets that are not two non-negative integers"));
}

TEST_F(Safetensors, NamesAMissingTensor) {
  std::vector<Entry> entries = tinyEntries();
  entries.pop_back();
  EXPECT_THAT(loadError(safetensorsBytes(header(entries), tinyData().substr(0, 40))),
              HasSubstr("missing tensor 'steps' (model 'Tiny' needs I64 [])"));
}

TEST_F(Safetensors, NamesAnExtraTensor) {
  std::vector<Entry> entries = tinyEntries();
  entries.push_back({"fc.extra", "I32", "[1]", 48, 52});
  EXPECT_THAT(loadError(safetensorsBytes(header(entries), tinyData() + "four")),
              HasSubstr("unexpected tensor 'fc.extra': model 'Tiny' has no such parameter or "
                        "buffer"));
}

TEST_F(Safetensors, NamesAMismatchedTensorWithBothShapes) {
  std::vector<Entry> entries = tinyEntries();
  entries[0].shape = "[3, 2]";
  std::string message = loadError(safetensorsBytes(header(entries), tinyData()));
  EXPECT_THAT(message, HasSubstr("cannot load parameters from '" + dir.file("p.safetensors") +
                                 "': tensor 'fc.weight' has shape [3, 2] in the file but [2, 3] "
                                 "in model 'Tiny'"));
  entries = tinyEntries();
  entries[3].dtype = "F64";
  EXPECT_THAT(loadError(safetensorsBytes(header(entries), tinyData())),
              HasSubstr("tensor 'steps' is F64 in the file but I64 in model 'Tiny'"));
}

TEST_F(Safetensors, SurvivesEveryTruncationAndByteFlip) {
  std::string good = safetensorsBytes(header(tinyEntries()), tinyData());
  for (size_t cut = 0; cut < good.size(); ++cut)
    EXPECT_NE(loadError(good.substr(0, cut)), "(no error)") << "cut at " << cut;
  // Any outcome but a crash (the sanitizer build checks memory too).
  for (size_t at = 0; at < good.size() - 48; ++at)
    for (char value : {'\0', '"', '9', '[', '\xFF'}) {
      std::string bad = good;
      bad[at] = value;
      writeBytes(dir.file("p.safetensors"), bad);
      resc_error_free(resc_params_load_safetensors(params, dir.file("p.safetensors").c_str()));
    }
}

} // namespace
