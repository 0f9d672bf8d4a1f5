#pragma once
// One validated op call in plain terms (pointers + sizes), the form every kernel takes: the ORT
// adapters build it from tensors, the tests build it directly.
#include <cstddef>
#include <cstdint>

#include "common/slot_map.h"

namespace lckv {

// The per-sequence StreamingLLM inputs both ops share (README section 2); null = all zeros.
struct SequenceLayout {
  const int32_t* sinks = nullptr;          // [B]
  const int32_t* recent_offset = nullptr;  // [B]
  const int32_t* rope_at_read = nullptr;   // [B]
  // cos/sin rows (common/rope.h) of positions 0 .. rope_positions-1, set by the adapter when a
  // sequence asks for rope at read; rope_half = rotary_dim / 2.
  const float* rope = nullptr;
  int rope_half = 0;
  int rope_positions = 0;

  LCKV_HD int sink(int b) const { return sinks == nullptr ? 0 : sinks[b]; }
  LCKV_HD bool rotates(int b) const { return rope_at_read != nullptr && rope_at_read[b] != 0; }
  LCKV_HD SlotMap slots(int b, int block_size) const {
    return slot_map(sink(b), recent_offset == nullptr ? 0 : recent_offset[b], block_size);
  }
};

struct AttentionProblem {
  int B = 0, n = 0, H = 0, KvH = 0, D = 0;
  int Lh = 1;          // cache_lens columns: 1, or KvH for per-head lengths
  int max_blocks = 0;  // block_table columns
  int kv_layer = 0;
  int nodiag = 0;
  int window = 0;
  const float* q = nullptr;       // [B, n, H*D]
  const float* k_work = nullptr;  // [B, n, KvH*D]
  const float* v_work = nullptr;  // [B, n, KvH*D]
  const int32_t* block_table = nullptr;  // [B, max_blocks]
  const int32_t* cache_lens = nullptr;   // [B, Lh]
  SequenceLayout layout;
  float* out = nullptr;                  // [B, n, H*D]

  int len(int b, int g) const { return cache_lens[b * Lh + (Lh == 1 ? 0 : g)]; }
};

struct CommitProblem {
  int B = 0, n = 0, KvH = 0, D = 0, Lh = 1, max_blocks = 0, kv_layer = 0;
  const float* k_work = nullptr;  // [B, n, KvH*D]
  const float* v_work = nullptr;
  const int32_t* block_table = nullptr;
  const int32_t* cache_lens = nullptr;
  SequenceLayout layout;
  int32_t* new_lens = nullptr;  // [B, Lh], may be null

  int len(int b, int g) const { return cache_lens[b * Lh + (Lh == 1 ? 0 : g)]; }
};

// How a CPU kernel spreads independent tasks over threads: ORT's intra-op pool in the adapter,
// a serial loop or plain threads in the tests. `run == nullptr` means serial.
struct Parallel {
  void (*run)(void* self, size_t total, void (*fn)(void*, size_t), void* data) = nullptr;
  void* self = nullptr;

  void for_each(size_t total, void (*fn)(void*, size_t), void* data) const {
    if (run == nullptr) {
      for (size_t i = 0; i < total; ++i) fn(data, i);
    } else {
      run(self, total, fn, data);
    }
  }
};

}  // namespace lckv
