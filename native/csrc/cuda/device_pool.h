#pragma once
// Device-resident pool memory and the pinned staging ring that carries each op call's integer
// tables to the device without an implicit synchronisation.
#include <cuda_runtime.h>

#include <cstddef>
#include <mutex>

#include "common/status.h"
#include "pool/pool.h"

namespace lckv {

Status cuda_status(cudaError_t e, const char* what);

// Makes `device` current for a scope and restores the caller's device afterwards.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
  cudaError_t error() const { return error_; }

 private:
  int previous_ = -1;
  cudaError_t error_ = cudaSuccess;
};

// Host -> device copies from pinned memory on a caller's stream. A slot is reused only after
// the event recorded behind its last copy has fired; with kSlots in rotation that wait is for a
// copy issued kSlots calls ago, i.e. never in practice.
class Staging {
 public:
  ~Staging();
  Status copy_to_device(const void* src, size_t bytes, void* dst, cudaStream_t stream);

 private:
  static constexpr int kSlots = 8;
  struct Slot {
    void* host = nullptr;
    size_t capacity = 0;
    cudaEvent_t done = nullptr;
  };
  std::mutex mutex_;
  Slot slots_[kSlots];
  int next_ = 0;
};

class DeviceMemory final : public PoolMemory {
 public:
  DeviceMemory(int device, void* data) : device_(device), data_(data) {}
  ~DeviceMemory() override;
  void* data() const override { return data_; }
  int device() const { return device_; }
  Staging& staging() { return staging_; }

 private:
  int device_;
  void* data_;
  Staging staging_;
};

}  // namespace lckv
