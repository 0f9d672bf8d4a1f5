#pragma once
// The two ops' schemas (README section 3), written once for every execution provider: name,
// inputs and outputs in order (optional, variadic, which integer inputs the CUDA kernels take
// from host memory) and the attributes a kernel is created from. ort/op_binding.h turns a
// schema and an EP's kernel class into the tables ORT registers.
#include <onnxruntime_c_api.h>

#include <iterator>

#include "ops/checks.h"

namespace lckv {

enum class IoType {
  kActivation,  // the activation type the op is registered for (float32 or float16)
  kInt32,
  kInt64,
  kAny,         // ordering-only variadic inputs: any mix of types
};

struct IoSpec {
  const char* name;
  IoType type;
  OrtCustomOpInputOutputCharacteristic characteristic;
  // An integer input the CUDA kernels validate and stage on the host (declared a CPU input).
  bool host;
};

constexpr IoSpec activation(const char* name) {
  return {name, IoType::kActivation, INPUT_OUTPUT_REQUIRED, false};
}
constexpr IoSpec host_int(const char* name, IoType type, bool optional = false) {
  return {name, type, optional ? INPUT_OUTPUT_OPTIONAL : INPUT_OUTPUT_REQUIRED, true};
}

struct AttentionOp {
  using Attrs = AttentionAttrs;  // read by ort/adapter.h read_attrs
  static constexpr const char* kOp = "Attention";
  static constexpr const char* kName = "lckv.Attention";  // in every message
  static constexpr IoSpec kInputs[] = {
      activation("q"),
      activation("k_work"),
      activation("v_work"),
      host_int("pool", IoType::kInt64),
      host_int("block_table", IoType::kInt32),
      host_int("cache_lens", IoType::kInt32),
      host_int("sinks", IoType::kInt32, true),
      host_int("recent_offset", IoType::kInt32, true),
      host_int("rope_at_read", IoType::kInt32, true),
  };
  static constexpr IoSpec kOutputs[] = {activation("out")};
};

struct CommitOp {
  using Attrs = CommitAttrs;
  static constexpr const char* kOp = "KvCommit";
  static constexpr const char* kName = "lckv.KvCommit";
  static constexpr IoSpec kInputs[] = {
      activation("k_work"),
      activation("v_work"),
      host_int("pool", IoType::kInt64),
      host_int("block_table", IoType::kInt32),
      host_int("cache_lens", IoType::kInt32),
      host_int("sinks", IoType::kInt32, true),
      host_int("recent_offset", IoType::kInt32, true),
      host_int("rope_at_read", IoType::kInt32, true),
      {"after", IoType::kAny, INPUT_OUTPUT_VARIADIC, false},
  };
  // new_lens: device memory under the CUDA EP, like any output.
  static constexpr IoSpec kOutputs[] = {{"new_lens", IoType::kInt32, INPUT_OUTPUT_REQUIRED, false}};
};

// The schemas follow the input indices the checks use (ops/checks.h).
static_assert(std::size(AttentionOp::kInputs) == kAttentionInputs);
static_assert(std::size(CommitOp::kInputs) == kCommitFixedInputs + 1);

}  // namespace lckv
