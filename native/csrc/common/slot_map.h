#pragma once
// Where a kept cache entry lives in its sequence's slot space (README section 2). StreamingLLM
// sinks get whole blocks of their own and the recent entries start `recent_offset` slots into
// the block after them, so evicting the oldest recent entries only ever empties front blocks of
// the recent region, which the engine frees without moving anything. One definition for the
// checks, every kernel and the tests' reference.
#include "common/dtype.h"

namespace lckv {

struct SlotMap {
  int sinks;        // S: entries below keep their own index as slot
  int recent_base;  // slot of entry S: ceil(S / bs) * bs + recent_offset

  LCKV_HD int slot(int entry) const { return entry < sinks ? entry : recent_base + (entry - sinks); }
};

// No intermediate exceeds the result, so a base the checks found to fit int32 never overflows.
LCKV_HD SlotMap slot_map(int sinks, int recent_offset, int block_size) {
  return SlotMap{sinks, (sinks / block_size + (sinks % block_size != 0)) * block_size + recent_offset};
}

}  // namespace lckv
