#include "ops/checks.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pool/table.h"

namespace lckv {
namespace {

constexpr int64_t kMaxDimension = std::numeric_limits<int32_t>::max();

const char* type_name(ONNXTensorElementDataType t) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return "float32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return "float16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16: return "bfloat16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return "float64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return "int64";
    default: return "another element type";
  }
}

Status expect(const TensorRef& t, const char* name, ONNXTensorElementDataType type, int rank) {
  if (!t.present) return invalid("input '", name, "' is missing");
  if (t.type != type)
    return invalid("input '", name, "' is ", type_name(t.type), ", expected ", type_name(type));
  if (t.rank != rank)
    return invalid("input '", name, "' has shape ", t.shape(), ", expected rank ", rank);
  for (int i = 0; i < t.rank; ++i) {
    if (t.dims[i] < 0 || t.dims[i] > kMaxDimension)
      return invalid("input '", name, "' has shape ", t.shape(), ": dimension out of range");
  }
  if (t.elements() > 0 && t.data == nullptr) return invalid("input '", name, "' has no data");
  return Status();
}

Status expect_dims(const TensorRef& t, const char* name, int64_t d0, int64_t d1, int64_t d2,
                   const char* expected) {
  const int64_t want[3] = {d0, d1, d2};
  for (int i = 0; i < t.rank; ++i) {
    if (t.dims[i] != want[i])
      return invalid("input '", name, "' has shape ", t.shape(), ", expected ", expected, " = [",
                     d0, ", ", d1, t.rank > 2 ? ", " : "", t.rank > 2 ? std::to_string(d2) : "",
                     "]");
  }
  return Status();
}

Status expect_activation(const TensorRef& t, const char* name) {
  if (!t.present) return invalid("input '", name, "' is missing");
  if (t.type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT && t.type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16)
    return invalid("input '", name, "' is ", type_name(t.type), ", expected float32 or float16");
  return expect(t, name, t.type, 3);
}

// The pool input: an int64 scalar or [1] naming a live pool that fits the node.
Status find_node_pool(const TensorRef& t, int64_t kv_layer, int64_t kv_heads, int64_t head_dim,
                      int device, std::shared_ptr<Pool>* out) {
  if (!t.present) return invalid("input 'pool' is missing");
  if (t.type != ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64)
    return invalid("input 'pool' is ", type_name(t.type), ", expected int64");
  if (!(t.rank == 0 || (t.rank == 1 && t.dims[0] == 1)))
    return invalid("input 'pool' has shape ", t.shape(), ", expected [] or [1]");
  if (t.data == nullptr) return invalid("input 'pool' has no data");
  const int64_t handle = *static_cast<const int64_t*>(t.data);
  Status s = find_pool(handle, out);
  if (!s.ok()) return Status(s.code(), concat("input 'pool' = ", handle, ": ", s.message()));
  const PoolConfig& c = (*out)->config();
  if (kv_layer >= c.num_kv_layers)
    return invalid("attribute kv_layer = ", kv_layer, " but pool ", handle, " holds ",
                   c.num_kv_layers, " KV layers");
  if (kv_heads != c.num_kv_heads)
    return invalid("attribute num_kv_heads = ", kv_heads, " but pool ", handle, " has ",
                   c.num_kv_heads);
  if (head_dim != c.head_dim)
    return invalid("attribute head_dim = ", head_dim, " but pool ", handle, " has ", c.head_dim);
  if (c.device != device) {
    return invalid("input 'pool' = ", handle, " lives on ",
                   c.device < 0 ? std::string("the host") : concat("CUDA device ", c.device),
                   " but this kernel runs on ",
                   device < 0 ? std::string("the CPU") : concat("CUDA device ", device));
  }
  return Status();
}

// An optional int32 [B] input (sinks, recent_offset, rope_at_read): null when absent.
Status per_sequence(const TensorRef* in, int input_count, int index, const char* name, int64_t B,
                    const int32_t** out) {
  *out = nullptr;
  if (index >= input_count || !in[index].present) return Status();
  const TensorRef& t = in[index];
  Status s = expect(t, name, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, 1);
  if (!s.ok()) return s;
  if (t.dims[0] != B) return invalid("input '", name, "' has shape ", t.shape(), ", expected [", B, "]");
  *out = static_cast<const int32_t*>(t.data);
  return Status();
}

