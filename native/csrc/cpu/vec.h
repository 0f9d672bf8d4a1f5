#pragma once
// Inner loops that vectorise without -ffast-math: dot products and weighted sums on explicit
// GCC vector types (the partial sums are ours, so no reassociation is asked of the compiler),
// and exp as a branch-free polynomial instead of a libm call per key. Everything is
// always_inline and generic over the vector type V, so a caller compiled for AVX2 (a
// target("avx2,fma") function) gets 8-wide FMA code and a baseline caller SSE2/NEON code,
// with no separately compiled ISA variants that could clash at link time.
#include <cstdint>
#include <cstring>

#define LCKV_INLINE inline __attribute__((always_inline))

namespace lckv {

typedef float f4 __attribute__((vector_size(16)));
typedef float f8 __attribute__((vector_size(32)));

template <typename V>
constexpr int kLanes = static_cast<int>(sizeof(V) / sizeof(float));

template <typename V>
LCKV_INLINE V vload(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V>
LCKV_INLINE void vstore(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

template <typename V>
LCKV_INLINE float dot(const float* a, const float* b, int n) {
  constexpr int L = kLanes<V>;
  V s0 = {}, s1 = {};
  int d = 0;
  for (; d + 2 * L <= n; d += 2 * L) {
    s0 += vload<V>(a + d) * vload<V>(b + d);
    s1 += vload<V>(a + d + L) * vload<V>(b + d + L);
  }
  const V s = s0 + s1;
  float sum = 0.0f;
  for (int l = 0; l < L; ++l) sum += s[l];
  for (; d < n; ++d) sum += a[d] * b[d];
  return sum;
}

// acc[0 .. n) += sum over e < count of w[e] * rows[e * stride + (0 .. n)]. The accumulator
// stays in registers across the rows, one slice of two vectors at a time.
template <typename V>
LCKV_INLINE void weighted_sum(float* acc, const float* w, const float* rows, int64_t stride,
                              int count, int n) {
  constexpr int L = kLanes<V>;
  int d = 0;
  for (; d + 2 * L <= n; d += 2 * L) {
    V a0 = vload<V>(acc + d), a1 = vload<V>(acc + d + L);
    for (int e = 0; e < count; ++e) {
      const float* row = rows + e * stride + d;
      a0 += w[e] * vload<V>(row);
      a1 += w[e] * vload<V>(row + L);
    }
    vstore<V>(acc + d, a0);
    vstore<V>(acc + d + L, a1);
  }
  for (; d < n; ++d) {
    float a = acc[d];
    for (int e = 0; e < count; ++e) a += w[e] * rows[e * stride + d];
    acc[d] = a;
  }
}

// Rope (common/rope.h) of `count` key rows of `dim` floats, row e at src + e*dim into dst + e*dim
// (dst may be src), by the cos/sin row rope + e*2*half; dims from 2*half on are copied.
template <typename V>
LCKV_INLINE void rotate_rows(const float* src, float* dst, int count, int dim, const float* rope,
                             int half) {
  constexpr int L = kLanes<V>;
  for (int e = 0; e < count; ++e) {
    const float* x = src + static_cast<int64_t>(e) * dim;
    float* y = dst + static_cast<int64_t>(e) * dim;
    const float* cs = rope + static_cast<int64_t>(e) * 2 * half;
    const float* sn = cs + half;
    int c = 0;
    for (; c + L <= half; c += L) {
      const V x1 = vload<V>(x + c), x2 = vload<V>(x + half + c);
      const V co = vload<V>(cs + c), si = vload<V>(sn + c);
      vstore<V>(y + c, x1 * co - x2 * si);
      vstore<V>(y + half + c, x2 * co + x1 * si);
    }
    for (; c < half; ++c) {
      const float x1 = x[c], x2 = x[half + c];
      y[c] = x1 * cs[c] - x2 * sn[c];
      y[half + c] = x2 * cs[c] + x1 * sn[c];
    }
    if (y != x) {
      for (int d = 2 * half; d < dim; ++d) y[d] = x[d];
    }
  }
}

// exp(x) within 2 ulp for x >= -87.3 (exactly 0 below, NaN stays NaN): 2^k * p(r) with
// k = round(x / ln 2) and |r| <= ln2 / 2, p a degree-7 Taylor polynomial. Callers pass x <= 0
// (scores minus their running max), so overflow never arises.
LCKV_INLINE float exp_nonpositive(float x) {
  const bool is_nan = x != x;
  const bool tiny = x < -87.3f;
  const float c = (is_nan || tiny) ? 0.0f : x;
  // Adding and removing 1.5 * 2^23 rounds to the nearest integer in plain float arithmetic.
  const float k = (c * 1.44269504f + 12582912.0f) - 12582912.0f;
  const float r = (c - k * 0.693145752f) - k * 1.42860677e-6f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(k) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  const float result = p * scale;
  return is_nan ? x : (tiny ? 0.0f : result);
}

}  // namespace lckv
