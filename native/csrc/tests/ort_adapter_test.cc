// The built shared library as ORT sees it: registration through RegisterCustomOps, kernels
// created from node attributes and run on kernel contexts (a fake ORT, tests/fake_ort.h), and
// pools made through the library's own C API.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "common/dtype.h"
#include "lckv_pool.h"
#include "tests/fake_ort.h"
#include "tests/reference.h"

namespace lckv::test {
namespace {

constexpr auto F32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
constexpr auto F16 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
constexpr auto I32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
constexpr auto I64 = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;

class SharedLibrary : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    lib_ = dlopen(LCKV_OPS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib_, nullptr) << dlerror();
    using Register = OrtStatus* (*)(OrtSessionOptions*, const OrtApiBase*);
    auto reg = reinterpret_cast<Register>(dlsym(lib_, "RegisterCustomOps"));
    ASSERT_NE(reg, nullptr);
    ASSERT_EQ(ort_.take(reg(nullptr, ort_.base())), "");
    ASSERT_FALSE(FakeOrt::added_domains().empty());
    domain_ = FakeOrt::added_domains().back();
    create_ = reinterpret_cast<decltype(&lckv_pool_create)>(dlsym(lib_, "lckv_pool_create"));
    destroy_ = reinterpret_cast<decltype(&lckv_pool_destroy)>(dlsym(lib_, "lckv_pool_destroy"));
    stats_ = reinterpret_cast<decltype(&lckv_pool_stats)>(dlsym(lib_, "lckv_pool_stats"));
    ASSERT_TRUE(create_ && destroy_ && stats_);
  }

  // The registered op of that name whose first input has that type (CPU EP).
  static const OrtCustomOp* op(const std::string& name, ONNXTensorElementDataType type) {
    for (const OrtCustomOp* o : domain_->ops) {
      if (o->GetName(o) == name && o->GetExecutionProviderType(o) == nullptr &&
          o->GetInputType(o, 0) == type)
        return o;
    }
    return nullptr;
  }

  // Creates a kernel; returns the status text ("" on success).
  static std::string make_kernel(const OrtCustomOp* o, FakeKernelInfo info, void** kernel) {
    return ort_.take(o->CreateKernelV2(o, ort_.api(), FakeOrt::info(info), kernel));
  }

  static inline FakeOrt ort_;
  static inline void* lib_ = nullptr;
  static inline FakeDomain* domain_ = nullptr;
  static inline decltype(&lckv_pool_create) create_ = nullptr;
  static inline decltype(&lckv_pool_destroy) destroy_ = nullptr;
  static inline decltype(&lckv_pool_stats) stats_ = nullptr;
};

TEST_F(SharedLibrary, RegistersBothOpsForBothActivationTypes) {
  EXPECT_EQ(domain_->name, "lckv");
  for (auto type : {F32, F16}) {
    const OrtCustomOp* a = op("Attention", type);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->version, static_cast<uint32_t>(ORT_API_VERSION));
    ASSERT_EQ(a->GetInputTypeCount(a), 9u);
    const ONNXTensorElementDataType want[9] = {type, type, type, I64, I32, I32, I32, I32, I32};
    for (size_t i = 0; i < 9; ++i) {
      EXPECT_EQ(a->GetInputType(a, i), want[i]) << i;
      // sinks, recent_offset, rope_at_read
      EXPECT_EQ(a->GetInputCharacteristic(a, i), i >= 6 ? INPUT_OUTPUT_OPTIONAL : INPUT_OUTPUT_REQUIRED) << i;
    }
    ASSERT_EQ(a->GetOutputTypeCount(a), 1u);
    EXPECT_EQ(a->GetOutputType(a, 0), type);

    const OrtCustomOp* c = op("KvCommit", type);
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(c->GetInputTypeCount(c), 9u);
    for (size_t i = 5; i < 8; ++i) {
      EXPECT_EQ(c->GetInputType(c, i), I32) << i;
      EXPECT_EQ(c->GetInputCharacteristic(c, i), INPUT_OUTPUT_OPTIONAL) << i;
    }
    EXPECT_EQ(c->GetInputCharacteristic(c, 8), INPUT_OUTPUT_VARIADIC);
    EXPECT_EQ(c->GetInputType(c, 8), ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED);
    EXPECT_EQ(c->GetVariadicInputMinArity(c), 1);
    EXPECT_EQ(c->GetVariadicInputHomogeneity(c), 0);
    EXPECT_EQ(c->GetOutputType(c, 0), I32);
  }
}

