#include "cpu/widen.h"

#include <cstdlib>

#include "common/dtype.h"
#include "cpu/isa.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace lckv {
namespace {

using WidenFn = void (*)(const uint16_t*, float*, int);

void f16_baseline(const uint16_t* src, float* dst, int count) {
  for (int e = 0; e < count; ++e) dst[e] = half_to_float(src[e]);
}
void bf16_baseline(const uint16_t* src, float* dst, int count) {
  for (int e = 0; e < count; ++e) dst[e] = bf16_to_float(src[e]);
}

#if defined(__x86_64__)
__attribute__((target("avx2,f16c"))) void f16_avx2(const uint16_t* src, float* dst, int count) {
  int e = 0;
  for (; e + 8 <= count; e += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + e));
    _mm256_storeu_ps(dst + e, _mm256_cvtph_ps(h));
  }
  for (; e < count; ++e) dst[e] = half_to_float(src[e]);
}
__attribute__((target("avx2"))) void bf16_avx2(const uint16_t* src, float* dst, int count) {
  int e = 0;
  for (; e + 8 <= count; e += 8) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + e)));
    _mm256_storeu_ps(dst + e, _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
  }
  for (; e < count; ++e) dst[e] = bf16_to_float(src[e]);
}
#endif

WidenFn pick(WidenFn baseline, [[maybe_unused]] WidenFn avx2) {
#if defined(__x86_64__)
  if (cpu_has_avx2()) return avx2;
#endif
  return baseline;
}

#if defined(__x86_64__)
const WidenFn g_f16 = pick(f16_baseline, f16_avx2);
const WidenFn g_bf16 = pick(bf16_baseline, bf16_avx2);
#else
const WidenFn g_f16 = f16_baseline;
const WidenFn g_bf16 = bf16_baseline;
#endif

}  // namespace

void widen_f16(const uint16_t* src, float* dst, int count) { g_f16(src, dst, count); }
void widen_bf16(const uint16_t* src, float* dst, int count) { g_bf16(src, dst, count); }

}  // namespace lckv
