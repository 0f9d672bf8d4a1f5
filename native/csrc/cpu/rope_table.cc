#include "cpu/rope_table.h"

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>

#include "common/rope.h"

namespace lckv {
namespace {

// Doubling keeps the total cost of growing to any length within twice that of computing it once.
constexpr int kMinPositions = 256;

struct Registry {
  std::mutex mutex;
  std::map<std::vector<float>, std::weak_ptr<RopeTable>> tables;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: kernels may be released during exit
  return *r;
}

}  // namespace

RopeTable::RopeTable(std::vector<float> inv_freq)
    : inv_freq_(std::move(inv_freq)), rows_(std::make_shared<RopeRows>()) {}

std::shared_ptr<const RopeRows> RopeTable::covering(int positions) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (rows_->positions >= positions) return rows_;
  int64_t target = std::max<int64_t>(kMinPositions, 2 * int64_t{rows_->positions});
  while (target < positions) target *= 2;
  const int grown = static_cast<int>(std::min<int64_t>(target, INT32_MAX));
  const int half = static_cast<int>(inv_freq_.size());
  auto next = std::make_shared<RopeRows>();
  next->half = half;
  next->positions = grown;
  next->values.resize(static_cast<size_t>(grown) * 2 * half);
  if (!rows_->values.empty())
    std::memcpy(next->values.data(), rows_->values.data(), rows_->values.size() * sizeof(float));
  for (int p = rows_->positions; p < grown; ++p) {
    float* row = next->values.data() + static_cast<size_t>(p) * 2 * half;
    for (int c = 0; c < half; ++c) {
      // cos/sin of the float32 angle itself, rounded once: the angle carries the graph's error,
      // nothing is added to it.
      const double angle = rope_angle(p, inv_freq_[c]);
      row[c] = static_cast<float>(std::cos(angle));
      row[half + c] = static_cast<float>(std::sin(angle));
    }
  }
  rows_ = std::move(next);
  return rows_;
}

std::shared_ptr<RopeTable> rope_table(const std::vector<float>& inv_freq) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto it = r.tables.begin(); it != r.tables.end();) {
    it = it->second.expired() ? r.tables.erase(it) : std::next(it);
  }
  std::weak_ptr<RopeTable>& slot = r.tables[inv_freq];
  std::shared_ptr<RopeTable> table = slot.lock();
  if (table == nullptr) {
    table = std::make_shared<RopeTable>(inv_freq);
    slot = table;
  }
  return table;
}

}  // namespace lckv
