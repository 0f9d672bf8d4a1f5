#include "tests/fake_ort.h"

#include <algorithm>

namespace lckv::test {
namespace {

struct FakeStatus {
  OrtErrorCode code;
  std::string message;
};

struct FakeShape {
  ONNXTensorElementDataType type;
  std::vector<int64_t> dims;
};

const FakeOrt* g_fake = nullptr;

FakeContext& ctx(const OrtKernelContext* c) {
  return *reinterpret_cast<FakeContext*>(const_cast<OrtKernelContext*>(c));
}

OrtStatus* error(OrtErrorCode code, const std::string& message) {
  return reinterpret_cast<OrtStatus*>(new FakeStatus{code, message});
}

}  // namespace

std::vector<FakeDomain*>& FakeOrt::added_domains() {
  static std::vector<FakeDomain*> domains;
  return domains;
}

FakeOrt::FakeOrt() {
  g_fake = this;
  api_.CreateStatus = [](OrtErrorCode code, const char* msg) noexcept { return error(code, msg); };
  api_.GetErrorCode = [](const OrtStatus* s) noexcept {
    return reinterpret_cast<const FakeStatus*>(s)->code;
  };
  api_.GetErrorMessage = [](const OrtStatus* s) noexcept {
    return reinterpret_cast<const FakeStatus*>(s)->message.c_str();
  };
  api_.ReleaseStatus = [](OrtStatus* s) noexcept { delete reinterpret_cast<FakeStatus*>(s); };

  api_.KernelInfoGetAttribute_int64 = [](const OrtKernelInfo* info, const char* name,
                                         int64_t* out) noexcept -> OrtStatus* {
    const auto& attrs = reinterpret_cast<const FakeKernelInfo*>(info)->attrs;
    auto it = attrs.find(name);
    if (it == attrs.end()) return error(ORT_FAIL, std::string("No attribute with name:") + name);
    *out = it->second;
    return nullptr;
  };

  api_.KernelInfoGetAttributeArray_float = [](const OrtKernelInfo* info, const char* name, float* out,
                                               size_t* size) noexcept -> OrtStatus* {
    const auto& lists = reinterpret_cast<const FakeKernelInfo*>(info)->float_lists;
    auto it = lists.find(name);
    if (it == lists.end()) return error(ORT_FAIL, std::string("No attribute with name:") + name);
    if (out == nullptr) {
      *size = it->second.size();
      return nullptr;
    }
    if (*size < it->second.size()) return error(ORT_INVALID_ARGUMENT, "buffer too small");
    std::copy(it->second.begin(), it->second.end(), out);
    *size = it->second.size();
    return nullptr;
  };

  api_.KernelContext_GetInputCount = [](const OrtKernelContext* c, size_t* out) noexcept -> OrtStatus* {
    *out = ctx(c).inputs.size();
    return nullptr;
  };
  api_.KernelContext_GetInput = [](const OrtKernelContext* c, size_t i,
                                   const OrtValue** out) noexcept -> OrtStatus* {
    *out = reinterpret_cast<const OrtValue*>(ctx(c).inputs.at(i));
    return nullptr;
  };
  api_.KernelContext_GetOutput = [](OrtKernelContext* c, size_t i, const int64_t* dims, size_t rank,
                                    OrtValue** out) noexcept -> OrtStatus* {
    FakeValue& v = ctx(c).outputs[i];
    v.dims.assign(dims, dims + rank);
    int64_t count = 1;
    for (size_t d = 0; d < rank; ++d) count *= dims[d];
    v.bytes.assign(count * 4, 0xAB);  // poison; the type is fixed by the op, 4 bytes covers all
    *out = reinterpret_cast<OrtValue*>(&v);
    return nullptr;
  };
  api_.KernelContext_ParallelFor = [](const OrtKernelContext*, void (*fn)(void*, size_t), size_t total,
                                      size_t, void* data) noexcept -> OrtStatus* {
    for (size_t i = total; i-- > 0;) fn(data, i);  // reverse order: tasks must be independent
    return nullptr;
  };

  api_.GetTensorTypeAndShape = [](const OrtValue* value,
                                  OrtTensorTypeAndShapeInfo** out) noexcept -> OrtStatus* {
    const auto* v = reinterpret_cast<const FakeValue*>(value);
    *out = reinterpret_cast<OrtTensorTypeAndShapeInfo*>(new FakeShape{v->type, v->dims});
    return nullptr;
  };
  api_.GetTensorElementType = [](const OrtTensorTypeAndShapeInfo* info,
                                 ONNXTensorElementDataType* out) noexcept -> OrtStatus* {
    *out = reinterpret_cast<const FakeShape*>(info)->type;
    return nullptr;
  };
  api_.GetDimensionsCount = [](const OrtTensorTypeAndShapeInfo* info, size_t* out) noexcept -> OrtStatus* {
    *out = reinterpret_cast<const FakeShape*>(info)->dims.size();
    return nullptr;
  };
  api_.GetDimensions = [](const OrtTensorTypeAndShapeInfo* info, int64_t* out,
                          size_t count) noexcept -> OrtStatus* {
    const auto& dims = reinterpret_cast<const FakeShape*>(info)->dims;
    for (size_t i = 0; i < count && i < dims.size(); ++i) out[i] = dims[i];
    return nullptr;
  };
  api_.ReleaseTensorTypeAndShapeInfo = [](OrtTensorTypeAndShapeInfo* info) noexcept {
    delete reinterpret_cast<FakeShape*>(info);
  };
  api_.GetTensorMutableData = [](OrtValue* value, void** out) noexcept -> OrtStatus* {
    auto* v = reinterpret_cast<FakeValue*>(value);
    *out = v->bytes.empty() ? nullptr : v->bytes.data();
    return nullptr;
  };

  api_.CreateCustomOpDomain = [](const char* name, OrtCustomOpDomain** out) noexcept -> OrtStatus* {
    *out = reinterpret_cast<OrtCustomOpDomain*>(new FakeDomain{name, {}});
    return nullptr;
  };
  api_.CustomOpDomain_Add = [](OrtCustomOpDomain* d, const OrtCustomOp* op) noexcept -> OrtStatus* {
    reinterpret_cast<FakeDomain*>(d)->ops.push_back(op);
    return nullptr;
  };
  api_.AddCustomOpDomain = [](OrtSessionOptions*, OrtCustomOpDomain* d) noexcept -> OrtStatus* {
    added_domains().push_back(reinterpret_cast<FakeDomain*>(d));
    return nullptr;
  };
  api_.ReleaseCustomOpDomain = [](OrtCustomOpDomain* d) noexcept {
    delete reinterpret_cast<FakeDomain*>(d);
  };

  base_.GetApi = [](uint32_t version) noexcept -> const OrtApi* {
    return version == ORT_API_VERSION ? g_fake->api() : nullptr;
  };
  base_.GetVersionString = []() noexcept { return "fake"; };
}

std::string FakeOrt::take(OrtStatus* status) const {
  if (status == nullptr) return "";
  std::string out = std::to_string(api_.GetErrorCode(status)) + ": " + api_.GetErrorMessage(status);
  api_.ReleaseStatus(status);
  return out;
}

int FakeOrt::code(OrtStatus* status) const { return status == nullptr ? 0 : api_.GetErrorCode(status); }

}  // namespace lckv::test
