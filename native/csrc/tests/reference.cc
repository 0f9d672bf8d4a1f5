#include "tests/reference.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <cstring>
#include <stdexcept>

#include "common/dtype.h"

namespace lckv::test {

float round_to(int32_t dtype, float x) {
  if (dtype == LCKV_DTYPE_F16) return half_to_float(float_to_half(x));
  if (dtype == LCKV_DTYPE_BF16) return bf16_to_float(float_to_bf16(x));
  return x;
}

std::vector<float> inv_freq(int rotary_dim, float theta) {
  std::vector<float> f(rotary_dim / 2);
  for (int c = 0; c < rotary_dim / 2; ++c)
    f[c] = 1.0f / std::pow(theta, static_cast<float>(2 * c) / static_cast<float>(rotary_dim));
  return f;
}

Fixture::Fixture(const Scenario& s, uint32_t seed) : sc(s) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  auto fill = [&](std::vector<float>& v, size_t count) {
    v.resize(count);
    for (float& x : v) x = uni(rng);
  };
  fill(q, static_cast<size_t>(s.B) * s.n * s.H * s.D);
  fill(k_work, static_cast<size_t>(s.B) * s.n * s.KvH * s.D);
  fill(v_work, k_work.size());
  out.assign(q.size(), -7.0f);  // poison: every element must be written

  lens.assign(s.lens.begin(), s.lens.end());
  sinks.assign(s.sinks.begin(), s.sinks.end());
  offsets.assign(s.recent_offsets.begin(), s.recent_offsets.end());
  rope_flags.assign(s.rope_at_read.begin(), s.rope_at_read.end());
  if (s.rotary_dim > 0) freq = inv_freq(s.rotary_dim, s.rope_theta);

  // The table columns each sequence's entries (plus room) occupy under the slot mapping.
  std::vector<std::vector<bool>> used(s.B);
  for (int b = 0; b < s.B; ++b) {
    int need = 0;
    for (int g = 0; g < s.KvH; ++g) need = std::max(need, s.len(b, g) + s.room);
    for (int e = 0; e < need; ++e) {
      const size_t column = s.slot(b, e) / s.block_size;
      if (used[b].size() <= column) used[b].resize(column + 1, false);
      used[b][column] = true;
    }
    max_blocks = std::max(max_blocks, static_cast<int>(used[b].size()));
  }
  max_blocks += 1;  // one spare column, never read
  int needed_blocks = 0;
  for (const auto& u : used) needed_blocks += static_cast<int>(std::count(u.begin(), u.end(), true));
  const int num_blocks = needed_blocks + s.extra_blocks;
  std::vector<int32_t> ids(num_blocks);
  std::iota(ids.begin(), ids.end(), 0);
  std::shuffle(ids.begin(), ids.end(), rng);
  table.assign(static_cast<size_t>(s.B) * max_blocks, -1);
  size_t next = 0;
  for (int b = 0; b < s.B; ++b) {
    for (size_t t = 0; t < used[b].size(); ++t) {
      if (used[b][t]) table[b * max_blocks + t] = ids[next++];
    }
  }
  free_ids.assign(ids.begin() + next, ids.end());

  PoolConfig c;
  c.num_kv_layers = 2;  // the problem reads layer 1: layer offsets must be right
  c.num_kv_heads = s.KvH;
  c.head_dim = s.D;
  c.block_size = s.block_size;
  c.num_blocks = num_blocks;
  c.dtype = static_cast<Dtype>(s.dtype);
  Status st = create_pool(c, &handle);
  if (!st.ok()) throw std::runtime_error(st.message());
  st = find_pool(handle, &pool);
  if (!st.ok()) throw std::runtime_error(st.message());

  auto* base = static_cast<uint8_t*>(pool->view().data);
  const int esize = dtype_size(c.dtype);
  auto put = [&](int64_t element, float x) {
    uint8_t* dst = base + element * esize;
    if (s.dtype == LCKV_DTYPE_F32) {
      std::memcpy(dst, &x, 4);
    } else {
      const uint16_t h = s.dtype == LCKV_DTYPE_F16 ? float_to_half(x) : float_to_bf16(x);
      std::memcpy(dst, &h, 2);
    }
  };
  const int64_t elements = block_elements(c) * num_blocks;
  for (int64_t e = 0; e < elements; ++e) put(e, std::nanf(""));

