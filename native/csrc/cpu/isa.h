#pragma once
// Which CPU code paths the kernels take, decided once per process: AVX2 + FMA + F16C when the
// CPU has them, unless LCKV_CPU_BASELINE=1 asks for the portable SSE2/NEON paths (the tests
// run both; results differ only by rounding).
#include <cstdlib>
#include <cstring>

namespace lckv {

inline bool cpu_has_avx2() {
#if defined(__x86_64__)
  const char* baseline = std::getenv("LCKV_CPU_BASELINE");
  if (baseline != nullptr && std::strcmp(baseline, "1") == 0) return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c");
#else
  return false;
#endif
}

}  // namespace lckv
