#pragma once
// The input/output lists of the two ops (README section 3), shared by the CPU and CUDA tables.
// Each op is registered once per activation type (float32, float16): ORT infers an output type
// only from a single dynamically typed input, so the types are spelled out instead.
#include <vector>

#include "ort/custom_op.h"

namespace lckv {

// `host_ints`: the CUDA kernels want the pool handle and the integer tables in host memory.
inline std::vector<OpIo> attention_inputs(ONNXTensorElementDataType act, bool host_ints) {
  const OrtMemType ints = host_ints ? OrtMemTypeCPUInput : OrtMemTypeDefault;
  return {{act},
          {act},
          {act},
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, INPUT_OUTPUT_REQUIRED, ints},
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_REQUIRED, ints},
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_REQUIRED, ints},
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_OPTIONAL, ints},   // sinks
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_OPTIONAL, ints},   // recent_offset
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_OPTIONAL, ints}};  // rope_at_read
}

inline std::vector<OpIo> attention_outputs(ONNXTensorElementDataType act) { return {{act}}; }

inline std::vector<OpIo> commit_inputs(ONNXTensorElementDataType act, bool host_ints) {
  const OrtMemType ints = host_ints ? OrtMemTypeCPUInput : OrtMemTypeDefault;
  return {{act},
          {act},
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, INPUT_OUTPUT_REQUIRED, ints},
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_REQUIRED, ints},
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_REQUIRED, ints},
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_OPTIONAL, ints},  // sinks
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_OPTIONAL, ints},  // recent_offset
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, INPUT_OUTPUT_OPTIONAL, ints},  // rope_at_read
          {ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED, INPUT_OUTPUT_VARIADIC, OrtMemTypeDefault}};
}

inline std::vector<OpIo> commit_outputs() { return {{ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32}}; }

}  // namespace lckv
