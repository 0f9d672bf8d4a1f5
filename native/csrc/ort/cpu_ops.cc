// lckv.Attention and lckv.KvCommit for the CPU execution provider: the kernels, bound to the
// ops' schemas (ort/op_schema.h).
#include <memory>
#include <utility>
#include <vector>

#include "common/dtype.h"
#include "cpu/attention.h"
#include "cpu/commit.h"
#include "cpu/rope_table.h"
#include "ort/adapter.h"
#include "ort/op_binding.h"
#include "ort/ops.h"

namespace lckv {
namespace {

// float16 activations are widened once per call into these (thread-local: concurrent runs on
// different threads each get their own, and a thread's buffers are reused across calls).
thread_local std::vector<float> t_q, t_k, t_v, t_out;

const float* widen(const TensorRef& t, std::vector<float>& buf) {
  if (t.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) return static_cast<const float*>(t.data);
  const auto* h = static_cast<const uint16_t*>(t.data);
  buf.resize(t.elements());
  for (size_t e = 0; e < buf.size(); ++e) buf[e] = half_to_float(h[e]);
  return buf.data();
}

// The shared rope table of a node whose attributes carry one (else null).
std::shared_ptr<RopeTable> table_for(const RopeAttrs& rope) {
  return rope.present() ? rope_table(rope.inv_freq) : nullptr;
}

// Points the problem at rope rows covering what the call needs; the returned snapshot must
// outlive the kernel run.
std::shared_ptr<const RopeRows> attach_rope(RopeTable* table, SequenceLayout* layout) {
  if (layout->rope_positions == 0) return nullptr;
  std::shared_ptr<const RopeRows> rows = table->covering(layout->rope_positions);
  layout->rope = rows->data();
  return rows;
}

struct OrtParallel {
  const OrtApi* api;
  OrtKernelContext* context;

  static void run(void* self, size_t total, void (*fn)(void*, size_t), void* data) {
    auto* p = static_cast<OrtParallel*>(self);
    OrtStatus* s = p->api->KernelContext_ParallelFor(p->context, fn, total, 0, data);
    if (s != nullptr) {  // no intra-op pool available: the tasks are independent, run them here
      p->api->ReleaseStatus(s);
      for (size_t i = 0; i < total; ++i) fn(data, i);
    }
  }
};

class AttentionCpu final : public Kernel {
 public:
  AttentionCpu(const OrtApi* api, AttentionAttrs attrs)
      : api_(api), attrs_(std::move(attrs)), rope_(table_for(attrs_.rope)) {}

  OrtStatus* compute(OrtKernelContext* context) override {
    const char* const op = AttentionOp::kName;
    return guarded(api_, op, [&]() -> OrtStatus* {
      TensorRef in[kAttentionInputs];
      int count = 0;
      if (OrtStatus* s = read_inputs(api_, context, in, kAttentionInputs, &count)) return s;
      CheckedAttention call;
      Status st = check_attention(attrs_, in, count, LCKV_DEVICE_CPU, &call);
      if (!st.ok()) return to_ort(api_, op, st);
      AttentionProblem& p = call.problem;
      const int64_t dims[3] = {p.B, p.n, static_cast<int64_t>(p.H) * p.D};
      void* out = nullptr;
      if (OrtStatus* s = make_output(api_, context, 0, dims, 3, &out)) return s;

      const bool half = call.act_type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
      p.q = widen(in[kQ], t_q);
      p.k_work = widen(in[kKWork], t_k);
      p.v_work = widen(in[kVWork], t_v);
      if (half) t_out.resize(dims[0] * dims[1] * dims[2]);
      p.out = half ? t_out.data() : static_cast<float*>(out);
      const auto rows = attach_rope(rope_.get(), &p.layout);

      OrtParallel parallel{api_, context};
      st = attention_cpu(call.pool->view(), p, Parallel{&OrtParallel::run, &parallel});
      if (!st.ok()) return to_ort(api_, op, st);
      if (half) {
        auto* o = static_cast<uint16_t*>(out);
        for (size_t e = 0; e < t_out.size(); ++e) o[e] = float_to_half(t_out[e]);
      }
      call.pool->counters().attention_calls++;
      return nullptr;
    });
  }

 private:
  const OrtApi* const api_;
  const AttentionAttrs attrs_;
  const std::shared_ptr<RopeTable> rope_;
};

class CommitCpu final : public Kernel {
 public:
  CommitCpu(const OrtApi* api, CommitAttrs attrs)
      : api_(api), attrs_(std::move(attrs)), rope_(table_for(attrs_.rope)) {}

  OrtStatus* compute(OrtKernelContext* context) override {
    const char* const op = CommitOp::kName;
    return guarded(api_, op, [&]() -> OrtStatus* {
      TensorRef in[kCommitFixedInputs];
      int count = 0;
      if (OrtStatus* s = read_inputs(api_, context, in, kCommitFixedInputs, &count)) return s;
      CheckedCommit call;
      Status st = check_commit(attrs_, in, count, LCKV_DEVICE_CPU, &call);
      if (!st.ok()) return to_ort(api_, op, st);
      CommitProblem& p = call.problem;
      const int64_t dims[2] = {p.B, p.Lh};
      void* out = nullptr;
      if (OrtStatus* s = make_output(api_, context, 0, dims, 2, &out)) return s;
      p.k_work = widen(in[kCKWork], t_k);
      p.v_work = widen(in[kCVWork], t_v);
      p.new_lens = static_cast<int32_t*>(out);
      const auto rows = attach_rope(rope_.get(), &p.layout);
      commit_cpu(call.pool->view(), p);
      call.pool->counters().commit_calls++;
      call.pool->counters().committed_tokens += static_cast<int64_t>(p.B) * p.n;
      return nullptr;
    });
  }

 private:
  const OrtApi* const api_;
  const CommitAttrs attrs_;
  const std::shared_ptr<RopeTable> rope_;
};

}  // namespace

void append_cpu_ops(std::vector<const OrtCustomOp*>& ops) {
  append_op<CpuEp, AttentionOp, AttentionCpu>(ops);
  append_op<CpuEp, CommitOp, CommitCpu>(ops);
}

}  // namespace lckv
