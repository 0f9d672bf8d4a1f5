#pragma once
// Inner loops written so GCC vectorises them without -ffast-math: the dot product keeps eight
// independent partial sums (no reassociation needed), the rest are element-wise.
namespace lckv {

inline float dot(const float* a, const float* b, int n) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int d = 0;
  for (; d + 8 <= n; d += 8) {
    for (int l = 0; l < 8; ++l) lane[l] += a[d + l] * b[d + l];
  }
  float sum = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
  for (; d < n; ++d) sum += a[d] * b[d];
  return sum;
}

inline void axpy(float* y, float a, const float* x, int n) {
  for (int d = 0; d < n; ++d) y[d] += a * x[d];
}

inline void scale(float* y, float a, int n) {
  for (int d = 0; d < n; ++d) y[d] *= a;
}

}  // namespace lckv
