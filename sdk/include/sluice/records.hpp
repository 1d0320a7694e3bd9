// Records and batches on the plugin's side of the ABI.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/config.hpp"

namespace sluice {

// Now, as a record's timestamp: nanoseconds since the Unix epoch on the wall clock.
inline int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A sorted set of labels with stable storage, shared by every record that carries it.
class LabelSet {
 public:
  LabelSet() = default;
  explicit LabelSet(std::vector<std::pair<std::string, std::string>> labels)
      : pairs_(std::move(labels)) {
    std::sort(pairs_.begin(), pairs_.end());
    rebuild();
  }
  LabelSet(std::initializer_list<std::pair<std::string, std::string>> labels)
      : LabelSet(std::vector<std::pair<std::string, std::string>>(labels)) {}
  LabelSet(const LabelSet& other) : pairs_(other.pairs_) { rebuild(); }
  LabelSet& operator=(const LabelSet& other) {
    pairs_ = other.pairs_;
    rebuild();
    return *this;
  }
  LabelSet(LabelSet&&) = default;
  LabelSet& operator=(LabelSet&&) = default;

  // Adds or replaces one label, keeping the order.
  void set(std::string name, std::string value) {
    auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                               [](const auto& p, const std::string& n) { return p.first < n; });
    if (it != pairs_.end() && it->first == name) {
      it->second = std::move(value);
    } else {
      pairs_.emplace(it, std::move(name), std::move(value));
    }
    rebuild();
  }
  const sluice_label_t* data() const { return views_.data(); }
  uint32_t size() const { return static_cast<uint32_t>(views_.size()); }
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  void rebuild() {
    views_.clear();
    for (const auto& [n, v] : pairs_) views_.push_back({str(n), str(v)});
  }
  std::vector<std::pair<std::string, std::string>> pairs_;
  std::vector<sluice_label_t> views_;
};

// Read-only helpers over a record that crossed the ABI.
struct RecordView {
  const sluice_record_t& r;
  std::string_view line() const { return view(r.line); }
  int64_t timestamp_ns() const { return r.timestamp_ns; }
  // The value of a label, or an empty view with found=false.
  std::string_view label(std::string_view name, bool* found = nullptr) const {
    for (uint32_t i = 0; i < r.label_count; ++i) {
      if (view(r.labels[i].name) == name) {
        if (found) *found = true;
        return view(r.labels[i].value);
      }
    }
    if (found) *found = false;
    return {};
  }
};

}  // namespace sluice
