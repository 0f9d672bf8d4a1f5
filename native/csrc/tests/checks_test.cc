// Every bad call of the two ops is refused with a status whose message names the culprit.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "ops/checks.h"
#include "pool/pool.h"

namespace lckv {
namespace {

TensorRef tensor(ONNXTensorElementDataType type, std::vector<int64_t> dims, const void* data) {
  TensorRef t;
  t.present = true;
  t.type = type;
  t.rank = static_cast<int>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) t.dims[i] = dims[i];
  t.data = data;
  return t;
}

constexpr auto F32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
constexpr auto F16 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
constexpr auto I32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
constexpr auto I64 = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;

// A valid call (B = 2, n = 3, H = 4, KvH = 2, D = 8, pool of 2 layers, blocks of 4 slots);
// each test breaks one thing.
class Checks : public ::testing::Test {
 protected:
  void SetUp() override {
    PoolConfig c;
    c.num_kv_layers = 2;
    c.num_kv_heads = 2;
    c.head_dim = 8;
    c.block_size = 4;
    c.num_blocks = 6;
    ASSERT_TRUE(create_pool(c, &handle_).ok());
    attrs_.kv_layer = 1;
    attrs_.num_heads = 4;
    attrs_.num_kv_heads = 2;
    attrs_.head_dim = 8;
    commit_attrs_.kv_layer = 1;
    commit_attrs_.num_kv_heads = 2;
    commit_attrs_.head_dim = 8;
    q_.assign(2 * 3 * 32, 0.0f);
    kv_.assign(2 * 3 * 16, 0.0f);
    table_ = {0, 1, 2, 3, 4, 5};
    lens_ = {5, 4};
    sinks_ = {0, 4};  // a whole block: the slot mapping stays the identity
    in_[kQ] = tensor(F32, {2, 3, 32}, q_.data());
    in_[kKWork] = tensor(F32, {2, 3, 16}, kv_.data());
    in_[kVWork] = tensor(F32, {2, 3, 16}, kv_.data());
    in_[kPool] = tensor(I64, {}, &handle_);
    in_[kBlockTable] = tensor(I32, {2, 3}, table_.data());
    in_[kCacheLens] = tensor(I32, {2, 1}, lens_.data());
    in_[kSinks] = tensor(I32, {2}, sinks_.data());
    cin_[kCKWork] = in_[kKWork];
    cin_[kCVWork] = in_[kVWork];
    cin_[kCPool] = in_[kPool];
    cin_[kCBlockTable] = in_[kBlockTable];
    cin_[kCCacheLens] = in_[kCacheLens];
    cin_[kCommitFixedInputs] = in_[kQ];  // one 'after' input
  }
  void TearDown() override { destroy_pool(handle_); }

  Status attention(int count = kAttentionInputs) {
    CheckedAttention out;
    return check_attention(attrs_, in_, count, LCKV_DEVICE_CPU, &out);
  }
  Status commit(int count = kCommitFixedInputs + 1) {
    CheckedCommit out;
    return check_commit(commit_attrs_, cin_, count, LCKV_DEVICE_CPU, &out);
  }
  void expect_refused(const Status& s, const std::string& needle, int code = LCKV_ERR_INVALID_ARGUMENT) {
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.code(), code);
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  }

  // Adds the optional layout inputs to both calls (B = 2).
  void with_layout(std::vector<int32_t> sinks, std::vector<int32_t> offsets, std::vector<int32_t> rope) {
    sinks_ = std::move(sinks);
    offsets_ = std::move(offsets);
    rope_ = std::move(rope);
    in_[kSinks] = cin_[kCSinks] = tensor(I32, {2}, sinks_.data());
    in_[kRecentOffset] = cin_[kCRecentOffset] = tensor(I32, {2}, offsets_.data());
    in_[kRopeAtRead] = cin_[kCRopeAtRead] = tensor(I32, {2}, rope_.data());
  }
  void with_rope_attrs() {
    attrs_.rope.inv_freq = commit_attrs_.rope.inv_freq = {1.0f, 0.1f, 0.01f};
    attrs_.rope.rotary_dim = commit_attrs_.rope.rotary_dim = 6;
  }

  int64_t handle_ = 0;
  AttentionAttrs attrs_;
  CommitAttrs commit_attrs_;
  std::vector<float> q_, kv_;
  std::vector<int32_t> table_, lens_, sinks_, offsets_, rope_;
  TensorRef in_[kAttentionInputs];
  TensorRef cin_[kCommitFixedInputs + 1];
};

