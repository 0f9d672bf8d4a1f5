#pragma once
// The op tables a session registers: CPU always, CUDA when the library was built with it.
#include <onnxruntime_c_api.h>

#include <vector>

namespace lckv {

void append_cpu_ops(std::vector<const OrtCustomOp*>& ops);
void append_cuda_ops(std::vector<const OrtCustomOp*>& ops);  // nothing without CUDA

}  // namespace lckv
