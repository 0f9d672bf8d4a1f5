// What a library built with LCKV_CUDA=OFF does where the CUDA part would act: it registers no
// CUDA kernels and refuses device pools with a clear message.
#include "ort/ops.h"
#include "pool/pool.h"

namespace lckv {

Status allocate_device_memory(const PoolConfig& config, int64_t, std::unique_ptr<PoolMemory>*) {
  return Status(LCKV_ERR_DEVICE, concat("device = ", config.device,
                                        " asks for a CUDA pool, but this library was built "
                                        "without CUDA (LCKV_CUDA=OFF); use device = -1"));
}

Status on_host_copy(const Pool&, const int32_t*, int64_t, int64_t, bool, const HostBlocksFn&) {
  return Status(LCKV_ERR_DEVICE, "this library was built without CUDA");
}

void append_cuda_ops(std::vector<const OrtCustomOp*>&) {}

}  // namespace lckv

extern "C" __attribute__((visibility("default"))) int32_t lckv_ops_cuda_available(void) {
  return 0;
}