TEST_F(Checks, ValidCallsPass) {
  CheckedAttention a;
  ASSERT_TRUE(check_attention(attrs_, in_, kAttentionInputs, -1, &a).ok());
  EXPECT_EQ(a.problem.B, 2);
  EXPECT_EQ(a.problem.n, 3);
  EXPECT_EQ(a.problem.max_blocks, 3);
  EXPECT_EQ(a.problem.Lh, 1);
  EXPECT_NE(a.problem.layout.sinks, nullptr);
  EXPECT_TRUE(attention(kSinks).ok());  // sinks omitted
  in_[kSinks].present = false;          // or given as absent
  EXPECT_TRUE(attention().ok());
  in_[kPool] = tensor(I64, {1}, &handle_);
  EXPECT_TRUE(attention().ok());
  lens_ = {9, 6};  // commit needs len + 3 <= 12
  EXPECT_TRUE(commit().ok());
}

TEST_F(Checks, Attributes) {
  AttentionAttrs a = attrs_;
  a.num_heads = 3;
  expect_refused(check_attrs(a), "num_heads");
  a = attrs_;
  a.num_kv_heads = 0;
  expect_refused(check_attrs(a), "num_kv_heads");
  a = attrs_;
  a.head_dim = 0;
  expect_refused(check_attrs(a), "head_dim");
  a = attrs_;
  a.nodiag = 2;
  expect_refused(check_attrs(a), "nodiag");
  a = attrs_;
  a.window = -1;
  expect_refused(check_attrs(a), "window");
  a = attrs_;
  a.kv_layer = -1;
  expect_refused(check_attrs(a), "kv_layer");
  CommitAttrs c = commit_attrs_;
  c.head_dim = -3;
  expect_refused(check_attrs(c), "head_dim");
}

TEST_F(Checks, AttentionInputs) {
  const std::vector<std::pair<std::function<void()>, std::string>> breaks = {
      {[&] { in_[kQ].type = ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE; }, "input 'q' is float64"},
      {[&] { in_[kQ].rank = 2; }, "input 'q' has shape [2, 3]"},
      {[&] { in_[kQ].dims[2] = 31; }, "num_heads*head_dim = 32"},
      {[&] { in_[kKWork].type = F16; }, "input 'k_work' is float16, expected float32"},
      {[&] { in_[kVWork].dims[1] = 2; }, "input 'v_work' has shape [2, 2, 16]"},
      {[&] { in_[kKWork].dims[2] = 32; }, "input 'k_work'"},
      {[&] { in_[kPool].type = I32; }, "input 'pool' is int32"},
      {[&] { in_[kPool] = tensor(I64, {2}, &handle_); }, "input 'pool' has shape [2]"},
      {[&] { in_[kBlockTable].type = I64; }, "input 'block_table' is int64"},
      {[&] { in_[kBlockTable].dims[0] = 1; }, "input 'block_table' has shape [1, 3]"},
      {[&] { in_[kBlockTable].rank = 1; }, "input 'block_table' has shape [2]"},
      {[&] { table_[1] = 6; }, "entry 1 = 6 is not a block"},
      {[&] { table_[0] = -1; }, "entry 0 = -1"},
      {[&] { lens_[1] = 13; }, "fewer than the 13 slots"},
      {[&] { lens_[0] = -2; }, "input 'cache_lens' entry (0, 0) = -2"},
      {[&] { in_[kCacheLens].dims[1] = 3; }, "input 'cache_lens' has shape [2, 3]"},
      {[&] { in_[kCacheLens].rank = 1; }, "input 'cache_lens' has shape [2]"},
      {[&] { in_[kSinks].dims[0] = 3; }, "input 'sinks' has shape [3]"},
      {[&] { sinks_[0] = -1; }, "input 'sinks' entry 0 = -1"},
      {[&] { in_[kSinks].type = I64; }, "input 'sinks' is int64"},
      {[&] { in_[kQ].present = false; }, "input 'q' is missing"},
      {[&] { in_[kQ].data = nullptr; }, "input 'q' has no data"},
      {[&] { attrs_.kv_layer = 2; }, "kv_layer = 2 but pool"},
      {[&] {
         attrs_.head_dim = 4, attrs_.num_heads = 8;
         in_[kKWork].dims[2] = in_[kVWork].dims[2] = 8;
       },
       "head_dim = 4 but pool"},
      {[&] {
         attrs_.num_kv_heads = 1;
         in_[kKWork].dims[2] = in_[kVWork].dims[2] = 8;
       },
       "num_kv_heads = 1 but pool"},
  };
  for (const auto& [broken, needle] : breaks) {
    TearDown();
    SetUp();
    broken();
    expect_refused(attention(), needle);
  }
  TearDown();
  SetUp();
  expect_refused(attention(kSinks - 1), "takes 6 to 9 inputs");
}