  // Every entry of every head gets its own random vector; layer 0 gets different noise.
  cache_k.resize(static_cast<size_t>(s.B) * s.KvH);
  cache_v.resize(cache_k.size());
  for (int layer = 0; layer < 2; ++layer) {
    for (int b = 0; b < s.B; ++b) {
      for (int g = 0; g < s.KvH; ++g) {
        std::vector<float> kk, vv;
        fill(kk, static_cast<size_t>(s.len(b, g)) * s.D);
        fill(vv, kk.size());
        for (int j = 0; j < s.len(b, g); ++j) {
          const int slot = s.slot(b, j);
          const int block = table[b * max_blocks + slot / s.block_size];
          for (int kv = 0; kv < 2; ++kv) {
            const int64_t off = pool->view().tile(layer, block, kv, g) +
                                static_cast<int64_t>(slot % s.block_size) * s.D;
            for (int d = 0; d < s.D; ++d) {
              float& x = (kv == 0 ? kk : vv)[j * s.D + d];
              x = round_to(s.dtype, x);
              put(off + d, x);
            }
          }
        }
        if (layer == 1) {
          cache_k[b * s.KvH + g] = kk;
          cache_v[b * s.KvH + g] = vv;
        }
      }
    }
  }
}

Fixture::~Fixture() {
  pool.reset();
  destroy_pool(handle);
}

SequenceLayout Fixture::layout(int positions) {
  SequenceLayout l;
  l.sinks = sinks.empty() ? nullptr : sinks.data();
  l.recent_offset = offsets.empty() ? nullptr : offsets.data();
  l.rope_at_read = rope_flags.empty() ? nullptr : rope_flags.data();
  l.rope_half = sc.rotary_dim / 2;
  bool rotating = false;
  for (int b = 0; b < sc.B; ++b) rotating |= sc.rotates(b);
  if (rotating && positions > 0) {
    rope_rows = rope_table(freq)->covering(positions);
    l.rope = rope_rows->data();
    l.rope_positions = positions;
  }
  return l;
}

AttentionProblem Fixture::problem() {
  AttentionProblem p;
  p.B = sc.B;
  p.n = sc.n;
  p.H = sc.H;
  p.KvH = sc.KvH;
  p.D = sc.D;
  p.Lh = sc.Lh();
  p.max_blocks = max_blocks;
  p.kv_layer = 1;
  p.nodiag = sc.nodiag;
  p.window = sc.window;
  p.q = q.data();
  p.k_work = k_work.data();
  p.v_work = v_work.data();
  p.block_table = table.data();
  p.cache_lens = lens.data();
  int positions = 0;
  for (int b = 0; b < sc.B; ++b)
    for (int g = 0; g < sc.KvH && sc.rotates(b); ++g) positions = std::max(positions, sc.len(b, g));
  p.layout = layout(positions);
  p.out = out.data();
  return p;
}

std::vector<double> reference_attention(const Fixture& f) {
  const Scenario& s = f.sc;
  std::vector<double> result(f.q.size(), 0.0);
  const int group = s.H / s.KvH;
  for (int b = 0; b < s.B; ++b) {
    for (int i = 0; i < s.n; ++i) {
      for (int h = 0; h < s.H; ++h) {
        const int g = h / group;
        const int len = s.len(b, g);
        const int p = len + i;
        // All keys in index order: committed entries (a rope-at-read sequence's rotated at
        // their index), then the working keys, which the graph rotated already.
        std::vector<std::vector<double>> keys;
        std::vector<const float*> values;
        std::vector<int> positions;
        for (int j = 0; j < len; ++j) {
          const float* stored = &f.cache_k[b * s.KvH + g][j * s.D];
          keys.push_back(s.rotates(b) ? rope_exact(stored, s.D, f.freq, j)
                                      : std::vector<double>(stored, stored + s.D));
          values.push_back(&f.cache_v[b * s.KvH + g][j * s.D]);
          positions.push_back(j);
        }
        for (int k = 0; k < s.n; ++k) {
          const size_t row = ((static_cast<size_t>(b) * s.n + k) * s.KvH + g) * s.D;
          keys.emplace_back(&f.k_work[row], &f.k_work[row] + s.D);
          values.push_back(&f.v_work[row]);
          positions.push_back(len + k);
        }
        std::vector<double> logits;
        std::vector<size_t> used;
        for (size_t e = 0; e < keys.size(); ++e) {
          const int j = positions[e];
          const bool causal = s.nodiag ? j < p : j <= p;
          // The spec's window, (p - W, p], over entry indices: sinks get no exemption.
          const bool in_window = s.window == 0 || j > p - s.window;
          if (!causal || !in_window) continue;
          double dot = 0;
          const float* qv = &f.q[((static_cast<size_t>(b) * s.n + i) * s.H + h) * s.D];
          for (int d = 0; d < s.D; ++d) dot += static_cast<double>(qv[d]) * keys[e][d];
          logits.push_back(dot / std::sqrt(static_cast<double>(s.D)));
          used.push_back(e);
        }
        double* out = &result[((static_cast<size_t>(b) * s.n + i) * s.H + h) * s.D];
        if (used.empty()) continue;  // no key: exact zero
        const double mx = *std::max_element(logits.begin(), logits.end());
        double sum = 0;
        for (double& l : logits) sum += (l = std::exp(l - mx));
        for (size_t u = 0; u < used.size(); ++u)
          for (int d = 0; d < s.D; ++d) out[d] += logits[u] / sum * values[used[u]][d];
      }
    }
  }
  return result;
}

