// The CPU attention kernel against the naive reference, over the cases the contract names.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "cpu/attention.h"
#include "lckv_pool.h"
#include "tests/reference.h"

namespace lckv::test {
namespace {

// Plain threads, so the tests exercise the kernel's task split the way ORT's pool would.
void threaded(void*, size_t total, void (*fn)(void*, size_t), void* data) {
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 3; ++t) {
    threads.emplace_back([=] {
      for (size_t i = t; i < total; i += 3) fn(data, i);
    });
  }
  for (auto& th : threads) th.join();
}
const Parallel kThreaded{&threaded, nullptr};

void expect_matches(Fixture& f, double tolerance) {
  AttentionProblem p = f.problem();
  ASSERT_TRUE(attention_cpu(f.pool->view(), p, kThreaded).ok());
  const std::vector<double> want = reference_attention(f);
  for (size_t e = 0; e < want.size(); ++e) {
    const int D = f.sc.D;
    const size_t row = e / D;
    ASSERT_NEAR(f.out[e], want[e], tolerance)
        << "b " << row / (f.sc.n * f.sc.H) << " i " << row / f.sc.H % f.sc.n << " h "
        << row % f.sc.H << " d " << e % D;
    if (want[e] == 0.0) {
      // Rows without keys are exact zeros (not tiny numbers, not -0 noise from NaN paths).
      bool row_empty = true;
      for (int d = 0; d < D; ++d) row_empty &= want[row * D + d] == 0.0;
      if (row_empty) {
        ASSERT_EQ(f.out[e], 0.0f);
      }
    }
  }
}

struct Case {
  const char* name;
  Scenario sc;
};

Scenario make(int B, int n, int H, int KvH, std::vector<int> lens, int nodiag = 0, int window = 0,
              std::vector<int> sinks = {}, int block_size = 4, int D = 16) {
  Scenario s;
  s.B = B;
  s.n = n;
  s.H = H;
  s.KvH = KvH;
  s.lens = std::move(lens);
  s.nodiag = nodiag;
  s.window = window;
  s.sinks = std::move(sinks);
  s.block_size = block_size;
  s.D = D;
  return s;
}

// A StreamingLLM layout on top of a scenario: sinks, recent offsets, rope at read.
Scenario streaming(Scenario s, std::vector<int> sinks, std::vector<int> offsets,
                   std::vector<int> rope_at_read = {}, int rotary_dim = 0) {
  s.sinks = std::move(sinks);
  s.recent_offsets = std::move(offsets);
  s.rope_at_read = std::move(rope_at_read);
  s.rotary_dim = rotary_dim;
  return s;
}

class AttentionCase : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionCase, MatchesReference) {
  Fixture f(GetParam().sc);
  expect_matches(f, 2e-5);
}