TEST_F(SharedLibrary, KernelCreationChecksAttributes) {
  const OrtCustomOp* a = op("Attention", F32);
  void* kernel = nullptr;
  std::string s = make_kernel(a, {{{"kv_layer", 0}, {"num_heads", 4}, {"head_dim", 8}}}, &kernel);
  EXPECT_NE(s.find("lckv.Attention: attribute 'num_kv_heads' (int) is missing"), std::string::npos) << s;
  EXPECT_EQ(kernel, nullptr);
  s = make_kernel(a, {{{"kv_layer", 0}, {"num_heads", 6}, {"num_kv_heads", 4}, {"head_dim", 8}}}, &kernel);
  EXPECT_NE(s.find("num_heads = 6"), std::string::npos) << s;
  EXPECT_EQ(s.rfind(std::to_string(ORT_INVALID_ARGUMENT), 0), 0u) << s;
  const OrtCustomOp* c = op("KvCommit", F32);
  s = make_kernel(c, {{{"kv_layer", -1}, {"num_kv_heads", 4}, {"head_dim", 8}}}, &kernel);
  EXPECT_NE(s.find("lckv.KvCommit: attribute kv_layer = -1"), std::string::npos) << s;
  // The rope attributes: both or neither, consistent with head_dim.
  s = make_kernel(a, {{{"kv_layer", 0}, {"num_heads", 4}, {"num_kv_heads", 4}, {"head_dim", 8}, {"rotary_dim", 5}},
                      {{"rope_inv_freq", {1.0f, 0.5f}}}},
                  &kernel);
  EXPECT_NE(s.find("lckv.Attention: attribute rotary_dim = 5 must be even"), std::string::npos) << s;
  s = make_kernel(c, {{{"kv_layer", 0}, {"num_kv_heads", 4}, {"head_dim", 8}, {"rotary_dim", 8}}}, &kernel);
  EXPECT_NE(s.find("lckv.KvCommit: attribute 'rope_inv_freq' (floats) is missing"), std::string::npos) << s;
  EXPECT_EQ(kernel, nullptr);
  ASSERT_EQ(make_kernel(c, {{{"kv_layer", 0}, {"num_kv_heads", 4}, {"head_dim", 8}, {"rotary_dim", 4}},
                            {{"rope_inv_freq", {1.0f, 0.5f}}}},
                        &kernel),
            "");
  c->KernelDestroy(kernel);
}

TEST_F(SharedLibrary, CudaOpsTakeIntegerInputsFromHost) {
  auto cuda = reinterpret_cast<int32_t (*)()>(dlsym(lib_, "lckv_ops_cuda_available"));
  ASSERT_NE(cuda, nullptr);
  int cuda_ops = 0;
  for (const OrtCustomOp* o : domain_->ops) {
    const char* provider = o->GetExecutionProviderType(o);
    const bool on_cuda = provider != nullptr;
    if (on_cuda) {
      EXPECT_STREQ(provider, "CUDAExecutionProvider");
      ++cuda_ops;
    }
    for (size_t i = 0; i < o->GetInputTypeCount(o); ++i) {
      if (o->GetInputCharacteristic(o, i) == INPUT_OUTPUT_VARIADIC) continue;  // never read
      const bool integer = o->GetInputType(o, i) == I64 || o->GetInputType(o, i) == I32;
      EXPECT_EQ(o->GetInputMemoryType(o, i), on_cuda && integer ? OrtMemTypeCPUInput : OrtMemTypeDefault)
          << o->GetName(o) << " input " << i;
    }
  }
  EXPECT_EQ(cuda_ops, cuda() ? 4 : 0);
  EXPECT_EQ(domain_->ops.size(), cuda() ? 8u : 4u);
}

