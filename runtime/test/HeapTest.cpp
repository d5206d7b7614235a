// Buffers the runtime allocates: zero-filled, 64-byte aligned, and from
// 2 MiB up on a 2 MiB boundary with transparent huge pages requested
// (RESC_HUGE_PAGES=0 turns that off).
#include "TestSupport.h"

#include <cstdint>
#include <cstdlib>

namespace {

constexpr uintptr_t kHugePage = uintptr_t(2) << 20;

struct Tensor {
  resc_tensor *t = nullptr;
  ~Tensor() { resc_tensor_destroy(t); }
  const float *data() { return static_cast<const float *>(resc_tensor_data(t)); }
  uintptr_t address() { return reinterpret_cast<uintptr_t>(resc_tensor_data(t)); }
};

void expectZero(const float *data, int64_t count) {
  for (int64_t i = 0; i < count; i += 4099)
    ASSERT_EQ(data[i], 0.0f) << "element " << i;
  ASSERT_EQ(data[count - 1], 0.0f);
}

TEST(Heap, LargeBuffersStartOnAHugePage) {
  for (int64_t count : {int64_t(1) << 19, (int64_t(3) << 19) + 5}) { // 2 MiB, 6 MiB + 20 B
    Tensor a;
    RESC_ASSERT_OK(resc_tensor_create(RESC_F32, 1, &count, &a.t));
    EXPECT_EQ(a.address() % kHugePage, 0u) << count;
    expectZero(a.data(), count);
  }
}

TEST(Heap, SmallBuffersAre64ByteAligned) {
  int64_t count = 1000;
  Tensor a;
  RESC_ASSERT_OK(resc_tensor_create(RESC_F32, 1, &count, &a.t));
  EXPECT_EQ(a.address() % RESC_ARENA_ALIGN, 0u);
  expectZero(a.data(), count);
}

TEST(Heap, HugePagesCanBeTurnedOff) {
  // Several allocations: with huge pages off, not all of them can land on a
  // 2 MiB boundary by chance.
  ASSERT_EQ(setenv("RESC_HUGE_PAGES", "0", 1), 0);
  int64_t count = (int64_t(1) << 19) + 16;
  Tensor t[4];
  int onHugeBoundary = 0;
  for (Tensor &a : t) {
    RESC_ASSERT_OK(resc_tensor_create(RESC_F32, 1, &count, &a.t));
    EXPECT_EQ(a.address() % RESC_ARENA_ALIGN, 0u);
    expectZero(a.data(), count);
    onHugeBoundary += a.address() % kHugePage == 0;
  }
  unsetenv("RESC_HUGE_PAGES");
  EXPECT_LT(onHugeBoundary, 4);
}

} // namespace
