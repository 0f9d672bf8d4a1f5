#pragma once
// Launchers of the CUDA kernels. Everything is enqueued on `stream`; nothing synchronises.
// Pointers are device memory; the problem's integer tables point at the device copies.
#include <cuda_runtime.h>

#include <cstddef>

#include "common/dtype.h"
#include "common/status.h"
#include "ops/problem.h"
#include "pool/pool.h"

namespace lckv {

// The attention problem as the device sees it: activations may be float16 (`half_act`), and the
// split-K decode path needs `max_len` (the longest cache) from the host to size its grid.
struct DeviceAttention {
  AttentionProblem p;  // q/k_work/v_work/out reinterpret as __half when half_act
  bool half_act = false;
  int max_len = 0;
  int sm_count = 1;
};

// Float scratch the attention launch needs (split-K partial results); 0 when none.
size_t attention_scratch_floats(const DeviceAttention& a);

Status launch_attention(const PoolView& pool, const DeviceAttention& a, float* scratch,
                        cudaStream_t stream);

// Writes the commit rows and new_lens = cache_lens + n (both device pointers in p).
Status launch_commit(const PoolView& pool, const CommitProblem& p, bool half_act,
                     cudaStream_t stream);

// Floats of the cos/sin rows (common/rope.h) a call's rope-at-read sequences need; 0 when none.
size_t rope_rows_floats(const SequenceLayout& layout);

// Fills `rows` with rope_rows_floats(layout) floats from the device copy of the node's
// rope_inv_freq. The kernels then read every rotation from there, with no sin or cos per key.
Status launch_rope_rows(const SequenceLayout& layout, const float* inv_freq, float* rows,
                        cudaStream_t stream);

}  // namespace lckv
