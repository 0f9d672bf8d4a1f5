// lckv.Attention on the device (README sections 3.1 and 5): a split-K decode kernel for n = 1
// plus a combine pass, and a tiled kernel for prefill. Softmax and accumulation are float32.
#include <cmath>

#include "common/mask.h"
#include "common/slot_map.h"
#include "cuda/device_pool.h"
#include "cuda/device_types.cuh"
#include "cuda/kernels.h"

namespace lckv {
namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
constexpr int kMaxDecodeDim = 256;           // head_dim the decode kernel holds in registers
constexpr int kDecodeLanes = kMaxDecodeDim / 32;
constexpr int kTileRows = 16;                // prefill: query rows per block
constexpr int kTileKeys = 32;                // prefill: keys per tile (one per lane)
constexpr int kMinKeysPerSplit = 64;

struct Params {
  const void* q;
  const void* k_work;
  const void* v_work;
  void* out;
  const void* pool;
  int layer, num_blocks, block_size, kv_heads, dim, heads, n, lens_width, max_blocks;
  const int32_t* table;
  const int32_t* lens;
  SequenceLayout layout;  // device pointers; layout.rope: the call's cos/sin rows
  int nodiag, window;
  float scale;
};

__device__ __forceinline__ float warp_sum(float x) {
  for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
  return x;
}
__device__ __forceinline__ float warp_max(float x) {
  for (int o = 16; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
  return x;
}

// Weight of a partial softmax state with running max m when the common max is top: a state
// that saw no key (m = -inf) weighs nothing, and -inf - -inf must not turn into NaN.
__device__ __forceinline__ float rescale(float m, float top) {
  return m == -INFINITY ? 0.0f : expf(m - top);
}

struct Seq {
  int b, h, g, len;
  SlotMap slots;
  bool rope;  // committed keys are stored without rope: rotate them at their index
};

__device__ __forceinline__ Seq locate(const Params& P, int bh) {
  Seq s;
  s.b = bh / P.heads;
  s.h = bh % P.heads;
  s.g = s.h / (P.heads / P.kv_heads);
  s.len = P.lens[s.b * P.lens_width + (P.lens_width == 1 ? 0 : s.g)];
  s.slots = P.layout.slots(s.b, P.block_size);
  s.rope = P.layout.rotates(s.b);
  return s;
}

// One key (kv = 0) or value (kv = 1) row: a committed slot in the pool, or a working row. A
// committed key of a rope-at-read sequence comes out rotated by its cos/sin row: element d of a
// rotated pair needs both halves of the pair, which the same warp loads anyway.
template <typename Act, typename Store>
struct Row {
  const Store* slot;
  const Act* work;
  const float* rope;  // cos then sin of this key's index; null: the row as stored
  int half;
  __device__ __forceinline__ float operator[](int d) const {
    if (slot == nullptr) return to_float(work[d]);
    if (rope == nullptr || d >= 2 * half) return to_float(slot[d]);
    const int c = d < half ? d : d - half;
    const float x1 = to_float(slot[c]), x2 = to_float(slot[c + half]);
    const float cs = rope[c], sn = rope[half + c];
    return d < half ? x1 * cs - x2 * sn : x2 * cs + x1 * sn;
  }
};

// The index-ordered key list of one sequence and KV head: committed entries 0 .. len-1 at their
// mapped slots (common/slot_map.h) through the block table, then the call's n working rows.
template <typename Act, typename Store>
struct Rows {
  const Params& P;
  const Seq& s;

  __device__ Row<Act, Store> row(int kv, int e) const {
    const int half = P.layout.rope_half;
    if (e < s.len) {
      const int slot = s.slots.slot(e);
      const int block = P.table[s.b * P.max_blocks + slot / P.block_size];
      const Store* base = static_cast<const Store*>(P.pool);
      const float* rope = kv == 0 && s.rope ? P.layout.rope + (long long)e * 2 * half : nullptr;
      return {base + tile_offset(P.layer, P.num_blocks, block, kv, P.kv_heads, s.g, P.block_size, P.dim) +
                  (long long)(slot % P.block_size) * P.dim,
              nullptr, rope, half};
    }
    const Act* work = static_cast<const Act*>(kv == 0 ? P.k_work : P.v_work);
    return {nullptr, work + (((long long)s.b * P.n + (e - s.len)) * P.kv_heads + s.g) * P.dim,
            nullptr, half};
  }
};

// One (sequence, query head, split of the committed keys) per block; each warp folds every
// kWarps-th key into its own online-softmax state, the block then merges its warps. The last
// split also takes the working key.
template <typename Act, typename Store>
__global__ void __launch_bounds__(kThreads) decode_kernel(Params P, int split_len, float* partial) {
  extern __shared__ float shared[];  // [kWarps][dim] accumulators, then max and sum per warp
  const Seq s = locate(P, blockIdx.x);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const MaskRule rule{P.nodiag, P.window};
  const int p = s.len;  // the one query row's position
  const Rows<Act, Store> rows{P, s};

  float q[kDecodeLanes], acc[kDecodeLanes];
  const Act* qrow = static_cast<const Act*>(P.q) + ((long long)s.b * P.heads + s.h) * P.dim;
#pragma unroll
  for (int t = 0; t < kDecodeLanes; ++t) {
    const int d = lane + 32 * t;
    q[t] = d < P.dim ? to_float(qrow[d]) * P.scale : 0.0f;
    acc[t] = 0.0f;
  }
  float m = -INFINITY, sum = 0.0f;

  auto fold = [&](int e) {
    const Row<Act, Store> key = rows.row(0, e), value = rows.row(1, e);
    float score = 0.0f;
#pragma unroll
    for (int t = 0; t < kDecodeLanes; ++t) {
      const int d = lane + 32 * t;
      if (d < P.dim) score += q[t] * key[d];
    }
    score = warp_sum(score);
    const float top = fmaxf(m, score);
    const float correction = rescale(m, top);
    const float w = expf(score - top);
    sum = sum * correction + w;
#pragma unroll
    for (int t = 0; t < kDecodeLanes; ++t) {
      const int d = lane + 32 * t;
      if (d < P.dim) acc[t] = acc[t] * correction + w * value[d];
    }
    m = top;
  };
  // Committed keys before the row's window are never visible: a split's loop starts past them.
  const int split_begin = static_cast<int>(blockIdx.y) * split_len;
  const int begin = max(split_begin, window_start(rule, p));
  const int end = min(s.len, split_begin + split_len);
  for (int e = begin + warp; e < end; e += kWarps) {
    if (key_visible(rule, p, e)) fold(e);
  }
  // The working key (index len) belongs to the last split, whatever its committed range.
  if (blockIdx.y == gridDim.y - 1 && warp == kWarps - 1 && key_visible(rule, p, s.len)) fold(s.len);

  float* acc_s = shared;
  float* max_s = shared + kWarps * P.dim;
  float* sum_s = max_s + kWarps;
#pragma unroll
  for (int t = 0; t < kDecodeLanes; ++t) {
    const int d = lane + 32 * t;
    if (d < P.dim) acc_s[warp * P.dim + d] = acc[t];
  }
  if (lane == 0) {
    max_s[warp] = m;
    sum_s[warp] = sum;
  }
  __syncthreads();
  float top = -INFINITY;
  for (int w = 0; w < kWarps; ++w) top = fmaxf(top, max_s[w]);
  float total = 0.0f;
  for (int w = 0; w < kWarps; ++w) total += rescale(max_s[w], top) * sum_s[w];
  const long long row = (long long)blockIdx.x;
  for (int d = threadIdx.x; d < P.dim; d += kThreads) {
    float a = 0.0f;
    for (int w = 0; w < kWarps; ++w) a += rescale(max_s[w], top) * acc_s[w * P.dim + d];
    if (gridDim.y == 1) {
      static_cast<Act*>(P.out)[row * P.dim + d] = from_float<Act>(total == 0.0f ? 0.0f : a / total);
    } else {
      partial[(row * gridDim.y + blockIdx.y) * (P.dim + 2) + 2 + d] = a;
    }
  }
  if (gridDim.y > 1 && threadIdx.x == 0) {
    partial[(row * gridDim.y + blockIdx.y) * (P.dim + 2)] = top;
    partial[(row * gridDim.y + blockIdx.y) * (P.dim + 2) + 1] = total;
  }
}

// Merges the splits of each (sequence, head) row into the output.
template <typename Act>
__global__ void __launch_bounds__(kThreads) combine_kernel(Params P, int splits, const float* partial) {
  const long long row = blockIdx.x;
  const float* part = partial + row * splits * (P.dim + 2);
  float top = -INFINITY;
  for (int i = 0; i < splits; ++i) top = fmaxf(top, part[i * (P.dim + 2)]);
  float total = 0.0f;
  for (int i = 0; i < splits; ++i) total += rescale(part[i * (P.dim + 2)], top) * part[i * (P.dim + 2) + 1];
  for (int d = threadIdx.x; d < P.dim; d += kThreads) {
    float a = 0.0f;
    for (int i = 0; i < splits; ++i)
      a += rescale(part[i * (P.dim + 2)], top) * part[i * (P.dim + 2) + 2 + d];
    static_cast<Act*>(P.out)[row * P.dim + d] = from_float<Act>(total == 0.0f ? 0.0f : a / total);
  }
}

// One (sequence, query head, tile of kTileRows query rows) per block. Keys stream through
// shared memory kTileKeys at a time; each warp owns rows and each lane one key of the tile.
template <typename Act, typename Store>
__global__ void __launch_bounds__(kThreads) prefill_kernel(Params P) {
  extern __shared__ float shared[];
  const int D = P.dim;
  float* q_s = shared;                     // [kTileRows][D], pre-scaled
  float* k_s = q_s + kTileRows * D;        // [kTileKeys][D]
  float* v_s = k_s + kTileKeys * D;        // [kTileKeys][D]
  float* acc_s = v_s + kTileKeys * D;      // [kTileRows][D]
  float* p_s = acc_s + kTileRows * D;      // [kTileRows][kTileKeys] scores, then weights
  float* max_s = p_s + kTileRows * kTileKeys;
  float* sum_s = max_s + kTileRows;
  float* corr_s = sum_s + kTileRows;

  const Seq s = locate(P, blockIdx.x);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const MaskRule rule{P.nodiag, P.window};
  const Rows<Act, Store> rows{P, s};
  const int i0 = blockIdx.y * kTileRows;
  const int count = min(kTileRows, P.n - i0);

  const Act* q = static_cast<const Act*>(P.q);
  for (int x = threadIdx.x; x < kTileRows * D; x += kThreads) {
    const int r = x / D, d = x % D;
    q_s[x] = r < count ? to_float(q[(((long long)s.b * P.n + i0 + r) * P.heads + s.h) * D + d]) * P.scale
                       : 0.0f;
    acc_s[x] = 0.0f;
  }
  for (int r = threadIdx.x; r < kTileRows; r += kThreads) {
    max_s[r] = -INFINITY;
    sum_s[r] = 0.0f;
  }

  // Keys past the last row's position are never visible, nor those before the first row's
  // window (sinks included, common/mask.h): tiles start at the one holding the window's start.
  const int end = min(s.len + P.n, s.len + i0 + count - P.nodiag);
  for (int e0 = window_start(rule, s.len + i0) / kTileKeys * kTileKeys; e0 < end; e0 += kTileKeys) {
    __syncthreads();
    for (int c = warp; c < kTileKeys; c += kWarps) {
      const int e = e0 + c;
      if (e < end) {
        const Row<Act, Store> key = rows.row(0, e), value = rows.row(1, e);
        for (int d = lane; d < D; d += 32) {
          k_s[c * D + d] = key[d];
          v_s[c * D + d] = value[d];
        }
      } else {
        for (int d = lane; d < D; d += 32) k_s[c * D + d] = v_s[c * D + d] = 0.0f;
      }
    }
    __syncthreads();
    for (int x = threadIdx.x; x < kTileRows * kTileKeys; x += kThreads) {
      const int r = x / kTileKeys, c = x % kTileKeys, e = e0 + c;
      float score = -INFINITY;
      if (r < count && e < end && key_visible(rule, s.len + i0 + r, e)) {
        score = 0.0f;
        for (int d = 0; d < D; ++d) score += q_s[r * D + d] * k_s[c * D + d];
      }
      p_s[x] = score;
    }
    __syncthreads();
    for (int r = warp; r < kTileRows; r += kWarps) {
      const float score = p_s[r * kTileKeys + lane];
      const float old = max_s[r];
      const float top = fmaxf(old, warp_max(score));
      // Masked keys carry -inf and weigh exactly nothing, even in a row that saw no key yet.
      const float w = score == -INFINITY ? 0.0f : expf(score - top);
      const float added = warp_sum(w);
      p_s[r * kTileKeys + lane] = w;
      __syncwarp();
      if (lane == 0) {
        const float correction = rescale(old, top);
        corr_s[r] = correction;
        sum_s[r] = sum_s[r] * correction + added;
        max_s[r] = top;
      }
    }
    __syncthreads();
    for (int x = threadIdx.x; x < kTileRows * D; x += kThreads) {
      const int r = x / D, d = x % D;
      float a = acc_s[x] * corr_s[r];
      for (int c = 0; c < kTileKeys; ++c) a += p_s[r * kTileKeys + c] * v_s[c * D + d];
      acc_s[x] = a;
    }
  }
  __syncthreads();
  Act* out = static_cast<Act*>(P.out);
  for (int x = threadIdx.x; x < count * D; x += kThreads) {
    const int r = x / D, d = x % D;
    const float total = sum_s[r];
    out[(((long long)s.b * P.n + i0 + r) * P.heads + s.h) * D + d] =
        from_float<Act>(total == 0.0f ? 0.0f : acc_s[x] / total);
  }
}

size_t prefill_shared_bytes(int dim) {
  return sizeof(float) *
         (static_cast<size_t>(2 * kTileRows + 2 * kTileKeys) * dim + kTileRows * kTileKeys + 3 * kTileRows);
}

int decode_splits(const DeviceAttention& a) {
  const long long rows = static_cast<long long>(a.p.B) * a.p.H;
  const long long want = (2LL * a.sm_count + rows - 1) / rows;
  const long long most = (a.max_len + kMinKeysPerSplit - 1) / kMinKeysPerSplit;
  long long splits = want < most ? want : most;
  if (splits > 65535) splits = 65535;
  return splits < 1 ? 1 : static_cast<int>(splits);
}

bool use_decode(const DeviceAttention& a) { return a.p.n == 1 && a.p.D <= kMaxDecodeDim; }

Params params(const PoolView& pool, const DeviceAttention& a) {
  const AttentionProblem& p = a.p;
  Params P;
  P.q = p.q;
  P.k_work = p.k_work;
  P.v_work = p.v_work;
  P.out = p.out;
  P.pool = pool.data;
  P.layer = p.kv_layer;
  P.num_blocks = pool.config.num_blocks;
  P.block_size = pool.config.block_size;
  P.kv_heads = p.KvH;
  P.dim = p.D;
  P.heads = p.H;
  P.n = p.n;
  P.lens_width = p.Lh;
  P.max_blocks = p.max_blocks;
  P.table = p.block_table;
  P.lens = p.cache_lens;
  P.layout = p.layout;
  P.nodiag = p.nodiag;
  P.window = p.window;
  P.scale = 1.0f / std::sqrt(static_cast<float>(p.D));
  return P;
}

template <typename Act, typename Store>
Status launch(const PoolView& pool, const DeviceAttention& a, float* scratch, cudaStream_t stream) {
  const Params P = params(pool, a);
  const unsigned rows = static_cast<unsigned>(a.p.B) * a.p.H;
  if (use_decode(a)) {
    const int splits = decode_splits(a);
    const int split_len = (a.max_len + splits - 1) / splits;
    const size_t shared = sizeof(float) * kWarps * (a.p.D + 2);
    decode_kernel<Act, Store><<<dim3(rows, splits), kThreads, shared, stream>>>(P, split_len, scratch);
    if (splits > 1) combine_kernel<Act><<<rows, kThreads, 0, stream>>>(P, splits, scratch);
  } else {
    const size_t shared = prefill_shared_bytes(a.p.D);
    int device = 0, limit = 0;
    Status s = cuda_status(cudaGetDevice(&device), "cudaGetDevice");
    if (s.ok())
      s = cuda_status(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, device),
                      "cudaDeviceGetAttribute");
    if (!s.ok()) return s;
    if (shared > static_cast<size_t>(limit))
      return invalid("head_dim = ", a.p.D, " needs ", shared, " bytes of shared memory per block; ",
                     "this GPU allows ", limit);
    s = cuda_status(cudaFuncSetAttribute(prefill_kernel<Act, Store>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(shared)),
                    "cudaFuncSetAttribute");
    if (!s.ok()) return s;
    const unsigned tiles = static_cast<unsigned>((a.p.n + kTileRows - 1) / kTileRows);
    if (tiles > 65535) return invalid("n = ", a.p.n, " new tokens exceed one launch; split the step");
    prefill_kernel<Act, Store><<<dim3(rows, tiles), kThreads, shared, stream>>>(P);
  }
  return cuda_status(cudaGetLastError(), "launching lckv.Attention");
}

template <typename Act>
Status launch_for_storage(const PoolView& pool, const DeviceAttention& a, float* scratch,
                          cudaStream_t stream) {
  switch (pool.config.dtype) {
    case Dtype::F32: return launch<Act, float>(pool, a, scratch, stream);
    case Dtype::F16: return launch<Act, __half>(pool, a, scratch, stream);
    case Dtype::BF16: return launch<Act, __nv_bfloat16>(pool, a, scratch, stream);
  }
  return invalid("unknown pool dtype");
}

}  // namespace

size_t attention_scratch_floats(const DeviceAttention& a) {
  if (a.p.B == 0 || a.p.n == 0 || !use_decode(a)) return 0;
  const int splits = decode_splits(a);
  if (splits == 1) return 0;
  return static_cast<size_t>(a.p.B) * a.p.H * splits * (a.p.D + 2);
}

Status launch_attention(const PoolView& pool, const DeviceAttention& a, float* scratch,
                        cudaStream_t stream) {
  if (a.p.B == 0 || a.p.n == 0) return Status();
  if (static_cast<long long>(a.p.B) * a.p.H > 0x7fffffffLL)
    return invalid("batch * num_heads = ", static_cast<long long>(a.p.B) * a.p.H, " is too large for one launch");
  return a.half_act ? launch_for_storage<__half>(pool, a, scratch, stream)
                    : launch_for_storage<float>(pool, a, scratch, stream);
}

}  // namespace lckv
