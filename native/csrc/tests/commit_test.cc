// KvCommit on the CPU: writes land in the right slots of the right blocks and layer, attention
// reads them back.
#include <gtest/gtest.h>

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
    p.new_lens = new_lens.data();
    return p;
  }
};

// Lengths are chosen so the fixture's table has room for n more slots in every row.
Scenario commit_scenario(int32_t dtype, bool per_head) {
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
  s.extra_blocks = 8;
  return s;
}

void extend_tables(Fixture& f, const Scenario& s) {
  // Give every row enough fresh blocks for len + n slots.
  for (int b = 0; b < s.B; ++b) {
    int need = 0;
    for (int g = 0; g < s.KvH; ++g) need = std::max(need, s.len(b, g) + s.n);
    for (int t = 0; t < (need + s.block_size - 1) / s.block_size; ++t) {
      int32_t& id = f.table[b * f.max_blocks + t];
      if (id < 0) {
        id = f.free_ids.back();
        f.free_ids.pop_back();
      }
    }
  }
}

class CommitCase : public ::testing::TestWithParam<std::tuple<int32_t, bool>> {};

TEST_P(CommitCase, ReadBackGivesWhatWasWritten) {
  const auto [dtype, per_head] = GetParam();
  Scenario s = commit_scenario(dtype, per_head);
  CommitFixture c(s);
  // The table has one spare column; two more new slots may need it, so widen the table.
  Fixture& f = c.f;
  std::vector<int32_t> wide;
  const int width = f.max_blocks + 2;
  for (int b = 0; b < s.B; ++b) {
    for (int t = 0; t < width; ++t) wide.push_back(t < f.max_blocks ? f.table[b * f.max_blocks + t] : -1);
  }
  f.table = wide;
  f.max_blocks = width;
  extend_tables(f, s);
  commit_cpu(f.pool->view(), c.problem());

  for (size_t e = 0; e < c.new_lens.size(); ++e) EXPECT_EQ(c.new_lens[e], f.lens[e] + s.n);
  for (int b = 0; b < s.B; ++b) {
    for (int g = 0; g < s.KvH; ++g) {
      const int len = s.len(b, g);
      std::vector<float> k(static_cast<size_t>(len + s.n) * s.KvH * s.D), v(k.size());
      read_slots(f.pool->view(), 1, &f.table[b * f.max_blocks], 0, len + s.n, k.data(), v.data());
      for (int j = 0; j < len + s.n; ++j) {
        for (int d = 0; d < s.D; ++d) {
          const size_t got = (static_cast<size_t>(j) * s.KvH + g) * s.D + d;
          float want_k, want_v;
          if (j < len) {  // committed slots are untouched
            want_k = f.cache_k[b * s.KvH + g][j * s.D + d];
            want_v = f.cache_v[b * s.KvH + g][j * s.D + d];
          } else {
            const size_t src = ((static_cast<size_t>(b) * s.n + (j - len)) * s.KvH + g) * s.D + d;
            want_k = round_to(dtype, f.k_work[src]);
            want_v = round_to(dtype, f.v_work[src]);
          }
          ASSERT_EQ(k[got], want_k) << "b " << b << " g " << g << " slot " << j;
          ASSERT_EQ(v[got], want_v) << "b " << b << " g " << g << " slot " << j;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cpu, CommitCase,
                         ::testing::Combine(::testing::Values(LCKV_DTYPE_F32, LCKV_DTYPE_F16,
                                                              LCKV_DTYPE_BF16),
                                            ::testing::Bool()));

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

}  // namespace
}  // namespace lckv::test
