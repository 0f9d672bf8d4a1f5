// StreamingLLM eviction: lckv_pool_shift moves slots down and re-rotates their keys exactly to
// the rope of their new positions, with no drift over a long stream.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lckv_pool.h"
#include "tests/reference.h"

namespace lckv::test {
namespace {

constexpr int kHeads = 2, kDim = 8, kBlock = 4, kLayers = 2;

std::vector<float> inv_freq(int rotary_dim, float theta = 10000.0f) {
  std::vector<float> f(rotary_dim / 2);
  for (int c = 0; c < rotary_dim / 2; ++c)
    f[c] = 1.0f / std::pow(theta, static_cast<float>(2 * c) / rotary_dim);
  return f;
}

// Raw (pre-rope) keys and values of a stream; the pool holds rope(k, slot) for each kept token.
struct Stream {
  int64_t handle = 0;
  std::vector<int32_t> table;
  std::vector<std::vector<float>> raw_k, raw_v;  // [token] -> [layer][head][dim]
  std::mt19937 rng{5};

  Stream(int32_t dtype, int blocks) {
    EXPECT_EQ(lckv_pool_create(kLayers, kHeads, kDim, kBlock, blocks + 2, dtype, -1, &handle), LCKV_OK);
    for (int b = 0; b < blocks; ++b) table.push_back(blocks + 1 - b);  // reversed, not 0..k
  }
  ~Stream() { lckv_pool_destroy(handle); }

  // Writes token `token`'s vectors at `slot`, keys rotated to position `slot`.
  void put(size_t token, int slot, const std::vector<float>& freq, int rotary_dim) {
    std::uniform_real_distribution<float> uni(-1, 1);
    while (raw_k.size() <= token) {
      std::vector<float> k(kLayers * kHeads * kDim), v(k.size());
      for (auto& x : k) x = uni(rng);
      for (auto& x : v) x = uni(rng);
      raw_k.push_back(k);
      raw_v.push_back(v);
    }
    for (int layer = 0; layer < kLayers; ++layer) {
      std::vector<float> k, v;
      for (int h = 0; h < kHeads; ++h) {
        const auto first = raw_k[token].begin() + (layer * kHeads + h) * kDim;
        const auto r = rope(std::vector<float>(first, first + kDim), freq, rotary_dim, slot);
        k.insert(k.end(), r.begin(), r.end());
        const auto vf = raw_v[token].begin() + (layer * kHeads + h) * kDim;
        v.insert(v.end(), vf, vf + kDim);
      }
      ASSERT_EQ(lckv_pool_write_slots(handle, layer, table.data(), static_cast<int32_t>(table.size()),
                                      slot, 1, k.data(), v.data()),
                LCKV_OK);
    }
  }

