#include "cpu/attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <type_traits>
#include <vector>

#include "common/mask.h"
#include "common/slot_map.h"
#include "cpu/isa.h"
#include "cpu/vec.h"
#include "cpu/widen.h"

namespace lckv {
namespace {

// Query rows that share one pass over the keys; a pool block converted to float is reused by
// all of them (and by every query head of the KV head).
constexpr int kRowTile = 16;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Per-thread buffers, grown on demand and kept, so steady-state calls allocate nothing.
struct Scratch {
  std::vector<float> acc, max, sum, scores, keys, values;
};
thread_local Scratch t_scratch;

// One query row of one head against a run of keys (rows k / v, `stride` floats apart), with
// the visible keys given as one index range; updates the row's online-softmax state.
struct Fold {
  const float* q;
  const float* k;
  const float* v;
  int64_t stride;
  int dim;
  float scale;
  int first, last;  // the visible keys of the run
  float* scores;    // scratch, one per key of the run
  float* acc;       // [dim]
  float* max;
  float* sum;
};

template <typename V>
LCKV_INLINE void fold(const Fold& f) {
  float block_max = kNegInf;
  for (int e = f.first; e < f.last; ++e) {
    f.scores[e] = dot<V>(f.q, f.k + e * f.stride, f.dim) * f.scale;
    if (f.scores[e] > block_max) block_max = f.scores[e];
  }
  const float old_max = *f.max;
  const float new_max = old_max > block_max ? old_max : block_max;
  if (new_max != old_max) {
    // exp(-inf - -inf) would be NaN; a state with no key yet has nothing to rescale.
    const float correction = old_max == kNegInf ? 0.0f : exp_nonpositive(old_max - new_max);
    *f.sum *= correction;
    for (int d = 0; d < f.dim; ++d) f.acc[d] *= correction;
  }
  float added = 0.0f;
  for (int e = f.first; e < f.last; ++e) f.scores[e] = exp_nonpositive(f.scores[e] - new_max);
  for (int e = f.first; e < f.last; ++e) added += f.scores[e];
  weighted_sum<V>(f.acc, f.scores + f.first, f.v + f.first * f.stride, f.stride, f.last - f.first, f.dim);
  *f.sum += added;
  *f.max = new_max;
}

void fold_baseline(const Fold& f) { fold<f4>(f); }

#if defined(__x86_64__)
// The same code compiled for AVX2 + FMA, chosen at load time when the CPU has both. Results
// differ from the baseline only by rounding (FMA, summation width).
__attribute__((target("avx2,fma"))) void fold_avx2(const Fold& f) { fold<f8>(f); }
#endif

using FoldFn = void (*)(const Fold&);

FoldFn pick_fold() {
#if defined(__x86_64__)
  if (cpu_has_avx2()) return fold_avx2;
#endif
  return fold_baseline;
}

const FoldFn g_fold = pick_fold();

void rotate_baseline(const float* src, float* dst, int count, int dim, const float* rope, int half) {
  rotate_rows<f4>(src, dst, count, dim, rope, half);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void rotate_avx2(const float* src, float* dst, int count,
                                                     int dim, const float* rope, int half) {
  rotate_rows<f8>(src, dst, count, dim, rope, half);
}
#endif

using RotateFn = void (*)(const float*, float*, int, int, const float*, int);

RotateFn pick_rotate() {
#if defined(__x86_64__)
  if (cpu_has_avx2()) return rotate_avx2;
#endif
  return rotate_baseline;
}

const RotateFn g_rotate = pick_rotate();

// Visits the committed entries [e0, e1) of a sequence as pieces of consecutive slots inside one
// block: fn(first entry, its slot, count). Entries below S keep their index as slot and the rest
// follow from the recent base (common/slot_map.h), so there are two runs of consecutive slots.
template <typename Fn>
LCKV_INLINE void for_each_piece(const SlotMap& slots, int bs, int e0, int e1, Fn&& fn) {
  const int split = std::max(e0, std::min(e1, slots.sinks));
  const int runs[2][2] = {{e0, split}, {split, e1}};
  for (const auto& run : runs) {
    for (int start = run[0]; start < run[1];) {
      const int slot = slots.slot(start);
      const int count = std::min(bs - slot % bs, run[1] - start);
      fn(start, slot, count);
      start += count;
    }
  }
}

// The committed entries rows from position `first_row` on can see start at the first row's
// window start (sinks included: they are no exception to a window, common/mask.h); the entries
// before it are never read.
int committed_start(const AttentionProblem& p, int len, int first_row) {
  return std::min(len, window_start(MaskRule{p.nodiag, p.window}, first_row));
}

void widen_into(const float* src, float* dst, int count) { std::memcpy(dst, src, sizeof(float) * count); }
void widen_into(const uint16_t* src, float* dst, int count, bool half) {
  if (half) {
    widen_f16(src, dst, count);
  } else {
    widen_bf16(src, dst, count);
  }
}

// Online-softmax state of the query rows [i0, i1) of sequence b and the query heads
// h0 .. h0+heads-1 of KV head g.
template <typename S>
class Task {
 public:
  // `rotated`: this sequence and KV head's committed keys as float32, already rotated (the
  // split case's pre-pass), or null.
  Task(const PoolView& pool, const AttentionProblem& p, int b, int g, int h0, int heads, int i0,
       int i1, const float* rotated)
      : pool_(pool), p_(p), b_(b), g_(g), h0_(h0), i0_(i0), i1_(i1), r_(heads),
        len_(p.len(b, g)), mask_{p.nodiag, p.window},
        slots_(p.layout.slots(b, pool.config.block_size)), rope_(p.layout.rotates(b)),
        rotated_(rotated),
        scale_(1.0f / std::sqrt(static_cast<float>(p.D))), s_(t_scratch) {
    const int states = (i1 - i0) * r_;
    s_.acc.assign(static_cast<size_t>(states) * p.D, 0.0f);
    s_.max.assign(states, kNegInf);
    s_.sum.assign(states, 0.0f);
    s_.scores.resize(std::max(pool.config.block_size, p.n));
  }

  void run() {
    committed();
    const int64_t row = static_cast<int64_t>(p_.KvH) * p_.D;
    const float* k = p_.k_work + static_cast<int64_t>(b_) * p_.n * row + g_ * p_.D;
    const float* v = p_.v_work + static_cast<int64_t>(b_) * p_.n * row + g_ * p_.D;
    absorb(k, v, row, len_, p_.n);
    write_out();
  }

 private:
  void committed() {
    const int bs = pool_.config.block_size, D = p_.D;
    const int* table = p_.block_table + static_cast<int64_t>(b_) * p_.max_blocks;
    const auto* base = static_cast<const typename S::type*>(pool_.data);
    for_each_piece(slots_, bs, committed_start(p_, len_, len_ + i0_), len_, [&](int start, int slot, int count) {
      const int block = table[slot / bs];
      const int64_t at = static_cast<int64_t>(slot % bs) * D;
      const auto* kt = base + pool_.tile(p_.kv_layer, block, 0, g_) + at;
      const auto* vt = base + pool_.tile(p_.kv_layer, block, 1, g_) + at;
      absorb(keys(kt, count, start), as_float(vt, count * D, s_.values), D, start, count);
    });
  }

  // Committed keys at entries pos0 .. pos0+count-1 as float32; for a rope-at-read sequence
  // rotated at those indices, once per task for all its rows and query heads (or once per KV
  // head by the pre-pass).
  template <typename T>
  const float* keys(const T* kt, int count, int pos0) {
    const int D = p_.D, half = p_.layout.rope_half;
    if (rotated_ != nullptr) return rotated_ + static_cast<int64_t>(pos0) * D;
    const float* k = as_float(kt, count * D, s_.keys);
    if (!rope_) return k;
    s_.keys.resize(static_cast<size_t>(count) * D);
    g_rotate(k, s_.keys.data(), count, D, p_.layout.rope + static_cast<int64_t>(pos0) * 2 * half, half);
    return s_.keys.data();
  }

  static const float* as_float(const float* src, int, std::vector<float>&) { return src; }
  static const float* as_float(const uint16_t* src, int count, std::vector<float>& buf) {
    buf.resize(count);
    if (std::is_same<S, F16Storage>::value) {
      widen_f16(src, buf.data(), count);
    } else {
      widen_bf16(src, buf.data(), count);
    }
    return buf.data();
  }

  // Folds keys at positions pos0 .. pos0+count-1 (row e at k + e*stride) into every row's state.
  void absorb(const float* k, const float* v, int64_t stride, int pos0, int count) {
    const int D = p_.D;
    float* scores = s_.scores.data();
    for (int i = i0_; i < i1_; ++i) {
      const VisibleRange vr = visible_range(mask_, len_ + i, pos0, pos0 + count);
      if (vr.first == vr.last) continue;
      for (int hh = 0; hh < r_; ++hh) {
        const int h = h0_ + hh;
        const int state = (i - i0_) * r_ + hh;
        Fold f;
        f.q = p_.q + ((static_cast<int64_t>(b_) * p_.n + i) * p_.H + h) * D;
        f.k = k;
        f.v = v;
        f.stride = stride;
        f.dim = D;
        f.scale = scale_;
        f.first = vr.first - pos0;
        f.last = vr.last - pos0;
        f.scores = scores;
        f.acc = s_.acc.data() + static_cast<int64_t>(state) * D;
        f.max = &s_.max[state];
        f.sum = &s_.sum[state];
        g_fold(f);
      }
    }
  }

  void write_out() {
    const int D = p_.D;
    for (int i = i0_; i < i1_; ++i) {
      for (int hh = 0; hh < r_; ++hh) {
        const int state = (i - i0_) * r_ + hh;
        const int h = h0_ + hh;
        float* out = p_.out + ((static_cast<int64_t>(b_) * p_.n + i) * p_.H + h) * D;
        const float* acc = s_.acc.data() + static_cast<int64_t>(state) * D;
        const float sum = s_.sum[state];
        // sum is 0 exactly when no key was visible: the row's defined output is exact zero.
        for (int d = 0; d < D; ++d) out[d] = sum == 0.0f ? 0.0f : acc[d] / sum;
      }
    }
  }

  const PoolView& pool_;
  const AttentionProblem& p_;
  const int b_, g_, h0_, i0_, i1_, r_, len_;
  const MaskRule mask_;
  const SlotMap slots_;
  const bool rope_;
  const float* const rotated_;
  const float scale_;
  Scratch& s_;
};

// Tasks are (sequence, KV head, slice of its query heads, tile of rows). A KV head's query
// heads share one pass over its keys unless that leaves too few tasks to keep a thread pool
// busy (decode of a small batch): then they are split, trading key reuse for parallelism.
constexpr size_t kEnoughTasks = 64;

// The split case's pre-pass: when a KV head's query heads are spread over tasks, the committed
// keys of rope-at-read sequences are rotated once per KV head into `keys` (their visible entries;
// [b*KvH+g] starts at at[b*KvH+g], -1 for other sequences) instead of once per task. The split
// only happens while there are fewer than kEnoughTasks (sequence, KV head, row tile) triples, which
// bounds this buffer.
struct RotatedKeys {
  struct Unit {
    int b, g, e0, e1;
  };
  std::vector<Unit> units;
  std::vector<int64_t> at;
  std::vector<float> keys;
};
thread_local RotatedKeys t_rotated;  // the calling thread's, reused across calls

constexpr int kRotateUnit = 64;  // entries per pre-pass task

struct Job {
  const PoolView* pool;
  const AttentionProblem* p;
  int tiles;
  int slices;  // query-head slices per KV head
  const RotatedKeys* rotated = nullptr;
  std::atomic<bool> out_of_memory{false};
};

// Plans the pre-pass; false when no task would use it.
bool plan_rotation(const AttentionProblem& p, RotatedKeys* r) {
  r->units.clear();
  r->at.assign(static_cast<size_t>(p.B) * p.KvH, -1);
  int64_t floats = 0;
  for (int b = 0; b < p.B; ++b) {
    if (!p.layout.rotates(b)) continue;
    for (int g = 0; g < p.KvH; ++g) {
      const int len = p.len(b, g);
      r->at[b * p.KvH + g] = floats;
      floats += static_cast<int64_t>(len) * p.D;
      for (int e = committed_start(p, len, len); e < len; e += kRotateUnit)
        r->units.push_back({b, g, e, std::min(len, e + kRotateUnit)});
    }
  }
  if (r->units.empty()) return false;
  r->keys.resize(static_cast<size_t>(floats));
  return true;
}

template <typename S>
void rotate_unit(void* data, size_t index) {
  Job& job = *static_cast<Job*>(data);
  const AttentionProblem& p = *job.p;
  const PoolView& pool = *job.pool;
  const RotatedKeys& r = *job.rotated;
  const RotatedKeys::Unit& u = r.units[index];
  const int bs = pool.config.block_size, D = p.D, half = p.layout.rope_half;
  const int* table = p.block_table + static_cast<int64_t>(u.b) * p.max_blocks;
  const auto* base = static_cast<const typename S::type*>(pool.data);
  float* out = const_cast<float*>(r.keys.data()) + r.at[u.b * p.KvH + u.g];
  for_each_piece(p.layout.slots(u.b, bs), bs, u.e0, u.e1, [&](int start, int slot, int count) {
    const auto* kt = base + pool.tile(p.kv_layer, table[slot / bs], 0, u.g) + static_cast<int64_t>(slot % bs) * D;
    float* dst = out + static_cast<int64_t>(start) * D;
    if constexpr (std::is_same<S, F32Storage>::value) {
      widen_into(kt, dst, count * D);
    } else {
      widen_into(kt, dst, count * D, std::is_same<S, F16Storage>::value);
    }
    g_rotate(dst, dst, count, D, p.layout.rope + static_cast<int64_t>(start) * 2 * half, half);
  });
}

template <typename S>
void run_one(void* data, size_t index) {
  Job& job = *static_cast<Job*>(data);
  const AttentionProblem& p = *job.p;
  const int tile = static_cast<int>(index % job.tiles);
  const int slice = static_cast<int>(index / job.tiles % job.slices);
  const int bg = static_cast<int>(index / job.tiles / job.slices);
  const int group = p.H / p.KvH, g = bg % p.KvH;
  const int h0 = g * group + slice * group / job.slices;
  const int h1 = g * group + (slice + 1) * group / job.slices;
  const int i0 = tile * kRowTile;
  const float* rotated = nullptr;
  if (job.rotated != nullptr && job.rotated->at[bg] >= 0) rotated = job.rotated->keys.data() + job.rotated->at[bg];
  try {
    Task<S>(*job.pool, p, bg / p.KvH, g, h0, h1 - h0, i0, std::min(p.n, i0 + kRowTile), rotated).run();
  } catch (const std::bad_alloc&) {
    job.out_of_memory = true;
  }
}

template <typename S>
void run_all(Job& job, size_t total, const Parallel& parallel) {
  if (job.slices > 1 && plan_rotation(*job.p, &t_rotated)) {
    job.rotated = &t_rotated;
    parallel.for_each(t_rotated.units.size(), rotate_unit<S>, &job);
  }
  parallel.for_each(total, run_one<S>, &job);
}

}  // namespace

Status attention_cpu(const PoolView& pool, const AttentionProblem& p, const Parallel& parallel) {
  if (p.B == 0 || p.n == 0) return Status();
  Job job;
  job.pool = &pool;
  job.p = &p;
  job.tiles = (p.n + kRowTile - 1) / kRowTile;
  const size_t base = static_cast<size_t>(p.B) * p.KvH * job.tiles;
  const size_t group = static_cast<size_t>(p.H / p.KvH);
  job.slices = static_cast<int>(std::min(group, (kEnoughTasks + base - 1) / base));
  const size_t total = base * job.slices;
  try {
    switch (pool.config.dtype) {
      case Dtype::F32: run_all<F32Storage>(job, total, parallel); break;
      case Dtype::F16: run_all<F16Storage>(job, total, parallel); break;
      case Dtype::BF16: run_all<BF16Storage>(job, total, parallel); break;
    }
  } catch (const std::bad_alloc&) {
    job.out_of_memory = true;
  }
  if (job.out_of_memory)
    return Status(LCKV_ERR_OUT_OF_MEMORY, "out of host memory for attention scratch");
  return Status();
}

}  // namespace lckv
