#include "pool/pool.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

namespace lckv {

namespace {

// Device memory is capped by the int32 block ids and the kernels' int64 offsets; host memory
// by what the allocator grants.
constexpr int64_t kMaxDim = 1 << 16;

class HostMemory final : public PoolMemory {
 public:
  explicit HostMemory(void* data) : data_(data) {}
  ~HostMemory() override { std::free(data_); }
  void* data() const override { return data_; }

 private:
  void* data_;
};

struct Registry {
  std::mutex mutex;
  std::unordered_map<int64_t, std::shared_ptr<Pool>> pools;
  int64_t next_handle = 1;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: ops may look up pools during exit
  return *r;
}

}  // namespace

Status check_config(const PoolConfig& c) {
  if (c.num_kv_layers < 1 || c.num_kv_layers > kMaxDim)
    return invalid("num_kv_layers = ", c.num_kv_layers, " must be in 1..", kMaxDim);
  if (c.num_kv_heads < 1 || c.num_kv_heads > kMaxDim)
    return invalid("num_kv_heads = ", c.num_kv_heads, " must be in 1..", kMaxDim);
  if (c.head_dim < 1 || c.head_dim > kMaxDim)
    return invalid("head_dim = ", c.head_dim, " must be in 1..", kMaxDim);
  if (c.block_size < 1 || c.block_size > kMaxDim)
    return invalid("block_size = ", c.block_size, " must be in 1..", kMaxDim);
  if (c.num_blocks < 1) return invalid("num_blocks = ", c.num_blocks, " must be >= 1");
  if (!valid_dtype(static_cast<int32_t>(c.dtype)))
    return invalid("dtype = ", static_cast<int32_t>(c.dtype), " is not LCKV_DTYPE_F32/F16/BF16");
  if (c.device < LCKV_DEVICE_CPU)
    return invalid("device = ", c.device, " must be -1 (CPU) or a CUDA device id");
  return Status();
}

int64_t block_elements(const PoolConfig& c) {
  return static_cast<int64_t>(c.num_kv_layers) * 2 * c.num_kv_heads * c.block_size * c.head_dim;
}

int64_t bytes_per_block(const PoolConfig& c) { return block_elements(c) * dtype_size(c.dtype); }

Status create_pool(const PoolConfig& config, int64_t* handle_out) {
  if (handle_out == nullptr) return invalid("handle_out is NULL");
  Status s = check_config(config);
  if (!s.ok()) return s;
  const int64_t per_block = bytes_per_block(config);
  if (per_block > INT64_MAX / config.num_blocks)
    return invalid("pool of ", config.num_blocks, " blocks of ", per_block, " bytes overflows");
  const int64_t bytes = per_block * config.num_blocks;

  std::unique_ptr<PoolMemory> memory;
  if (config.device >= 0) {
    s = allocate_device_memory(config, bytes, &memory);
    if (!s.ok()) return s;
  } else {
    // 64-byte alignment keeps every tile row start vector aligned when head_dim allows.
    const size_t rounded = (static_cast<size_t>(bytes) + 63) & ~size_t{63};
    void* data = std::aligned_alloc(64, rounded);
    if (data == nullptr)
      return Status(LCKV_ERR_OUT_OF_MEMORY, concat("cannot allocate ", bytes, " bytes of host memory"));
    std::memset(data, 0, rounded);
    memory = std::make_unique<HostMemory>(data);
  }

  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const int64_t handle = r.next_handle++;
  r.pools.emplace(handle, std::make_shared<Pool>(handle, config, std::move(memory)));
  *handle_out = handle;
  return Status();
}

Status destroy_pool(int64_t handle) {
  std::shared_ptr<Pool> doomed;  // released outside the lock: freeing device memory can be slow
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.pools.find(handle);
    if (it == r.pools.end())
      return Status(LCKV_ERR_UNKNOWN_HANDLE, concat("no pool has handle ", handle));
    doomed = std::move(it->second);
    r.pools.erase(it);
  }
  return Status();
}

Status find_pool(int64_t handle, std::shared_ptr<Pool>* out) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.pools.find(handle);
  if (it == r.pools.end())
    return Status(LCKV_ERR_UNKNOWN_HANDLE,
                  concat("no pool has handle ", handle, " (destroyed, or never created)"));
  *out = it->second;
  return Status();
}

}  // namespace lckv
