// KvCommit on the CPU: writes land in the mapped slots of the right blocks and layer, keys of
// rope-at-read sequences lose their rope, and attention reads it all back, also over a long
// StreamingLLM stream evicted the way the engine does it (bookkeeping only).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "cpu/attention.h"
#include "cpu/commit.h"
#include "lckv_pool.h"
#include "pool/slots.h"
#include "tests/reference.h"

namespace lckv::test {
namespace {

struct CommitFixture {
  Scenario sc;
  Fixture f;
  std::vector<int32_t> new_lens;

  explicit CommitFixture(const Scenario& s) : sc(s), f(s) { new_lens.assign(f.lens.size(), -1); }

  CommitProblem problem() {
    CommitProblem p;
    p.B = sc.B;
    p.n = sc.n;
    p.KvH = sc.KvH;
    p.D = sc.D;
    p.Lh = sc.Lh();
    p.max_blocks = f.max_blocks;
    p.kv_layer = 1;
    p.k_work = f.k_work.data();
    p.v_work = f.v_work.data();
    p.block_table = f.table.data();
    p.cache_lens = f.lens.data();
    int positions = 0;
    for (int b = 0; b < sc.B; ++b)
      for (int g = 0; g < sc.KvH && sc.rotates(b); ++g) positions = std::max(positions, sc.len(b, g) + sc.n);
    p.layout = f.layout(positions);
    p.new_lens = new_lens.data();
    return p;
  }

