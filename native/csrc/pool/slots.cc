#include "pool/slots.h"

namespace lckv {

namespace {

template <typename S>
typename S::type* element(const PoolView& p, int layer, const int32_t* table, int64_t slot,
                          int kv, int head) {
  const int bs = p.config.block_size;
  auto* base = static_cast<typename S::type*>(p.data);
  return base + p.tile(layer, table[slot / bs], kv, head) + (slot % bs) * p.config.head_dim;
}

template <typename S>
void write_rows(const PoolView& p, int layer, const int32_t* table, int64_t start, int64_t count,
                const float* k, const float* v) {
  const int heads = p.config.num_kv_heads, dim = p.config.head_dim;
  for (int64_t i = 0; i < count; ++i) {
    for (int h = 0; h < heads; ++h) {
      const int64_t row = (i * heads + h) * dim;
      auto* kd = element<S>(p, layer, table, start + i, 0, h);
      auto* vd = element<S>(p, layer, table, start + i, 1, h);
      for (int d = 0; d < dim; ++d) kd[d] = S::store(k[row + d]);
      for (int d = 0; d < dim; ++d) vd[d] = S::store(v[row + d]);
    }
  }
}

template <typename S>
void read_rows(const PoolView& p, int layer, const int32_t* table, int64_t start, int64_t count,
               float* k, float* v) {
  const int heads = p.config.num_kv_heads, dim = p.config.head_dim;
  for (int64_t i = 0; i < count; ++i) {
    for (int h = 0; h < heads; ++h) {
      const int64_t row = (i * heads + h) * dim;
      const auto* ks = element<S>(p, layer, table, start + i, 0, h);
      const auto* vs = element<S>(p, layer, table, start + i, 1, h);
      for (int d = 0; d < dim; ++d) k[row + d] = S::load(ks[d]);
      for (int d = 0; d < dim; ++d) v[row + d] = S::load(vs[d]);
    }
  }
}

}  // namespace

void write_slots(const PoolView& pool, int layer, const int32_t* table, int64_t start,
                 int64_t count, const float* k, const float* v) {
  switch (pool.config.dtype) {
    case Dtype::F32: return write_rows<F32Storage>(pool, layer, table, start, count, k, v);
    case Dtype::F16: return write_rows<F16Storage>(pool, layer, table, start, count, k, v);
    case Dtype::BF16: return write_rows<BF16Storage>(pool, layer, table, start, count, k, v);
  }
}

void read_slots(const PoolView& pool, int layer, const int32_t* table, int64_t start,
                int64_t count, float* k, float* v) {
  switch (pool.config.dtype) {
    case Dtype::F32: return read_rows<F32Storage>(pool, layer, table, start, count, k, v);
    case Dtype::F16: return read_rows<F16Storage>(pool, layer, table, start, count, k, v);
    case Dtype::BF16: return read_rows<BF16Storage>(pool, layer, table, start, count, k, v);
  }
}

}  // namespace lckv
