#pragma once
// Host cos/sin rows (common/rope.h layout) for rope at read time, computed once per position and
// shared: every node of a model carries the same frequencies, so they all use one table, which
// grows when a call needs positions it does not cover yet. Snapshots are immutable, so a call
// keeps reading the one it took while another call grows the table.
#include <memory>
#include <mutex>
#include <vector>

namespace lckv {

struct RopeRows {
  int half = 0;
  int positions = 0;
  std::vector<float> values;  // [positions][2 * half]

  const float* data() const { return values.data(); }
};

class RopeTable {
 public:
  explicit RopeTable(std::vector<float> inv_freq);

  // Rows for at least positions 0 .. positions-1. May throw std::bad_alloc.
  std::shared_ptr<const RopeRows> covering(int positions);

 private:
  const std::vector<float> inv_freq_;
  std::mutex mutex_;
  std::shared_ptr<const RopeRows> rows_;
};

// The process's table for these frequencies (created on first use, freed with its last user).
std::shared_ptr<RopeTable> rope_table(const std::vector<float>& inv_freq);

}  // namespace lckv