// sinks, recent_offset and rope_at_read (README section 2), and the rope attributes that
// rope_at_read needs; fills `layout` with them.
Status check_layout(const TensorRef* in, int input_count, const int indices[3], int64_t B,
                    const PoolConfig& c, const RopeAttrs& rope, SequenceLayout* layout) {
  Status s = per_sequence(in, input_count, indices[0], "sinks", B, &layout->sinks);
  if (s.ok()) s = per_sequence(in, input_count, indices[1], "recent_offset", B, &layout->recent_offset);
  if (s.ok()) s = per_sequence(in, input_count, indices[2], "rope_at_read", B, &layout->rope_at_read);
  if (!s.ok()) return s;
  for (int64_t b = 0; b < B; ++b) {
    if (layout->sinks != nullptr && layout->sinks[b] < 0)
      return invalid("input 'sinks' entry ", b, " = ", layout->sinks[b], " is negative");
    if (layout->recent_offset != nullptr &&
        (layout->recent_offset[b] < 0 || layout->recent_offset[b] >= c.block_size))
      return invalid("input 'recent_offset' entry ", b, " = ", layout->recent_offset[b],
                     " must be in 0..", c.block_size - 1, " (the pool's block_size is ", c.block_size,
                     "; drop a whole block from the table instead)");
    if (layout->rope_at_read != nullptr) {
      const int32_t r = layout->rope_at_read[b];
      if (r != 0 && r != 1) return invalid("input 'rope_at_read' entry ", b, " = ", r, " must be 0 or 1");
      if (r == 1 && !rope.present())
        return invalid("input 'rope_at_read' entry ", b,
                       " = 1 asks for rope at read time, but the node has no rope_inv_freq and "
                       "rotary_dim attributes");
    }
  }
  if (rope.present()) layout->rope_half = static_cast<int>(rope.rotary_dim / 2);
  return Status();
}

// block_table [B, max_blocks] and cache_lens [B, Lh]: the slots of entries [len, len + extra)
// (the commit's new tokens) or, with extra = 0, [0, len) (what attention reads) must be
// addressable through the layout's slot mapping. Sets layout->rope_positions to the rows a
// rope-at-read sequence needs: every index it touches.
Status check_tables(const TensorRef& table, const TensorRef& lens, const PoolConfig& c, int64_t B,
                    int64_t kv_heads, int64_t extra, SequenceLayout* layout) {
  Status s = expect(table, "block_table", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, 2);
  if (!s.ok()) return s;
  if (table.dims[0] != B)
    return invalid("input 'block_table' has shape ", table.shape(), ", expected [", B,
                   ", max_blocks]");
  s = expect(lens, "cache_lens", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, 2);
  if (!s.ok()) return s;
  if (lens.dims[0] != B || (lens.dims[1] != 1 && lens.dims[1] != kv_heads))
    return invalid("input 'cache_lens' has shape ", lens.shape(), ", expected [", B, ", 1] or [",
                   B, ", ", kv_heads, "]");
  const int64_t max_blocks = table.dims[1], Lh = lens.dims[1], bs = c.block_size;
  const auto* tv = static_cast<const int32_t*>(table.data);
  const auto* lv = static_cast<const int32_t*>(lens.data);
  layout->rope_positions = 0;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t sinks = layout->sink(static_cast<int>(b));
    const int64_t offset = layout->recent_offset == nullptr ? 0 : layout->recent_offset[b];
    const int64_t base = (sinks + bs - 1) / bs * bs + offset;
    for (int64_t g = 0; g < Lh; ++g) {
      const int64_t len = lv[b * Lh + g];
      if (len < 0) return invalid("input 'cache_lens' entry (", b, ", ", g, ") = ", len, " is negative");
      if (len + extra > kMaxDimension)
        return invalid("input 'cache_lens' entry (", b, ", ", g, ") = ", len, " plus n = ", extra,
                       " exceeds int32 positions");
      const int64_t begin = extra > 0 ? len : 0, end = len + extra;
      const int64_t recent_end = end > sinks ? base + (end - sinks) : base;
      if (recent_end > kMaxDimension)
        return invalid("input 'sinks' entry ", b, " = ", sinks, " with recent_offset ", offset,
                       " puts entry ", end - 1, " of sequence ", b, " past int32 slots");
      if (layout->rotates(static_cast<int>(b)) && end > layout->rope_positions)
        layout->rope_positions = static_cast<int>(end);
      // The sinks' slots, then the recent entries' (either range may be empty).
      const int64_t ranges[2][2] = {{begin, std::min(end, sinks)},
                                    {base + std::max<int64_t>(0, begin - sinks), recent_end}};
      for (const auto& r : ranges) {
        s = check_slot_range(c, tv + b * max_blocks, max_blocks, r[0], r[1], "block_table");
        if (s.ok()) continue;
        // Built only on failure: this loop runs for every sequence of every call.
        const std::string what =
            concat("input 'block_table' row ", b, " (cache_lens (", b, ", ", g, ") = ", len,
                   extra > 0 ? concat(", plus ", extra, " new") : "",
                   sinks != 0 || offset != 0 ? concat(", sinks ", sinks, ", recent_offset ", offset) : "",
                   ")");
        return check_slot_range(c, tv + b * max_blocks, max_blocks, r[0], r[1], what.c_str());
      }
    }
  }
  return Status();
}

