// The pool's C ABI (lckv_pool.h): translates Status into codes plus a thread-local message and
// keeps every C++ exception (allocation failure included) on this side of the boundary.
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "common/status.h"
#include "lckv_pool.h"
#include "pool/pool.h"
#include "pool/slots.h"
#include "pool/table.h"
#include "version.h"

namespace lckv {
namespace {

thread_local std::string t_last_error;

int32_t finish(const Status& s) {
  if (!s.ok()) t_last_error = s.message();
  return s.code();
}

template <typename Body>
int32_t guarded(const char* function, Body&& body) {
  try {
    Status s = body();
    if (!s.ok()) s = Status(s.code(), concat(function, ": ", s.message()));
    return finish(s);
  } catch (const std::bad_alloc&) {
    return finish(Status(LCKV_ERR_OUT_OF_MEMORY, concat(function, ": out of host memory")));
  } catch (const std::exception& e) {
    return finish(Status(LCKV_ERR_DEVICE, concat(function, ": ", e.what())));
  }
}

PoolConfig make_config(int32_t layers, int32_t heads, int32_t dim, int32_t block_size,
                       int32_t blocks, int32_t dtype, int32_t device) {
  PoolConfig c;
  c.num_kv_layers = layers;
  c.num_kv_heads = heads;
  c.head_dim = dim;
  c.block_size = block_size;
  c.num_blocks = blocks;
  c.dtype = static_cast<Dtype>(dtype);
  c.device = device;
  return c;
}

Status check_table_args(const PoolConfig& c, const int32_t* table, int32_t table_len,
                        int64_t start, int64_t count) {
  if (table == nullptr && table_len != 0) return invalid("block_table is NULL");
  if (table_len < 0) return invalid("table_len = ", table_len, " is negative");
  if (start < 0 || count < 0) return invalid("start = ", start, ", count = ", count, " must be >= 0");
  return check_slot_range(c, table, table_len, start, start + count, "block_table");
}

// The pool behind `handle`, once kv_layer and the slot range are known to be valid for it.
Status find_slot_range(int64_t handle, int32_t kv_layer, const int32_t* block_table,
                       int32_t table_len, int32_t start, int32_t count,
                       std::shared_ptr<Pool>* pool) {
  Status s = find_pool(handle, pool);
  if (!s.ok()) return s;
  const PoolConfig& c = (*pool)->config();
  if (kv_layer < 0 || kv_layer >= c.num_kv_layers)
    return invalid("kv_layer = ", kv_layer, " is not in 0..", c.num_kv_layers - 1);
  return check_table_args(c, block_table, table_len, start, count);
}

// Runs fn on the pool's own memory, or on a host copy of the blocks holding slots [lo, hi).
Status with_slots(const Pool& pool, const int32_t* table, int64_t lo, int64_t hi, bool write_back,
                  const HostBlocksFn& fn) {
  if (hi <= lo) return Status();
  if (!pool.on_device()) {
    fn(pool.view(), table);
    return Status();
  }
  const int bs = pool.config().block_size;
  return on_host_copy(pool, table, lo / bs, (hi - 1) / bs, write_back, fn);
}

}  // namespace
}  // namespace lckv

using namespace lckv;

extern "C" {

int64_t lckv_pool_bytes_per_block(int32_t num_kv_layers, int32_t num_kv_heads, int32_t head_dim,
                                  int32_t block_size, int32_t dtype) {
  if (!valid_dtype(dtype)) {
    t_last_error = concat("lckv_pool_bytes_per_block: dtype = ", dtype, " is not a LCKV_DTYPE");
    return -LCKV_ERR_INVALID_ARGUMENT;
  }
  const PoolConfig c = make_config(num_kv_layers, num_kv_heads, head_dim, block_size, 1, dtype, -1);
  const Status s = check_config(c);
  if (!s.ok()) {
    t_last_error = concat("lckv_pool_bytes_per_block: ", s.message());
    return -s.code();
  }
  return bytes_per_block(c);
}

int32_t lckv_pool_create(int32_t num_kv_layers, int32_t num_kv_heads, int32_t head_dim,
                         int32_t block_size, int32_t num_blocks, int32_t dtype, int32_t device,
                         int64_t* handle_out) {
  return guarded("lckv_pool_create", [&] {
    if (!valid_dtype(dtype)) return invalid("dtype = ", dtype, " is not LCKV_DTYPE_F32/F16/BF16");
    return create_pool(make_config(num_kv_layers, num_kv_heads, head_dim, block_size, num_blocks,
                                   dtype, device),
                       handle_out);
  });
}

int32_t lckv_pool_destroy(int64_t handle) {
  return guarded("lckv_pool_destroy", [&] { return destroy_pool(handle); });
}

int32_t lckv_pool_stats(int64_t handle, int64_t* out, int32_t capacity) {
  return guarded("lckv_pool_stats", [&] {
    if (out == nullptr && capacity > 0) return invalid("out is NULL");
    std::shared_ptr<Pool> pool;
    Status s = find_pool(handle, &pool);
    if (!s.ok()) return s;
    const PoolConfig& c = pool->config();
    PoolCounters& n = pool->counters();
    const int64_t values[LCKV_POOL_STATS_FIELDS] = {
        c.num_kv_layers, c.num_kv_heads, c.head_dim, c.block_size,
        c.num_blocks, static_cast<int64_t>(c.dtype), c.device, bytes_per_block(c),
        bytes_per_block(c) * c.num_blocks, n.attention_calls.load(), n.commit_calls.load(),
        n.committed_tokens.load()};
    for (int32_t i = 0; i < capacity && i < LCKV_POOL_STATS_FIELDS; ++i) out[i] = values[i];
    return Status();
  });
}

int32_t lckv_pool_write_slots(int64_t handle, int32_t kv_layer, const int32_t* block_table,
                              int32_t table_len, int32_t start, int32_t count, const float* k,
                              const float* v) {
  return guarded("lckv_pool_write_slots", [&] {
    std::shared_ptr<Pool> pool;
    Status s = find_slot_range(handle, kv_layer, block_table, table_len, start, count, &pool);
    if (!s.ok()) return s;
    if (count > 0 && (k == nullptr || v == nullptr)) return invalid("k or v is NULL");
    return with_slots(*pool, block_table, start, int64_t{start} + count, true,
                      [&](const PoolView& view, const int32_t* table) {
                        write_slots(view, kv_layer, table, start, count, k, v);
                      });
  });
}

int32_t lckv_pool_read_slots(int64_t handle, int32_t kv_layer, const int32_t* block_table,
                             int32_t table_len, int32_t start, int32_t count, float* k_out,
                             float* v_out) {
  return guarded("lckv_pool_read_slots", [&] {
    std::shared_ptr<Pool> pool;
    Status s = find_slot_range(handle, kv_layer, block_table, table_len, start, count, &pool);
    if (!s.ok()) return s;
    if (count > 0 && (k_out == nullptr || v_out == nullptr)) return invalid("k_out or v_out is NULL");
    return with_slots(*pool, block_table, start, int64_t{start} + count, false,
                      [&](const PoolView& view, const int32_t* table) {
                        read_slots(view, kv_layer, table, start, count, k_out, v_out);
                      });
  });
}

const char* lckv_last_error(void) { return t_last_error.c_str(); }

const char* lckv_ops_version(void) { return kVersion; }

}  // extern "C"
