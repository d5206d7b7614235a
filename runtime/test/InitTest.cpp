//===- InitTest.cpp - PyTorch-like initialisation -------------------------===//

#include "../src/Init.h"

#include "TestSupport.h"

#include <cmath>
#include <cstring>

using namespace resc::rt;
using namespace resc::test;
using testing::HasSubstr;

namespace {

InitSpec parsed(const char *text, int32_t dtype = RESC_F32) {
  InitSpec spec;
  resc_error *error = parseInit(text, dtype, spec);
  EXPECT_EQ(error, nullptr) << text << ": " << resc_error_message(error);
  resc_error_free(error);
  return spec;
}

std::string initError(const char *text, int32_t dtype = RESC_F32) {
  InitSpec spec;
  resc_error *error = parseInit(text, dtype, spec);
  return error ? takeMessage(error) : "(no error)";
}

TEST(InitString, GivesPyTorchsBounds) {
  InitSpec linear = parsed("uniform:fan_in=784");
  EXPECT_EQ(linear.kind, InitSpec::Uniform);
  EXPECT_DOUBLE_EQ(linear.value, 1.0 / std::sqrt(784.0));
  InitSpec xavier = parsed("xavier_uniform:fan_out=20,fan_in=30");
  EXPECT_DOUBLE_EQ(xavier.value, std::sqrt(6.0 / 50.0));
  InitSpec normal = parsed("normal:std=0.02");
  EXPECT_EQ(normal.kind, InitSpec::Normal);
  EXPECT_DOUBLE_EQ(normal.value, 0.02);
  EXPECT_EQ(parsed("ones").value, 1.0);
  EXPECT_EQ(parsed("zeros").value, 0.0);
  EXPECT_EQ(parsed("", RESC_I64).value, 0.0);
  EXPECT_EQ(parsed("ones", RESC_I32).value, 1.0);
  // dropout.seed: random bits for integer tensors.
  EXPECT_EQ(parsed("seed", RESC_I64).kind, InitSpec::Seed);
  EXPECT_EQ(parsed("seed", RESC_I32).kind, InitSpec::Seed);
}

TEST(InitString, RefusesUnknownAndMalformedStrings) {
  EXPECT_THAT(initError("kaiming_normal:fan_in=3"), HasSubstr("unknown init string"));
  EXPECT_THAT(initError(""), HasSubstr("unknown init string ''"));
  EXPECT_THAT(initError("uniform"), HasSubstr("malformed init string 'uniform'"));
  EXPECT_THAT(initError("uniform:fan_in=0"), HasSubstr("malformed"));
  EXPECT_THAT(initError("uniform:fan_in=3,fan_in=3"), HasSubstr("malformed"));
  EXPECT_THAT(initError("uniform:fan_in=3,"), HasSubstr("malformed"));
  EXPECT_THAT(initError("uniform:fan_in=-3"), HasSubstr("malformed"));
  EXPECT_THAT(initError("uniform:fan_out=3"), HasSubstr("malformed"));
  EXPECT_THAT(initError("xavier_uniform:fan_in=3"), HasSubstr("malformed"));
  EXPECT_THAT(initError("normal:std=nan"), HasSubstr("malformed"));
  EXPECT_THAT(initError("normal:std=1x"), HasSubstr("malformed"));
  EXPECT_THAT(initError("normal:std= 1"), HasSubstr("malformed"));
  EXPECT_THAT(initError("seed"), HasSubstr("init 'seed' fills integer tensors, but the tensor is f32"));
  EXPECT_THAT(initError("seeds", RESC_I64), HasSubstr("ones, zeros or seed)"));
  EXPECT_THAT(initError("normal:std=1", RESC_I64),
              HasSubstr("init 'normal:std=1' draws random numbers, but the tensor is i64"));
}

TEST(Rng, IsDeterministicPerSeedAndName) {
  Rng a(7, "w"), b(7, "w"), c(8, "w"), d(7, "v");
  uint64_t first = a.next();
  EXPECT_EQ(first, b.next());
  EXPECT_NE(first, c.next());
  EXPECT_NE(first, d.next());
}

TEST(Rng, HasTheRightMoments) {
  Rng rng(1, "moments");
  const int n = 200000;
  double sum = 0, squares = 0, normalSum = 0, normalSquares = 0;
  for (int i = 0; i < n; ++i) {
    double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    squares += u * u;
    double z = rng.normal();
    normalSum += z;
    normalSquares += z * z;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(squares / n - 0.25, 1.0 / 12, 0.002);
  EXPECT_NEAR(normalSum / n, 0.0, 0.01);
  EXPECT_NEAR(normalSquares / n, 1.0, 0.01);
}

class Init : public TinyModelTest {};

TEST_F(Init, FillsEveryTensorByItsInitString) {
  RESC_ASSERT_OK(resc_params_init(params, 123));
  const resc_tensor_desc *desc = nullptr;
  void *data = nullptr;
  RESC_ASSERT_OK(resc_params_find(params, "fc.weight", &desc, &data));
  const float *w = static_cast<const float *>(data);
  float bound = static_cast<float>(1 / std::sqrt(3.0));
  bool allEqual = true;
  for (int i = 0; i < 6; ++i) {
    EXPECT_GE(w[i], -bound);
    EXPECT_LT(w[i], bound);
    allEqual = allEqual && w[i] == w[0];
  }
  EXPECT_FALSE(allEqual);
  RESC_ASSERT_OK(resc_params_find(params, "norm.weight", &desc, &data));
  EXPECT_EQ(static_cast<const float *>(data)[0], 1.0f);
  EXPECT_EQ(static_cast<const float *>(data)[1], 1.0f);
  RESC_ASSERT_OK(resc_params_find(params, "steps", &desc, &data));
  EXPECT_EQ(*static_cast<const int64_t *>(data), 0);
}

TEST_F(Init, SameSeedSameArenaOtherSeedOtherArena) {
  RESC_ASSERT_OK(resc_params_init(params, 5));
  resc_params *again = nullptr;
  RESC_ASSERT_OK(resc_params_create(model, &again));
  RESC_ASSERT_OK(resc_params_init(again, 5));
  EXPECT_EQ(std::memcmp(resc_params_arena(params), resc_params_arena(again), 192), 0);
  RESC_ASSERT_OK(resc_params_init(again, 6));
  EXPECT_NE(std::memcmp(resc_params_arena(params), resc_params_arena(again), 192), 0);
  resc_params_destroy(again);
}

TEST(InitModel, NamesTheTensorWithAnUnknownInitString) {
  resc_model *model = nullptr;
  RESC_ASSERT_OK(resc_model_open(modelPath("tiny_bad_init").c_str(), &model));
  resc_params *params = nullptr;
  RESC_ASSERT_OK(resc_params_create(model, &params));
  RESC_EXPECT_ERROR(resc_params_init(params, 0),
                    "cannot initialise 'fc.weight': unknown init string 'kaiming:fan=3'");
  resc_params_destroy(params);
  resc_model_close(model);
}

} // namespace
