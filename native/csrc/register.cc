// Entry point ONNX Runtime calls when a session registers this library
// (SessionOptions.registerCustomOpLibrary in Java, RegisterCustomOpsLibrary in C).
#include <onnxruntime_c_api.h>

#include "version.h"

namespace {

// ORT keeps a pointer to the domain for the session's lifetime, so it must outlive every session.
OrtCustomOpDomain* g_domain = nullptr;

}  // namespace

extern "C" {

__attribute__((visibility("default"))) OrtStatus* ORT_API_CALL
RegisterCustomOps(OrtSessionOptions* options, const OrtApiBase* api_base) {
  const OrtApi* api = api_base->GetApi(ORT_API_VERSION);
  if (api == nullptr) {
    return nullptr;  // cannot even build an error status without the API table
  }
  if (g_domain == nullptr) {
    if (OrtStatus* status = api->CreateCustomOpDomain(lckv::kDomain, &g_domain)) {
      return status;
    }
  }
  return api->AddCustomOpDomain(options, g_domain);
}

__attribute__((visibility("default"))) const char* lckv_ops_version() { return lckv::kVersion; }

}  // extern "C"
