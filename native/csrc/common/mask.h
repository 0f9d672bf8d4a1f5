#pragma once
// Which key positions a query at position p sees (native/README.md section 3.1). One definition
// for every kernel, so CPU, CUDA and the tests' reference cannot drift apart silently.
#include "common/dtype.h"

namespace lckv {

struct MaskRule {
  int nodiag;  // 0 or 1
  int window;  // 0 = none
  int sinks;   // positions below stay visible outside the window
};

LCKV_HD bool key_visible(const MaskRule& m, int p, int j) {
  return j <= p - m.nodiag && (m.window == 0 || j > p - m.window || j < m.sinks);
}

// The visible keys of [begin, end) as two disjoint ranges [a0, a1) and [b0, b1) (either may be
// empty): the sink prefix and the window, so loops never test keys one by one.
struct VisibleRanges {
  int a0, a1, b0, b1;
};

LCKV_HD int imax(int a, int b) { return a > b ? a : b; }
LCKV_HD int imin(int a, int b) { return a < b ? a : b; }

LCKV_HD VisibleRanges visible_ranges(const MaskRule& m, int p, int begin, int end) {
  const int upper = imin(end, p - m.nodiag + 1);
  VisibleRanges r{begin, begin, begin, begin};
  if (m.window == 0) {
    r.b0 = begin;
    r.b1 = imax(begin, upper);
    return r;
  }
  r.a1 = imax(begin, imin(upper, m.sinks));
  r.b0 = imax(imax(begin, p - m.window + 1), r.a1);
  r.b1 = imax(r.b0, upper);
  return r;
}

}  // namespace lckv