TEST_F(SharedLibrary, CudaKernelFailsCleanlyWithoutAUsableGpu) {
  const OrtCustomOp* a = nullptr;
  for (const OrtCustomOp* o : domain_->ops) {
    if (o->GetExecutionProviderType(o) != nullptr && std::string(o->GetName(o)) == "Attention" &&
        o->GetInputType(o, 0) == F32)
      a = o;
  }
  if (a == nullptr) GTEST_SKIP() << "built without CUDA";
  void* kernel = nullptr;
  ASSERT_EQ(make_kernel(a, {{{"kv_layer", 0}, {"num_heads", 2}, {"num_kv_heads", 2}, {"head_dim", 8}}},
                        &kernel),
            "");
  int64_t handle = 0;
  ASSERT_EQ(create_(1, 2, 8, 4, 4, LCKV_DTYPE_F32, LCKV_DEVICE_CPU, &handle), LCKV_OK);
  const FakeValue q = FakeValue::of<float>(F32, {1, 1, 16}, std::vector<float>(16, 1.0f));
  const FakeValue h = FakeValue::of<int64_t>(I64, {}, {handle});
  const FakeValue table = FakeValue::of<int32_t>(I32, {1, 1}, {0});
  const FakeValue lens = FakeValue::of<int32_t>(I32, {1, 1}, {2});
  FakeContext ctx{{&q, &q, &q, &h, &table, &lens}, {}};
  // No GPU: cudaGetDevice fails; with one: a host pool is refused. Either way, a status.
  const std::string s = ort_.take(a->KernelComputeV2(kernel, FakeOrt::context(ctx)));
  EXPECT_NE(s.find("lckv.Attention: "), std::string::npos) << s;
  a->KernelDestroy(kernel);
  destroy_(handle);
}

// Commit a prompt through the KvCommit kernel, then decode and prefill through the Attention
// kernel, all via the shared library, and compare with the reference.
class EndToEnd : public SharedLibrary, public ::testing::WithParamInterface<ONNXTensorElementDataType> {
 protected:
  void SetUp() override {
    ASSERT_EQ(create_(2, 2, 8, 4, 12, LCKV_DTYPE_F32, LCKV_DEVICE_CPU, &handle_), LCKV_OK);
    handle_value_ = FakeValue::of<int64_t>(I64, {}, {handle_});
  }
  void TearDown() override { destroy_(handle_); }

  FakeValue activation(std::vector<int64_t> dims, const std::vector<float>& x) {
    if (GetParam() == F32) return FakeValue::of<float>(F32, std::move(dims), x);
    std::vector<uint16_t> h(x.size());
    for (size_t e = 0; e < x.size(); ++e) h[e] = float_to_half(x[e]);
    return FakeValue::of<uint16_t>(F16, std::move(dims), h);
  }
  std::vector<float> floats(const FakeValue& v, size_t count) {
    std::vector<float> out(count);
    if (GetParam() == F32) {
      std::memcpy(out.data(), v.bytes.data(), count * 4);
    } else {
      std::vector<uint16_t> h = v.as<uint16_t>();
      for (size_t e = 0; e < count; ++e) out[e] = half_to_float(h[e]);
    }
    return out;
  }
  // Activations are rounded to the tested type first, so the reference sees the same inputs.
  float r(float x) { return GetParam() == F32 ? x : half_to_float(float_to_half(x)); }

  int64_t handle_ = 0;
  FakeValue handle_value_;
};

