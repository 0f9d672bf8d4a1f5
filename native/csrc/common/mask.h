#pragma once
// Which key positions a query at position p sees (native/README.md section 3.1). One definition
// for every kernel, so CPU, CUDA and the tests' reference cannot drift apart silently.
//
// Positions are entry indices (for a StreamingLLM sequence: indices within the kept cache). The
// sinks only decide where entries live (common/slot_map.h); they are no exception to a window,
// as in the reference and spec section 3.
#include "common/dtype.h"

namespace lckv {

struct MaskRule {
  int nodiag;  // 0 or 1
  int window;  // 0 = none
};

LCKV_HD bool key_visible(const MaskRule& m, int p, int j) {
  return j <= p - m.nodiag && (m.window == 0 || j > p - m.window);
}

LCKV_HD int imax(int a, int b) { return a > b ? a : b; }
LCKV_HD int imin(int a, int b) { return a < b ? a : b; }

// The first position a query at p may see: 0, or the start of its window.
LCKV_HD int window_start(const MaskRule& m, int p) { return m.window == 0 ? 0 : imax(0, p - m.window + 1); }

// The visible keys of [begin, end) as one range [first, last) (empty when first == last), so
// loops never test keys one by one.
struct VisibleRange {
  int first, last;
};

LCKV_HD VisibleRange visible_range(const MaskRule& m, int p, int begin, int end) {
  const int first = imax(begin, window_start(m, p));
  return VisibleRange{first, imax(first, imin(end, p - m.nodiag + 1))};
}

}  // namespace lckv
