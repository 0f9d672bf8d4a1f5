/* The KV pool's C API: a plain C ABI that Java calls through java.lang.foreign.
 * native/README.md section 4 is the contract; keep the two in step. */
#ifndef LCKV_POOL_H
#define LCKV_POOL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LCKV_API __attribute__((visibility("default")))

enum {
  LCKV_OK = 0,
  LCKV_ERR_INVALID_ARGUMENT = 1,
  LCKV_ERR_UNKNOWN_HANDLE = 2,
  LCKV_ERR_OUT_OF_MEMORY = 3,
  LCKV_ERR_DEVICE = 4
};

enum { LCKV_DTYPE_F32 = 0, LCKV_DTYPE_F16 = 1, LCKV_DTYPE_BF16 = 2 };

#define LCKV_DEVICE_CPU (-1)
#define LCKV_POOL_STATS_FIELDS 12

LCKV_API int64_t lckv_pool_bytes_per_block(int32_t num_kv_layers, int32_t num_kv_heads,
                                           int32_t head_dim, int32_t block_size, int32_t dtype);
LCKV_API int32_t lckv_pool_create(int32_t num_kv_layers, int32_t num_kv_heads, int32_t head_dim,
                                  int32_t block_size, int32_t num_blocks, int32_t dtype,
                                  int32_t device, int64_t* handle_out);
LCKV_API int32_t lckv_pool_destroy(int64_t handle);
LCKV_API int32_t lckv_pool_stats(int64_t handle, int64_t* out, int32_t capacity);
LCKV_API int32_t lckv_pool_write_slots(int64_t handle, int32_t kv_layer, const int32_t* block_table,
                                       int32_t table_len, int32_t start, int32_t count,
                                       const float* k, const float* v);
LCKV_API int32_t lckv_pool_read_slots(int64_t handle, int32_t kv_layer, const int32_t* block_table,
                                      int32_t table_len, int32_t start, int32_t count,
                                      float* k_out, float* v_out);
LCKV_API const char* lckv_last_error(void);
LCKV_API const char* lckv_ops_version(void);
LCKV_API int32_t lckv_ops_cuda_available(void);

#ifdef __cplusplus
}
#endif

#endif