Status check_rope_attrs(const RopeAttrs& r, int64_t head_dim) {
  if (!r.present()) return Status();
  if (r.rotary_dim == 0)
    return invalid("attribute 'rotary_dim' (int) is missing (rope_inv_freq has ", r.inv_freq.size(),
                   " values)");
  if (r.rotary_dim < 2 || r.rotary_dim % 2 != 0 || r.rotary_dim > head_dim)
    return invalid("attribute rotary_dim = ", r.rotary_dim, " must be even and in 2..head_dim (",
                   head_dim, ")");
  if (r.inv_freq.empty())
    return invalid("attribute 'rope_inv_freq' (floats) is missing (rotary_dim = ", r.rotary_dim, ")");
  if (static_cast<int64_t>(r.inv_freq.size()) != r.rotary_dim / 2)
    return invalid("attribute 'rope_inv_freq' has ", r.inv_freq.size(), " values, expected rotary_dim / 2 = ",
                   r.rotary_dim / 2);
  for (size_t c = 0; c < r.inv_freq.size(); ++c) {
    if (!std::isfinite(r.inv_freq[c]))
      return invalid("attribute 'rope_inv_freq' value ", c, " = ", r.inv_freq[c], " is not finite");
  }
  return Status();
}

}  // namespace

int64_t TensorRef::elements() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) n *= dims[i];
  return n;
}

