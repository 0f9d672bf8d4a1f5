// The ops inside a real ONNX Runtime: a session loads a small graph (lckv.Attention feeding
// lckv.KvCommit's ordering input), registers this library by path, and runs prefill then decode
// on one pool. Built only when LCKV_ORT_RUNTIME names a libonnxruntime.so (e.g. the one inside
// the onnxruntime Maven jar); the library and ORT are both dlopen'ed, nothing links them.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <onnxruntime_c_api.h>

#include <cmath>
#include <cstring>
#include <random>
#include <memory>
#include <string>
#include <vector>

#include "common/dtype.h"
#include "lckv_pool.h"
#include "tests/reference.h"

namespace lckv::test {
namespace {

// Just enough protobuf to write an ONNX ModelProto.
struct Pb {
  std::string bytes;
  Pb& varint(int field, uint64_t v) {
    key(field, 0);
    put(v);
    return *this;
  }
  Pb& str(int field, const std::string& s) {
    key(field, 2);
    put(s.size());
    bytes += s;
    return *this;
  }
  Pb& msg(int field, const Pb& m) { return str(field, m.bytes); }
  Pb& fixed32(int field, float v) {
    key(field, 5);
    char raw[4];
    std::memcpy(raw, &v, 4);
    bytes.append(raw, 4);
    return *this;
  }

