// The pool's C API: sizes, lifetime, stats, slot I/O and every error path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lckv_pool.h"

// Under AddressSanitizer a huge allocation must fail like malloc does, not abort the test.
extern "C" __attribute__((visibility("default"), used)) const char* __asan_default_options() {
  // protect_shadow_gap=0: the CUDA runtime maps memory where ASan would otherwise forbid it.
  return "allocator_may_return_null=1:protect_shadow_gap=0";
}

namespace {

std::string last_error() { return lckv_last_error(); }

TEST(PoolApi, BytesPerBlock) {
  EXPECT_EQ(lckv_pool_bytes_per_block(2, 4, 64, 16, LCKV_DTYPE_BF16), 2 * 2 * 4 * 64 * 16 * 2);
  EXPECT_EQ(lckv_pool_bytes_per_block(1, 1, 1, 1, LCKV_DTYPE_F32), 2 * 4);
  EXPECT_LT(lckv_pool_bytes_per_block(0, 4, 64, 16, LCKV_DTYPE_F32), 0);
  EXPECT_NE(last_error().find("num_kv_layers"), std::string::npos);
  EXPECT_LT(lckv_pool_bytes_per_block(1, 4, 64, 16, 9), 0);
  EXPECT_NE(last_error().find("dtype"), std::string::npos);
}

TEST(PoolApi, CreateStatsDestroy) {
  int64_t h = 0;
  ASSERT_EQ(lckv_pool_create(3, 2, 8, 4, 10, LCKV_DTYPE_F16, LCKV_DEVICE_CPU, &h), LCKV_OK);
  EXPECT_NE(h, 0);
  std::vector<int64_t> stats(LCKV_POOL_STATS_FIELDS + 2, -1);
  ASSERT_EQ(lckv_pool_stats(h, stats.data(), static_cast<int32_t>(stats.size())), LCKV_OK);
  const int64_t per_block = 3 * 2 * 2 * 4 * 8 * 2;
  const std::vector<int64_t> want = {3, 2, 8, 4, 10, LCKV_DTYPE_F16, -1, per_block, per_block * 10,
                                     0, 0, 0};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(stats[i], want[i]) << i;
  EXPECT_EQ(stats[LCKV_POOL_STATS_FIELDS], -1);  // capacity beyond the fields is untouched

  int64_t other = 0;
  ASSERT_EQ(lckv_pool_create(1, 1, 1, 1, 1, LCKV_DTYPE_F32, LCKV_DEVICE_CPU, &other), LCKV_OK);
  EXPECT_NE(other, h);
  EXPECT_EQ(lckv_pool_destroy(h), LCKV_OK);
  EXPECT_EQ(lckv_pool_destroy(h), LCKV_ERR_UNKNOWN_HANDLE);
  EXPECT_NE(last_error().find("no pool has handle"), std::string::npos);
  EXPECT_EQ(lckv_pool_stats(h, stats.data(), 1), LCKV_ERR_UNKNOWN_HANDLE);
  EXPECT_EQ(lckv_pool_destroy(other), LCKV_OK);
}

TEST(PoolApi, CreateRejectsBadConfigs) {
  int64_t h = 0;
  EXPECT_EQ(lckv_pool_create(1, 1, 1, 1, 0, LCKV_DTYPE_F32, -1, &h), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_NE(last_error().find("num_blocks"), std::string::npos);
  EXPECT_EQ(lckv_pool_create(1, 0, 1, 1, 1, LCKV_DTYPE_F32, -1, &h), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_create(1, 1, 1, 1, 1, 7, -1, &h), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_create(1, 1, 1, 1, 1, LCKV_DTYPE_F32, -2, &h), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_create(1, 1, 1, 1, 1, LCKV_DTYPE_F32, -1, nullptr), LCKV_ERR_INVALID_ARGUMENT);
  // Byte counts that overflow, and pools too big for any host: statuses, not aborts.
  EXPECT_EQ(lckv_pool_create(64, 64, 4096, 4096, 1 << 30, LCKV_DTYPE_F32, -1, &h),
            LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_NE(last_error().find("overflows"), std::string::npos);
  EXPECT_EQ(lckv_pool_create(64, 64, 4096, 4096, 1 << 20, LCKV_DTYPE_F32, -1, &h),
            LCKV_ERR_OUT_OF_MEMORY);
}

TEST(PoolApi, DevicePoolWithoutUsableCudaIsADeviceError) {
  // This machine has no GPU: both builds must say so with a status.
  int64_t h = 0;
  EXPECT_EQ(lckv_pool_create(1, 1, 8, 4, 4, LCKV_DTYPE_F16, 0, &h), LCKV_ERR_DEVICE);
  EXPECT_FALSE(last_error().empty());
}

class SlotIo : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(lckv_pool_create(2, 2, 3, 4, 6, LCKV_DTYPE_F32, -1, &h_), LCKV_OK);
  }
  void TearDown() override { lckv_pool_destroy(h_); }
  int64_t h_ = 0;
  std::vector<int32_t> table_ = {5, 0, 3};
};

TEST_F(SlotIo, WriteThenReadAcrossBlocks) {
  const int count = 7;  // slots 2..8 span three blocks
  std::vector<float> k(count * 2 * 3), v(k.size());
  for (size_t e = 0; e < k.size(); ++e) {
    k[e] = static_cast<float>(e);
    v[e] = -static_cast<float>(e);
  }
  ASSERT_EQ(lckv_pool_write_slots(h_, 1, table_.data(), 3, 2, count, k.data(), v.data()), LCKV_OK);
  std::vector<float> k2(k.size()), v2(k.size());
  ASSERT_EQ(lckv_pool_read_slots(h_, 1, table_.data(), 3, 2, count, k2.data(), v2.data()), LCKV_OK);
  EXPECT_EQ(k, k2);
  EXPECT_EQ(v, v2);
  // Layer 0 was not written.
  ASSERT_EQ(lckv_pool_read_slots(h_, 0, table_.data(), 3, 2, count, k2.data(), v2.data()), LCKV_OK);
  for (float x : k2) EXPECT_EQ(x, 0.0f);
}

TEST_F(SlotIo, BadArguments) {
  float buf[2 * 2 * 3] = {};
  const int32_t* t = table_.data();
  EXPECT_EQ(lckv_pool_write_slots(h_, 2, t, 3, 0, 1, buf, buf), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_NE(last_error().find("kv_layer"), std::string::npos);
  EXPECT_EQ(lckv_pool_write_slots(h_, -1, t, 3, 0, 1, buf, buf), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_write_slots(h_, 0, t, 3, 11, 2, buf, buf), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_NE(last_error().find("fewer than the 13 slots"), std::string::npos);
  const int32_t bad[2] = {1, 6};
  EXPECT_EQ(lckv_pool_read_slots(h_, 0, bad, 2, 3, 2, buf, buf), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_NE(last_error().find("entry 1 = 6"), std::string::npos);
  const int32_t negative[1] = {-1};
  EXPECT_EQ(lckv_pool_read_slots(h_, 0, negative, 1, 0, 1, buf, buf), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_read_slots(h_, 0, nullptr, 3, 0, 1, buf, buf), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_read_slots(h_, 0, t, 3, 0, 1, nullptr, buf), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_read_slots(h_, 0, t, 3, -1, 1, buf, buf), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_read_slots(h_ + 1000, 0, t, 3, 0, 1, buf, buf), LCKV_ERR_UNKNOWN_HANDLE);
  // Zero slots is a valid no-op, whatever the table holds.
  EXPECT_EQ(lckv_pool_read_slots(h_, 0, negative, 1, 0, 0, buf, buf), LCKV_OK);
}

}  // namespace