std::string TensorRef::shape() const {
  std::string out = "[";
  for (int i = 0; i < rank; ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

Status check_attrs(const AttentionAttrs& a) {
  if (a.num_kv_heads < 1 || a.num_kv_heads > kMaxDimension)
    return invalid("attribute num_kv_heads = ", a.num_kv_heads, " must be >= 1");
  if (a.num_heads < 1 || a.num_heads > kMaxDimension || a.num_heads % a.num_kv_heads != 0)
    return invalid("attribute num_heads = ", a.num_heads, " must be a positive multiple of num_kv_heads = ",
                   a.num_kv_heads);
  if (a.head_dim < 1 || a.head_dim > kMaxDimension)
    return invalid("attribute head_dim = ", a.head_dim, " must be >= 1");
  if (a.kv_layer < 0 || a.kv_layer > kMaxDimension)
    return invalid("attribute kv_layer = ", a.kv_layer, " must be >= 0");
  if (a.nodiag != 0 && a.nodiag != 1) return invalid("attribute nodiag = ", a.nodiag, " must be 0 or 1");
  if (a.window < 0 || a.window > kMaxDimension)
    return invalid("attribute window = ", a.window, " must be >= 0 (0 = no window)");
  return check_rope_attrs(a.rope, a.head_dim);
}

Status check_attrs(const CommitAttrs& a) {
  if (a.num_kv_heads < 1 || a.num_kv_heads > kMaxDimension)
    return invalid("attribute num_kv_heads = ", a.num_kv_heads, " must be >= 1");
  if (a.head_dim < 1 || a.head_dim > kMaxDimension)
    return invalid("attribute head_dim = ", a.head_dim, " must be >= 1");
  if (a.kv_layer < 0 || a.kv_layer > kMaxDimension)
    return invalid("attribute kv_layer = ", a.kv_layer, " must be >= 0");
  return check_rope_attrs(a.rope, a.head_dim);
}

Status check_attention(const AttentionAttrs& a, const TensorRef* in, int input_count, int device,
                       CheckedAttention* out) {
  if (input_count < kSinks || input_count > kAttentionInputs)
    return invalid("takes 6 to 9 inputs, got ", input_count);
  const int64_t H = a.num_heads, KvH = a.num_kv_heads, D = a.head_dim;
  Status s = expect_activation(in[kQ], "q");
  if (!s.ok()) return s;
  const int64_t B = in[kQ].dims[0], n = in[kQ].dims[1];
  if (in[kQ].dims[2] != H * D)
    return invalid("input 'q' has shape ", in[kQ].shape(), ", expected [B, n, num_heads*head_dim = ",
                   H * D, "]");
  const char* names[2] = {"k_work", "v_work"};
  for (int i = 0; i < 2; ++i) {
    const TensorRef& t = in[kKWork + i];
    s = expect(t, names[i], in[kQ].type, 3);
    if (!s.ok()) return s;
    s = expect_dims(t, names[i], B, n, KvH * D, "[B, n, num_kv_heads*head_dim]");
    if (!s.ok()) return s;
  }
  s = find_node_pool(in[kPool], a.kv_layer, KvH, D, device, &out->pool);
  if (!s.ok()) return s;
  AttentionProblem& p = out->problem;
  const int layout_inputs[3] = {kSinks, kRecentOffset, kRopeAtRead};
  s = check_layout(in, input_count, layout_inputs, B, out->pool->config(), a.rope, &p.layout);
  if (!s.ok()) return s;
  s = check_tables(in[kBlockTable], in[kCacheLens], out->pool->config(), B, KvH, 0, &p.layout);
  if (!s.ok()) return s;
  // Positions must stay int32 all the way: len + n is the largest one a kernel forms.
  const auto* lens = static_cast<const int32_t*>(in[kCacheLens].data);
  for (int64_t e = 0; e < in[kCacheLens].elements(); ++e) {
    if (lens[e] + n > kMaxDimension)
      return invalid("input 'cache_lens' entry ", e, " = ", lens[e], " plus n = ", n,
                     " exceeds int32 positions");
  }

  out->act_type = in[kQ].type;
  p.B = static_cast<int>(B);
  p.n = static_cast<int>(n);
  p.H = static_cast<int>(H);
  p.KvH = static_cast<int>(KvH);
  p.D = static_cast<int>(D);
  p.Lh = static_cast<int>(in[kCacheLens].dims[1]);
  p.max_blocks = static_cast<int>(in[kBlockTable].dims[1]);
  p.kv_layer = static_cast<int>(a.kv_layer);
  p.nodiag = static_cast<int>(a.nodiag);
  p.window = static_cast<int>(a.window);
  p.block_table = static_cast<const int32_t*>(in[kBlockTable].data);
  p.cache_lens = lens;
  return Status();
}

Status check_commit(const CommitAttrs& a, const TensorRef* in, int input_count, int device,
                    CheckedCommit* out) {
  if (input_count < kCommitFixedInputs + 1)
    return invalid("takes 8 inputs (the last three optional) plus at least one 'after' input, got ",
                   input_count);
  const int64_t KvH = a.num_kv_heads, D = a.head_dim;
  Status s = expect_activation(in[kCKWork], "k_work");
  if (!s.ok()) return s;
  const int64_t B = in[kCKWork].dims[0], n = in[kCKWork].dims[1];
  s = expect_dims(in[kCKWork], "k_work", B, n, KvH * D, "[B, n, num_kv_heads*head_dim]");
  if (!s.ok()) return s;
  s = expect(in[kCVWork], "v_work", in[kCKWork].type, 3);
  if (!s.ok()) return s;
  s = expect_dims(in[kCVWork], "v_work", B, n, KvH * D, "k_work's shape");
  if (!s.ok()) return s;
  s = find_node_pool(in[kCPool], a.kv_layer, KvH, D, device, &out->pool);
  if (!s.ok()) return s;
  CommitProblem& p = out->problem;
  const int layout_inputs[3] = {kCSinks, kCRecentOffset, kCRopeAtRead};
  s = check_layout(in, input_count, layout_inputs, B, out->pool->config(), a.rope, &p.layout);
  if (!s.ok()) return s;
  const TensorRef& lens = in[kCCacheLens];
  s = check_tables(in[kCBlockTable], lens, out->pool->config(), B, KvH, n, &p.layout);
  if (!s.ok()) return s;

  out->act_type = in[kCKWork].type;
  p.B = static_cast<int>(B);
  p.n = static_cast<int>(n);
  p.KvH = static_cast<int>(KvH);
  p.D = static_cast<int>(D);
  p.Lh = static_cast<int>(lens.dims[1]);
  p.max_blocks = static_cast<int>(in[kCBlockTable].dims[1]);
  p.kv_layer = static_cast<int>(a.kv_layer);
  p.block_table = static_cast<const int32_t*>(in[kCBlockTable].data);
  p.cache_lens = static_cast<const int32_t*>(lens.data);
  return Status();
}

}  // namespace lckv
