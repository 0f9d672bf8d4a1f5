// The host cos/sin rows of rope at read time: float32 angles, growth that never disturbs a call
// in flight, one table per frequency set.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "cpu/rope_table.h"
#include "tests/reference.h"

namespace lckv::test {
namespace {

TEST(RopeTable, RowsHoldCosAndSinOfTheFloat32Angle) {
  const std::vector<float> freq = inv_freq(64);
  RopeTable table(freq);
  const auto rows = table.covering(3001);
  ASSERT_GE(rows->positions, 3001);
  ASSERT_EQ(rows->half, 32);
  double drift = 0;
  for (int p : {0, 1, 17, 3000}) {
    const float* row = rows->data() + static_cast<size_t>(p) * 64;
    for (int c = 0; c < 32; ++c) {
      const float angle = static_cast<float>(p) * freq[c];  // what Cast(positions) * inv_freq gives
      EXPECT_NEAR(row[c], std::cos(static_cast<double>(angle)), 6e-8) << p << " " << c;
      EXPECT_NEAR(row[32 + c], std::sin(static_cast<double>(angle)), 6e-8) << p << " " << c;
      drift = std::max(drift, std::fabs(row[c] - std::cos(p * static_cast<double>(freq[c]))));
    }
  }
  // A double angle would be a different rotation at this position (spec §3).
  EXPECT_GT(drift, 1e-5);
}

TEST(RopeTable, GrowingKeepsEarlierSnapshotsIntact) {
  RopeTable table(inv_freq(8));
  const auto small = table.covering(10);
  const std::vector<float> before = small->values;
  const auto large = table.covering(5000);
  EXPECT_GE(large->positions, 5000);
  EXPECT_EQ(small->values, before);  // the old snapshot is untouched
  for (size_t e = 0; e < before.size(); ++e) ASSERT_EQ(large->values[e], before[e]);
  EXPECT_EQ(table.covering(7).get(), large.get());  // no regrowth for fewer positions
}

TEST(RopeTable, ConcurrentCallsGrowOneTable) {
  RopeTable table(inv_freq(16));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&table, t] {
      for (int p = 1; p < 3000; p += 97 + t) {
        const auto rows = table.covering(p);
        ASSERT_GE(rows->positions, p);
        // freq[0] = 1: the sin of row p - 1, pair 0, is sin(p - 1) whatever snapshot this is.
        ASSERT_NEAR(rows->data()[static_cast<size_t>(p - 1) * 16 + 8], std::sin(static_cast<double>(p - 1)), 6e-8);
      }
    });
  }
  for (auto& th : threads) th.join();
}

TEST(RopeTable, OneTablePerFrequencySet) {
  const auto a = rope_table(inv_freq(8));
  EXPECT_EQ(rope_table(inv_freq(8)).get(), a.get());
  EXPECT_NE(rope_table(inv_freq(8, 500000.0f)).get(), a.get());
  EXPECT_NE(rope_table(inv_freq(16)).get(), a.get());
}

}  // namespace
}  // namespace lckv::test
