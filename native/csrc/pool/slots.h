#pragma once
// Host implementations of the pool's C functions that move slots (README section 4). They work
// on a PoolView, so a CUDA pool runs them on a host copy of the blocks concerned.
#include <cstdint>

#include "pool/pool.h"

namespace lckv {

// k, v: float32 [count, KvH, D]. Tables are assumed checked (check_slot_range).
void write_slots(const PoolView& pool, int layer, const int32_t* table, int64_t start,
                 int64_t count, const float* k, const float* v);
void read_slots(const PoolView& pool, int layer, const int32_t* table, int64_t start,
                int64_t count, float* k, float* v);

}  // namespace lckv
