#pragma once
// Validation of one op call against the contract (README section 3), independent of ORT's
// kernel context so the tests can drive every bad-call path directly. Each message names the
// input or attribute at fault; the adapters prefix the op name.
#include <onnxruntime_c_api.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "ops/problem.h"
#include "pool/pool.h"

namespace lckv {

constexpr int kMaxRank = 8;

// What an adapter knows about one input: type, shape and (host) data.
struct TensorRef {
  bool present = false;
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  const void* data = nullptr;

  int64_t elements() const;
  std::string shape() const;  // "[2, 3]"
};

// rope_inv_freq / rotary_dim: needed only by sequences that ask for rope at read time.
struct RopeAttrs {
  std::vector<float> inv_freq;  // rotary_dim / 2 values; empty: absent
  int64_t rotary_dim = 0;       // 0: absent

  bool present() const { return rotary_dim != 0 || !inv_freq.empty(); }
};
struct AttentionAttrs {
  int64_t kv_layer = -1, num_heads = 0, num_kv_heads = 0, head_dim = 0, nodiag = 0, window = 0;
  RopeAttrs rope;
};
struct CommitAttrs {
  int64_t kv_layer = -1, num_kv_heads = 0, head_dim = 0;
  RopeAttrs rope;
};

Status check_attrs(const AttentionAttrs& a);
Status check_attrs(const CommitAttrs& a);

// Input indices of the ops, as in the README tables.
enum AttentionInput {
  kQ, kKWork, kVWork, kPool, kBlockTable, kCacheLens, kSinks, kRecentOffset, kRopeAtRead,
  kAttentionInputs
};
// The variadic 'after' inputs follow the fixed ones and are never read.
enum CommitInput {
  kCKWork, kCVWork, kCPool, kCBlockTable, kCCacheLens, kCSinks, kCRecentOffset, kCRopeAtRead,
  kCommitFixedInputs
};

// A call that passed its checks: the pool it uses, the activation type, and the problem with
// every integer pointer filled in and layout.rope_positions set (the float pointers and the rope
// rows are the adapter's business, since it may convert float16 first and the backends keep
// their rope rows differently). `device` is the pool device the backend needs (-1: host).
struct CheckedAttention {
  std::shared_ptr<Pool> pool;
  ONNXTensorElementDataType act_type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  AttentionProblem problem;
};
struct CheckedCommit {
  std::shared_ptr<Pool> pool;
  ONNXTensorElementDataType act_type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  CommitProblem problem;
};

Status check_attention(const AttentionAttrs& attrs, const TensorRef* inputs, int input_count,
                       int device, CheckedAttention* out);
Status check_commit(const CommitAttrs& attrs, const TensorRef* inputs, int input_count, int device,
                    CheckedCommit* out);

}  // namespace lckv
