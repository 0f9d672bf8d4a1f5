#pragma once
// A pool is memory plus layout: [layer][block][K|V][kv head][slot][dim] elements of one dtype
// (README section 4). Which block belongs to which request is decided in Java.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "common/dtype.h"
#include "common/status.h"

namespace lckv {

struct PoolConfig {
  int32_t num_kv_layers = 0;
  int32_t num_kv_heads = 0;
  int32_t head_dim = 0;
  int32_t block_size = 0;
  int32_t num_blocks = 0;
  Dtype dtype = Dtype::F32;
  int32_t device = LCKV_DEVICE_CPU;
};

Status check_config(const PoolConfig& c);
int64_t block_elements(const PoolConfig& c);  // all layers, K and V
int64_t bytes_per_block(const PoolConfig& c);

// Where a pool's elements live and how they are laid out; kernels take this, not the Pool, so
// the CUDA side can hand the same host code a staging copy of a few blocks.
struct PoolView {
  void* data = nullptr;
  PoolConfig config;

  // Element offset of the first slot of one (layer, block, K/V, head) tile.
  int64_t tile(int layer, int block, int kv, int head) const {
    const PoolConfig& c = config;
    return ((((static_cast<int64_t>(layer) * c.num_blocks + block) * 2 + kv) * c.num_kv_heads +
             head) *
            c.block_size) *
           c.head_dim;
  }
};

// Owns the bytes; the host and CUDA variants free differently.
class PoolMemory {
 public:
  virtual ~PoolMemory() = default;
  virtual void* data() const = 0;
};

struct PoolCounters {
  std::atomic<int64_t> attention_calls{0};
  std::atomic<int64_t> commit_calls{0};
  std::atomic<int64_t> committed_tokens{0};
};

class Pool {
 public:
  Pool(int64_t handle, const PoolConfig& config, std::unique_ptr<PoolMemory> memory)
      : handle_(handle), config_(config), memory_(std::move(memory)) {}

  int64_t handle() const { return handle_; }
  const PoolConfig& config() const { return config_; }
  bool on_device() const { return config_.device >= 0; }
  PoolView view() const { return PoolView{memory_->data(), config_}; }
  PoolMemory& memory() const { return *memory_; }
  PoolCounters& counters() { return counters_; }

 private:
  int64_t handle_;
  PoolConfig config_;
  std::unique_ptr<PoolMemory> memory_;
  PoolCounters counters_;
};

// Process-wide registry. Lookups return shared ownership so a run in flight keeps its pool
// alive even if Java destroys the handle meanwhile.
Status create_pool(const PoolConfig& config, int64_t* handle_out);
Status destroy_pool(int64_t handle);
Status find_pool(int64_t handle, std::shared_ptr<Pool>* out);

// Defined by the CUDA part, or by a stub that says the library was built without it.
Status allocate_device_memory(const PoolConfig& config, int64_t bytes,
                              std::unique_ptr<PoolMemory>* out);

// Runs `fn` on a host copy of blocks table[first .. last] of every layer of a device pool, where
// host_table[t] (same indices t as `table`) names block t's copy, and copies them back when
// `write_back`. The pool C functions
// use it so one host implementation serves both kinds of pool; it waits for the copies.
using HostBlocksFn = std::function<void(const PoolView& host, const int32_t* host_table)>;
Status on_host_copy(const Pool& pool, const int32_t* table, int64_t first, int64_t last,
                    bool write_back, const HostBlocksFn& fn);

}  // namespace lckv