TEST_P(EndToEnd, CommitThenAttend) {
  const OrtCustomOp* commit = op("KvCommit", GetParam());
  const OrtCustomOp* attention = op("Attention", GetParam());
  void* ck = nullptr;
  void* ak = nullptr;
  ASSERT_EQ(make_kernel(commit, {{{"kv_layer", 1}, {"num_kv_heads", 2}, {"head_dim", 8}}}, &ck), "");
  ASSERT_EQ(make_kernel(attention, {{{"kv_layer", 1}, {"num_heads", 4}, {"num_kv_heads", 2},
                                     {"head_dim", 8}, {"nodiag", 1}, {"window", 5}}},
                        &ak),
            "");

  // The reference fixture supplies random data and the expected math; its own pool is unused.
  Scenario s;
  s.B = 2;
  s.n = 3;
  s.H = 4;
  s.KvH = 2;
  s.D = 8;
  s.lens = {6, 2};
  s.sinks = {1, 0};
  s.nodiag = 1;
  s.window = 5;
  Fixture f(s, 3);
  for (auto* v : {&f.q, &f.k_work, &f.v_work}) for (float& x : *v) x = r(x);
  for (auto& c : f.cache_k) for (float& x : c) x = r(x);
  for (auto& c : f.cache_v) for (float& x : c) x = r(x);
  const std::vector<int32_t> table = {7, 2, 11, 0, 5, 9};  // [2, 3]
  const FakeValue table_v = FakeValue::of<int32_t>(I32, {2, 3}, table);

  // Commit the fixture's committed caches as a first "prompt" step, from empty lengths; each
  // sequence's prompt is padded to 6 tokens (sequence 1 commits 6, only 2 of which count).
  std::vector<float> pk(2 * 6 * 16, 0.0f), pv(pk.size(), 0.0f);
  for (int b = 0; b < 2; ++b)
    for (int j = 0; j < s.lens[b]; ++j)
      for (int g = 0; g < 2; ++g)
        for (int d = 0; d < 8; ++d) {
          pk[((b * 6 + j) * 2 + g) * 8 + d] = f.cache_k[b * 2 + g][j * 8 + d];
          pv[((b * 6 + j) * 2 + g) * 8 + d] = f.cache_v[b * 2 + g][j * 8 + d];
        }
  const FakeValue k0 = activation({2, 6, 16}, pk), v0 = activation({2, 6, 16}, pv);
  const FakeValue zero_lens = FakeValue::of<int32_t>(I32, {2, 1}, {0, 0});
  // Sinks place sequence 0's entries from 1 on at slot 4: commit and attention must agree.
  const FakeValue sinks = FakeValue::of<int32_t>(I32, {2}, {1, 0});
  FakeContext commit_ctx{{&k0, &v0, &handle_value_, &table_v, &zero_lens, &sinks, nullptr, nullptr, &k0}, {}};
  ASSERT_EQ(ort_.take(commit->KernelComputeV2(ck, FakeOrt::context(commit_ctx))), "");
  EXPECT_EQ(commit_ctx.outputs[0].dims, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(commit_ctx.outputs[0].as<int32_t>().front(), 6);

  // The step under test: n = 3 new tokens on lengths {6, 2}, with sinks.
  const FakeValue q = activation({2, 3, 32}, f.q), k = activation({2, 3, 16}, f.k_work),
                  v = activation({2, 3, 16}, f.v_work);
  const FakeValue lens = FakeValue::of<int32_t>(I32, {2, 1}, {6, 2});
  FakeContext ctx{{&q, &k, &v, &handle_value_, &table_v, &lens, &sinks}, {}};
  ASSERT_EQ(ort_.take(attention->KernelComputeV2(ak, FakeOrt::context(ctx))), "");
  ASSERT_EQ(ctx.outputs[0].dims, (std::vector<int64_t>{2, 3, 32}));
  const std::vector<float> got = floats(ctx.outputs[0], f.q.size());
  const std::vector<double> want = reference_attention(f);
  const double tolerance = GetParam() == F32 ? 2e-5 : 2e-3;
  for (size_t e = 0; e < want.size(); ++e) ASSERT_NEAR(got[e], want[e], tolerance) << e;

  std::vector<int64_t> stats(LCKV_POOL_STATS_FIELDS);
  ASSERT_EQ(stats_(handle_, stats.data(), LCKV_POOL_STATS_FIELDS), LCKV_OK);
  EXPECT_EQ(stats[9], 1);   // attention calls
  EXPECT_EQ(stats[10], 1);  // commit calls
  EXPECT_EQ(stats[11], 12); // committed tokens

  commit->KernelDestroy(ck);
  attention->KernelDestroy(ak);
}

TEST_P(EndToEnd, BadCallsReturnStatuses) {
  const OrtCustomOp* attention = op("Attention", GetParam());
  void* ak = nullptr;
  ASSERT_EQ(make_kernel(attention, {{{"kv_layer", 0}, {"num_heads", 2}, {"num_kv_heads", 2},
                                     {"head_dim", 8}}},
                        &ak),
            "");
  const FakeValue q = activation({1, 1, 16}, std::vector<float>(16, 0.5f));
  const FakeValue lens = FakeValue::of<int32_t>(I32, {1, 1}, {5});
  const FakeValue bad_table = FakeValue::of<int32_t>(I32, {1, 2}, {3, 12});
  FakeContext ctx{{&q, &q, &q, &handle_value_, &bad_table, &lens}, {}};
  std::string s = ort_.take(attention->KernelComputeV2(ak, FakeOrt::context(ctx)));
  EXPECT_NE(s.find("lckv.Attention: input 'block_table' row 0"), std::string::npos) << s;
  EXPECT_NE(s.find("entry 1 = 12"), std::string::npos) << s;

  const FakeValue unknown = FakeValue::of<int64_t>(I64, {1}, {handle_ + 12345});
  const FakeValue table = FakeValue::of<int32_t>(I32, {1, 2}, {3, 4});
  FakeContext ctx2{{&q, &q, &q, &unknown, &table, &lens}, {}};
  s = ort_.take(attention->KernelComputeV2(ak, FakeOrt::context(ctx2)));
  EXPECT_NE(s.find("input 'pool' = " + std::to_string(handle_ + 12345)), std::string::npos) << s;

  FakeContext ctx3{{&q, &q, &q, &handle_value_, &table, &lens, nullptr}, {}};
  EXPECT_EQ(ort_.take(attention->KernelComputeV2(ak, FakeOrt::context(ctx3))), "");
  FakeContext ctx4{{&q, &lens, &q, &handle_value_, &table, &lens}, {}};
  s = ort_.take(attention->KernelComputeV2(ak, FakeOrt::context(ctx4)));
  EXPECT_NE(s.find("input 'k_work' is int32"), std::string::npos) << s;
  attention->KernelDestroy(ak);
}

TEST_P(EndToEnd, StreamingCommitThenAttendWithRopeAtRead) {
  // Sequence 0 streams (3 sinks, recent entries from slot 4 + 2, keys kept without rope),
  // sequence 1 is plain; both commit a 9-token prompt, then attend with 2 new tokens.
  Scenario s;
  s.B = 2;
  s.n = 2;
  s.H = 4;
  s.KvH = 2;
  s.D = 8;
  s.lens = {9, 5};
  s.sinks = {3, 0};
  s.recent_offsets = {2, 0};
  s.rope_at_read = {1, 0};
  s.rotary_dim = 8;
  s.nodiag = 1;
  Fixture f(s, 4);
  for (auto* v : {&f.q, &f.k_work, &f.v_work}) for (float& x : *v) x = r(x);
  for (auto& c : f.cache_v) for (float& x : c) x = r(x);
  const std::map<std::string, std::vector<float>> rope_attrs = {{"rope_inv_freq", f.freq}};
  const OrtCustomOp* commit = op("KvCommit", GetParam());
  const OrtCustomOp* attention = op("Attention", GetParam());
  void* ck = nullptr;
  void* ak = nullptr;
  ASSERT_EQ(make_kernel(commit, {{{"kv_layer", 1}, {"num_kv_heads", 2}, {"head_dim", 8}, {"rotary_dim", 8}}, rope_attrs},
                        &ck),
            "");
  ASSERT_EQ(make_kernel(attention, {{{"kv_layer", 1}, {"num_heads", 4}, {"num_kv_heads", 2}, {"head_dim", 8},
                                     {"nodiag", 1}, {"rotary_dim", 8}},
                                    rope_attrs},
                        &ak),
            "");
  // Sequence 0: entries 0..2 in column 0, entries 3..10 at slots 6..13 (columns 1..3).
  const FakeValue table_v = FakeValue::of<int32_t>(I32, {2, 4}, {7, 2, 11, 0, 5, 9, 3, -1});
  const FakeValue sinks = FakeValue::of<int32_t>(I32, {2}, {3, 0});
  const FakeValue offsets = FakeValue::of<int32_t>(I32, {2}, {2, 0});
  const FakeValue rope_at_read = FakeValue::of<int32_t>(I32, {2}, {1, 0});

  // The prompt as the graph gives it: sequence 0's keys rotated at their index, so the commit
  // must take that off again; sequence 1 (5 tokens) padded to 9.
  std::vector<float> pk(2 * 9 * 16, 0.0f), pv(pk.size(), 0.0f);
  for (int b = 0; b < 2; ++b)
    for (int j = 0; j < s.lens[b]; ++j)
      for (int g = 0; g < 2; ++g) {
        const auto first = f.cache_k[b * 2 + g].begin() + j * 8;
        std::vector<float> key(first, first + 8);
        if (b == 0) key = rope(key, f.freq, 8, j);
        for (int d = 0; d < 8; ++d) {
          pk[((b * 9 + j) * 2 + g) * 8 + d] = key[d];
          pv[((b * 9 + j) * 2 + g) * 8 + d] = f.cache_v[b * 2 + g][j * 8 + d];
        }
      }
  const FakeValue k0 = activation({2, 9, 16}, pk), v0 = activation({2, 9, 16}, pv);
  const FakeValue zero_lens = FakeValue::of<int32_t>(I32, {2, 1}, {0, 0});
  FakeContext commit_ctx{{&k0, &v0, &handle_value_, &table_v, &zero_lens, &sinks, &offsets, &rope_at_read, &k0}, {}};
  ASSERT_EQ(ort_.take(commit->KernelComputeV2(ck, FakeOrt::context(commit_ctx))), "");
  EXPECT_EQ(commit_ctx.outputs[0].as<int32_t>(), (std::vector<int32_t>{9, 9}));

  const FakeValue q = activation({2, 2, 32}, f.q), k = activation({2, 2, 16}, f.k_work),
                  v = activation({2, 2, 16}, f.v_work);
  const FakeValue lens = FakeValue::of<int32_t>(I32, {2, 1}, {9, 5});
  FakeContext ctx{{&q, &k, &v, &handle_value_, &table_v, &lens, &sinks, &offsets, &rope_at_read}, {}};
  ASSERT_EQ(ort_.take(attention->KernelComputeV2(ak, FakeOrt::context(ctx))), "");
  const std::vector<float> got = floats(ctx.outputs[0], f.q.size());
  const std::vector<double> want = reference_attention(f);
  const double tolerance = GetParam() == F32 ? 2e-5 : 3e-3;
  for (size_t e = 0; e < want.size(); ++e) ASSERT_NEAR(got[e], want[e], tolerance) << e;

  // A node without the rope attributes refuses a sequence that asks for rope at read.
  void* plain = nullptr;
  ASSERT_EQ(make_kernel(attention, {{{"kv_layer", 1}, {"num_heads", 4}, {"num_kv_heads", 2}, {"head_dim", 8}}},
                        &plain),
            "");
  const std::string err = ort_.take(attention->KernelComputeV2(plain, FakeOrt::context(ctx)));
  EXPECT_NE(err.find("lckv.Attention: input 'rope_at_read' entry 0 = 1 asks for rope at read time"),
            std::string::npos)
      << err;
  // And a recent offset outside the block.
  const FakeValue bad_offsets = FakeValue::of<int32_t>(I32, {2}, {4, 0});
  FakeContext bad{{&q, &k, &v, &handle_value_, &table_v, &lens, &sinks, &bad_offsets, &rope_at_read}, {}};
  EXPECT_NE(ort_.take(attention->KernelComputeV2(ak, FakeOrt::context(bad))).find("input 'recent_offset' entry 0 = 4"),
            std::string::npos);
  attention->KernelDestroy(plain);
  commit->KernelDestroy(ck);
  attention->KernelDestroy(ak);
}

INSTANTIATE_TEST_SUITE_P(Activations, EndToEnd, ::testing::Values(F32, F16),
                         [](const ::testing::TestParamInfo<ONNXTensorElementDataType>& info) {
                           return std::string(info.param == F32 ? "F32" : "F16");
                         });

}  // namespace
}  // namespace lckv::test
