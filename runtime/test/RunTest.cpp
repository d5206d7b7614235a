//===- RunTest.cpp - running entry points with checked shapes -------------===//

#include "TestSupport.h"

#include <atomic>
#include <cstring>
#include <thread>

using namespace resc::test;
using testing::HasSubstr;

namespace {

class Run : public TinyModelTest {
protected:
  void SetUp() override {
    TinyModelTest::SetUp();
    // y = (x W^T + b) * g with W = [[1, 2, 3], [4, 5, 6]], b = [0.5, -0.5], g = [2, 3].
    const float values[] = {1, 2, 3, 4, 5, 6};
    const float bias[] = {0.5f, -0.5f}, gain[] = {2, 3};
    char *arena = static_cast<char *>(resc_params_arena(params));
    std::memcpy(arena + 0, values, sizeof values);
    std::memcpy(arena + 64, bias, sizeof bias);
    std::memcpy(arena + 72, gain, sizeof gain);
  }

  // Runs `entry` on `inputs` (which it destroys); returns the error message.
  std::string runError(const char *entry, std::vector<resc_tensor *> inputs, size_t outputs = 1) {
    std::vector<resc_tensor *> results(outputs, reinterpret_cast<resc_tensor *>(1));
    resc_error *error = resc_run(model, entry, params, inputs.data(), inputs.size(),
                                 results.data(), results.size());
    for (resc_tensor *result : results)
      EXPECT_EQ(result, nullptr) << "outputs are NULL after a failure";
    for (resc_tensor *input : inputs)
      resc_tensor_destroy(input);
    return error ? takeMessage(error) : "(no error)";
  }
};

TEST_F(Run, ForwardBindsNAndComputes) {
  for (int64_t n : {1, 3, 17}) {
    std::vector<float> x(static_cast<size_t>(n) * 3);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = static_cast<float>(i % 5) - 1;
    resc_tensor *input = makeTensor(RESC_F32, {n, 3}, x);
    resc_tensor *output = nullptr;
    RESC_ASSERT_OK(resc_run(model, "forward", params, &input, 1, &output, 1));
    ASSERT_EQ(resc_tensor_rank(output), 2);
    EXPECT_EQ(resc_tensor_shape(output)[0], n);
    EXPECT_EQ(resc_tensor_shape(output)[1], 2);
    const float *y = static_cast<const float *>(resc_tensor_data(output));
    for (int64_t i = 0; i < n; ++i) {
      const float *row = &x[static_cast<size_t>(i) * 3];
      EXPECT_FLOAT_EQ(y[i * 2], (row[0] + 2 * row[1] + 3 * row[2] + 0.5f) * 2);
      EXPECT_FLOAT_EQ(y[i * 2 + 1], (4 * row[0] + 5 * row[1] + 6 * row[2] - 0.5f) * 3);
    }
    resc_tensor_destroy(output);
    resc_tensor_destroy(input);
  }
}

// The scratch arena resc_run keeps per thread: reused by smaller calls,
// grown by larger ones, released on request, and private to each thread
// (two threads running forward at once get their own).
TEST_F(Run, KeepsOneScratchArenaPerThread) {
  auto forwardOk = [&](int64_t n) {
    std::vector<float> x(static_cast<size_t>(n) * 3, 1.0f);
    resc_tensor *input = makeTensor(RESC_F32, {n, 3}, x);
    resc_tensor *output = nullptr;
    resc_error *error = resc_run(model, "forward", params, &input, 1, &output, 1);
    bool ok = !error && resc_tensor_shape(output)[0] == n;
    const float *y = ok ? static_cast<const float *>(resc_tensor_data(output)) : nullptr;
    for (int64_t i = 0; ok && i < n; ++i)
      ok = y[i * 2] == (6 + 0.5f) * 2 && y[i * 2 + 1] == (15 - 0.5f) * 3;
    resc_error_free(error);
    resc_tensor_destroy(output);
    resc_tensor_destroy(input);
    return ok;
  };
  EXPECT_TRUE(forwardOk(17));
  EXPECT_TRUE(forwardOk(3));
  resc_release_scratch();
  resc_release_scratch();
  EXPECT_TRUE(forwardOk(5));
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        good += forwardOk(7 + t * 100);
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(good.load(), 100);
}

TEST_F(Run, SeveralInputsAndOutputs) {
  resc_tensor *inputs[] = {makeTensor<float>(RESC_F32, {2, 3}, {1, 2, 3, 4, 5, 6}),
                           makeTensor<float>(RESC_F32, {2, 3}, {1, 1, 1, 1, 1, 1})};
  resc_tensor *outputs[2] = {};
  RESC_ASSERT_OK(resc_run(model, "pair", params, inputs, 2, outputs, 2));
  EXPECT_EQ(static_cast<float *>(resc_tensor_data(outputs[0]))[5], 7.0f);
  EXPECT_EQ(resc_tensor_dtype(outputs[1]), RESC_F64);
  EXPECT_EQ(static_cast<double *>(resc_tensor_data(outputs[1]))[1], 18.0);
  for (resc_tensor *t : inputs)
    resc_tensor_destroy(t);
  for (resc_tensor *t : outputs)
    resc_tensor_destroy(t);
}

TEST_F(Run, RefusesSymbolicDimsThatDisagree) {
  EXPECT_THAT(runError("pair",
                       {makeTensor<float>(RESC_F32, {2, 3}, std::vector<float>(6)),
                        makeTensor<float>(RESC_F32, {3, 3}, std::vector<float>(9))},
                       2),
              HasSubstr("cannot run 'pair' of model 'Tiny': input 'b' (#1) dim 0 gives N = 3, "
                        "but input 'a' (#0) dim 0 gave N = 2"));
}

TEST_F(Run, RefusesWrongStaticDimRankAndDtype) {
  EXPECT_THAT(runError("forward", {makeTensor<float>(RESC_F32, {2, 4}, std::vector<float>(8))}),
              HasSubstr("input 'x' (#0) dim 1 is 4 but must be 3 (shape [N, 3])"));
  EXPECT_THAT(runError("forward", {makeTensor<float>(RESC_F32, {6}, std::vector<float>(6))}),
              HasSubstr("input 'x' (#0) has shape [6] of rank 1 but must have rank 2 [N, 3]"));
  EXPECT_THAT(runError("forward", {makeTensor<double>(RESC_F64, {1, 3}, std::vector<double>(3))}),
              HasSubstr("input 'x' (#0) is f64 but must be f32 [N, 3]"));
}

TEST_F(Run, RefusesWrongCounts) {
  EXPECT_THAT(runError("forward", {}),
              HasSubstr("entry 'forward' of model 'Tiny' takes 1 input(s), but 0 were given"));
  EXPECT_THAT(runError("forward", {makeTensor<float>(RESC_F32, {1, 3}, std::vector<float>(3))}, 2),
              HasSubstr("returns 1 output(s), but room for 2 was given"));
  EXPECT_THAT(runError("forward", {nullptr}), HasSubstr("input 'x' (#0) is NULL"));
}

TEST_F(Run, RefusesUnknownEntry) {
  EXPECT_THAT(runError("train_step", {}), HasSubstr("no entry point 'train_step'"));
}

TEST_F(Run, TurnsAnEntryStatusIntoAnError) {
  EXPECT_THAT(runError("labels", {makeTensor<int64_t>(RESC_I64, {3}, {0, 1, 2})}),
              HasSubstr("entry 'labels' of model 'Tiny' failed: a class label is outside [0, C) "
                        "(status 1)"));
  resc_tensor *labels = makeTensor<int64_t>(RESC_I64, {3}, {0, 1, 1});
  resc_tensor *count = nullptr;
  RESC_ASSERT_OK(resc_run(model, "labels", params, &labels, 1, &count, 1));
  EXPECT_EQ(resc_tensor_rank(count), 0);
  EXPECT_EQ(*static_cast<int64_t *>(resc_tensor_data(count)), 2);
  resc_tensor_destroy(count);
  resc_tensor_destroy(labels);
}

TEST_F(Run, RefusesParamsOfAnotherModelOrNone) {
  resc_model *other = nullptr;
  RESC_ASSERT_OK(resc_model_open(modelPath("tiny_bad_init").c_str(), &other));
  resc_params *foreign = nullptr;
  RESC_ASSERT_OK(resc_params_create(other, &foreign));
  resc_tensor *input = makeTensor<float>(RESC_F32, {1, 3}, {1, 2, 3});
  resc_tensor *output = nullptr;
  RESC_EXPECT_ERROR(resc_run(model, "forward", foreign, &input, 1, &output, 1),
                    "the parameters were created for another model than 'Tiny'");
  RESC_EXPECT_ERROR(resc_run(model, "forward", nullptr, &input, 1, &output, 1),
                    "model 'Tiny' needs parameters, but none were given");
  resc_tensor_destroy(input);
  resc_params_destroy(foreign);
  resc_model_close(other);
}

} // namespace
