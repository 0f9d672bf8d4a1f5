#pragma once
// Builds the OrtCustomOp table ORT reads from a plain description, so each op file only says
// what its inputs are and how it computes. Tables are requested at ORT_API_VERSION (21).
#include <onnxruntime_c_api.h>

#include <vector>

namespace lckv {

struct OpIo {
  ONNXTensorElementDataType type;
  OrtCustomOpInputOutputCharacteristic characteristic = INPUT_OUTPUT_REQUIRED;
  OrtMemType memory = OrtMemTypeDefault;  // OrtMemTypeCPUInput: ORT hands host memory
};

// One node's kernel: created at session creation (attribute checks fail there), run per call.
class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual OrtStatus* compute(OrtKernelContext* context) = 0;
};

using CreateKernelFn = OrtStatus* (*)(const OrtApi* api, const OrtKernelInfo* info, Kernel** out);

class CustomOp : public OrtCustomOp {
 public:
  // provider: nullptr for the CPU EP, else e.g. "CUDAExecutionProvider".
  CustomOp(const char* name, const char* provider, std::vector<OpIo> inputs,
           std::vector<OpIo> outputs, CreateKernelFn create, int variadic_min_arity = 1);

  const char* name_;
  const char* provider_;
  std::vector<OpIo> inputs_;
  std::vector<OpIo> outputs_;
  CreateKernelFn create_;
  int variadic_min_arity_;
};

}  // namespace lckv