 private:
  void key(int field, int wire) { put(static_cast<uint64_t>(field) << 3 | wire); }
  void put(uint64_t v) {
    do {
      bytes += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>= 7;
    } while (v != 0);
  }
};

// A tensor input/output: dims < 0 are symbolic.
Pb value_info(const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
  Pb shape;
  for (size_t i = 0; i < dims.size(); ++i) {
    Pb dim;
    if (dims[i] >= 0) {
      dim.varint(1, dims[i]);
    } else {
      dim.str(2, name + "_d" + std::to_string(i));
    }
    shape.msg(1, dim);
  }
  Pb tensor;
  tensor.varint(1, elem_type).msg(2, shape);
  Pb type;
  type.msg(1, tensor);
  Pb vi;
  vi.str(1, name).msg(2, type);
  return vi;
}

Pb int_attr(const std::string& name, int64_t v) {
  Pb a;
  a.str(1, name).varint(3, v).varint(20, 2);  // type INT
  return a;
}

Pb floats_attr(const std::string& name, const std::vector<float>& values) {
  Pb a;
  a.str(1, name);
  for (float v : values) a.fixed32(7, v);
  a.varint(20, 6);  // type FLOATS
  return a;
}

constexpr int kH = 4, kKvH = 2, kD = 8;

// Attention feeding KvCommit's ordering input. Without `streaming` the graph leaves the layout
// inputs out (Attention: trailing inputs omitted; KvCommit: "" before its variadic input), and
// feeds only sinks; with it every layout input is a graph input and both nodes carry rope
// attributes.
std::string model(int act, int64_t nodiag, int64_t window, int64_t kv_layer_attr, bool streaming = false,
                  const std::vector<float>& inv_freq = {}) {
  Pb attention;
  for (const char* in : {"q", "k", "v", "pool", "table", "lens", "sinks"}) attention.str(1, in);
  if (streaming) attention.str(1, "recent_offset").str(1, "rope_at_read");
  attention.str(2, "out").str(3, "attn").str(4, "Attention").str(7, "lckv");
  attention.msg(5, int_attr("kv_layer", kv_layer_attr)).msg(5, int_attr("num_heads", kH));
  attention.msg(5, int_attr("num_kv_heads", kKvH)).msg(5, int_attr("head_dim", kD));
  attention.msg(5, int_attr("nodiag", nodiag)).msg(5, int_attr("window", window));
  Pb commit;
  for (const char* in : {"k", "v", "pool", "table", "lens", "sinks"}) commit.str(1, in);
  commit.str(1, streaming ? "recent_offset" : "").str(1, streaming ? "rope_at_read" : "").str(1, "out");
  commit.str(2, "new_lens").str(3, "commit").str(4, "KvCommit").str(7, "lckv");
  commit.msg(5, int_attr("kv_layer", 1)).msg(5, int_attr("num_kv_heads", kKvH));
  commit.msg(5, int_attr("head_dim", kD));
  if (streaming) {
    for (Pb* node : {&attention, &commit}) {
      node->msg(5, floats_attr("rope_inv_freq", inv_freq));
      node->msg(5, int_attr("rotary_dim", static_cast<int64_t>(2 * inv_freq.size())));
    }
  }

  const int I32 = 6, I64 = 7;
  Pb graph;
  graph.msg(1, attention).msg(1, commit).str(2, "lckv_smoke");
  graph.msg(11, value_info("q", act, {-1, -1, kH * kD}));
  graph.msg(11, value_info("k", act, {-1, -1, kKvH * kD}));
  graph.msg(11, value_info("v", act, {-1, -1, kKvH * kD}));
  graph.msg(11, value_info("pool", I64, {}));
  graph.msg(11, value_info("table", I32, {-1, -1}));
  graph.msg(11, value_info("lens", I32, {-1, 1}));
  graph.msg(11, value_info("sinks", I32, {-1}));
  if (streaming) {
    graph.msg(11, value_info("recent_offset", I32, {-1}));
    graph.msg(11, value_info("rope_at_read", I32, {-1}));
  }
  graph.msg(12, value_info("out", act, {-1, -1, kH * kD}));
  graph.msg(12, value_info("new_lens", I32, {-1, 1}));
  Pb onnx_opset, lckv_opset;
  onnx_opset.str(1, "").varint(2, 17);
  lckv_opset.str(1, "lckv").varint(2, 1);
  Pb m;
  m.varint(1, 8).str(2, "lckv-tests").msg(7, graph).msg(8, onnx_opset).msg(8, lckv_opset);
  return m.bytes;
}

class Runtime : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ort_lib_ = dlopen(LCKV_ORT_RUNTIME, RTLD_NOW | RTLD_GLOBAL);
    ASSERT_NE(ort_lib_, nullptr) << dlerror();
    auto base = reinterpret_cast<const OrtApiBase* (*)()>(dlsym(ort_lib_, "OrtGetApiBase"));
    ASSERT_NE(base, nullptr);
    api_ = base()->GetApi(ORT_API_VERSION);
    ASSERT_NE(api_, nullptr);
    ASSERT_EQ(take(api_->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "lckv", &env_)), "");
    // The same path ORT loads, so both share one pool registry.
    lib_ = dlopen(LCKV_OPS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib_, nullptr) << dlerror();
    create_ = reinterpret_cast<decltype(&lckv_pool_create)>(dlsym(lib_, "lckv_pool_create"));
    read_ = reinterpret_cast<decltype(&lckv_pool_read_slots)>(dlsym(lib_, "lckv_pool_read_slots"));
  }

  static std::string take(OrtStatus* s) {
    if (s == nullptr) return "";
    std::string m = api_->GetErrorMessage(s);
    api_->ReleaseStatus(s);
    return m;
  }

  // Creates a session for the model; returns ORT's error text, "" on success.
  std::string open(const std::string& bytes) {
    OrtSessionOptions* options = nullptr;
    std::string s = take(api_->CreateSessionOptions(&options));
    if (s.empty()) s = take(api_->SetIntraOpNumThreads(options, 2));
    if (s.empty()) s = take(api_->RegisterCustomOpsLibrary_V2(options, LCKV_OPS_LIBRARY));
    if (s.empty()) s = take(api_->CreateSessionFromArray(env_, bytes.data(), bytes.size(), options, &session_));
    api_->ReleaseSessionOptions(options);
    return s;
  }
  void TearDown() override {
    if (session_ != nullptr) api_->ReleaseSession(session_);
    for (OrtValue* v : values_) api_->ReleaseValue(v);
  }

  template <typename T>
  OrtValue* tensor(std::vector<T>& data, std::vector<int64_t> dims, ONNXTensorElementDataType type) {
    OrtMemoryInfo* info = nullptr;
    EXPECT_EQ(take(api_->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &info)), "");
    OrtValue* v = nullptr;
    EXPECT_EQ(take(api_->CreateTensorWithDataAsOrtValue(info, data.data(), data.size() * sizeof(T),
                                                        dims.data(), dims.size(), type, &v)),
              "");
    api_->ReleaseMemoryInfo(info);
    values_.push_back(v);
    return v;
  }

  // Runs the session; returns the error text, fills out and new_lens on success.
  std::string run(std::vector<OrtValue*> inputs, std::vector<float>* out, std::vector<int32_t>* new_lens,
                  bool half) {
    const char* in_names[] = {"q", "k", "v", "pool", "table", "lens", "sinks", "recent_offset", "rope_at_read"};
    const char* out_names[] = {"out", "new_lens"};
    OrtValue* outputs[2] = {nullptr, nullptr};
    std::string s = take(api_->Run(session_, nullptr, in_names, inputs.data(), inputs.size(), out_names, 2, outputs));
    if (!s.empty()) return s;
    void* data = nullptr;
    EXPECT_EQ(take(api_->GetTensorMutableData(outputs[0], &data)), "");
    for (size_t e = 0; e < out->size(); ++e)
      (*out)[e] = half ? half_to_float(static_cast<uint16_t*>(data)[e]) : static_cast<float*>(data)[e];
    EXPECT_EQ(take(api_->GetTensorMutableData(outputs[1], &data)), "");
    std::memcpy(new_lens->data(), data, new_lens->size() * 4);
    api_->ReleaseValue(outputs[0]);
    api_->ReleaseValue(outputs[1]);
    return "";
  }

  static inline void* ort_lib_ = nullptr;
  static inline void* lib_ = nullptr;
  static inline const OrtApi* api_ = nullptr;
  static inline OrtEnv* env_ = nullptr;
  static inline decltype(&lckv_pool_create) create_ = nullptr;
  static inline decltype(&lckv_pool_read_slots) read_ = nullptr;
  OrtSession* session_ = nullptr;
  std::vector<OrtValue*> values_;
  std::vector<std::unique_ptr<std::vector<uint16_t>>> halves_;
};

