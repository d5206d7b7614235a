//===- ThreadsTest.cpp - the process-wide thread count --------------------===//

#include "TestSupport.h"

#include <cstdlib>

using namespace resc::test;

namespace {

// Restores the default and RESC_NUM_THREADS after each test: the setting is
// process-wide.
class Threads : public testing::Test {
protected:
  void TearDown() override {
    unsetenv("RESC_NUM_THREADS");
    EXPECT_EQ(resc_set_num_threads(0), nullptr);
  }
};

TEST_F(Threads, DefaultsToTheEnvironmentThenToTheCpuCount) {
  unsetenv("RESC_NUM_THREADS");
  int32_t cpus = resc_get_num_threads();
  EXPECT_GE(cpus, 1);
  setenv("RESC_NUM_THREADS", "3", 1);
  EXPECT_EQ(resc_get_num_threads(), 3);
  // Values that are not a count in 1..RESC_MAX_THREADS are ignored.
  for (const char *bad : {"0", "-2", "two", "4x", "", "100000"}) {
    setenv("RESC_NUM_THREADS", bad, 1);
    EXPECT_EQ(resc_get_num_threads(), cpus) << "RESC_NUM_THREADS=" << bad;
  }
}

TEST_F(Threads, SetOverridesTheDefaultAndZeroRestoresIt) {
  setenv("RESC_NUM_THREADS", "3", 1);
  RESC_ASSERT_OK(resc_set_num_threads(5));
  EXPECT_EQ(resc_get_num_threads(), 5);
  RESC_ASSERT_OK(resc_set_num_threads(0));
  EXPECT_EQ(resc_get_num_threads(), 3);
}

TEST_F(Threads, RefusesCountsOutOfRange) {
  RESC_ASSERT_OK(resc_set_num_threads(2));
  RESC_EXPECT_ERROR(resc_set_num_threads(-1),
               "the thread count must be in 1..1024 (or 0 for the default), not -1");
  RESC_EXPECT_ERROR(resc_set_num_threads(RESC_MAX_THREADS + 1), "not 1025");
  EXPECT_EQ(resc_get_num_threads(), 2) << "a refused count changes nothing";
}

} // namespace
