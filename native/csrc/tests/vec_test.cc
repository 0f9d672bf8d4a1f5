// The CPU inner loops: the polynomial exp against libm, the lane-split dot product.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "cpu/vec.h"

namespace lckv {
namespace {

TEST(Vec, ExpMatchesLibm) {
  for (float x = -87.0f; x <= 0.0f; x += 0.00731f) {
    const double want = std::exp(static_cast<double>(x));
    ASSERT_NEAR(exp_nonpositive(x) / want, 1.0, 3e-7) << x;
  }
  EXPECT_EQ(exp_nonpositive(0.0f), 1.0f);
  EXPECT_EQ(exp_nonpositive(-100.0f), 0.0f);
  EXPECT_EQ(exp_nonpositive(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_TRUE(std::isnan(exp_nonpositive(std::nanf(""))));
}

TEST(Vec, DotAllLengths) {
  for (int n = 0; n < 40; ++n) {
    std::vector<float> a(n), b(n);
    double want = 0;
    for (int i = 0; i < n; ++i) {
      a[i] = 0.25f * i - 3;
      b[i] = 1.0f / (i + 1);
      want += static_cast<double>(a[i]) * b[i];
    }
    ASSERT_NEAR(dot<f4>(a.data(), b.data(), n), want, 1e-5) << n;
    ASSERT_NEAR(dot<f8>(a.data(), b.data(), n), want, 1e-5) << n;
  }
}

}  // namespace
}  // namespace lckv
