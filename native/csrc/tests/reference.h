#pragma once
// An independent, deliberately naive attention in double precision, straight from the spec's
// wording (shared/spec/lckv-model.md §3-5), and a harness that lays a test's cache out in a pool.
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "cpu/rope_table.h"
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
  // StreamingLLM layout (README section 2): slot offset of entry S per sequence, and which
  // sequences keep their keys without rope (rotated at their kept index when read).
  std::vector<int> recent_offsets;  // [B] or empty
  std::vector<int> rope_at_read;    // [B] or empty
  int rotary_dim = 0;               // rope on the first rotary_dim dims; 0: no rope attributes
  float rope_theta = 10000.0f;
  int room = 0;  // the tables also hold blocks for this many entries past each length

  int Lh() const { return per_head_lens ? KvH : 1; }
  int len(int b, int g) const { return lens[b * Lh() + (per_head_lens ? g : 0)]; }
  int sink(int b) const { return sinks.empty() ? 0 : sinks[b]; }
  int offset(int b) const { return recent_offsets.empty() ? 0 : recent_offsets[b]; }
  bool rotates(int b) const { return !rope_at_read.empty() && rope_at_read[b] != 0; }
  // README section 2, written out again rather than taken from common/slot_map.h.
  int slot(int b, int entry) const {
    if (entry < sink(b)) return entry;
    return (sink(b) + block_size - 1) / block_size * block_size + offset(b) + entry - sink(b);
  }
};

// HF inv_freq in float32 for a rotary_dim and theta.
std::vector<float> inv_freq(int rotary_dim, float theta = 10000.0f);

// Random inputs, a pool holding the committed caches through a shuffled block table laid out by
// the scenario's slot mapping, and the problem pointing at all of it. Every pool slot the mapping
// does not use holds NaN, so a kernel that reads one fails loudly.
struct Fixture {
  Scenario sc;
  std::vector<float> q, k_work, v_work, out;
  // [b*KvH+g] -> [entry*D + d], pool-rounded; for a rope-at-read sequence the keys as stored,
  // i.e. without rope.
  std::vector<std::vector<float>> cache_k, cache_v;
  std::vector<int32_t> table, lens, sinks, offsets, rope_flags;
  std::vector<int32_t> free_ids;  // pool blocks no table row uses
  std::vector<float> freq;        // rope_inv_freq when sc.rotary_dim > 0
  int max_blocks = 0;
  int64_t handle = 0;
  std::shared_ptr<Pool> pool;
  std::shared_ptr<const RopeRows> rope_rows;

  explicit Fixture(const Scenario& s, uint32_t seed = 1);
  ~Fixture();
  AttentionProblem problem();
  // The layout inputs with rope rows for indices below `positions` when a sequence rotates.
  SequenceLayout layout(int positions);
};

// out[b, i, h*D + d] in double, from q / k_work / v_work / cache_k / cache_v of the fixture.
// Committed keys of rope-at-read sequences are rotated at their entry index first.
std::vector<double> reference_attention(const Fixture& f);

float round_to(int32_t dtype, float x);

// HF rope (rotate-half) of one head vector at `pos`, angles and cos/sin in float32 as HF does.
std::vector<float> rope(const std::vector<float>& x, const std::vector<float>& inv_freq,
                        int rotary_dim, int64_t pos);

// The same rotation with float32 angles but cos/sin and arithmetic in double: the reference's
// view of a key rotated at its kept index.
std::vector<double> rope_exact(const float* x, int dim, const std::vector<float>& inv_freq,
                               int64_t pos);

// One sequence's blocks as the engine keeps them (engine/.../kv/SequenceBlocks.java): sinks in
// blocks of their own, and eviction drops front blocks of the recent region and bumps
// recent_offset, with no data moved.
struct StreamingBlocks {
  int bs, sinks;
  long window;
  std::vector<int32_t> blocks = {};
  int length = 0, recent_offset = 0;

  // Evicts what `n` new entries need, frees emptied blocks into `free` and takes blocks from it
  // for the new entries; returns how many entries were evicted (from index `sinks` on).
  int prepare(int n, std::vector<int32_t>& free);
};

// Softmax attention in double of one query row [H*D] over rows of keys and values
// ([KvH*D] each), all visible.
std::vector<double> attend(const float* q, int H, int KvH, int D, const std::vector<std::vector<double>>& keys,
                           const std::vector<std::vector<double>>& values);

}  // namespace lckv::test
