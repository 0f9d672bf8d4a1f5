#pragma once
// Loads and stores of the activation and storage element types in device code, all through
// float; conversions round to nearest even.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace lckv {

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T>
__device__ __forceinline__ T from_float(float x);
template <>
__device__ __forceinline__ float from_float<float>(float x) { return x; }
template <>
__device__ __forceinline__ __half from_float<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

// Element offset of one (layer, block, K/V, head) tile: the layout of pool/pool.h.
__device__ __forceinline__ long long tile_offset(int layer, int num_blocks, int block, int kv,
                                                 int kv_heads, int head, int block_size, int dim) {
  return ((((long long)layer * num_blocks + block) * 2 + kv) * kv_heads + head) *
         (long long)block_size * dim;
}

}  // namespace lckv