TEST_F(Checks, RopeAttributes) {
  AttentionAttrs a = attrs_;
  a.rope.rotary_dim = 8;
  a.rope.inv_freq = {1, 0.1f, 0.01f, 0.001f};
  EXPECT_TRUE(check_attrs(a).ok());
  a.rope.rotary_dim = 6;
  expect_refused(check_attrs(a), "'rope_inv_freq' has 4 values, expected rotary_dim / 2 = 3");
  a.rope.rotary_dim = 7;
  expect_refused(check_attrs(a), "rotary_dim = 7 must be even and in 2..head_dim (8)");
  a.rope.rotary_dim = 10;
  expect_refused(check_attrs(a), "rotary_dim = 10");
  a.rope.rotary_dim = 0;
  expect_refused(check_attrs(a), "attribute 'rotary_dim' (int) is missing");
  a.rope.rotary_dim = 8;
  a.rope.inv_freq = {};
  expect_refused(check_attrs(a), "attribute 'rope_inv_freq' (floats) is missing");
  a.rope.inv_freq = {1, 0.1f, std::nanf(""), 0.001f};
  expect_refused(check_attrs(a), "'rope_inv_freq' value 2 = nan is not finite");
  CommitAttrs c = commit_attrs_;
  c.rope.rotary_dim = 4;
  c.rope.inv_freq = {1};
  expect_refused(check_attrs(c), "'rope_inv_freq' has 1 values");
}

TEST_F(Checks, LayoutInputs) {
  with_layout({3, 0}, {2, 3}, {0, 0});
  lens_ = {5, 4};
  EXPECT_TRUE(attention().ok());
  const std::vector<std::pair<std::function<void()>, std::string>> breaks = {
      {[&] { in_[kRecentOffset].type = I64; }, "input 'recent_offset' is int64, expected int32"},
      {[&] { in_[kRecentOffset].dims[0] = 3; }, "input 'recent_offset' has shape [3], expected [2]"},
      {[&] { in_[kRopeAtRead].rank = 2; }, "input 'rope_at_read' has shape [2, 0], expected rank 1"},
      {[&] { in_[kRopeAtRead].type = F32; }, "input 'rope_at_read' is float32"},
      {[&] { offsets_[1] = 4; }, "input 'recent_offset' entry 1 = 4 must be in 0..3 (the pool's block_size is 4"},
      {[&] { offsets_[0] = -1; }, "input 'recent_offset' entry 0 = -1 must be in 0..3"},
      {[&] { rope_[1] = 2; }, "input 'rope_at_read' entry 1 = 2 must be 0 or 1"},
      {[&] { rope_[0] = 1; },
       "input 'rope_at_read' entry 0 = 1 asks for rope at read time, but the node has no rope_inv_freq"},
  };
  for (const auto& [broken, needle] : breaks) {
    TearDown();
    SetUp();
    with_layout({3, 0}, {2, 3}, {0, 0});
    lens_ = {5, 4};
    broken();
    expect_refused(attention(), needle);
  }
}

TEST_F(Checks, BlocksAreCheckedThroughTheSlotMapping) {
  // Blocks of 4, sinks 3: entries 0..2 in column 0, recent entries from slot 4 + recent_offset.
  // Sequence 0 (len 5, offset 2): slots 0..2 and 6..7, columns 0 and 1; column 2 is unused.
  // Sequence 1 (len 4, offset 0): slots 0..2 and 4, columns 0 and 1.
  with_layout({3, 3}, {2, 0}, {0, 0});
  lens_ = {5, 4};
  table_ = {0, 1, -1, 2, 3, -1};
  EXPECT_TRUE(attention().ok());
  offsets_[0] = 3;  // entry 4 moves to slot 8: column 2
  expect_refused(attention(),
                 "input 'block_table' row 0 (cache_lens (0, 0) = 5, sinks 3, recent_offset 3) entry 2 = -1");
  offsets_[0] = 2;
  table_[1] = -1;  // the recent entries' block
  expect_refused(attention(), "entry 1 = -1 is not a block");
  table_[1] = 1;
  // A cache shorter than its sinks uses only the sink columns, whatever the offset says.
  sinks_ = {8, 3};
  table_ = {0, 1, -1, 2, 3, -1};
  EXPECT_TRUE(attention().ok());
  // The offset can push the recent entries past the table.
  sinks_ = {3, 3};
  lens_ = {12, 4};
  table_ = {0, 1, 4, 2, 3, -1};
  expect_refused(attention(), "holds 3 blocks of 4 slots, fewer than the 15 slots needed");
  // Slots must stay int32: a huge sink count leaves no room after it.
  sinks_ = {2147483646, 3};
  lens_ = {5, 4};
  expect_refused(attention(), "input 'sinks' entry 0 = 2147483646 with recent_offset 2 puts entry 4 of sequence 0 past int32 slots");
}

