// Times the CPU kernels on TinyLlama-shaped problems (32 heads, 4 KV heads, head_dim 64) for
// the figures in native/README.md. Not a test: run it by hand, on an otherwise idle machine.
//   lckv_bench [threads [case]]
// `case` keeps only the cases whose label contains it (e.g. "B=4 " under valgrind, where one
// case is all that is affordable).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "cpu/attention.h"
#include "cpu/commit.h"
#include "cpu/rope_table.h"
#include "pool/pool.h"

namespace {

using namespace lckv;

unsigned g_threads = 1;
const char* g_filter = "";

void threaded(void*, size_t total, void (*fn)(void*, size_t), void* data) {
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < g_threads; ++t)
    pool.emplace_back([=] {
      for (size_t i = t; i < total; i += g_threads) fn(data, i);
    });
  for (size_t i = 0; i < total; i += g_threads) fn(data, i);
  for (auto& th : pool) th.join();
}

double seconds_per_call(const std::function<void()>& call) {
  call();  // warm-up: scratch buffers, caches
  int reps = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    call();
    ++reps;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < 1.0);
  return elapsed / reps;
}

// `streaming`: every sequence in StreamingLLM layout (4 sinks, recent entries 5 slots into the
// block after them) with rope at read, against the same call without.
void run(const char* name, Dtype dtype, int B, int n, int len, bool streaming = false) {
  char label[200];
  std::snprintf(label, sizeof label, "%-26s %-16s %-8s B=%-3d n=%-4d len=%-5d", name,
                streaming ? "streaming+rope" : "", dtype_name(dtype), B, n, len);
  if (std::strstr(label, g_filter) == nullptr) return;
  const int H = 32, KvH = 4, D = 64, bs = 16;
  const int max_blocks = (len + n + 2 * bs - 1) / bs;
  PoolConfig c;
  c.num_kv_layers = 1;
  c.num_kv_heads = KvH;
  c.head_dim = D;
  c.block_size = bs;
  c.num_blocks = B * max_blocks;
  c.dtype = dtype;
  int64_t handle = 0;
  std::shared_ptr<Pool> pool;
  if (!create_pool(c, &handle).ok() || !find_pool(handle, &pool).ok()) std::abort();

  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uni(-1, 1);
  std::vector<float> q(static_cast<size_t>(B) * n * H * D), k(static_cast<size_t>(B) * n * KvH * D), v(k.size()),
      out(q.size());
  for (auto* x : {&q, &k, &v})
    for (float& e : *x) e = uni(rng);
  std::vector<int32_t> table(static_cast<size_t>(B) * max_blocks), lens(B, len);
  for (size_t i = 0; i < table.size(); ++i) table[i] = static_cast<int32_t>(i);

  AttentionProblem p;
  p.B = B;
  p.n = n;
  p.H = H;
  p.KvH = KvH;
  p.D = D;
  p.max_blocks = max_blocks;
  p.nodiag = 1;
  p.q = q.data();
  p.k_work = k.data();
  p.v_work = v.data();
  p.block_table = table.data();
  p.cache_lens = lens.data();
  p.out = out.data();
  std::vector<int32_t> sinks(B, 4), offsets(B, 5), rope_at_read(B, 1);
  std::shared_ptr<const RopeRows> rows;
  if (streaming) {
    std::vector<float> inv_freq(D / 2);
    for (int c = 0; c < D / 2; ++c) inv_freq[c] = 1.0f / std::pow(10000.0f, static_cast<float>(2 * c) / D);
    rows = rope_table(inv_freq)->covering(len);
    p.layout.sinks = sinks.data();
    p.layout.recent_offset = offsets.data();
    p.layout.rope_at_read = rope_at_read.data();
    p.layout.rope = rows->data();
    p.layout.rope_half = D / 2;
    p.layout.rope_positions = len;
  }
  const Parallel parallel{&threaded, nullptr};
  const double s = seconds_per_call([&] { attention_cpu(pool->view(), p, parallel); });
  // Keys visited: committed + causal working keys, per query head and row.
  const double pairs = static_cast<double>(B) * H * n * (len + (n - 1) / 2.0);
  std::printf("%s %9.3f ms  %6.2f Gkey-dots/s  %6.1f GB/s cache read\n", label, s * 1e3, pairs / s * 1e-9,
              static_cast<double>(B) * KvH * len * 2 * D * dtype_size(dtype) / s * 1e-9);
  pool.reset();
  destroy_pool(handle);
}

}  // namespace

int main(int argc, char** argv) {
  g_threads = argc > 1 ? static_cast<unsigned>(std::max(1, std::atoi(argv[1]))) : 1;
  if (argc > 2) g_filter = argv[2];
  std::printf("threads: %u\n", g_threads);
  for (bool streaming : {false, true}) {
    for (Dtype d : {Dtype::F32, Dtype::F16, Dtype::BF16}) run("decode, ragged-free batch", d, 16, 1, 1024, streaming);
    run("decode", Dtype::F16, 4, 1, 1024, streaming);
    run("decode, one sequence", Dtype::F16, 1, 1, 1024, streaming);
    run("prefill chunk on a cache", Dtype::F16, 1, 128, 1024, streaming);
  }
  run("decode, long context", Dtype::F16, 1, 1, 8192);
  run("prefill, empty cache", Dtype::F16, 1, 512, 0);
  run("prefill chunk on a cache", Dtype::F16, 1, 128, 2048);
  return 0;
}
