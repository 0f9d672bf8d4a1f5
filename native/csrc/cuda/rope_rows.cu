// The cos/sin rows of rope at read time (README section 3), computed per call on the device
// for the positions the call touches: a few thousand sincos, far cheaper than a host table's
// copy per node and step, and no table state to keep alive across streams.
#include "common/rope.h"
#include "cuda/device_pool.h"
#include "cuda/kernels.h"

namespace lckv {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxBlocks = 4096;

// cos/sin of the float32 angle evaluated in double and rounded once, as the host table does, so
// both backends rotate with the same numbers.
__global__ void __launch_bounds__(kThreads) rope_rows_kernel(const float* inv_freq, int half,
                                                             int positions, float* rows) {
  const long long total = (long long)positions * half;
  for (long long x = blockIdx.x * (long long)kThreads + threadIdx.x; x < total;
       x += (long long)gridDim.x * kThreads) {
    const int p = static_cast<int>(x / half), c = static_cast<int>(x % half);
    double sn, cs;
    sincos(static_cast<double>(rope_angle(p, inv_freq[c])), &sn, &cs);
    rows[(long long)p * 2 * half + c] = static_cast<float>(cs);
    rows[(long long)p * 2 * half + half + c] = static_cast<float>(sn);
  }
}

}  // namespace

size_t rope_rows_floats(const SequenceLayout& layout) {
  return static_cast<size_t>(layout.rope_positions) * 2 * layout.rope_half;
}

Status launch_rope_rows(const SequenceLayout& layout, const float* inv_freq, float* rows,
                        cudaStream_t stream) {
  const long long total = static_cast<long long>(layout.rope_positions) * layout.rope_half;
  if (total == 0) return Status();
  const long long wanted = (total + kThreads - 1) / kThreads;
  const unsigned blocks = static_cast<unsigned>(wanted < kMaxBlocks ? wanted : kMaxBlocks);
  rope_rows_kernel<<<blocks, kThreads, 0, stream>>>(inv_freq, layout.rope_half,
                                                    layout.rope_positions, rows);
  return cuda_status(cudaGetLastError(), "launching the rope rows of lckv ops");
}

}  // namespace lckv