INSTANTIATE_TEST_SUITE_P(
    Cpu, AttentionCase,
    ::testing::Values(
        Case{"DecodeRaggedBatch", make(4, 1, 8, 2, {0, 1, 7, 13})},
        Case{"DecodeNodiag", make(3, 1, 4, 4, {0, 1, 9}, 1)},
        Case{"Gqa1", make(2, 3, 4, 4, {5, 2})},
        Case{"Gqa2", make(2, 3, 4, 2, {5, 2})},
        Case{"Gqa4", make(2, 3, 8, 2, {5, 2})},
        Case{"Gqa8", make(1, 2, 16, 2, {11})},
        Case{"PrefillEmptyCacheDiag", make(2, 5, 4, 2, {0, 0})},
        Case{"PrefillEmptyCacheNodiag", make(2, 5, 4, 2, {0, 0}, 1)},
        Case{"PrefillOddLengths", make(3, 3, 4, 1, {1, 3, 9}, 1)},
        Case{"BlockBoundaries", make(4, 2, 4, 2, {3, 4, 5, 8})},
        Case{"ManyRowsAcrossTiles", make(1, 37, 4, 2, {6}, 1)},
        Case{"Window", make(2, 6, 4, 2, {10, 3}, 0, 4)},
        Case{"WindowNodiag", make(2, 6, 4, 2, {10, 3}, 1, 4)},
        Case{"WindowOfOneNodiagIsEmpty", make(1, 3, 4, 2, {5}, 1, 1)},
        // Sinks lay entries out (README section 2) but get no exemption from a window.
        Case{"WindowWithSinks", make(3, 4, 4, 2, {17, 2, 9}, 0, 5, {2, 4, 0})},
        Case{"WindowNodiagWithSinks", make(2, 4, 4, 2, {17, 9}, 1, 3, {4, 1})},
        Case{"SinksWithoutWindowChangeNothing", make(1, 2, 4, 2, {7}, 0, 0, {3})},
        Case{"LongBlocksOddHeadDim", make(2, 3, 6, 3, {70, 33}, 0, 0, {}, 16, 13)},
        Case{"LargeWindowSpansBlocks", make(1, 20, 4, 2, {50}, 1, 24, {4}, 8, 32)},
        // Enough tasks that each KV head's query heads share one pass over its keys.
        Case{"WideBatchSharesKeysAcrossHeads", make(4, 33, 32, 8, {5, 0, 17, 3}, 1, 6, {2, 0, 0, 1}, 4, 8)},
        // The slot mapping (README section 2): blocks of 4, recent entries from
        // ceil(S/4)*4 + recent_offset on. Unmapped pool slots hold NaN in the fixture.
        Case{"MappingWithoutSinksAtOffsetZero", streaming(make(2, 1, 4, 2, {9, 4}), {0, 0}, {0, 0})},
        Case{"MappingWithoutSinksAtLastOffset", streaming(make(2, 1, 4, 2, {9, 4}), {0, 0}, {3, 3})},
        Case{"MappingSinksNotAMultipleOfTheBlock",
             streaming(make(3, 1, 8, 2, {11, 3, 6}), {3, 3, 5}, {0, 3, 1})},
        Case{"MappingSinksAWholeBlock", streaming(make(2, 1, 4, 2, {13, 8}), {4, 8}, {2, 3})},
        Case{"MappingCacheShorterThanSinks", streaming(make(2, 3, 4, 2, {2, 5}), {3, 6}, {0, 2})},
        Case{"MappingPrefillOnAStreamedCache",
             streaming(make(2, 5, 4, 2, {12, 7}, 1), {2, 3}, {3, 1})},
        Case{"MappingWindowedLayerSkipsTheSinks",
             streaming(make(2, 4, 4, 2, {15, 10}, 1, 3), {2, 3}, {1, 2})},
        Case{"MappingAcrossRowTiles", streaming(make(1, 37, 4, 2, {13}, 1, 0, {}, 4, 8), {1}, {2})},
        // Rope at read time: the fixture stores these sequences' keys without rope and the
        // reference rotates them at their index; the working keys are used as given.
        Case{"RopeAtReadDecode",
             streaming(make(2, 1, 8, 2, {13, 6}, 1), {3, 2}, {2, 0}, {1, 1}, 16)},
        Case{"RopeAtReadPrefill",
             streaming(make(2, 6, 4, 2, {9, 0}, 1), {2, 2}, {3, 0}, {1, 1}, 16)},
        Case{"RopeAtReadPartialRotaryOddHeadDim",
             streaming(make(1, 2, 6, 3, {21}, 0, 0, {}, 4, 13), {3}, {1}, {1}, 8)},
        Case{"RopeAtReadLongCache",
             streaming(make(1, 3, 8, 2, {300}, 1, 0, {}, 16, 32), {4}, {5}, {1}, 32)},
        Case{"RopeAtReadWithAWindow",
             streaming(make(2, 3, 4, 2, {18, 11}, 0, 5), {2, 1}, {3, 2}, {1, 1}, 16)},
        Case{"MixedBatchOneStreamingOneNot",
             streaming(make(2, 2, 8, 2, {14, 14}, 1), {3, 0}, {2, 0}, {1, 0}, 16)},
        // Enough tasks that a KV head's query heads share one rotated block.
        Case{"RopeAtReadWideBatch",
             streaming(make(4, 17, 32, 8, {40, 3, 0, 25}, 1, 0, {}, 8, 16), {4, 1, 0, 2}, {7, 0, 0, 5},
                       {1, 1, 1, 0}, 16)}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(Attention, PerHeadLengths) {
  Scenario s = make(2, 2, 8, 4, {}, 0, 3, {1, 0});
  s.per_head_lens = true;
  s.lens = {0, 5, 1, 9, 4, 4, 12, 2};
  Fixture f(s);
  expect_matches(f, 2e-5);
}

TEST(Attention, PerHeadLengthsWithTheMappingAndRopeAtRead) {
  Scenario s = streaming(make(2, 2, 8, 4, {}, 1, 0), {2, 5}, {3, 1}, {1, 0}, 16);
  s.per_head_lens = true;
  s.lens = {0, 5, 1, 9, 4, 4, 12, 2};
  Fixture f(s);
  expect_matches(f, 2e-5);
}

TEST(Attention, RopeAtReadEqualsStoringRotatedKeys) {
  // One cache, stored once without rope (rope at read on) and once rotated at each index as the
  // graph would have stored it (off): the outputs agree to float32 rounding. Both fixtures draw
  // the same random numbers, so they hold the same pre-rope keys.
  Scenario s = streaming(make(2, 3, 8, 2, {23, 9}, 1, 0, {}, 4, 16), {2, 3}, {1, 2}, {1, 1}, 16);
  Fixture raw(s, 5);
  s.rope_at_read = {0, 0};
  Fixture rotated(s, 5);
  for (int b = 0; b < s.B; ++b) {
    for (int j = 0; j < s.len(b, 0); ++j) {
      std::vector<float> k, v;
      for (int g = 0; g < s.KvH; ++g) {
        const auto first = raw.cache_k[b * s.KvH + g].begin() + j * s.D;
        const std::vector<float> r = rope(std::vector<float>(first, first + s.D), raw.freq, s.rotary_dim, j);
        k.insert(k.end(), r.begin(), r.end());
        const auto value = rotated.cache_v[b * s.KvH + g].begin() + j * s.D;
        v.insert(v.end(), value, value + s.D);
      }
      ASSERT_EQ(lckv_pool_write_slots(rotated.handle, 1, &rotated.table[b * rotated.max_blocks],
                                      rotated.max_blocks, s.slot(b, j), 1, k.data(), v.data()),
                LCKV_OK);
    }
  }
  AttentionProblem pr = raw.problem(), pt = rotated.problem();
  ASSERT_TRUE(attention_cpu(raw.pool->view(), pr, kThreaded).ok());
  ASSERT_TRUE(attention_cpu(rotated.pool->view(), pt, kThreaded).ok());
  for (size_t e = 0; e < raw.out.size(); ++e) ASSERT_NEAR(raw.out[e], rotated.out[e], 2e-6) << e;
}

TEST(Attention, SinksOutsideAWindowGetNoWeight) {
  // A StreamingLLM sequence (2 sinks in a block of their own, recent entries 1 slot into the
  // next, keys kept without rope) read by a windowed layer, W = 3: rows at p = 10, 11 see
  // (p - 3, p] only. The sinks are entries 0 and 1, outside both windows, so they weigh nothing,
  // as in the reference (converter/reference) and spec section 3.
  const int len = 10, window = 3;
  Scenario s = streaming(make(1, 2, 4, 2, {len}, 0, window), {2}, {1}, {1}, 16);
  Fixture f(s);
  expect_matches(f, 2e-5);
  const int H = s.H, KvH = s.KvH, D = s.D;
  for (int i = 0; i < s.n; ++i) {
    const int p = len + i;
    std::vector<std::vector<double>> keys, values;
    for (int j = p - window + 1; j <= p; ++j) {
      std::vector<double> k, v;
      for (int g = 0; g < KvH; ++g) {
        if (j < len) {
          const std::vector<double> r = rope_exact(&f.cache_k[g][j * D], D, f.freq, j);
          k.insert(k.end(), r.begin(), r.end());
          v.insert(v.end(), &f.cache_v[g][j * D], &f.cache_v[g][j * D] + D);
        } else {
          const size_t row = (static_cast<size_t>(j - len) * KvH + g) * D;
          k.insert(k.end(), &f.k_work[row], &f.k_work[row] + D);
          v.insert(v.end(), &f.v_work[row], &f.v_work[row] + D);
        }
      }
      keys.push_back(std::move(k));
      values.push_back(std::move(v));
    }
    const std::vector<double> want = attend(&f.q[static_cast<size_t>(i) * H * D], H, KvH, D, keys, values);
    for (int e = 0; e < H * D; ++e) ASSERT_NEAR(f.out[static_cast<size_t>(i) * H * D + e], want[e], 2e-5) << i << " " << e;
  }
}

TEST(Attention, WindowWithNoKeyIsExactZeroDespiteSinks) {
  // A nodiag window of 1 holds no key for any row; sinks, however many, do not fill it.
  Fixture f(streaming(make(2, 3, 4, 2, {9, 2}, 1, 1), {2, 3}, {1, 0}));
  AttentionProblem p = f.problem();
  ASSERT_TRUE(attention_cpu(f.pool->view(), p, kThreaded).ok());
  for (float x : f.out) {
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    ASSERT_EQ(bits, 0u);  // +0.0, exactly
  }
}

TEST(Attention, EmptyRowsAreExactZero) {
  // Position 0 in a nodiag layer sees nothing; so does every row of a nodiag window of 1.
  Fixture f(make(2, 3, 4, 2, {0, 4}, 1, 1));
  AttentionProblem p = f.problem();
  ASSERT_TRUE(attention_cpu(f.pool->view(), p, kThreaded).ok());
  for (float x : f.out) {
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    ASSERT_EQ(bits, 0u);  // +0.0, exactly
  }
}

TEST(Attention, ZeroWorkingKvTakesPartInSoftmax) {
  // Pass 1 of a cyclic group: working K/V are zero vectors and still count (logit 0, value 0).
  Fixture f(make(1, 1, 2, 1, {3}));
  std::fill(f.k_work.begin(), f.k_work.end(), 0.0f);
  std::fill(f.v_work.begin(), f.v_work.end(), 0.0f);
  expect_matches(f, 2e-5);
  // Without the zero key the output would be the committed-only softmax; it must differ.
  Fixture masked(make(1, 1, 2, 1, {3}, 1));
  masked.q = f.q;
  masked.cache_k = f.cache_k;
  masked.cache_v = f.cache_v;
  const std::vector<double> committed_only = reference_attention(masked);
  double diff = 0;
  for (size_t e = 0; e < f.out.size(); ++e) diff += std::fabs(f.out[e] - committed_only[e]);
  EXPECT_GT(diff, 1e-3);
}

TEST(Attention, TwoPassesOfACyclicGroup) {
  // Pass 1 reads zeros, pass 2 reads what pass 1 produced (here: its output as K and V).
  Fixture f(make(2, 4, 4, 4, {3, 0}, 1));
  std::fill(f.k_work.begin(), f.k_work.end(), 0.0f);
  std::fill(f.v_work.begin(), f.v_work.end(), 0.0f);
  expect_matches(f, 2e-5);
  f.k_work = f.out;
  f.v_work = f.out;
  for (float& x : f.v_work) x *= -0.5f;
  expect_matches(f, 2e-5);
}

TEST(Attention, ResultDoesNotDependOnThreads) {
  Fixture f(make(3, 19, 8, 2, {40, 0, 17}, 1, 9, {2, 0, 1}));
  AttentionProblem p = f.problem();
  ASSERT_TRUE(attention_cpu(f.pool->view(), p, kThreaded).ok());
  const std::vector<float> threaded_out = f.out;
  ASSERT_TRUE(attention_cpu(f.pool->view(), p, Parallel{}).ok());
  EXPECT_EQ(0, std::memcmp(threaded_out.data(), f.out.data(), f.out.size() * 4));
}

TEST(Attention, NanPropagates) {
  Fixture f(make(1, 1, 2, 1, {2}));
  f.q[0] = std::nanf("");
  AttentionProblem p = f.problem();
  ASSERT_TRUE(attention_cpu(f.pool->view(), p, Parallel{}).ok());
  EXPECT_TRUE(std::isnan(f.out[0]));
}

TEST(Attention, EmptyBatchOrNoNewTokens) {
  Fixture f(make(1, 1, 2, 1, {2}));
  AttentionProblem p = f.problem();
  p.B = 0;
  EXPECT_TRUE(attention_cpu(f.pool->view(), p, Parallel{}).ok());
  p.B = 1;
  p.n = 0;
  EXPECT_TRUE(attention_cpu(f.pool->view(), p, Parallel{}).ok());
  EXPECT_EQ(f.out[0], -7.0f);  // untouched
}

class StorageCase : public ::testing::TestWithParam<int32_t> {};

TEST_P(StorageCase, MatchesReferenceOnRoundedCache) {
  // The reference sees the cache as the pool stores it, so only accumulation error remains.
  Scenario s = make(3, 3, 8, 2, {21, 0, 6}, 1, 7, {2, 0, 0}, 8, 24);
  s.dtype = GetParam();
  Fixture f(s);
  expect_matches(f, 2e-5);
}

TEST_P(StorageCase, RopeAtReadMatchesReferenceOnRoundedCache) {
  Scenario s = streaming(make(3, 2, 8, 2, {21, 4, 9}, 1, 0, {}, 8, 24), {4, 0, 2}, {6, 0, 7},
                         {1, 0, 1}, 24);
  s.dtype = GetParam();
  Fixture f(s);
  expect_matches(f, 2e-5);
}

TEST_P(StorageCase, StaysCloseToFloat32) {
  Scenario s = make(2, 2, 4, 2, {30, 5}, 0, 0, {}, 8, 32);
  Fixture exact(s, 7);
  s.dtype = GetParam();
  Fixture rounded(s, 7);
  AttentionProblem pe = exact.problem(), pr = rounded.problem();
  ASSERT_TRUE(attention_cpu(exact.pool->view(), pe, kThreaded).ok());
  ASSERT_TRUE(attention_cpu(rounded.pool->view(), pr, kThreaded).ok());
  const double tolerance = GetParam() == LCKV_DTYPE_BF16 ? 3e-2 : 4e-3;
  for (size_t e = 0; e < exact.out.size(); ++e) ASSERT_NEAR(rounded.out[e], exact.out[e], tolerance);
}

INSTANTIATE_TEST_SUITE_P(Cpu, StorageCase,
                         ::testing::Values(LCKV_DTYPE_F32, LCKV_DTYPE_F16, LCKV_DTYPE_BF16),
                         [](const ::testing::TestParamInfo<int32_t>& info) {
                           return std::string(info.param == LCKV_DTYPE_F32   ? "F32"
                                              : info.param == LCKV_DTYPE_F16 ? "F16"
                                                                             : "BF16");
                         });

}  // namespace
}  // namespace lckv::test
