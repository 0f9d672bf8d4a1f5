#pragma once
// Storage element types of the pool and their conversions to and from float32. Written by hand
// (integer bit operations) so host code needs no F16C and device code can share them; the
// float->half/bf16 direction rounds to nearest even, NaN stays NaN, overflow becomes Inf.
#include <cstdint>
#include <cstring>

#include "lckv_pool.h"

#if defined(__CUDACC__)
#define LCKV_HD __host__ __device__ __forceinline__
#else
#define LCKV_HD inline
#endif

namespace lckv {

enum class Dtype : int32_t { F32 = LCKV_DTYPE_F32, F16 = LCKV_DTYPE_F16, BF16 = LCKV_DTYPE_BF16 };

inline bool valid_dtype(int32_t d) { return d >= LCKV_DTYPE_F32 && d <= LCKV_DTYPE_BF16; }
inline int dtype_size(Dtype d) { return d == Dtype::F32 ? 4 : 2; }
inline const char* dtype_name(Dtype d) {
  return d == Dtype::F32 ? "float32" : d == Dtype::F16 ? "float16" : "bfloat16";
}

LCKV_HD float bits_to_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
LCKV_HD uint32_t float_to_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

// Scaling the shifted exponent/mantissa by 2^112 rebiases normals and renormalises subnormals
// in one multiply; only Inf/NaN need their exponent forced.
LCKV_HD float half_to_float(uint16_t h) {
  const uint32_t magnitude = static_cast<uint32_t>(h & 0x7fffu) << 13;
  uint32_t bits = float_to_bits(bits_to_float(magnitude) * 0x1p112f);
  if ((h & 0x7c00u) == 0x7c00u) bits = 0x7f800000u | magnitude;
  return bits_to_float(bits | (static_cast<uint32_t>(h & 0x8000u) << 16));
}

LCKV_HD uint16_t float_to_half(float f) {
  uint32_t x = float_to_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x >= 0x47800000u) {  // >= 65536 (or Inf/NaN): no finite half
    return sign | (x > 0x7f800000u ? 0x7e00u : 0x7c00u);
  }
  if (x < 0x38800000u) {  // half subnormal: adding 0.5 makes the FPU round at 2^-24 granularity
    const float shifted = bits_to_float(x) + 0.5f;
    return sign | static_cast<uint16_t>(float_to_bits(shifted) - 0x3f000000u);
  }
  const uint32_t odd = (x >> 13) & 1u;
  x += 0xc8000fffu + odd;  // rebias 127 -> 15 and round half to even
  return sign | static_cast<uint16_t>(x >> 13);
}

LCKV_HD float bf16_to_float(uint16_t h) { return bits_to_float(static_cast<uint32_t>(h) << 16); }

LCKV_HD uint16_t float_to_bf16(float f) {
  const uint32_t x = float_to_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// Storage tags: the kernels are templates over these so each dtype gets its own inner loops.
struct F32Storage {
  using type = float;
  static LCKV_HD float load(float v) { return v; }
  static LCKV_HD float store(float v) { return v; }
};
struct F16Storage {
  using type = uint16_t;
  static LCKV_HD float load(uint16_t v) { return half_to_float(v); }
  static LCKV_HD uint16_t store(float v) { return float_to_half(v); }
};
struct BF16Storage {
  using type = uint16_t;
  static LCKV_HD float load(uint16_t v) { return bf16_to_float(v); }
  static LCKV_HD uint16_t store(float v) { return float_to_bf16(v); }
};

}  // namespace lckv
