// lckv.KvCommit on the device (README section 3.2): one block per (sequence, new token, KV
// head) row writes its key and value into the pool; a second tiny kernel yields new_lens.
#include "cuda/device_pool.h"
#include "cuda/device_types.cuh"
#include "cuda/kernels.h"

namespace lckv {
namespace {

constexpr int kThreads = 128;

// A rope-at-read sequence's key is stored with the graph's rotation at its entry index taken off
// (README section 3.2); the thread writing element d reads both halves of its pair.
template <typename Act, typename Store>
__global__ void __launch_bounds__(kThreads) commit_kernel(CommitProblem p, void* pool, int num_blocks,
                                                          int block_size) {
  const int row = blockIdx.x;  // (b * n + k)
  const int b = row / p.n, k = row % p.n, g = blockIdx.y;
  const int entry = p.cache_lens[b * p.Lh + (p.Lh == 1 ? 0 : g)] + k;
  const int slot = p.layout.slots(b, block_size).slot(entry);
  const int block = p.block_table[(long long)b * p.max_blocks + slot / block_size];
  Store* base = static_cast<Store*>(pool);
  const long long inner = (long long)(slot % block_size) * p.D;
  Store* kd = base + tile_offset(p.kv_layer, num_blocks, block, 0, p.KvH, g, block_size, p.D) + inner;
  Store* vd = base + tile_offset(p.kv_layer, num_blocks, block, 1, p.KvH, g, block_size, p.D) + inner;
  const long long src = ((long long)row * p.KvH + g) * p.D;
  const Act* ks = reinterpret_cast<const Act*>(p.k_work) + src;
  const Act* vs = reinterpret_cast<const Act*>(p.v_work) + src;
  const int half = p.layout.rope_half;
  const float* rope = p.layout.rotates(b) ? p.layout.rope + (long long)entry * 2 * half : nullptr;
  for (int d = threadIdx.x; d < p.D; d += kThreads) {
    float key = to_float(ks[d]);
    if (rope != nullptr && d < 2 * half) {
      const int c = d < half ? d : d - half;
      const float x1 = to_float(ks[c]), x2 = to_float(ks[c + half]);
      const float cs = rope[c], sn = rope[half + c];
      key = d < half ? x1 * cs + x2 * sn : x2 * cs - x1 * sn;
    }
    kd[d] = from_float<Store>(key);
    vd[d] = from_float<Store>(to_float(vs[d]));
  }
}

__global__ void new_lens_kernel(const int32_t* lens, int32_t* out, int count, int n) {
  for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < count; e += gridDim.x * blockDim.x)
    out[e] = lens[e] + n;
}

template <typename Act>
void launch_rows(const PoolView& pool, const CommitProblem& p, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(p.B) * p.n, p.KvH);
  const int nb = pool.config.num_blocks, bs = pool.config.block_size;
  switch (pool.config.dtype) {
    case Dtype::F32: commit_kernel<Act, float><<<grid, kThreads, 0, stream>>>(p, pool.data, nb, bs); break;
    case Dtype::F16: commit_kernel<Act, __half><<<grid, kThreads, 0, stream>>>(p, pool.data, nb, bs); break;
    case Dtype::BF16:
      commit_kernel<Act, __nv_bfloat16><<<grid, kThreads, 0, stream>>>(p, pool.data, nb, bs);
      break;
  }
}

}  // namespace

Status launch_commit(const PoolView& pool, const CommitProblem& p, bool half_act, cudaStream_t stream) {
  const int count = p.B * p.Lh;
  if (count > 0) new_lens_kernel<<<(count + 255) / 256, 256, 0, stream>>>(p.cache_lens, p.new_lens, count, p.n);
  if (p.B > 0 && p.n > 0) {
    if (static_cast<long long>(p.B) * p.n > 0x7fffffffLL || p.KvH > 65535)
      return invalid("batch * n = ", static_cast<long long>(p.B) * p.n, " rows are too many for one launch");
    if (half_act) {
      launch_rows<__half>(pool, p, stream);
    } else {
      launch_rows<float>(pool, p, stream);
    }
  }
  return cuda_status(cudaGetLastError(), "launching lckv.KvCommit");
}

}  // namespace lckv
