// lckv.Attention and lckv.KvCommit for the CUDA execution provider: host-side checks on the
// integer inputs (declared CPU inputs by the ops' schemas, ort/op_schema.h), their staged copy
// to the device, and the launches, all on ORT's compute stream of this kernel context.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include "cuda/device_pool.h"
#include "cuda/kernels.h"
#include "ort/adapter.h"
#include "ort/op_binding.h"
#include "ort/ops.h"

namespace lckv {
namespace {

thread_local std::vector<int32_t> t_tables;  // host side of the staged integer inputs

// Device scratch from ORT's allocator for this node's device, returned at scope end. ORT orders
// its reuse on the same compute stream, like the scratch of ORT's own CUDA kernels.
class Scratch {
 public:
  Scratch(const OrtApi* api) : api_(api) {}
  ~Scratch() {
    if (data_ != nullptr) allocator_->Free(allocator_, data_);
    if (allocator_ != nullptr) api_->ReleaseAllocator(allocator_);
    if (info_ != nullptr) api_->ReleaseMemoryInfo(info_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  OrtStatus* allocate(OrtKernelContext* context, int device, size_t bytes) {
    if (bytes == 0) return nullptr;
    if (OrtStatus* s = api_->CreateMemoryInfo("Cuda", OrtArenaAllocator, device, OrtMemTypeDefault, &info_))
      return s;
    if (OrtStatus* s = api_->KernelContext_GetAllocator(context, info_, &allocator_)) return s;
    return api_->KernelContext_GetScratchBuffer(context, info_, bytes, &data_);
  }
  void* data() const { return data_; }

 private:
  const OrtApi* api_;
  OrtMemoryInfo* info_ = nullptr;
  OrtAllocator* allocator_ = nullptr;
  void* data_ = nullptr;
};

OrtStatus* current_device(const OrtApi* api, const char* op, int* device) {
  return to_ort(api, op, cuda_status(cudaGetDevice(device), "cudaGetDevice"));
}

OrtStatus* compute_stream(const OrtApi* api, OrtKernelContext* context, cudaStream_t* stream) {
  void* s = nullptr;
  if (OrtStatus* st = api->KernelContext_GetGPUComputeStream(context, &s)) return st;
  *stream = static_cast<cudaStream_t>(s);
  return nullptr;
}

// Appends `count` int32 values to the host staging vector; returns their offset in it.
size_t append(const int32_t* values, size_t count) {
  const size_t at = t_tables.size();
  if (count > 0) t_tables.insert(t_tables.end(), values, values + count);
  return at;
}

// The per-sequence layout inputs and, when a sequence rotates at read, the node's frequencies
// (as their bits) join the staged tables.
struct StagedLayout {
  size_t sinks = 0, offsets = 0, rope_at_read = 0, inv_freq = 0;
};

StagedLayout stage_layout(const SequenceLayout& layout, int B, const RopeAttrs& rope) {
  StagedLayout at;
  const auto count = [B](const int32_t* values) { return values == nullptr ? 0 : static_cast<size_t>(B); };
  at.sinks = append(layout.sinks, count(layout.sinks));
  at.offsets = append(layout.recent_offset, count(layout.recent_offset));
  at.rope_at_read = append(layout.rope_at_read, count(layout.rope_at_read));
  at.inv_freq = t_tables.size();
  if (layout.rope_positions > 0) {
    t_tables.resize(at.inv_freq + rope.inv_freq.size());
    std::memcpy(t_tables.data() + at.inv_freq, rope.inv_freq.data(), rope.inv_freq.size() * sizeof(float));
  }
  return at;
}

// Points the layout at the device copies, and computes the rope rows into `rope_rows`.
Status attach_layout(SequenceLayout* layout, const StagedLayout& at, int32_t* ints, float* rope_rows,
                     cudaStream_t stream) {
  if (layout->sinks != nullptr) layout->sinks = ints + at.sinks;
  if (layout->recent_offset != nullptr) layout->recent_offset = ints + at.offsets;
  if (layout->rope_at_read != nullptr) layout->rope_at_read = ints + at.rope_at_read;
  if (layout->rope_positions == 0) return Status();
  layout->rope = rope_rows;
  return launch_rope_rows(*layout, reinterpret_cast<const float*>(ints + at.inv_freq), rope_rows, stream);
}

class AttentionCuda final : public Kernel {
 public:
  AttentionCuda(const OrtApi* api, AttentionAttrs attrs) : api_(api), attrs_(std::move(attrs)) {}

  OrtStatus* compute(OrtKernelContext* context) override {
    const char* const op = AttentionOp::kName;
    return guarded(api_, op, [&]() -> OrtStatus* {
      TensorRef in[kAttentionInputs];
      int count = 0;
      if (OrtStatus* s = read_inputs(api_, context, in, kAttentionInputs, &count)) return s;
      int device = 0;
      if (OrtStatus* s = current_device(api_, op, &device)) return s;
      CheckedAttention call;
      Status st = check_attention(attrs_, in, count, device, &call);
      if (!st.ok()) return to_ort(api_, op, st);
      cudaStream_t stream = nullptr;
      if (OrtStatus* s = compute_stream(api_, context, &stream)) return s;

      DeviceAttention a;
      a.p = call.problem;
      a.half_act = call.act_type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
      const int64_t dims[3] = {a.p.B, a.p.n, static_cast<int64_t>(a.p.H) * a.p.D};
      void* out = nullptr;
      if (OrtStatus* s = make_output(api_, context, 0, dims, 3, &out)) return s;
      a.p.q = static_cast<const float*>(in[kQ].data);
      a.p.k_work = static_cast<const float*>(in[kKWork].data);
      a.p.v_work = static_cast<const float*>(in[kVWork].data);
      a.p.out = static_cast<float*>(out);
      for (int e = 0; e < a.p.B * a.p.Lh; ++e) a.max_len = std::max(a.max_len, a.p.cache_lens[e]);
      a.sm_count = sm_count(device);

      t_tables.clear();
      const size_t table_at = append(a.p.block_table, static_cast<size_t>(a.p.B) * a.p.max_blocks);
      const size_t lens_at = append(a.p.cache_lens, static_cast<size_t>(a.p.B) * a.p.Lh);
      const StagedLayout layout_at = stage_layout(a.p.layout, a.p.B, attrs_.rope);
      const size_t floats = attention_scratch_floats(a);
      const size_t rope_floats = rope_rows_floats(a.p.layout);
      Scratch scratch(api_);
      if (OrtStatus* s = scratch.allocate(context, device, (floats + rope_floats + t_tables.size()) * 4))
        return s;
      auto* partial = static_cast<float*>(scratch.data());
      auto* ints = reinterpret_cast<int32_t*>(partial + floats + rope_floats);
      auto& memory = dynamic_cast<DeviceMemory&>(call.pool->memory());
      st = memory.staging().copy_to_device(t_tables.data(), t_tables.size() * 4, ints, stream);
      if (!st.ok()) return to_ort(api_, op, st);
      a.p.block_table = ints + table_at;
      a.p.cache_lens = ints + lens_at;
      st = attach_layout(&a.p.layout, layout_at, ints, partial + floats, stream);
      if (!st.ok()) return to_ort(api_, op, st);
      st = launch_attention(call.pool->view(), a, partial, stream);
      if (!st.ok()) return to_ort(api_, op, st);
      call.pool->counters().attention_calls++;
      return nullptr;
    });
  }

 private:
  int sm_count(int device) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (device != sm_device_) {
      int count = 1;
      if (cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) count = 1;
      sm_device_ = device;
      sm_count_ = count;
    }
    return sm_count_;
  }

  const OrtApi* const api_;
  const AttentionAttrs attrs_;
  std::mutex mutex_;
  int sm_device_ = -1;
  int sm_count_ = 1;
};

class CommitCuda final : public Kernel {
 public:
  CommitCuda(const OrtApi* api, CommitAttrs attrs) : api_(api), attrs_(std::move(attrs)) {}

