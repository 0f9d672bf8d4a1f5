// Entry point ONNX Runtime calls when a session registers this library
// (SessionOptions.registerCustomOpLibrary in Java, RegisterCustomOpsLibrary in C).
#include <onnxruntime_c_api.h>

#include <exception>
#include <mutex>
#include <vector>

#include "ort/ops.h"
#include "version.h"

namespace {

// ORT keeps a pointer to the domain for the session's lifetime, so it must outlive every session.
OrtCustomOpDomain* g_domain = nullptr;
std::mutex g_domain_mutex;

OrtStatus* build_domain(const OrtApi* api) {
  if (OrtStatus* status = api->CreateCustomOpDomain(lckv::kDomain, &g_domain)) return status;
  std::vector<const OrtCustomOp*> ops;
  lckv::append_cpu_ops(ops);
  lckv::append_cuda_ops(ops);
  for (const OrtCustomOp* op : ops) {
    if (OrtStatus* status = api->CustomOpDomain_Add(g_domain, op)) return status;
  }
  return nullptr;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) OrtStatus* ORT_API_CALL
RegisterCustomOps(OrtSessionOptions* options, const OrtApiBase* api_base) {
  const OrtApi* api = api_base->GetApi(ORT_API_VERSION);
  if (api == nullptr) {
    return nullptr;  // cannot even build an error status without the API table
  }
  try {
    std::lock_guard<std::mutex> lock(g_domain_mutex);
    if (g_domain == nullptr) {
      if (OrtStatus* status = build_domain(api)) {
        // A half-built domain is never handed out; the next registration starts afresh.
        api->ReleaseCustomOpDomain(g_domain);
        g_domain = nullptr;
        return status;
      }
    }
  } catch (const std::exception& e) {
    return api->CreateStatus(ORT_FAIL, e.what());
  }
  return api->AddCustomOpDomain(options, g_domain);
}

}  // extern "C"