class RuntimeTypes : public Runtime, public ::testing::WithParamInterface<bool> {};

TEST_P(RuntimeTypes, PrefillCommitsThenDecodeReadsIt) {
  const bool half = GetParam();
  const auto act_type = half ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  ASSERT_EQ(open(model(half ? 10 : 1, 1, 4, 1)), "");
  int64_t handle = 0;
  ASSERT_EQ(create_(2, kKvH, kD, 4, 8, LCKV_DTYPE_F16, LCKV_DEVICE_CPU, &handle), LCKV_OK);

  // Step 1: prefill 5 tokens of 2 sequences on empty caches.
  Scenario s;
  s.B = 2;
  s.n = 5;
  s.H = kH;
  s.KvH = kKvH;
  s.D = kD;
  s.lens = {0, 0};
  s.sinks = {1, 0};
  s.nodiag = 1;
  s.window = 4;
  Fixture f(s, 11);
  auto round_act = [&](std::vector<float>& x) {
    for (float& e : x) e = half ? half_to_float(float_to_half(e)) : e;
  };
  for (auto* x : {&f.q, &f.k_work, &f.v_work}) round_act(*x);
  auto act = [&](std::vector<float>& x, std::vector<int64_t> dims) {
    if (!half) return tensor(x, dims, act_type);
    halves_.push_back(std::make_unique<std::vector<uint16_t>>(x.size()));  // outlives the value
    std::vector<uint16_t>& h = *halves_.back();
    for (size_t e = 0; e < x.size(); ++e) h[e] = float_to_half(x[e]);
    return tensor(h, dims, act_type);
  };
  std::vector<int64_t> pool = {handle};
  std::vector<int32_t> table = {3, 0, 5, 6, 1, 2}, lens = {0, 0}, sinks = {1, 0};
  std::vector<float> out(f.q.size());
  std::vector<int32_t> new_lens(2);
  ASSERT_EQ(run({act(f.q, {2, 5, kH * kD}), act(f.k_work, {2, 5, kKvH * kD}), act(f.v_work, {2, 5, kKvH * kD}),
                 tensor(pool, {}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64),
                 tensor(table, {2, 3}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
                 tensor(lens, {2, 1}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
                 tensor(sinks, {2}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32)},
                &out, &new_lens, half),
            "");
  EXPECT_EQ(new_lens, (std::vector<int32_t>{5, 5}));
  const double tolerance = half ? 3e-3 : 2e-5;
  std::vector<double> want = reference_attention(f);
  for (size_t e = 0; e < want.size(); ++e) ASSERT_NEAR(out[e], want[e], tolerance) << e;

  // The commit wrote layer 1 (fp16 pool): read it back.
  std::vector<float> k(5 * kKvH * kD), v(k.size());
  ASSERT_EQ(read_(handle, 1, &table[3], 3, 0, 5, k.data(), v.data()), LCKV_OK);
  for (int j = 0; j < 5; ++j)
    for (int c = 0; c < kKvH * kD; ++c)
      ASSERT_EQ(k[j * kKvH * kD + c], half_to_float(float_to_half(f.k_work[(5 + j) * kKvH * kD + c])));

  // Step 2: decode one token per sequence on the committed caches.
  Scenario d = s;
  d.n = 1;
  d.lens = {5, 5};
  Fixture g(d, 12);
  for (auto* x : {&g.q, &g.k_work, &g.v_work}) round_act(*x);
  for (int b = 0; b < 2; ++b)
    for (int h = 0; h < kKvH; ++h)
      for (int j = 0; j < 5; ++j)
        for (int e = 0; e < kD; ++e) {
          const size_t src = ((b * 5 + j) * kKvH + h) * kD + e;
          g.cache_k[b * kKvH + h][j * kD + e] = half_to_float(float_to_half(f.k_work[src]));
          g.cache_v[b * kKvH + h][j * kD + e] = half_to_float(float_to_half(f.v_work[src]));
        }
  std::vector<int32_t> lens2 = {5, 5};
  std::vector<float> out2(g.q.size());
  ASSERT_EQ(run({act(g.q, {2, 1, kH * kD}), act(g.k_work, {2, 1, kKvH * kD}), act(g.v_work, {2, 1, kKvH * kD}),
                 tensor(pool, {}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64),
                 tensor(table, {2, 3}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
                 tensor(lens2, {2, 1}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
                 tensor(sinks, {2}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32)},
                &out2, &new_lens, half),
            "");
  EXPECT_EQ(new_lens, (std::vector<int32_t>{6, 6}));
  want = reference_attention(g);
  for (size_t e = 0; e < want.size(); ++e) ASSERT_NEAR(out2[e], want[e], tolerance) << e;

  // A bad call is an error status from Run, with the library's message.
  std::vector<int32_t> bad_table = {3, 0, 5, 6, 1, 99};
  std::vector<int32_t> long_lens = {5, 9};
  const std::string err =
      run({act(g.q, {2, 1, kH * kD}), act(g.k_work, {2, 1, kKvH * kD}), act(g.v_work, {2, 1, kKvH * kD}),
           tensor(pool, {}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64),
           tensor(bad_table, {2, 3}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
           tensor(long_lens, {2, 1}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
           tensor(sinks, {2}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32)},
          &out2, &new_lens, half);
  EXPECT_NE(err.find("lckv.Attention: input 'block_table' row 1"), std::string::npos) << err;
}

TEST_P(RuntimeTypes, StreamingEvictsByBookkeepingWithRopeAtRead) {
  // Two sequences in every call: sequence 0 streams (2 sinks, window 7, keys kept without rope),
  // sequence 1 is plain. A 5-token prompt, then 9 decode steps; from the third on the engine
  // evicts sequence 0's oldest recent entry each step by bookkeeping alone: it bumps
  // recent_offset and drops emptied blocks, and every later entry's index (its rope position)
  // drops by one with no data moved. The reference rotates each kept pre-rope key at its
  // current index.
  const bool half = GetParam();
  const auto act_type = half ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  const std::vector<float> freq = inv_freq(kD);
  ASSERT_EQ(open(model(half ? 10 : 1, 0, 0, 1, true, freq)), "");
  int64_t handle = 0;
  constexpr int kBlock = 4, kMaxBlocks = 8;
  ASSERT_EQ(create_(2, kKvH, kD, kBlock, 16, LCKV_DTYPE_F32, LCKV_DEVICE_CPU, &handle), LCKV_OK);
  std::vector<int32_t> free;
  for (int32_t id = 15; id >= 0; --id) free.push_back(id);
  StreamingBlocks seqs[2] = {{kBlock, 2, 7}, {kBlock, 0, 1L << 40}};
  std::vector<std::vector<double>> kept_k[2], kept_v[2];  // sequence 0: pre-rope keys
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> uni(-1, 1);
  auto act = [&](float x) { return half ? half_to_float(float_to_half(x)) : x; };
  auto as_act = [&](std::vector<float>& x, std::vector<int64_t> dims) {
    if (!half) return tensor(x, dims, act_type);
    halves_.push_back(std::make_unique<std::vector<uint16_t>>(x.size()));
    for (size_t e = 0; e < x.size(); ++e) (*halves_.back())[e] = float_to_half(x[e]);
    return tensor(*halves_.back(), dims, act_type);
  };
  std::vector<int64_t> pool = {handle};
  for (int step = 0; step < 10; ++step) {
    const int n = step == 0 ? 5 : 1;
    for (int b = 0; b < 2; ++b) {
      const int evicted = seqs[b].prepare(n, free);
      kept_k[b].erase(kept_k[b].begin() + seqs[b].sinks, kept_k[b].begin() + seqs[b].sinks + evicted);
      kept_v[b].erase(kept_v[b].begin() + seqs[b].sinks, kept_v[b].begin() + seqs[b].sinks + evicted);
    }
    std::vector<int32_t> table(2 * kMaxBlocks, -1), lens = {seqs[0].length, seqs[1].length};
    std::copy(seqs[0].blocks.begin(), seqs[0].blocks.end(), table.begin());
    std::copy(seqs[1].blocks.begin(), seqs[1].blocks.end(), table.begin() + kMaxBlocks);
    std::vector<int32_t> sinks = {2, 0}, offsets = {seqs[0].recent_offset, 0}, rope_at_read = {1, 0};

    // The graph's inputs: q, keys rotated at their kept index, values, in the activation type.
    std::vector<float> q(2 * n * kH * kD), k(2 * n * kKvH * kD), v(k.size());
    for (float& x : q) x = act(uni(rng));
    for (float& x : v) x = act(uni(rng));
    for (int b = 0; b < 2; ++b)
      for (int t = 0; t < n; ++t)
        for (int g = 0; g < kKvH; ++g) {
          std::vector<float> x(kD);
          for (float& e : x) e = uni(rng);
          const std::vector<float> r = rope(x, freq, kD, lens[b] + t);
          for (int d = 0; d < kD; ++d) k[((b * n + t) * kKvH + g) * kD + d] = act(r[d]);
        }
    std::vector<float> out(q.size());
    std::vector<int32_t> new_lens(2);
    ASSERT_EQ(run({as_act(q, {2, n, kH * kD}), as_act(k, {2, n, kKvH * kD}), as_act(v, {2, n, kKvH * kD}),
                   tensor(pool, {}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64),
                   tensor(table, {2, kMaxBlocks}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
                   tensor(lens, {2, 1}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
                   tensor(sinks, {2}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
                   tensor(offsets, {2}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32),
                   tensor(rope_at_read, {2}, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32)},
                  &out, &new_lens, half),
              "");
    EXPECT_EQ(new_lens, (std::vector<int32_t>{lens[0] + n, lens[1] + n}));

    const double tolerance = half ? 3e-3 : 2e-5;
    for (int b = 0; b < 2; ++b) {
      for (int t = 0; t < n; ++t) {
        std::vector<std::vector<double>> keys, values = kept_v[b];
        for (size_t j = 0; j < kept_k[b].size(); ++j) {
          std::vector<double> key;
          for (int g = 0; g < kKvH; ++g) {
            std::vector<float> stored(kept_k[b][j].begin() + g * kD, kept_k[b][j].begin() + (g + 1) * kD);
            const std::vector<double> r = b == 0 ? rope_exact(stored.data(), kD, freq, static_cast<int64_t>(j))
                                                 : std::vector<double>(stored.begin(), stored.end());
            key.insert(key.end(), r.begin(), r.end());
          }
          keys.push_back(key);
        }
        for (int u = 0; u <= t; ++u) {
          keys.emplace_back(&k[(b * n + u) * kKvH * kD], &k[(b * n + u + 1) * kKvH * kD]);
          values.emplace_back(&v[(b * n + u) * kKvH * kD], &v[(b * n + u + 1) * kKvH * kD]);
        }
        const std::vector<double> want = attend(&q[(b * n + t) * kH * kD], kH, kKvH, kD, keys, values);
        for (int e = 0; e < kH * kD; ++e)
          ASSERT_NEAR(out[(b * n + t) * kH * kD + e], want[e], tolerance) << "step " << step << " b " << b;
      }
    }
    for (int b = 0; b < 2; ++b) {
      seqs[b].length += n;
      for (int t = 0; t < n; ++t) {
        // What the pool now holds: sequence 0's key with the rope of its index taken off.
        std::vector<double> key(&k[(b * n + t) * kKvH * kD], &k[(b * n + t + 1) * kKvH * kD]);
        if (b == 0) {
          for (int g = 0; g < kKvH; ++g) {
            for (int c = 0; c < kD / 2; ++c) {
              const double angle = static_cast<float>(lens[b] + t) * freq[c];
              const double x1 = key[g * kD + c], x2 = key[g * kD + c + kD / 2];
              key[g * kD + c] = x1 * std::cos(angle) + x2 * std::sin(angle);
              key[g * kD + c + kD / 2] = x2 * std::cos(angle) - x1 * std::sin(angle);
            }
          }
        }
        kept_k[b].push_back(key);
        kept_v[b].emplace_back(&v[(b * n + t) * kKvH * kD], &v[(b * n + t + 1) * kKvH * kD]);
      }
    }
  }
  EXPECT_EQ(seqs[0].length, 7);
  EXPECT_EQ(seqs[0].recent_offset, 3);  // 7 evicted: one block dropped, 3 slots into the next
}

INSTANTIATE_TEST_SUITE_P(Activations, RuntimeTypes, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "F16" : "F32");
                         });

TEST_F(Runtime, BadAttributeFailsSessionCreation) {
  const std::string err = open(model(1, 1, 0, -3));
  EXPECT_NE(err.find("lckv.Attention: attribute kv_layer = -3"), std::string::npos) << err;
}

}  // namespace
}  // namespace lckv::test