TEST_F(Checks, CommitWritesThroughTheSlotMapping) {
  // Sinks 3, len 1, n 3: entries 1, 2 in the sink block, entry 3 at slot 4 + offset.
  with_layout({3, 0}, {3, 0}, {0, 0});
  lens_ = {1, 9};
  table_ = {0, 1, -1, -1, -1, 2};  // sequence 1 writes slots 9..11: column 2 only
  EXPECT_TRUE(commit().ok());
  offsets_[0] = 0;
  table_[1] = -1;
  expect_refused(commit(), "input 'block_table' row 0 (cache_lens (0, 0) = 1, plus 3 new, sinks 3, recent_offset 0)");
}

TEST_F(Checks, RopeAtReadNeedsRowsForEveryIndexItTouches) {
  with_rope_attrs();
  with_layout({3, 0}, {2, 0}, {1, 0});
  lens_ = {5, 9};
  table_ = {0, 1, -1, 2, 3, 4};
  CheckedAttention a;
  ASSERT_TRUE(check_attention(attrs_, in_, kAttentionInputs, -1, &a).ok());
  EXPECT_EQ(a.problem.layout.rope_positions, 5);  // the rotating sequence's committed entries
  EXPECT_EQ(a.problem.layout.rope_half, 3);
  CheckedCommit c;
  lens_ = {4, 9};
  table_ = {0, 1, 5, 2, 3, 4};  // entries 4..6 of sequence 0 go to slots 7..9
  ASSERT_TRUE(check_commit(commit_attrs_, cin_, kCommitFixedInputs + 1, -1, &c).ok());
  EXPECT_EQ(c.problem.layout.rope_positions, 7);  // and the commit's new ones
  rope_ = {0, 0};
  ASSERT_TRUE(check_commit(commit_attrs_, cin_, kCommitFixedInputs + 1, -1, &c).ok());
  EXPECT_EQ(c.problem.layout.rope_positions, 0);
}

TEST_F(Checks, UnknownPoolHandle) {
  const int64_t bogus = handle_ + 1000;
  in_[kPool] = tensor(I64, {}, &bogus);
  expect_refused(attention(), "input 'pool' = ", LCKV_ERR_UNKNOWN_HANDLE);
  cin_[kCPool] = in_[kPool];
  expect_refused(commit(), "no pool has handle", LCKV_ERR_UNKNOWN_HANDLE);
}

TEST_F(Checks, PerHeadLengthsAreCheckedPerHead) {
  std::vector<int32_t> per_head = {5, 12, 0, 3};
  in_[kCacheLens] = tensor(I32, {2, 2}, per_head.data());
  EXPECT_TRUE(attention().ok());
  per_head[1] = 13;
  expect_refused(attention(), "cache_lens (0, 1) = 13");
}

TEST_F(Checks, PoolOnAnotherDevice) {
  CheckedAttention out;
  expect_refused(check_attention(attrs_, in_, kAttentionInputs, 0, &out),
                 "lives on the host but this kernel runs on CUDA device 0");
}

TEST_F(Checks, CommitInputs) {
  lens_ = {9, 6};
  const std::vector<std::pair<std::function<void()>, std::string>> breaks = {
      {[&] { cin_[kCKWork].type = I32; }, "input 'k_work' is int32"},
      {[&] { cin_[kCVWork].dims[2] = 15; }, "input 'v_work' has shape [2, 3, 15]"},
      {[&] { cin_[kCVWork].type = F16; }, "input 'v_work' is float16"},
      {[&] { cin_[kCKWork].dims[2] = 8; }, "input 'k_work' has shape [2, 3, 8]"},
      {[&] { lens_[0] = 10; }, "fewer than the 13 slots"},
      {[&] { table_[4] = 17; }, "entry 1 = 17"},
      {[&] { cin_[kCCacheLens].dims[0] = 1; }, "input 'cache_lens' has shape [1, 1]"},
      {[&] { cin_[kCPool].type = F32; }, "input 'pool' is float32"},
      {[&] { commit_attrs_.kv_layer = 5; }, "kv_layer = 5"},
  };
  for (const auto& [broken, needle] : breaks) {
    TearDown();
    SetUp();
    lens_ = {9, 6};
    broken();
    expect_refused(commit(), needle);
  }
  TearDown();
  SetUp();
  lens_ = {9, 6};
  expect_refused(commit(kCommitFixedInputs), "at least one 'after' input");
}

TEST_F(Checks, CommitOnlyNeedsTheBlocksItWrites) {
  // Slots 9..11 live in table column 2; columns 0-1 may hold anything (evicted, say).
  lens_ = {9, 9};
  table_ = {-1, -1, 2, 77, -5, 4};
  EXPECT_TRUE(commit().ok());
}

}  // namespace
}  // namespace lckv
