#include "ort/custom_op.h"

#include <exception>

namespace lckv {
namespace {

const CustomOp& self(const OrtCustomOp* op) { return *static_cast<const CustomOp*>(op); }

}  // namespace

CustomOp::CustomOp(const char* name, const char* provider, std::vector<OpIo> inputs,
                   std::vector<OpIo> outputs, CreateKernelFn create, int variadic_min_arity)
    : OrtCustomOp{},
      name_(name),
      provider_(provider),
      inputs_(std::move(inputs)),
      outputs_(std::move(outputs)),
      create_(create),
      variadic_min_arity_(variadic_min_arity) {
  version = ORT_API_VERSION;
  GetName = [](const OrtCustomOp* op) { return self(op).name_; };
  GetExecutionProviderType = [](const OrtCustomOp* op) { return self(op).provider_; };
  GetInputTypeCount = [](const OrtCustomOp* op) { return self(op).inputs_.size(); };
  GetInputType = [](const OrtCustomOp* op, size_t i) { return self(op).inputs_[i].type; };
  GetInputCharacteristic = [](const OrtCustomOp* op, size_t i) {
    return self(op).inputs_[i].characteristic;
  };
  GetInputMemoryType = [](const OrtCustomOp* op, size_t i) { return self(op).inputs_[i].memory; };
  GetOutputTypeCount = [](const OrtCustomOp* op) { return self(op).outputs_.size(); };
  GetOutputType = [](const OrtCustomOp* op, size_t i) { return self(op).outputs_[i].type; };
  GetOutputCharacteristic = [](const OrtCustomOp* op, size_t i) {
    return self(op).outputs_[i].characteristic;
  };
  GetVariadicInputMinArity = [](const OrtCustomOp* op) { return self(op).variadic_min_arity_; };
  // Ordering-only inputs may be any mix of types.
  GetVariadicInputHomogeneity = [](const OrtCustomOp*) { return 0; };
  GetVariadicOutputMinArity = [](const OrtCustomOp*) { return 1; };
  GetVariadicOutputHomogeneity = [](const OrtCustomOp*) { return 1; };
  CreateKernelV2 = [](const OrtCustomOp* op, const OrtApi* api, const OrtKernelInfo* info,
                      void** kernel) -> OrtStatus* {
    *kernel = nullptr;
    try {
      Kernel* created = nullptr;
      OrtStatus* status = self(op).create_(api, info, &created);
      *kernel = created;
      return status;
    } catch (const std::exception& e) {
      return api->CreateStatus(ORT_FAIL, e.what());
    }
  };
  KernelComputeV2 = [](void* kernel, OrtKernelContext* context) {
    return static_cast<Kernel*>(kernel)->compute(context);
  };
  KernelDestroy = [](void* kernel) { delete static_cast<Kernel*>(kernel); };
  GetStartVersion = [](const OrtCustomOp*) { return 1; };
  GetMayInplace = [](int** in, int** out) -> size_t {
    *in = nullptr;
    *out = nullptr;
    return 0;
  };
  ReleaseMayInplace = [](int*, int*) {};
  GetAliasMap = [](int** in, int** out) -> size_t {
    *in = nullptr;
    *out = nullptr;
    return 0;
  };
  ReleaseAliasMap = [](int*, int*) {};
}

}  // namespace lckv