  // Checks that `slot` holds token `token` rotated to position `slot`.
  void expect_at(size_t token, int slot, const std::vector<float>& freq, int rotary_dim,
                 double tolerance) {
    for (int layer = 0; layer < kLayers; ++layer) {
      std::vector<float> k(kHeads * kDim), v(k.size());
      ASSERT_EQ(lckv_pool_read_slots(handle, layer, table.data(), static_cast<int32_t>(table.size()),
                                     slot, 1, k.data(), v.data()),
                LCKV_OK);
      for (int h = 0; h < kHeads; ++h) {
        const auto first = raw_k[token].begin() + (layer * kHeads + h) * kDim;
        const auto want = rope(std::vector<float>(first, first + kDim), freq, rotary_dim, slot);
        for (int d = 0; d < kDim; ++d) {
          ASSERT_NEAR(k[h * kDim + d], want[d], tolerance) << "token " << token << " slot " << slot;
          ASSERT_NEAR(v[h * kDim + d], raw_v[token][(layer * kHeads + h) * kDim + d], tolerance);
        }
      }
    }
  }
};

TEST(Shift, MovesValuesAndReRotatesKeys) {
  const auto freq = inv_freq(kDim);
  Stream s(LCKV_DTYPE_F32, 4);
  for (int t = 0; t < 14; ++t) s.put(t, t, freq, kDim);
  // Sinks 0..1 stay; evict 5 tokens (slots 2..6); slots 7..13 move to 2..8 (overlapping).
  ASSERT_EQ(lckv_pool_shift(s.handle, s.table.data(), 4, 7, 2, 7, freq.data(), kDim), LCKV_OK);
  for (int t = 0; t < 2; ++t) s.expect_at(t, t, freq, kDim, 0.0);
  for (int t = 7; t < 14; ++t) s.expect_at(t, t - 5, freq, kDim, 2e-6);
}

TEST(Shift, PartialRotaryLeavesTheRestAlone) {
  const int rotary = 4;
  const auto freq = inv_freq(rotary);
  Stream s(LCKV_DTYPE_F32, 3);
  for (int t = 0; t < 10; ++t) s.put(t, t, freq, rotary);
  ASSERT_EQ(lckv_pool_shift(s.handle, s.table.data(), 3, 6, 1, 4, freq.data(), rotary), LCKV_OK);
  for (int t = 6; t < 10; ++t) s.expect_at(t, t - 5, freq, rotary, 2e-6);
}

TEST(Shift, NoDriftOverALongStream) {
  // A 4-sink, 12-token cache fed 3000 tokens, evicting 4 at a time: 747 shifts. Positions of the
  // stream grow, but kept keys are always re-rotated from float32 angles of small positions.
  const auto freq = inv_freq(kDim, 500000.0f);
  Stream s(LCKV_DTYPE_F32, 4);
  const int sinks = 4, capacity = 16, evict = 4;
  std::vector<size_t> kept;  // token held by each slot
  for (size_t token = 0; token < 3000; ++token) {
    if (static_cast<int>(kept.size()) == capacity) {
      ASSERT_EQ(lckv_pool_shift(s.handle, s.table.data(), 4, sinks + evict, sinks,
                                capacity - sinks - evict, freq.data(), kDim),
                LCKV_OK);
      kept.erase(kept.begin() + sinks, kept.begin() + sinks + evict);
    }
    s.put(token, static_cast<int>(kept.size()), freq, kDim);
    kept.push_back(token);
  }
  for (size_t slot = 0; slot < kept.size(); ++slot)
    s.expect_at(kept[slot], static_cast<int>(slot), freq, kDim, 1e-5);
}

TEST(Shift, HalfStorageStaysClose) {
  const auto freq = inv_freq(kDim);
  Stream s(LCKV_DTYPE_F16, 4);
  for (int t = 0; t < 16; ++t) s.put(t, t, freq, kDim);
  ASSERT_EQ(lckv_pool_shift(s.handle, s.table.data(), 4, 8, 4, 8, freq.data(), kDim), LCKV_OK);
  for (int t = 8; t < 16; ++t) s.expect_at(t, t - 4, freq, kDim, 3e-3);
}

TEST(Shift, BadArguments) {
  const auto freq = inv_freq(kDim);
  Stream s(LCKV_DTYPE_F32, 3);
  const int32_t* t = s.table.data();
  EXPECT_EQ(lckv_pool_shift(s.handle, t, 3, 4, 4, 2, freq.data(), kDim), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(lckv_last_error()).find("dst_start"), std::string::npos);
  EXPECT_EQ(lckv_pool_shift(s.handle, t, 3, 4, -1, 2, freq.data(), kDim), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_shift(s.handle, t, 3, 4, 0, 2, freq.data(), 3), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(lckv_last_error()).find("rotary_dim"), std::string::npos);
  EXPECT_EQ(lckv_pool_shift(s.handle, t, 3, 4, 0, 2, freq.data(), kDim + 2), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_shift(s.handle, t, 3, 4, 0, 2, nullptr, kDim), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lckv_pool_shift(s.handle, t, 3, 8, 0, 5, freq.data(), kDim), LCKV_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(lckv_last_error()).find("block_table"), std::string::npos);
  EXPECT_EQ(lckv_pool_shift(s.handle + 99, t, 3, 4, 0, 2, freq.data(), kDim), LCKV_ERR_UNKNOWN_HANDLE);
}

}  // namespace
}  // namespace lckv::test
