#pragma once
// Binds an op schema (ort/op_schema.h) to one execution provider's kernel class: the kernel is
// created from the attributes the schema names, and the op is registered once per activation
// type. This is all an EP file adds to a schema.
#include <onnxruntime_c_api.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "ort/adapter.h"
#include "ort/custom_op.h"
#include "ort/op_schema.h"

namespace lckv {

// Where a kernel class runs: the provider ORT matches, and the memory it wants the schema's
// host integer inputs in.
struct CpuEp {
  static constexpr const char* kProvider = nullptr;
  static constexpr OrtMemType kHostInputs = OrtMemTypeDefault;
};
struct CudaEp {
  static constexpr const char* kProvider = "CUDAExecutionProvider";
  static constexpr OrtMemType kHostInputs = OrtMemTypeCPUInput;
};

template <typename Ep, size_t N>
std::vector<OpIo> bind_io(const IoSpec (&specs)[N], ONNXTensorElementDataType act) {
  std::vector<OpIo> io;
  for (const IoSpec& spec : specs) {
    ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
    switch (spec.type) {
      case IoType::kActivation: type = act; break;
      case IoType::kInt32: type = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32; break;
      case IoType::kInt64: type = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64; break;
      case IoType::kAny: break;
    }
    io.push_back({type, spec.characteristic, spec.host ? Ep::kHostInputs : OrtMemTypeDefault});
  }
  return io;
}

// K(api, attrs): the kernel of op Op on one EP, made only from attributes that passed their
// checks (a bad attribute fails session creation). A throwing constructor is turned into a
// status by CustomOp.
template <typename Op, typename K>
OrtStatus* create_kernel(const OrtApi* api, const OrtKernelInfo* info, Kernel** out) {
  typename Op::Attrs attrs;
  if (OrtStatus* s = read_attrs(api, info, Op::kName, &attrs)) return s;
  *out = new K(api, std::move(attrs));
  return nullptr;
}

// Appends op Op run by kernel class K on Ep, for float32 then float16 activations: ORT infers
// an output type only from a single dynamically typed input, so each type gets its own table.
// The tables live in static storage: registered ops must outlive every session that uses them.
template <typename Ep, typename Op, typename K>
void append_op(std::vector<const OrtCustomOp*>& ops) {
  constexpr auto f32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, f16 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
  static const CustomOp for_f32(Op::kOp, Ep::kProvider, bind_io<Ep>(Op::kInputs, f32),
                                bind_io<Ep>(Op::kOutputs, f32), &create_kernel<Op, K>);
  static const CustomOp for_f16(Op::kOp, Ep::kProvider, bind_io<Ep>(Op::kInputs, f16),
                                bind_io<Ep>(Op::kOutputs, f16), &create_kernel<Op, K>);
  ops.insert(ops.end(), {&for_f32, &for_f16});
}

}  // namespace lckv
