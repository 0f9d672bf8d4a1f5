#pragma once
// Rope at read time (README section 3): the pool holds a sequence's keys without rope, KvCommit
// takes the rotation off and Attention puts it back at each key's current kept index. Both use
// cos/sin rows of the float32 angles the graph forms (Cast(positions, float) * inv_freq), one
// row of 2 * half floats per position: the cos of the half angles, then their sin. Rotate-half
// pairs are (c, c + half), half = rotary_dim / 2; dims from rotary_dim on are never touched.
#include "common/dtype.h"

namespace lckv {

LCKV_HD float rope_angle(int position, float inv_freq) {
  return static_cast<float>(position) * inv_freq;
}

// x (row of a key) to its rope at the row's position, in place or into y.
LCKV_HD void rope_rotate(const float* x, float* y, const float* row, int half) {
  for (int c = 0; c < half; ++c) {
    const float x1 = x[c], x2 = x[c + half], cs = row[c], sn = row[half + c];
    y[c] = x1 * cs - x2 * sn;
    y[c + half] = x2 * cs + x1 * sn;
  }
}

// The inverse rotation: what KvCommit stores for a key the graph rotated at the row's position.
LCKV_HD void rope_unrotate(const float* x, float* y, const float* row, int half) {
  for (int c = 0; c < half; ++c) {
    const float x1 = x[c], x2 = x[c + half], cs = row[c], sn = row[half + c];
    y[c] = x1 * cs + x2 * sn;
    y[c + half] = x2 * cs - x1 * sn;
  }
}

}  // namespace lckv
