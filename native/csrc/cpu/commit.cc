#include "cpu/commit.h"

#include <vector>

#include "common/rope.h"
#include "common/slot_map.h"

namespace lckv {
namespace {

thread_local std::vector<float> t_unrotated;  // one key row, reused across calls

template <typename S>
void commit_rows(const PoolView& pool, const CommitProblem& p) {
  const int bs = pool.config.block_size, D = p.D, half = p.layout.rope_half;
  auto* base = static_cast<typename S::type*>(pool.data);
  std::vector<float>& unrotated = t_unrotated;
  unrotated.resize(D);
  for (int b = 0; b < p.B; ++b) {
    const int32_t* table = p.block_table + static_cast<int64_t>(b) * p.max_blocks;
    const SlotMap slots = p.layout.slots(b, bs);
    const bool rope = p.layout.rotates(b);
    for (int k = 0; k < p.n; ++k) {
      for (int g = 0; g < p.KvH; ++g) {
        const int entry = p.len(b, g) + k;
        const int slot = slots.slot(entry);
        const int64_t offset = (slot % bs) * static_cast<int64_t>(D);
        const int64_t src = ((static_cast<int64_t>(b) * p.n + k) * p.KvH + g) * D;
        auto* kd = base + pool.tile(p.kv_layer, table[slot / bs], 0, g) + offset;
        auto* vd = base + pool.tile(p.kv_layer, table[slot / bs], 1, g) + offset;
        const float* key = p.k_work + src;
        if (rope) {
          // The graph rotated this key at its position, which is its entry index.
          for (int d = 2 * half; d < D; ++d) unrotated[d] = key[d];
          rope_unrotate(key, unrotated.data(), p.layout.rope + static_cast<int64_t>(entry) * 2 * half, half);
          key = unrotated.data();
        }
        for (int d = 0; d < D; ++d) kd[d] = S::store(key[d]);
        for (int d = 0; d < D; ++d) vd[d] = S::store(p.v_work[src + d]);
      }
    }
  }
}

}  // namespace

void commit_cpu(const PoolView& pool, const CommitProblem& p) {
  switch (pool.config.dtype) {
    case Dtype::F32: commit_rows<F32Storage>(pool, p); break;
    case Dtype::F16: commit_rows<F16Storage>(pool, p); break;
    case Dtype::BF16: commit_rows<BF16Storage>(pool, p); break;
  }
  if (p.new_lens != nullptr) {
    for (int64_t e = 0; e < static_cast<int64_t>(p.B) * p.Lh; ++e) p.new_lens[e] = p.cache_lens[e] + p.n;
  }
}

}  // namespace lckv
