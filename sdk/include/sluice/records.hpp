// Records and batches on the plugin's side of the ABI.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/config.hpp"

namespace sluice {

// A sorted set of labels with stable storage, shared by every record that carries it.
class LabelSet {
 public:
  LabelSet() = default;
  explicit LabelSet(std::vector<std::pair<std::string, std::string>> labels)
      : pairs_(std::move(labels)) {
    std::sort(pairs_.begin(), pairs_.end());
    rebuild();
  }
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

// Collects records for one emit: the bytes go into one growing buffer, so a batch costs a
// few allocations however many records it holds. LabelSets must outlive the emit.
class BatchBuilder {
 public:
  void add(int64_t timestamp_ns, std::string_view line, const LabelSet& labels) {
    pending_.push_back({timestamp_ns, bytes_.size(), line.size(), &labels});
    bytes_.append(line);
  }
  size_t size() const { return pending_.size(); }
  size_t bytes() const { return bytes_.size(); }
  bool empty() const { return pending_.empty(); }
  void clear() {
    pending_.clear();
    bytes_.clear();
  }
  // Views over the collected records, valid until the next add or clear.
  const std::vector<sluice_record_t>& records() {
    records_.clear();
    records_.reserve(pending_.size());
    for (const auto& p : pending_) {
      records_.push_back({p.timestamp_ns, {bytes_.data() + p.offset, p.size}, p.labels->data(),
                          p.labels->size(), nullptr, 0});
    }
    return records_;
  }

 private:
  struct Pending {
    int64_t timestamp_ns;
    size_t offset;
    size_t size;
    const LabelSet* labels;
  };
  std::vector<Pending> pending_;
  std::string bytes_;
  std::vector<sluice_record_t> records_;
};

}  // namespace sluice