  // Entry j of head g of sequence b as the pool holds it, read through the slot mapping.
  void read_entry(int b, int g, int j, float* k, float* v) {
    std::vector<float> keys(sc.KvH * sc.D), values(keys.size());
    read_slots(f.pool->view(), 1, &f.table[b * f.max_blocks], sc.slot(b, j), 1, keys.data(), values.data());
    std::copy(keys.begin() + g * sc.D, keys.begin() + (g + 1) * sc.D, k);
    std::copy(values.begin() + g * sc.D, values.begin() + (g + 1) * sc.D, v);
  }
};

enum class Layout { kIdentity, kMapped, kMappedRopeAtRead };

Scenario commit_scenario(int32_t dtype, bool per_head, Layout layout) {
  Scenario s;
  s.B = 3;
  s.n = 5;
  s.H = 4;
  s.KvH = 2;
  s.D = 8;
  s.block_size = 4;
  s.dtype = dtype;
  s.per_head_lens = per_head;
  s.lens = per_head ? std::vector<int>{3, 10, 10, 0, 7, 6} : std::vector<int>{10, 3, 7};
  s.room = s.n;
  if (layout != Layout::kIdentity) {
    // Sequence 1's new tokens straddle its sinks: some land in the sink block, some after.
    s.sinks = {3, 5, 4};
    s.recent_offsets = {2, 3, 0};
  }
  if (layout == Layout::kMappedRopeAtRead) {
    s.rope_at_read = {1, 1, 0};
    s.rotary_dim = 6;
  }
  return s;
}

class CommitCase : public ::testing::TestWithParam<std::tuple<int32_t, bool, Layout>> {};

TEST_P(CommitCase, ReadBackGivesWhatWasWritten) {
  const auto [dtype, per_head, layout] = GetParam();
  const Scenario s = commit_scenario(dtype, per_head, layout);
  CommitFixture c(s);
  Fixture& f = c.f;
  commit_cpu(f.pool->view(), c.problem());

  for (size_t e = 0; e < c.new_lens.size(); ++e) EXPECT_EQ(c.new_lens[e], f.lens[e] + s.n);
  // A stored key loses the rope the graph gave it at its index, to float32 rounding, then gets
  // the pool's rounding.
  const double tolerance = dtype == LCKV_DTYPE_F32 ? 2e-6 : dtype == LCKV_DTYPE_F16 ? 1e-3 : 8e-3;
  std::vector<float> k(s.D), v(s.D);
  for (int b = 0; b < s.B; ++b) {
    for (int g = 0; g < s.KvH; ++g) {
      const int len = s.len(b, g);
      for (int j = 0; j < len + s.n; ++j) {
        c.read_entry(b, g, j, k.data(), v.data());
        for (int d = 0; d < s.D; ++d) {
          if (j < len) {  // committed entries are untouched
            ASSERT_EQ(k[d], f.cache_k[b * s.KvH + g][j * s.D + d]) << "b " << b << " g " << g << " entry " << j;
            ASSERT_EQ(v[d], f.cache_v[b * s.KvH + g][j * s.D + d]) << "b " << b << " g " << g << " entry " << j;
            continue;
          }
          const size_t src = ((static_cast<size_t>(b) * s.n + (j - len)) * s.KvH + g) * s.D;
          ASSERT_EQ(v[d], round_to(dtype, f.v_work[src + d]));
          if (!s.rotates(b)) {
            ASSERT_EQ(k[d], round_to(dtype, f.k_work[src + d])) << "b " << b << " entry " << j;
          } else {
            // Rotating the stored key back at its index gives the graph's key again.
            const std::vector<double> back = rope_exact(k.data(), s.D, f.freq, j);
            ASSERT_NEAR(back[d], f.k_work[src + d], tolerance) << "b " << b << " entry " << j << " d " << d;
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cpu, CommitCase,
    ::testing::Combine(::testing::Values(LCKV_DTYPE_F32, LCKV_DTYPE_F16, LCKV_DTYPE_BF16), ::testing::Bool(),
                       ::testing::Values(Layout::kIdentity, Layout::kMapped, Layout::kMappedRopeAtRead)),
    [](const ::testing::TestParamInfo<std::tuple<int32_t, bool, Layout>>& info) {
      const int32_t dtype = std::get<0>(info.param);
      const Layout layout = std::get<2>(info.param);
      return std::string(dtype == LCKV_DTYPE_F32 ? "F32" : dtype == LCKV_DTYPE_F16 ? "F16" : "BF16") +
             (std::get<1>(info.param) ? "PerHead" : "") +
             (layout == Layout::kIdentity ? "Identity" : layout == Layout::kMapped ? "Mapped" : "RopeAtRead");
    });

TEST(Commit, UnrotationRoundTripsThePreRopeKey) {
  // The graph rotates a pre-rope key x at its index (HF float32 rope); the pool then holds x
  // again, to float32 rounding, at any index (here up to 2^16, where the angles are large).
  Scenario s;
  s.B = 1;
  s.n = 3;
  s.KvH = 2;
  s.D = 16;
  s.sinks = {2};
  s.recent_offsets = {1};
  s.rope_at_read = {1};
  s.rotary_dim = 16;
  s.rope_theta = 500000.0f;
  for (int len : {0, 7, 4093, 65533}) {
    s.lens = {len};
    s.room = s.n;
    CommitFixture c(s);
    Fixture& f = c.f;
    std::vector<float> pre = f.k_work;
    for (int k = 0; k < s.n; ++k) {
      for (int g = 0; g < s.KvH; ++g) {
        const size_t at = (static_cast<size_t>(k) * s.KvH + g) * s.D;
        const std::vector<float> r = rope(std::vector<float>(pre.begin() + at, pre.begin() + at + s.D), f.freq,
                                          s.rotary_dim, len + k);
        std::copy(r.begin(), r.end(), f.k_work.begin() + at);
      }
    }
    commit_cpu(f.pool->view(), c.problem());
    std::vector<float> k(s.D), v(s.D);
    for (int j = 0; j < s.n; ++j) {
      for (int g = 0; g < s.KvH; ++g) {
        c.read_entry(0, g, len + j, k.data(), v.data());
        for (int d = 0; d < s.D; ++d)
          ASSERT_NEAR(k[d], pre[(static_cast<size_t>(j) * s.KvH + g) * s.D + d], 1e-6) << "len " << len;
      }
    }
  }
}

TEST(Commit, ThenDecodeSeesTheCommittedTokens) {
  // Prefill 6 tokens with an empty cache, commit, then decode one token: the decode output must
  // equal the reference over a cache holding exactly the committed K/V.
  Scenario s;
  s.B = 2;
  s.n = 6;
  s.H = 4;
  s.KvH = 2;
  s.D = 8;
  s.block_size = 4;
  s.lens = {0, 0};
  s.extra_blocks = 6;
  CommitFixture c(s);
  Fixture& f = c.f;
  f.max_blocks = 3;
  f.table = {4, 0, 2, 1, 5, 3};
  commit_cpu(f.pool->view(), c.problem());

  Scenario d = s;
  d.n = 1;
  d.lens = {6, 6};
  Fixture decode(d, 99);
  // Point the decode fixture at the committed pool contents.
  for (int b = 0; b < 2; ++b) {
    for (int g = 0; g < 2; ++g) {
      auto& ck = decode.cache_k[b * 2 + g];
      auto& cv = decode.cache_v[b * 2 + g];
      for (int j = 0; j < 6; ++j)
        for (int e = 0; e < s.D; ++e) {
          ck[j * s.D + e] = f.k_work[((b * 6 + j) * 2 + g) * s.D + e];
          cv[j * s.D + e] = f.v_work[((b * 6 + j) * 2 + g) * s.D + e];
        }
    }
  }
  AttentionProblem p = decode.problem();
  p.block_table = f.table.data();
  p.max_blocks = f.max_blocks;
  ASSERT_TRUE(attention_cpu(f.pool->view(), p, Parallel{}).ok());
  const std::vector<double> want = reference_attention(decode);
  for (size_t e = 0; e < want.size(); ++e) ASSERT_NEAR(decode.out[e], want[e], 2e-5);
}

class StreamCase : public ::testing::TestWithParam<int32_t> {};

TEST_P(StreamCase, LongStreamEvictedByBookkeepingMatchesTheReference) {
  // Sequence 0 streams with S = 3 sinks and a window of 13 (blocks of 4, so the sinks leave a
  // gap in their block and recent_offset cycles through every value); sequence 1 is a plain
  // sequence in the same batch. 400 tokens, mostly decode, some 3-token steps. The reference
  // keeps each kept entry's pre-rope key and rotates it at its current index, as spec §5 says;
  // the stored keys never change, so the error at the end is that of any single step.
  const int32_t dtype = GetParam();
  constexpr int H = 4, KvH = 2, D = 16, bs = 4, S = 3, W = 13, kTokens = 400;
  const int32_t max_blocks = kTokens / bs + 4;
  int64_t handle = 0;
  ASSERT_EQ(lckv_pool_create(2, KvH, D, bs, 2 * max_blocks + 8, dtype, LCKV_DEVICE_CPU, &handle), LCKV_OK);
  std::shared_ptr<Pool> pool;
  ASSERT_TRUE(find_pool(handle, &pool).ok());
  std::vector<int32_t> free(2 * max_blocks + 8);
  for (size_t i = 0; i < free.size(); ++i) free[i] = static_cast<int32_t>(i);
  std::shuffle(free.begin(), free.end(), std::mt19937(3));
  const std::vector<float> freq = inv_freq(D);

  StreamingBlocks streaming{bs, S, W};
  StreamingBlocks plain{bs, 0, 1L << 40};
  // Kept entries of each sequence for the reference: keys as the reference sees them (before
  // rope for the streaming one, rotated at insertion for the plain one) and values.
  std::vector<std::vector<float>> kept_k[2], kept_v[2];
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> uni(-1, 1);
  const double tolerance = dtype == LCKV_DTYPE_F32 ? 2e-5 : 3e-3;
  int steps = 0;
  for (int written = 0; written < kTokens; ++steps) {
    const int n = steps % 7 == 3 ? 3 : 1;
    written += n;
    for (int s = 0; s < 2; ++s) {
      StreamingBlocks& e = s == 0 ? streaming : plain;
      const int evicted = e.prepare(n, free);
      kept_k[s].erase(kept_k[s].begin() + e.sinks, kept_k[s].begin() + e.sinks + evicted);
      kept_v[s].erase(kept_v[s].begin() + e.sinks, kept_v[s].begin() + e.sinks + evicted);
    }
    std::vector<int32_t> table(2 * max_blocks, -1), lens = {streaming.length, plain.length};
    std::copy(streaming.blocks.begin(), streaming.blocks.end(), table.begin());
    std::copy(plain.blocks.begin(), plain.blocks.end(), table.begin() + max_blocks);
    const std::vector<int32_t> sinks = {S, 0}, offsets = {streaming.recent_offset, 0}, rope_at_read = {1, 0};

    // This step's tokens: the graph's q, its keys rotated at their kept index, values.
    std::vector<float> q(2 * n * H * D), k(2 * n * KvH * D), v(k.size());
    std::vector<std::vector<float>> pre(2 * n);
    for (float& x : q) x = uni(rng);
    for (float& x : v) x = uni(rng);
    for (int s = 0; s < 2; ++s) {
      for (int t = 0; t < n; ++t) {
        std::vector<float>& x = pre[s * n + t];
        for (int c = 0; c < KvH * D; ++c) x.push_back(uni(rng));
        for (int g = 0; g < KvH; ++g) {
          const std::vector<float> r =
              rope(std::vector<float>(x.begin() + g * D, x.begin() + (g + 1) * D), freq, D, lens[s] + t);
          std::copy(r.begin(), r.end(), k.begin() + ((s * n + t) * KvH + g) * D);
        }
      }
    }
    const int positions = streaming.length + n;
    const std::shared_ptr<const RopeRows> rows = rope_table(freq)->covering(positions);

    AttentionProblem a;
    a.B = 2;
    a.n = n;
    a.H = H;
    a.KvH = KvH;
    a.D = D;
    a.max_blocks = max_blocks;
    a.kv_layer = 1;
    a.q = q.data();
    a.k_work = k.data();
    a.v_work = v.data();
    a.block_table = table.data();
    a.cache_lens = lens.data();
    a.layout.sinks = sinks.data();
    a.layout.recent_offset = offsets.data();
    a.layout.rope_at_read = rope_at_read.data();
    a.layout.rope = rows->data();
    a.layout.rope_half = D / 2;
    a.layout.rope_positions = positions;
    std::vector<float> out(q.size());
    a.out = out.data();
    ASSERT_TRUE(attention_cpu(pool->view(), a, Parallel{}).ok());

    for (int s = 0; s < 2; ++s) {
      for (int t = 0; t < n; ++t) {
        std::vector<std::vector<double>> keys, values;
        for (size_t j = 0; j < kept_k[s].size(); ++j) {
          std::vector<double> key;
          for (int g = 0; g < KvH; ++g) {
            const std::vector<double> r =
                s == 0 ? rope_exact(kept_k[s][j].data() + g * D, D, freq, static_cast<int64_t>(j))
                       : std::vector<double>(kept_k[s][j].begin() + g * D, kept_k[s][j].begin() + (g + 1) * D);
            key.insert(key.end(), r.begin(), r.end());
          }
          keys.push_back(key);
          values.emplace_back(kept_v[s][j].begin(), kept_v[s][j].end());
        }
        for (int u = 0; u <= t; ++u) {  // this step's keys up to the row's own
          const float* kr = &k[(s * n + u) * KvH * D];
          const float* vr = &v[(s * n + u) * KvH * D];
          keys.emplace_back(kr, kr + KvH * D);
          values.emplace_back(vr, vr + KvH * D);
        }
        const std::vector<double> want = attend(&q[(s * n + t) * H * D], H, KvH, D, keys, values);
        for (int e = 0; e < H * D; ++e)
          ASSERT_NEAR(out[(s * n + t) * H * D + e], want[e], tolerance)
              << "step " << steps << " sequence " << s << " row " << t << " kept " << kept_k[s].size();
      }
    }

    CommitProblem c;
    c.B = 2;
    c.n = n;
    c.KvH = KvH;
    c.D = D;
    c.max_blocks = max_blocks;
    c.kv_layer = 1;
    c.k_work = k.data();
    c.v_work = v.data();
    c.block_table = table.data();
    c.cache_lens = lens.data();
    c.layout = a.layout;
    commit_cpu(pool->view(), c);
    for (int s = 0; s < 2; ++s) {
      StreamingBlocks& e = s == 0 ? streaming : plain;
      e.length += n;
      for (int t = 0; t < n; ++t) {
        // What the pool holds, rounded as the pool rounds it.
        std::vector<float> key = s == 0 ? pre[s * n + t]
                                        : std::vector<float>(&k[(s * n + t) * KvH * D], &k[(s * n + t + 1) * KvH * D]);
        std::vector<float> value(&v[(s * n + t) * KvH * D], &v[(s * n + t + 1) * KvH * D]);
        for (float& x : key) x = round_to(dtype, x);
        for (float& x : value) x = round_to(dtype, x);
        kept_k[s].push_back(key);
        kept_v[s].push_back(value);
      }
    }
    ASSERT_LE(streaming.length, W);
    ASSERT_LE(static_cast<int>(streaming.blocks.size()), (S + bs - 1) / bs + (bs - 1 + W - S + bs - 1) / bs);
  }
  EXPECT_EQ(streaming.length, W);
  pool.reset();
  lckv_pool_destroy(handle);
}

INSTANTIATE_TEST_SUITE_P(Cpu, StreamCase, ::testing::Values(LCKV_DTYPE_F32, LCKV_DTYPE_F16, LCKV_DTYPE_BF16),
                         [](const ::testing::TestParamInfo<int32_t>& info) {
                           return std::string(info.param == LCKV_DTYPE_F32   ? "F32"
                                              : info.param == LCKV_DTYPE_F16 ? "F16"
                                                                             : "BF16");
                         });

}  // namespace
}  // namespace lckv::test
