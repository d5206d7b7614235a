//===- ModelTest.cpp - opening model libraries and validating them --------===//

#include "TestSupport.h"

#include <cstring>

#include <unistd.h>

using namespace resc::test;
using testing::HasSubstr;

namespace {

// Opening `name` fails, and the message names the file; returns the message.
std::string openError(const std::string &name) {
  std::string path = modelPath(name);
  resc_model *model = nullptr;
  resc_error *error = resc_model_open(path.c_str(), &model);
  EXPECT_NE(error, nullptr) << name << " opened";
  EXPECT_EQ(model, nullptr);
  if (!error) {
    resc_model_close(model);
    return "";
  }
  std::string message = takeMessage(error);
  EXPECT_THAT(message, HasSubstr(path));
  return message;
}

TEST(Model, OpensAndDescribesTheTinyModel) {
  resc_model *model = nullptr;
  RESC_ASSERT_OK(resc_model_open(modelPath("tiny").c_str(), &model));
  const resc_model_desc *desc = resc_model_desc_get(model);
  EXPECT_STREQ(desc->model_name, "Tiny");
  EXPECT_EQ(desc->num_params, 4);
  EXPECT_EQ(desc->param_arena_bytes, 192);
  const resc_entry_desc *entry = nullptr;
  int32_t index = -1;
  RESC_ASSERT_OK(resc_model_find_entry(model, "pair", &entry, &index));
  EXPECT_EQ(index, 1);
  EXPECT_EQ(entry->num_outputs, 2);
  RESC_EXPECT_ERROR(resc_model_find_entry(model, "backward", &entry, nullptr),
                    "model 'Tiny' has no entry point 'backward' (it has: forward, pair, labels)");
  resc_model_close(model);
}

// A program that links a model directly hands its description over.
TEST(Model, WrapsALinkedDescription) {
  resc_model *opened = nullptr;
  RESC_ASSERT_OK(resc_model_open(modelPath("tiny").c_str(), &opened));
  const resc_model_desc *desc = resc_model_desc_get(opened);
  resc_model *linked = nullptr;
  RESC_ASSERT_OK(resc_model_from_desc(desc, &linked));
  EXPECT_EQ(resc_model_desc_get(linked), desc);
  resc_params *params = nullptr;
  RESC_ASSERT_OK(resc_params_create(linked, &params));
  RESC_ASSERT_OK(resc_params_init(params, 1));
  resc_params_destroy(params);
  resc_model_close(linked); // unloads nothing: `opened` still works
  EXPECT_STREQ(resc_model_desc_get(opened)->model_name, "Tiny");

  resc_model_desc other = *desc;
  other.abi_version = RESC_ABI_VERSION + 1;
  resc_model *bad = nullptr;
  RESC_EXPECT_ERROR(resc_model_from_desc(&other, &bad),
                    "the linked model was built for resc ABI version 2");
  EXPECT_EQ(bad, nullptr);
  RESC_EXPECT_ERROR(resc_model_from_desc(nullptr, &bad),
                    "resc_model_from_desc: 'desc' and 'out' must not be NULL");
  resc_model_close(opened);
}

TEST(Model, RefusesMissingFile) {
  EXPECT_THAT(openError("no_such_model"), HasSubstr("cannot load model library"));
}

TEST(Model, RefusesAFileThatIsNotALibrary) {
  TempDir dir;
  writeBytes(dir.file("model.so"), "this is text, not ELF");
  resc_model *model = nullptr;
  std::string message = takeMessage(resc_model_open(dir.file("model.so").c_str(), &model));
  EXPECT_THAT(message, HasSubstr("cannot load model library '" + dir.file("model.so") + "'"));
}

TEST(Model, RefusesALibraryWithoutResc_model) {
  EXPECT_THAT(openError("not_a_model"),
              HasSubstr("is not a resc model library: it does not export 'resc_model_info'"));
}

TEST(Model, RefusesAnotherAbiVersion) {
  EXPECT_THAT(openError("tiny_wrong_version"),
              HasSubstr("was built for resc ABI version 99, but this runtime implements version 1"));
}

TEST(Model, RefusesANullDescription) {
  EXPECT_THAT(openError("tiny_null_desc"), HasSubstr("'resc_model_info' returned NULL"));
}

TEST(Model, RefusesOverlappingParameters) {
  EXPECT_THAT(openError("tiny_overlap"),
              HasSubstr("parameters 'fc.weight' (bytes 0..24) and 'norm.weight' (bytes 16..24) "
                        "overlap"));
}

TEST(Model, RefusesAParameterOutsideTheArena) {
  EXPECT_THAT(openError("tiny_out_of_arena"),
              HasSubstr("parameter #3 'steps' at offset 128 with 8 bytes lies outside the "
                        "132-byte arena"));
}

TEST(Model, RefusesAMisalignedParameter) {
  EXPECT_THAT(openError("tiny_misaligned"),
              HasSubstr("parameter #2 'norm.weight' offset 74 is not aligned to its 4-byte dtype"));
}

TEST(Model, RefusesRankAboveEight) {
  EXPECT_THAT(openError("tiny_bad_rank"),
              HasSubstr("parameter #0 'fc.weight' has rank 9, outside 0..8"));
}

TEST(Model, RefusesAnOutputDimNoInputBinds) {
  EXPECT_THAT(openError("tiny_unbound_dim"),
              HasSubstr("entry 'forward' output 'y' dim 0 is 'M', which no input binds"));
}

TEST(Model, RefusesAnEntryWhoseSymbolIsAnotherFunction) {
  EXPECT_THAT(openError("tiny_symbol_mismatch"),
              HasSubstr("entry 'forward' points to another function than symbol 'Tiny_pair'"));
}

TEST(Model, FindsAPathWithoutSlashInTheCurrentDirectory) {
  // dlopen alone would search the library path for "tiny.so".
  std::string directory = RESC_TEST_MODEL_DIR;
  char previous[4096];
  ASSERT_NE(getcwd(previous, sizeof previous), nullptr);
  ASSERT_EQ(chdir(directory.c_str()), 0);
  resc_model *model = nullptr;
  resc_error *error = resc_model_open("tiny.so", &model);
  ASSERT_EQ(chdir(previous), 0);
  RESC_ASSERT_OK(error);
  resc_model_close(model);
}

TEST(Errors, FreeAndMessageAcceptNull) {
  resc_error_free(nullptr);
  EXPECT_STREQ(resc_error_message(nullptr), "no error");
  resc_model_close(nullptr);
  resc_params_destroy(nullptr);
  resc_tensor_destroy(nullptr);
}

} // namespace
