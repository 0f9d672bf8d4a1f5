// The CUDA side of the pool: allocation on the pool's device, and the host round trip the pool
// C functions use (they are rare, between runs, and share one host implementation).
#include <cstring>
#include <vector>

#include "cuda/device_pool.h"

namespace lckv {

Status cuda_status(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return Status();
  const int code = e == cudaErrorMemoryAllocation ? LCKV_ERR_OUT_OF_MEMORY : LCKV_ERR_DEVICE;
  return Status(code, concat(what, ": ", cudaGetErrorName(e), " (", cudaGetErrorString(e), ")"));
}

DeviceGuard::DeviceGuard(int device) {
  error_ = cudaGetDevice(&previous_);
  if (error_ == cudaSuccess && previous_ != device) error_ = cudaSetDevice(device);
}

DeviceGuard::~DeviceGuard() {
  if (previous_ >= 0) cudaSetDevice(previous_);
}

Staging::~Staging() {
  for (Slot& s : slots_) {
    if (s.done != nullptr) {
      cudaEventSynchronize(s.done);
      cudaEventDestroy(s.done);
    }
    if (s.host != nullptr) cudaFreeHost(s.host);
  }
}

Status Staging::copy_to_device(const void* src, size_t bytes, void* dst, cudaStream_t stream) {
  if (bytes == 0) return Status();
  std::lock_guard<std::mutex> lock(mutex_);
  Slot& s = slots_[next_];
  next_ = (next_ + 1) % kSlots;
  if (s.done == nullptr) {
    Status st = cuda_status(cudaEventCreateWithFlags(&s.done, cudaEventDisableTiming), "cudaEventCreate");
    if (!st.ok()) return st;
  } else {
    Status st = cuda_status(cudaEventSynchronize(s.done), "waiting for a staging slot");
    if (!st.ok()) return st;
  }
  if (s.capacity < bytes) {
    if (s.host != nullptr) cudaFreeHost(s.host);
    s.host = nullptr;
    s.capacity = 0;
    const size_t want = bytes < 4096 ? 4096 : bytes * 2;
    Status st = cuda_status(cudaHostAlloc(&s.host, want, cudaHostAllocPortable), "cudaHostAlloc");
    if (!st.ok()) return st;
    s.capacity = want;
  }
  std::memcpy(s.host, src, bytes);
  Status st = cuda_status(cudaMemcpyAsync(dst, s.host, bytes, cudaMemcpyHostToDevice, stream),
                          "cudaMemcpyAsync of the op's tables");
  if (!st.ok()) return st;
  return cuda_status(cudaEventRecord(s.done, stream), "cudaEventRecord");
}

DeviceMemory::~DeviceMemory() {
  DeviceGuard guard(device_);
  cudaFree(data_);
}

Status allocate_device_memory(const PoolConfig& config, int64_t bytes,
                              std::unique_ptr<PoolMemory>* out) {
  int count = 0;
  Status s = cuda_status(cudaGetDeviceCount(&count), "no usable CUDA device (cudaGetDeviceCount)");
  if (!s.ok()) return s;
  if (config.device >= count)
    return Status(LCKV_ERR_DEVICE, concat("device = ", config.device, " but only ", count,
                                          " CUDA device(s) are visible"));
  DeviceGuard guard(config.device);
  s = cuda_status(guard.error(), "cudaSetDevice");
  if (!s.ok()) return s;
  void* data = nullptr;
  s = cuda_status(cudaMalloc(&data, static_cast<size_t>(bytes)), "cudaMalloc of the pool");
  if (!s.ok()) return s;
  // Synchronous on purpose: the pool must read as zeros before any op can use its handle.
  s = cuda_status(cudaMemset(data, 0, static_cast<size_t>(bytes)), "cudaMemset of the pool");
  if (!s.ok()) {
    cudaFree(data);
    return s;
  }
  *out = std::make_unique<DeviceMemory>(config.device, data);
  return Status();
}

Status on_host_copy(const Pool& pool, const int32_t* table, int64_t first, int64_t last,
                    bool write_back, const HostBlocksFn& fn) {
  const PoolConfig& c = pool.config();
  const int64_t blocks = last - first + 1;
  // One layer's block is contiguous ([2][KvH][bs][D]), so each is a single copy.
  const size_t block_bytes = static_cast<size_t>(bytes_per_block(c) / c.num_kv_layers);
  PoolView host;
  host.config = c;
  host.config.num_blocks = static_cast<int32_t>(blocks);
  std::vector<uint8_t> buffer(block_bytes * blocks * c.num_kv_layers);
  host.data = buffer.data();
  std::vector<int32_t> host_table(last + 1, -1);
  for (int64_t t = first; t <= last; ++t) host_table[t] = static_cast<int32_t>(t - first);

  DeviceGuard guard(c.device);
  Status s = cuda_status(guard.error(), "cudaSetDevice");
  if (!s.ok()) return s;
  auto* device = static_cast<uint8_t*>(pool.view().data);
  auto device_block = [&](int layer, int64_t t) {
    return device + (static_cast<size_t>(layer) * c.num_blocks + table[t]) * block_bytes;
  };
  auto host_block = [&](int layer, int64_t t) {
    return buffer.data() + (static_cast<size_t>(layer) * blocks + (t - first)) * block_bytes;
  };
  for (int layer = 0; layer < c.num_kv_layers && s.ok(); ++layer)
    for (int64_t t = first; t <= last && s.ok(); ++t)
      s = cuda_status(cudaMemcpy(host_block(layer, t), device_block(layer, t), block_bytes,
                                 cudaMemcpyDeviceToHost),
                      "cudaMemcpy of pool blocks to the host");
  if (!s.ok()) return s;
  fn(host, host_table.data());
  if (!write_back) return Status();
  for (int layer = 0; layer < c.num_kv_layers && s.ok(); ++layer)
    for (int64_t t = first; t <= last && s.ok(); ++t)
      s = cuda_status(cudaMemcpy(device_block(layer, t), host_block(layer, t), block_bytes,
                                 cudaMemcpyHostToDevice),
                      "cudaMemcpy of pool blocks to the device");
  return s;
}

}  // namespace lckv

extern "C" __attribute__((visibility("default"))) int32_t lckv_ops_cuda_available(void) {
  return 1;
}
