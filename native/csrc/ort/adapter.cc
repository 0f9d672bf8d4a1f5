#include "ort/adapter.h"

#include <string>
#include <vector>

namespace lckv {
namespace {

OrtStatus* read_int(const OrtApi* api, const OrtKernelInfo* info, const char* op, const char* name,
                    bool required, int64_t* out) {
  OrtStatus* status = api->KernelInfoGetAttribute_int64(info, name, out);
  if (status == nullptr) return nullptr;
  api->ReleaseStatus(status);
  if (!required) return nullptr;  // *out keeps its default
  return to_ort(api, op, invalid("attribute '", name, "' (int) is missing"));
}

// An optional float-list attribute: left empty when the node does not carry it.
OrtStatus* read_floats(const OrtApi* api, const OrtKernelInfo* info, const char* name,
                       std::vector<float>* out) {
  size_t size = 0;
  OrtStatus* status = api->KernelInfoGetAttributeArray_float(info, name, nullptr, &size);
  if (status != nullptr) {
    api->ReleaseStatus(status);
    out->clear();
    return nullptr;
  }
  out->resize(size);
  return size == 0 ? nullptr : api->KernelInfoGetAttributeArray_float(info, name, out->data(), &size);
}

OrtStatus* read_rope(const OrtApi* api, const OrtKernelInfo* info, const char* op, RopeAttrs* r) {
  if (OrtStatus* s = read_floats(api, info, "rope_inv_freq", &r->inv_freq)) return s;
  return read_int(api, info, op, "rotary_dim", false, &r->rotary_dim);
}

}  // namespace

OrtStatus* to_ort(const OrtApi* api, const char* op, const Status& s) {
  if (s.ok()) return nullptr;
  const OrtErrorCode code =
      s.code() == LCKV_ERR_INVALID_ARGUMENT || s.code() == LCKV_ERR_UNKNOWN_HANDLE ? ORT_INVALID_ARGUMENT
                                                                                : ORT_FAIL;
  return api->CreateStatus(code, concat(op, ": ", s.message()).c_str());
}

OrtStatus* read_attrs(const OrtApi* api, const OrtKernelInfo* info, const char* op,
                      AttentionAttrs* a) {
  OrtStatus* s = nullptr;
  if ((s = read_int(api, info, op, "kv_layer", true, &a->kv_layer)) ||
      (s = read_int(api, info, op, "num_heads", true, &a->num_heads)) ||
      (s = read_int(api, info, op, "num_kv_heads", true, &a->num_kv_heads)) ||
      (s = read_int(api, info, op, "head_dim", true, &a->head_dim)) ||
      (s = read_int(api, info, op, "nodiag", false, &a->nodiag)) ||
      (s = read_int(api, info, op, "window", false, &a->window)) ||
      (s = read_rope(api, info, op, &a->rope))) {
    return s;
  }
  return to_ort(api, op, check_attrs(*a));
}

OrtStatus* read_attrs(const OrtApi* api, const OrtKernelInfo* info, const char* op,
                      CommitAttrs* a) {
  OrtStatus* s = nullptr;
  if ((s = read_int(api, info, op, "kv_layer", true, &a->kv_layer)) ||
      (s = read_int(api, info, op, "num_kv_heads", true, &a->num_kv_heads)) ||
      (s = read_int(api, info, op, "head_dim", true, &a->head_dim)) ||
      (s = read_rope(api, info, op, &a->rope))) {
    return s;
  }
  return to_ort(api, op, check_attrs(*a));
}

OrtStatus* read_inputs(const OrtApi* api, OrtKernelContext* context, TensorRef* refs,
                       int capacity, int* count) {
  size_t n = 0;
  if (OrtStatus* s = api->KernelContext_GetInputCount(context, &n)) return s;
  *count = static_cast<int>(n);
  for (int i = 0; i < capacity && i < *count; ++i) {
    TensorRef& t = refs[i];
    t = TensorRef();
    const OrtValue* value = nullptr;
    if (OrtStatus* s = api->KernelContext_GetInput(context, i, &value)) return s;
    if (value == nullptr) continue;  // an absent optional input
    OrtTensorTypeAndShapeInfo* info = nullptr;
    if (OrtStatus* s = api->GetTensorTypeAndShape(value, &info)) return s;
    size_t rank = 0;
    OrtStatus* s = api->GetTensorElementType(info, &t.type);
    if (s == nullptr) s = api->GetDimensionsCount(info, &rank);
    if (s == nullptr && rank <= static_cast<size_t>(kMaxRank)) s = api->GetDimensions(info, t.dims, rank);
    api->ReleaseTensorTypeAndShapeInfo(info);
    if (s != nullptr) return s;
    if (rank > static_cast<size_t>(kMaxRank))
      return api->CreateStatus(ORT_INVALID_ARGUMENT,
                               concat("input ", i, " has rank ", rank, "; no lckv input has more than ",
                                      kMaxRank).c_str());
    t.rank = static_cast<int>(rank);
    void* data = nullptr;
    if ((s = api->GetTensorMutableData(const_cast<OrtValue*>(value), &data))) return s;
    t.data = data;
    t.present = true;
  }
  return nullptr;
}

OrtStatus* make_output(const OrtApi* api, OrtKernelContext* context, int index,
                       const int64_t* dims, int rank, void** data) {
  OrtValue* value = nullptr;
  if (OrtStatus* s = api->KernelContext_GetOutput(context, index, dims, rank, &value)) return s;
  return api->GetTensorMutableData(value, data);
}

}  // namespace lckv
