#pragma once
// The op tables a session registers: CPU always, CUDA when the library was built with it.
#include <onnxruntime_c_api.h>

#include <vector>

namespace lckv {

inline constexpr const char* kAttentionOp = "Attention";
inline constexpr const char* kCommitOp = "KvCommit";
inline constexpr const char* kAttentionName = "lckv.Attention";
inline constexpr const char* kCommitName = "lckv.KvCommit";

void append_cpu_ops(std::vector<const OrtCustomOp*>& ops);
void append_cuda_ops(std::vector<const OrtCustomOp*>& ops);  // nothing without CUDA

}  // namespace lckv