std::vector<float> rope(const std::vector<float>& x, const std::vector<float>& inv_freq,
                        int rotary_dim, int64_t pos) {
  std::vector<float> y = x;
  const int half = rotary_dim / 2;
  for (int c = 0; c < half; ++c) {
    const float angle = static_cast<float>(pos) * inv_freq[c];
    const float cs = std::cos(angle), sn = std::sin(angle);
    y[c] = x[c] * cs - x[c + half] * sn;
    y[c + half] = x[c + half] * cs + x[c] * sn;
  }
  return y;
}

}  // namespace lckv::test

namespace lckv::test {

std::vector<double> rope_exact(const float* x, int dim, const std::vector<float>& inv_freq,
                               int64_t pos) {
  std::vector<double> y(x, x + dim);
  const int half = static_cast<int>(inv_freq.size());
  for (int c = 0; c < half; ++c) {
    const double angle = static_cast<float>(pos) * inv_freq[c];
    const double cs = std::cos(angle), sn = std::sin(angle);
    y[c] = x[c] * cs - x[c + half] * sn;
    y[c + half] = x[c + half] * cs + x[c] * sn;
  }
  return y;
}

}  // namespace lckv::test

namespace lckv::test {

int StreamingBlocks::prepare(int n, std::vector<int32_t>& free) {
  const int sink_blocks = (sinks + bs - 1) / bs;
  const int evicted = static_cast<int>(std::max<long>(0, length + n - window));
  length -= evicted;
  recent_offset += evicted;
  while (recent_offset >= bs) {
    free.push_back(blocks[sink_blocks]);
    blocks.erase(blocks.begin() + sink_blocks);
    recent_offset -= bs;
  }
  const int entries = length + n;
  const int needed = entries <= sinks ? (entries + bs - 1) / bs
                                      : sink_blocks + (recent_offset + entries - sinks + bs - 1) / bs;
  while (static_cast<int>(blocks.size()) < needed) {
    blocks.push_back(free.back());
    free.pop_back();
  }
  return evicted;
}

std::vector<double> attend(const float* q, int H, int KvH, int D, const std::vector<std::vector<double>>& keys,
                           const std::vector<std::vector<double>>& values) {
  std::vector<double> out(static_cast<size_t>(H) * D, 0.0);
  for (int h = 0; h < H; ++h) {
    const int g = h / (H / KvH);
    std::vector<double> w(keys.size());
    double top = -INFINITY, sum = 0;
    for (size_t e = 0; e < keys.size(); ++e) {
      double dot = 0;
      for (int d = 0; d < D; ++d) dot += q[h * D + d] * keys[e][g * D + d];
      w[e] = dot / std::sqrt(static_cast<double>(D));
      top = std::max(top, w[e]);
    }
    for (double& x : w) sum += (x = std::exp(x - top));
    for (size_t e = 0; e < keys.size(); ++e)
      for (int d = 0; d < D; ++d) out[h * D + d] += w[e] / sum * values[e][g * D + d];
  }
  return out;
}

}  // namespace lckv::test
