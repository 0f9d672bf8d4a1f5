#pragma once
// float16 / bfloat16 -> float32 for whole pool tiles, using F16C/AVX2 when the CPU has them
// (chosen once at load time) and the portable bit conversions of common/dtype.h otherwise.
#include <cstdint>

namespace lckv {

void widen_f16(const uint16_t* src, float* dst, int count);
void widen_bf16(const uint16_t* src, float* dst, int count);

}  // namespace lckv
