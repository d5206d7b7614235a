//===- StateTest.cpp - optimizer state, train_step and the two files ------===//
//
// The fake model "tiny_train" (models/TinyModel.c) is "tiny" with an
// optimizer: SGD with momentum, whose state (<param>.momentum_buffer and
// optimizer.step) shares the parameter arena. Parameters and buffers go to
// one safetensors file, the state to another, as in PyTorch.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <cstring>

using namespace resc::test;
using testing::HasSubstr;
using testing::Not;

namespace {

constexpr size_t kArenaBytes = 320;
// Where the state lives in tiny_train's arena: bytes 192..276.
constexpr size_t kStateBegin = 192, kStateEnd = 276;

const char *const kStateNames[] = {"fc.weight.momentum_buffer", "fc.bias.momentum_buffer",
                                   "norm.weight.momentum_buffer", "optimizer.step"};

// The header of a safetensors file as a string.
std::string headerOf(const std::string &file) {
  uint64_t length = 0;
  std::memcpy(&length, file.data(), 8);
  return file.substr(8, length);
}

class State : public ::testing::Test {
protected:
  void SetUp() override {
    RESC_ASSERT_OK(resc_model_open(modelPath("tiny_train").c_str(), &model));
    RESC_ASSERT_OK(resc_params_create(model, &params));
    RESC_ASSERT_OK(resc_params_init(params, 7));
    RESC_ASSERT_OK(resc_model_open(modelPath("tiny").c_str(), &plain));
    RESC_ASSERT_OK(resc_params_create(plain, &plainParams));
    x = makeTensor<float>(RESC_F32, {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    t = makeTensor<float>(RESC_F32, {3, 2}, {1, 0, 0, 1, 1, 1});
  }
  void TearDown() override {
    resc_tensor_destroy(t);
    resc_tensor_destroy(x);
    resc_params_destroy(plainParams);
    resc_model_close(plain);
    resc_params_destroy(params);
    resc_model_close(model);
  }

  // Runs train_step once on (x, t) with learning rate `lr`; returns the loss.
  float trainStep(resc_params *arena, float lr) {
    resc_tensor *rate = makeTensor<float>(RESC_F32, {}, {lr});
    const resc_tensor *inputs[] = {x, t, rate};
    resc_tensor *loss = nullptr;
    resc_error *error = resc_run(model, "train_step", arena, inputs, 3, &loss, 1);
    resc_tensor_destroy(rate);
    if (error) {
      ADD_FAILURE() << takeMessage(error);
      return 0;
    }
    float value = *static_cast<float *>(resc_tensor_data(loss));
    resc_tensor_destroy(loss);
    return value;
  }

  std::vector<unsigned char> arenaBytes(resc_params *arena, size_t begin = 0,
                                        size_t end = kArenaBytes) {
    const unsigned char *data = static_cast<const unsigned char *>(resc_params_arena(arena));
    return {data + begin, data + end};
  }

  float scalar(resc_params *arena, const char *name) {
    const resc_tensor_desc *desc = nullptr;
    void *data = nullptr;
    resc_error *error = resc_params_find(arena, name, &desc, &data);
    if (error) {
      ADD_FAILURE() << takeMessage(error);
      return 0;
    }
    return *static_cast<float *>(data);
  }

  // Loading the state file `bytes` fails and leaves the arena as it was;
  // returns the message.
  std::string loadStateError(const std::string &bytes) {
    std::string path = dir.file("s.safetensors");
    writeBytes(path, bytes);
    std::vector<unsigned char> before = arenaBytes(params);
    resc_error *error = resc_state_load_safetensors(params, path.c_str());
    EXPECT_EQ(arenaBytes(params), before);
    return error ? takeMessage(error) : "(no error)";
  }

  // A state file for tiny_train, with `extra` entries (JSON, each followed by
  // a comma) and `extraData` after the state's 44 bytes.
  static std::string stateFile(const std::string &extra = "", const std::string &extraData = "",
                               const std::string &weightShape = "[2,3]",
                               const std::string &stepDtype = "F32") {
    std::string header = "{" + extra +
                         "\"fc.weight.momentum_buffer\":{\"dtype\":\"F32\",\"shape\":" +
                         weightShape + ",\"data_offsets\":[0,24]},"
                         "\"fc.bias.momentum_buffer\":{\"dtype\":\"F32\",\"shape\":[2],"
                         "\"data_offsets\":[24,32]},"
                         "\"norm.weight.momentum_buffer\":{\"dtype\":\"F32\",\"shape\":[2],"
                         "\"data_offsets\":[32,40]},"
                         "\"optimizer.step\":{\"dtype\":\"" + stepDtype +
                         "\",\"shape\":[],\"data_offsets\":[40,44]}}";
    std::vector<float> data = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 3};
    return safetensorsBytes(header, rawBytes(data) + extraData);
  }

  TempDir dir;
  resc_model *model = nullptr; // tiny_train
  resc_params *params = nullptr;
  resc_model *plain = nullptr; // tiny: the same model without an optimizer
  resc_params *plainParams = nullptr;
  resc_tensor *x = nullptr, *t = nullptr;
};

TEST_F(State, IsListedWithItsRoleAndInitialisedToZeros) {
  const resc_model_desc *desc = resc_model_desc_get(model);
  ASSERT_EQ(desc->num_params, 8);
  for (int i = 0; i < 4; ++i) {
    EXPECT_STREQ(desc->params[4 + i].name, kStateNames[i]);
    EXPECT_EQ(desc->params[4 + i].role, RESC_ROLE_STATE);
    EXPECT_STREQ(desc->params[4 + i].init, "zeros");
  }
  std::memset(resc_params_arena(params), 0xAB, kArenaBytes);
  RESC_ASSERT_OK(resc_params_init(params, 7));
  for (const char *name : kStateNames) {
    const resc_tensor_desc *tensor = nullptr;
    void *data = nullptr;
    RESC_ASSERT_OK(resc_params_find(params, name, &tensor, &data));
    std::vector<unsigned char> bytes(static_cast<unsigned char *>(data),
                                     static_cast<unsigned char *>(data) + tensor->nbytes);
    EXPECT_EQ(bytes, std::vector<unsigned char>(bytes.size(), 0)) << name;
  }
}

TEST_F(State, TrainStepUpdatesParamsBuffersAndStateInPlace) {
  // The first loss is the forward pass's mean squared error.
  const resc_tensor *forwardIn[] = {x};
  resc_tensor *y = nullptr;
  RESC_ASSERT_OK(resc_run(model, "forward", params, forwardIn, 1, &y, 1));
  const float *yv = static_cast<const float *>(resc_tensor_data(y));
  const float *tv = static_cast<const float *>(resc_tensor_data(t));
  double expected = 0;
  for (int i = 0; i < 6; ++i)
    expected += (double(yv[i]) - tv[i]) * (double(yv[i]) - tv[i]) / 6;
  resc_tensor_destroy(y);

  std::vector<unsigned char> weight = arenaBytes(params, 0, 24);
  EXPECT_NEAR(trainStep(params, 0.01f), expected, 1e-5 * expected);
  EXPECT_NE(arenaBytes(params, 0, 24), weight) << "fc.weight changed";
  EXPECT_EQ(scalar(params, "optimizer.step"), 1.0f);
  const resc_tensor_desc *desc = nullptr;
  void *steps = nullptr;
  RESC_ASSERT_OK(resc_params_find(params, "steps", &desc, &steps));
  EXPECT_EQ(*static_cast<int64_t *>(steps), 1) << "the buffer is updated too";
  trainStep(params, 0.01f);
  EXPECT_EQ(scalar(params, "optimizer.step"), 2.0f);
}

TEST_F(State, SaveThenLoadRoundTripsOnlyTheState) {
  trainStep(params, 0.01f);
  trainStep(params, 0.01f);
  std::string path = dir.file("state.safetensors");
  RESC_ASSERT_OK(resc_state_save_safetensors(params, path.c_str()));
  std::string header = headerOf(readBytes(path));
  EXPECT_EQ(header.find("{\"__metadata__\":{\"format\":\"pt\"},\"fc.weight.momentum_buffer\":"
                        "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"),
            0u)
      << header;
  EXPECT_THAT(header, HasSubstr("\"optimizer.step\":{\"dtype\":\"F32\",\"shape\":[],"
                                "\"data_offsets\":[40,44]}"));
  EXPECT_THAT(header, Not(HasSubstr("\"fc.weight\"")));
  EXPECT_THAT(header, Not(HasSubstr("\"steps\"")));
  EXPECT_EQ(readBytes(path).size(), 8 + header.size() + 44);

  // Into a fresh arena: the state arrives, the parameters stay as they were.
  resc_params *fresh = nullptr;
  RESC_ASSERT_OK(resc_params_create(model, &fresh));
  RESC_ASSERT_OK(resc_params_init(fresh, 7));
  std::vector<unsigned char> freshParams = arenaBytes(fresh, 0, kStateBegin);
  RESC_ASSERT_OK(resc_state_load_safetensors(fresh, path.c_str()));
  EXPECT_EQ(arenaBytes(fresh, kStateBegin, kStateEnd), arenaBytes(params, kStateBegin, kStateEnd));
  EXPECT_EQ(arenaBytes(fresh, 0, kStateBegin), freshParams);
  EXPECT_EQ(scalar(fresh, "optimizer.step"), 2.0f);
  resc_params_destroy(fresh);
}

TEST_F(State, ResumingFromBothFilesEqualsTrainingOnWithoutStopping) {
  trainStep(params, 0.05f);
  std::string p = dir.file("p.safetensors"), s = dir.file("s.safetensors");
  RESC_ASSERT_OK(resc_params_save_safetensors(params, p.c_str()));
  RESC_ASSERT_OK(resc_state_save_safetensors(params, s.c_str()));
  resc_params *resumed = nullptr;
  RESC_ASSERT_OK(resc_params_create(model, &resumed));
  RESC_ASSERT_OK(resc_params_load_safetensors(resumed, p.c_str()));
  RESC_ASSERT_OK(resc_state_load_safetensors(resumed, s.c_str()));
  EXPECT_EQ(trainStep(resumed, 0.05f), trainStep(params, 0.05f));
  EXPECT_EQ(arenaBytes(resumed, 0, kStateEnd), arenaBytes(params, 0, kStateEnd));
  resc_params_destroy(resumed);
}

TEST_F(State, TheParamsFileLeavesTheStateOut) {
  trainStep(params, 0.01f);
  std::string path = dir.file("p.safetensors");
  RESC_ASSERT_OK(resc_params_save_safetensors(params, path.c_str()));
  std::string header = headerOf(readBytes(path));
  EXPECT_THAT(header, Not(HasSubstr("momentum_buffer")));
  EXPECT_THAT(header, Not(HasSubstr("optimizer.step")));
  EXPECT_THAT(header, HasSubstr("\"steps\":{\"dtype\":\"I64\""));
  EXPECT_EQ(readBytes(path).size(), 8 + header.size() + 48);

  // The same file loads into the model without an optimizer.
  RESC_ASSERT_OK(resc_params_load_safetensors(plainParams, path.c_str()));
  EXPECT_EQ(arenaBytes(plainParams, 0, 136), arenaBytes(params, 0, 136));
}

TEST_F(State, LoadingParamsLeavesTheStateUntouched) {
  // A parameters file from the model without an optimizer.
  RESC_ASSERT_OK(resc_params_init(plainParams, 99));
  std::string path = dir.file("plain.safetensors");
  RESC_ASSERT_OK(resc_params_save_safetensors(plainParams, path.c_str()));

  trainStep(params, 0.01f);
  std::vector<unsigned char> state = arenaBytes(params, kStateBegin, kStateEnd);
  RESC_ASSERT_OK(resc_params_load_safetensors(params, path.c_str()));
  EXPECT_EQ(arenaBytes(params, kStateBegin, kStateEnd), state);
  EXPECT_EQ(arenaBytes(params, 0, 136), arenaBytes(plainParams, 0, 136));
}

TEST_F(State, AParamsFileWithStateIsRefused) {
  std::string header =
      "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
      "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
      "\"norm.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]},"
      "\"steps\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[40,48]},"
      "\"optimizer.step\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[48,52]}}";
  std::string path = dir.file("p.safetensors");
  writeBytes(path, safetensorsBytes(header, std::string(52, '\0')));
  std::vector<unsigned char> before = arenaBytes(params);
  RESC_EXPECT_ERROR(resc_params_load_safetensors(params, path.c_str()),
                    "cannot load parameters from '" + path +
                        "': unexpected tensor 'optimizer.step': it is optimizer state of model "
                        "'Tiny', which is saved and loaded apart from the parameters");
  EXPECT_EQ(arenaBytes(params), before);
}

TEST_F(State, NamesAMissingStateTensor) {
  std::string header =
      "{\"fc.weight.momentum_buffer\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
      "\"fc.bias.momentum_buffer\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
      "\"norm.weight.momentum_buffer\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]}}";
  EXPECT_EQ(loadStateError(safetensorsBytes(header, std::string(40, '\0'))),
            "cannot load optimizer state from '" + dir.file("s.safetensors") +
                "': missing tensor 'optimizer.step' (model 'Tiny' needs F32 [])");
}

TEST_F(State, NamesAnExtraStateTensor) {
  EXPECT_THAT(loadStateError(stateFile(
                  "\"fc.extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[44,48]},",
                  "four")),
              HasSubstr("unexpected tensor 'fc.extra': model 'Tiny' has no such optimizer state "
                        "tensor"));
  EXPECT_THAT(loadStateError(stateFile(
                  "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[44,52]},",
                  "eight!!!")),
              HasSubstr("unexpected tensor 'fc.bias': it is a parameter of model 'Tiny', not "
                        "optimizer state"));
  EXPECT_THAT(loadStateError(stateFile(
                  "\"steps\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[44,52]},",
                  "eight!!!")),
              HasSubstr("unexpected tensor 'steps': it is a buffer of model 'Tiny'"));
}

TEST_F(State, NamesAMismatchedStateTensor) {
  EXPECT_THAT(loadStateError(stateFile("", "", "[3,2]")),
              HasSubstr("tensor 'fc.weight.momentum_buffer' has shape [3, 2] in the file but "
                        "[2, 3] in model 'Tiny'"));
  EXPECT_THAT(loadStateError(stateFile("", "", "[2,3]", "I32")),
              HasSubstr("tensor 'optimizer.step' is I32 in the file but F32 in model 'Tiny'"));
  EXPECT_THAT(loadStateError(safetensorsBytes("{", "")),
              HasSubstr("'" + dir.file("s.safetensors") + "' is not a valid safetensors file"));
  // The good file loads.
  std::string path = dir.file("good.safetensors");
  writeBytes(path, stateFile());
  RESC_ASSERT_OK(resc_state_load_safetensors(params, path.c_str()));
  EXPECT_EQ(scalar(params, "optimizer.step"), 3.0f);
}

TEST_F(State, AModelWithoutStateHasAnEmptyStateFile) {
  std::string path = dir.file("empty.safetensors");
  RESC_ASSERT_OK(resc_state_save_safetensors(plainParams, path.c_str()));
  std::string file = readBytes(path);
  EXPECT_EQ(headerOf(file), "{\"__metadata__\":{\"format\":\"pt\"}}");
  EXPECT_EQ(file.size(), 8 + headerOf(file).size());
  RESC_ASSERT_OK(resc_state_load_safetensors(plainParams, path.c_str()));

  // A file with tensors (here the parameters) is not its state.
  std::string p = dir.file("p.safetensors");
  RESC_ASSERT_OK(resc_params_save_safetensors(plainParams, p.c_str()));
  RESC_EXPECT_ERROR(resc_state_load_safetensors(plainParams, p.c_str()),
                    "cannot load optimizer state from '" + p +
                        "': unexpected tensor 'fc.bias': it is a parameter of model 'Tiny', not "
                        "optimizer state");
  // And tiny_train's state file has no place in it either.
  std::string s = dir.file("s.safetensors");
  RESC_ASSERT_OK(resc_state_save_safetensors(params, s.c_str()));
  RESC_EXPECT_ERROR(resc_state_load_safetensors(plainParams, s.c_str()),
                    "unexpected tensor 'fc.bias.momentum_buffer': model 'Tiny' has no such "
                    "optimizer state tensor");
}

TEST_F(State, GradientsLeaveBuffersAndStateOut) {
  // loss_grad's "grads" output is laid out like the arena.
  resc_tensor *grads = nullptr;
  int64_t floats = static_cast<int64_t>(kArenaBytes / sizeof(float));
  RESC_ASSERT_OK(resc_tensor_create(RESC_F32, 1, &floats, &grads));
  std::string path = dir.file("g.safetensors");
  RESC_ASSERT_OK(resc_grads_save_safetensors(model, grads, path.c_str()));
  std::string header = headerOf(readBytes(path));
  EXPECT_THAT(header, HasSubstr("\"norm.weight\""));
  EXPECT_THAT(header, Not(HasSubstr("steps")));
  EXPECT_THAT(header, Not(HasSubstr("momentum_buffer")));
  EXPECT_THAT(header, Not(HasSubstr("optimizer.step")));
  resc_tensor_destroy(grads);
}

TEST_F(State, RefusesNullArguments) {
  RESC_EXPECT_ERROR(resc_state_save_safetensors(nullptr, "f"),
                    "resc_state_save_safetensors: 'params' and 'path' must not be NULL");
  RESC_EXPECT_ERROR(resc_state_load_safetensors(params, nullptr),
                    "resc_state_load_safetensors: 'params' and 'path' must not be NULL");
}

} // namespace
