#include "pool/slots.h"

#include <cmath>
#include <cstring>
#include <vector>

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

// The rotation that moves a key stored at position `from` to position `to`: cos and sin of
// fl(to * f) - fl(from * f) for each of the rotary_dim / 2 frequencies f.
void rerotation(const float* inv_freq, int half, int64_t from, int64_t to, float* cos_out,
                float* sin_out) {
  for (int c = 0; c < half; ++c) {
    // The angles are the float32 products HF computes; their difference is taken in double so
    // the composed rotation equals "unrotate at `from`, rotate at `to`" to double precision.
    const float a_from = static_cast<float>(from) * inv_freq[c];
    const float a_to = static_cast<float>(to) * inv_freq[c];
    const double delta = static_cast<double>(a_to) - static_cast<double>(a_from);
    cos_out[c] = static_cast<float>(std::cos(delta));
    sin_out[c] = static_cast<float>(std::sin(delta));
  }
}

template <typename S>
void shift_rows(const PoolView& p, const int32_t* table, int64_t src, int64_t dst, int64_t count,
                const float* inv_freq, int rotary_dim) {
  const int heads = p.config.num_kv_heads, dim = p.config.head_dim;
  const int half = rotary_dim / 2;
  std::vector<float> cosv(half), sinv(half);
  for (int64_t i = 0; i < count; ++i) {
    rerotation(inv_freq, half, src + i, dst + i, cosv.data(), sinv.data());
    for (int layer = 0; layer < p.config.num_kv_layers; ++layer) {
      for (int h = 0; h < heads; ++h) {
        const auto* ks = element<S>(p, layer, table, src + i, 0, h);
        auto* kd = element<S>(p, layer, table, dst + i, 0, h);
        for (int c = 0; c < half; ++c) {
          const float x1 = S::load(ks[c]), x2 = S::load(ks[c + half]);
          kd[c] = S::store(x1 * cosv[c] - x2 * sinv[c]);
          kd[c + half] = S::store(x2 * cosv[c] + x1 * sinv[c]);
        }
        for (int d = rotary_dim; d < dim; ++d) kd[d] = ks[d];
        std::memcpy(element<S>(p, layer, table, dst + i, 1, h),
                    element<S>(p, layer, table, src + i, 1, h), sizeof(typename S::type) * dim);
      }
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

void shift_slots(const PoolView& pool, const int32_t* table, int64_t src, int64_t dst,
                 int64_t count, const float* inv_freq, int rotary_dim) {
  switch (pool.config.dtype) {
    case Dtype::F32: return shift_rows<F32Storage>(pool, table, src, dst, count, inv_freq, rotary_dim);
    case Dtype::F16: return shift_rows<F16Storage>(pool, table, src, dst, count, inv_freq, rotary_dim);
    case Dtype::BF16:
      return shift_rows<BF16Storage>(pool, table, src, dst, count, inv_freq, rotary_dim);
  }
}

}  // namespace lckv
