#include "ops/checks.h"

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

// block_table [B, max_blocks] and cache_lens [B, Lh]; `extra` slots past each length must also
// be addressable (the commit's n new tokens).
Status check_tables(const TensorRef& table, const TensorRef& lens, const PoolConfig& c, int64_t B,
                    int64_t kv_heads, int64_t extra) {
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
  const int64_t max_blocks = table.dims[1], Lh = lens.dims[1];
  const auto* tv = static_cast<const int32_t*>(table.data);
  const auto* lv = static_cast<const int32_t*>(lens.data);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t g = 0; g < Lh; ++g) {
      const int64_t len = lv[b * Lh + g];
      if (len < 0) return invalid("input 'cache_lens' entry (", b, ", ", g, ") = ", len, " is negative");
      const int64_t begin = extra > 0 ? len : 0;
      s = check_slot_range(c, tv + b * max_blocks, max_blocks, begin, len + extra, "block_table");
      if (!s.ok()) {
        // Built only on failure: this loop runs for every sequence of every call.
        const std::string what = concat("input 'block_table' row ", b, " (cache_lens (", b, ", ", g,
                                        ") = ", len, extra > 0 ? concat(", plus ", extra, " new") : "", ")");
        return check_slot_range(c, tv + b * max_blocks, max_blocks, begin, len + extra, what.c_str());
      }
    }
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
  return Status();
}

Status check_attrs(const CommitAttrs& a) {
  if (a.num_kv_heads < 1 || a.num_kv_heads > kMaxDimension)
    return invalid("attribute num_kv_heads = ", a.num_kv_heads, " must be >= 1");
  if (a.head_dim < 1 || a.head_dim > kMaxDimension)
    return invalid("attribute head_dim = ", a.head_dim, " must be >= 1");
  if (a.kv_layer < 0 || a.kv_layer > kMaxDimension)
    return invalid("attribute kv_layer = ", a.kv_layer, " must be >= 0");
  return Status();
}

Status check_attention(const AttentionAttrs& a, const TensorRef* in, int input_count, int device,
                       CheckedAttention* out) {
  if (input_count < kSinks || input_count > kAttentionInputs)
    return invalid("takes 6 or 7 inputs, got ", input_count);
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
  s = check_tables(in[kBlockTable], in[kCacheLens], out->pool->config(), B, KvH, 0);
  if (!s.ok()) return s;
  const bool has_sinks = input_count > kSinks && in[kSinks].present;
  if (has_sinks) {
    s = expect(in[kSinks], "sinks", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, 1);
    if (!s.ok()) return s;
    if (in[kSinks].dims[0] != B)
      return invalid("input 'sinks' has shape ", in[kSinks].shape(), ", expected [", B, "]");
    const auto* sv = static_cast<const int32_t*>(in[kSinks].data);
    for (int64_t b = 0; b < B; ++b) {
      if (sv[b] < 0) return invalid("input 'sinks' entry ", b, " = ", sv[b], " is negative");
    }
  }

  out->act_type = in[kQ].type;
  AttentionProblem& p = out->problem;
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
  p.cache_lens = static_cast<const int32_t*>(in[kCacheLens].data);
  p.sinks = has_sinks ? static_cast<const int32_t*>(in[kSinks].data) : nullptr;
  // Positions must stay int32 all the way: len + n is the largest one a kernel forms.
  for (int64_t e = 0; e < B * p.Lh; ++e) {
    if (p.cache_lens[e] + n > kMaxDimension)
      return invalid("input 'cache_lens' entry ", e, " = ", p.cache_lens[e], " plus n = ", n,
                     " exceeds int32 positions");
  }
  return Status();
}

Status check_commit(const CommitAttrs& a, const TensorRef* in, int input_count, int device,
                    CheckedCommit* out) {
  if (input_count < kCommitFixedInputs + 1)
    return invalid("takes 5 inputs plus at least one 'after' input, got ", input_count);
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
  const TensorRef& lens = in[kCCacheLens];
  if (lens.present && lens.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 && lens.rank == 2 &&
      lens.data != nullptr) {
    for (int64_t e = 0; e < lens.elements(); ++e) {
      if (static_cast<const int32_t*>(lens.data)[e] + n > kMaxDimension)
        return invalid("input 'cache_lens' entry ", e, " plus n = ", n, " exceeds int32 positions");
    }
  }
  s = check_tables(in[kCBlockTable], lens, out->pool->config(), B, KvH, n);
  if (!s.ok()) return s;

  out->act_type = in[kCKWork].type;
  CommitProblem& p = out->problem;
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
