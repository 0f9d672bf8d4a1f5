#pragma once
// A stand-in for the parts of ONNX Runtime's C API the library calls, so the tests can register
// the real shared library and run its kernels without libonnxruntime (there is none on the
// build machine). It implements only what the adapter uses; anything else stays null and would
// crash loudly if the adapter started calling it unannounced.
#include <onnxruntime_c_api.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace lckv::test {

struct FakeValue {
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;

  template <typename T>
  static FakeValue of(ONNXTensorElementDataType type, std::vector<int64_t> dims,
                      const std::vector<T>& data) {
    FakeValue v;
    v.type = type;
    v.dims = std::move(dims);
    v.bytes.resize(data.size() * sizeof(T));
    if (!data.empty()) std::memcpy(v.bytes.data(), data.data(), v.bytes.size());
    return v;
  }
  template <typename T>
  std::vector<T> as() const {
    std::vector<T> out(bytes.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
  }
};

struct FakeKernelInfo {
  std::map<std::string, int64_t> attrs;
  std::map<std::string, std::vector<float>> float_lists = {};
};

struct FakeContext {
  std::vector<const FakeValue*> inputs;  // nullptr: an absent optional input
  std::map<size_t, FakeValue> outputs;
};

struct FakeDomain {
  std::string name;
  std::vector<const OrtCustomOp*> ops;
};

// Owns the API table; statuses it creates are plain heap objects.
class FakeOrt {
 public:
  FakeOrt();
  const OrtApi* api() const { return &api_; }
  const OrtApiBase* base() const { return &base_; }

  static OrtKernelInfo* info(FakeKernelInfo& i) { return reinterpret_cast<OrtKernelInfo*>(&i); }
  static OrtKernelContext* context(FakeContext& c) { return reinterpret_cast<OrtKernelContext*>(&c); }

  // The status as "CODE: message" (empty when null), released.
  std::string take(OrtStatus* status) const;
  int code(OrtStatus* status) const;

  static std::vector<FakeDomain*>& added_domains();

 private:
  OrtApi api_{};
  OrtApiBase base_{};
};

}  // namespace lckv::test
