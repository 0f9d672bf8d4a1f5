#pragma once
// An independent, deliberately naive attention in double precision, straight from the spec's
// wording (shared/spec/lckv-model.md §3-5), and a harness that lays a test's cache out in a pool.
#include <cstdint>
#include <random>
#include <vector>

#include "lckv_pool.h"
#include "ops/problem.h"
#include "pool/pool.h"

namespace lckv::test {

// One test scenario. Committed caches are kept here in float32 as the test wrote them; the pool
// gets the same values (rounded to its dtype).
struct Scenario {
  int B = 1, n = 1, H = 4, KvH = 2, D = 16, block_size = 4;
  bool per_head_lens = false;
  std::vector<int> lens;   // [B] or [B, KvH]
  std::vector<int> sinks;  // [B] or empty
  int nodiag = 0, window = 0;
  int32_t dtype = LCKV_DTYPE_F32;
  int extra_blocks = 3;  // spare pool blocks, so ids are not simply 0..k

  int Lh() const { return per_head_lens ? KvH : 1; }
  int len(int b, int g) const { return lens[b * Lh() + (per_head_lens ? g : 0)]; }
};

// Random inputs, a pool holding the committed caches through a shuffled block table, and the
// problem pointing at all of it.
struct Fixture {
  Scenario sc;
  std::vector<float> q, k_work, v_work, out;
  std::vector<std::vector<float>> cache_k, cache_v;  // [b*KvH+g] -> [slot*D + d], pool-rounded
  std::vector<int32_t> table, lens, sinks;
  std::vector<int32_t> free_ids;  // pool blocks no table row uses
  int max_blocks = 0;
  int64_t handle = 0;
  std::shared_ptr<Pool> pool;

  explicit Fixture(const Scenario& s, uint32_t seed = 1);
  ~Fixture();
  AttentionProblem problem();
};

// out[b, i, h*D + d] in double, from q / k_work / v_work / cache_k / cache_v of the fixture.
std::vector<double> reference_attention(const Fixture& f);

float round_to(int32_t dtype, float x);

// HF rope (rotate-half) of one head vector at `pos`, angles and cos/sin in float32 as HF does.
std::vector<float> rope(const std::vector<float>& x, const std::vector<float>& inv_freq,
                        int rotary_dim, int64_t pos);

}  // namespace lckv::test
