// The fake host's records and batches: records as a test writes and reads them, a batch that
// shows them to the plugin through the ABI's views, and the host's batch services. Header-only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sluice/abi.h"

namespace sluice::testing {

struct FakeRecord {
  std::string line;
  std::vector<std::pair<std::string, std::string>> labels;
  int64_t timestamp_ns = 0;
  std::vector<std::pair<std::string, std::string>> metadata;
};

namespace detail {

inline std::string text_of(sluice_str_t s) {
  return std::string(s.data, s.size);
}

// A record as the plugin handed it over, copied.
inline FakeRecord record_of(const sluice_record_t& r) {
  FakeRecord rec;
  rec.line = text_of(r.line);
  rec.timestamp_ns = r.timestamp_ns;
  for (uint32_t l = 0; l < r.label_count; ++l) {
    rec.labels.emplace_back(text_of(r.labels[l].name), text_of(r.labels[l].value));
  }
  for (uint32_t m = 0; m < r.metadata_count; ++m) {
    rec.metadata.emplace_back(text_of(r.metadata[m].name), text_of(r.metadata[m].value));
  }
  return rec;
}

// A batch of records and the views the plugin reads them through; numbered by the host.
class FakeBatch {
 public:
  explicit FakeBatch(const std::vector<FakeRecord>& in) : records(in) { refresh(); }

  // The batch services of a host table.
  static void install(sluice_host_api_t& api) {
    api.callback_batch_records = &cb_records;
    api.callback_batch_keep = &cb_keep;
    api.callback_batch_replace = &cb_replace;
  }
  sluice_batch_host_ptr handle() { return reinterpret_cast<sluice_batch_host_ptr>(this); }
  static FakeBatch& of(sluice_batch_host_ptr b) { return *reinterpret_cast<FakeBatch*>(b); }

  uint64_t id = 0;
  std::vector<FakeRecord> records;

 private:
  void refresh() {
    views_.clear();
    labels_.clear();
    labels_.reserve(records.size());
    metadata_.clear();
    metadata_.reserve(records.size());
    for (const auto& r : records) {
      auto& l = labels_.emplace_back();
      for (const auto& [k, v] : r.labels) l.push_back({{k.data(), k.size()}, {v.data(), v.size()}});
      auto& m = metadata_.emplace_back();
      for (const auto& [k, v] : r.metadata) {
        m.push_back({{k.data(), k.size()}, {v.data(), v.size()}});
      }
      views_.push_back({r.timestamp_ns,
                        {r.line.data(), r.line.size()},
                        l.data(),
                        static_cast<uint32_t>(l.size()),
                        m.data(),
                        static_cast<uint32_t>(m.size())});
    }
  }

  static void cb_records(sluice_batch_host_ptr b, const sluice_record_t** r, size_t* n) {
    auto& batch = of(b);
    *r = batch.views_.data();
    *n = batch.views_.size();
  }
  static void cb_keep(sluice_batch_host_ptr b, const uint8_t* mask, size_t n) {
    auto& batch = of(b);
    std::vector<FakeRecord> kept;
    for (size_t i = 0; i < batch.records.size() && i < n; ++i) {
      if (mask[i] != 0) kept.push_back(batch.records[i]);
    }
    batch.records = std::move(kept);
    batch.refresh();
  }
  static void cb_replace(sluice_batch_host_ptr b, const sluice_record_t* r, size_t n) {
    auto& batch = of(b);
    std::vector<FakeRecord> fresh;
    for (size_t i = 0; i < n; ++i) fresh.push_back(record_of(r[i]));
    batch.records = std::move(fresh);
    batch.refresh();
  }

  std::vector<sluice_record_t> views_;
  std::vector<std::vector<sluice_label_t>> labels_, metadata_;
};

}  // namespace detail
}  // namespace sluice::testing