  OrtStatus* compute(OrtKernelContext* context) override {
    const char* const op = CommitOp::kName;
    return guarded(api_, op, [&]() -> OrtStatus* {
      TensorRef in[kCommitFixedInputs];
      int count = 0;
      if (OrtStatus* s = read_inputs(api_, context, in, kCommitFixedInputs, &count)) return s;
      int device = 0;
      if (OrtStatus* s = current_device(api_, op, &device)) return s;
      CheckedCommit call;
      Status st = check_commit(attrs_, in, count, device, &call);
      if (!st.ok()) return to_ort(api_, op, st);
      cudaStream_t stream = nullptr;
      if (OrtStatus* s = compute_stream(api_, context, &stream)) return s;

      CommitProblem p = call.problem;
      const int64_t dims[2] = {p.B, p.Lh};
      void* out = nullptr;
      if (OrtStatus* s = make_output(api_, context, 0, dims, 2, &out)) return s;
      p.k_work = static_cast<const float*>(in[kCKWork].data);
      p.v_work = static_cast<const float*>(in[kCVWork].data);
      p.new_lens = static_cast<int32_t*>(out);

      t_tables.clear();
      const size_t table_at = append(p.block_table, static_cast<size_t>(p.B) * p.max_blocks);
      const size_t lens_at = append(p.cache_lens, static_cast<size_t>(p.B) * p.Lh);
      const StagedLayout layout_at = stage_layout(p.layout, p.B, attrs_.rope);
      const size_t rope_floats = rope_rows_floats(p.layout);
      Scratch scratch(api_);
      if (OrtStatus* s = scratch.allocate(context, device, (rope_floats + t_tables.size()) * 4)) return s;
      auto* rope_rows = static_cast<float*>(scratch.data());
      auto* ints = reinterpret_cast<int32_t*>(rope_rows + rope_floats);
      auto& memory = dynamic_cast<DeviceMemory&>(call.pool->memory());
      st = memory.staging().copy_to_device(t_tables.data(), t_tables.size() * 4, ints, stream);
      if (!st.ok()) return to_ort(api_, op, st);
      p.block_table = ints + table_at;
      p.cache_lens = ints + lens_at;
      st = attach_layout(&p.layout, layout_at, ints, rope_rows, stream);
      if (!st.ok()) return to_ort(api_, op, st);
      st = launch_commit(call.pool->view(), p, call.act_type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, stream);
      if (!st.ok()) return to_ort(api_, op, st);
      call.pool->counters().commit_calls++;
      call.pool->counters().committed_tokens += static_cast<int64_t>(p.B) * p.n;
      return nullptr;
    });
  }

 private:
  const OrtApi* const api_;
  const CommitAttrs attrs_;
};

}  // namespace

void append_cuda_ops(std::vector<const OrtCustomOp*>& ops) {
  append_op<CudaEp, AttentionOp, AttentionCuda>(ops);
  append_op<CudaEp, CommitOp, CommitCuda>(ops);
}

}  // namespace lckv
