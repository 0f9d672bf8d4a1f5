#pragma once
// The thin layer between ORT's C API and the library's checks and kernels: attributes, inputs,
// outputs and statuses. Nothing here knows what an op computes.
#include <onnxruntime_c_api.h>

#include <exception>
#include <new>

#include "common/status.h"
#include "ops/checks.h"

namespace lckv {

OrtStatus* to_ort(const OrtApi* api, const char* op, const Status& s);

OrtStatus* read_attrs(const OrtApi* api, const OrtKernelInfo* info, const char* op,
                      AttentionAttrs* out);
OrtStatus* read_attrs(const OrtApi* api, const OrtKernelInfo* info, const char* op,
                      CommitAttrs* out);

// Fills refs[0 .. min(input count, capacity)) and sets *count to the node's input count.
OrtStatus* read_inputs(const OrtApi* api, OrtKernelContext* context, TensorRef* refs,
                       int capacity, int* count);

OrtStatus* make_output(const OrtApi* api, OrtKernelContext* context, int index,
                       const int64_t* dims, int rank, void** data);

// Runs body, turning any escaping exception into an ORT status: nothing crosses the C ABI.
template <typename Body>
OrtStatus* guarded(const OrtApi* api, const char* op, Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return to_ort(api, op, Status(LCKV_ERR_OUT_OF_MEMORY, "out of host memory"));
  } catch (const std::exception& e) {
    return to_ort(api, op, Status(LCKV_ERR_DEVICE, e.what()));
  }
}

}  // namespace lckv
