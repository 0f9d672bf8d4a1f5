#pragma once
// Block-table checks shared by the ops and the pool C API: a slot range may only be touched
// through valid block ids, and never past the table's capacity.
#include <cstdint>

#include "common/status.h"
#include "pool/pool.h"

namespace lckv {

// Checks that slots [begin, end) of one sequence lie within table[0 .. table_len) and that every
// block they touch is a block of the pool. `what` names the table in messages.
inline Status check_slot_range(const PoolConfig& c, const int32_t* table, int64_t table_len,
                               int64_t begin, int64_t end, const char* what) {
  if (end <= begin) return Status();
  if (end > table_len * c.block_size)
    return invalid(what, " holds ", table_len, " blocks of ", c.block_size,
                   " slots, fewer than the ", end, " slots needed");
  for (int64_t t = begin / c.block_size; t <= (end - 1) / c.block_size; ++t) {
    const int32_t id = table[t];
    if (id < 0 || id >= c.num_blocks)
      return invalid(what, " entry ", t, " = ", id, " is not a block of the pool (num_blocks ",
                     c.num_blocks, ")");
  }
  return Status();
}

}  // namespace lckv
