// What the parsers share: which extracted values become labels or metadata, and which one
// sets the record's time. Each parser reads these keys the same way.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/config.hpp"
#include "sluice/context.hpp"
#include "time_format.hpp"

namespace sluice::plugins {

// A label name Loki and Prometheus accept: [a-zA-Z_][a-zA-Z0-9_]*.
bool valid_label_name(std::string_view name);

struct TimestampSetting {
  std::string source;  // the field or group that holds the time
  TimeFormat format;
};

// `timestamp: {source: ..., format: ...}`, reported by YAML path when wrong.
std::optional<TimestampSetting> read_timestamp_setting(const Config& cfg);

// `key: {name: source, ...}`, where each name must be a valid label name when labels is
// true. An empty source means the name itself.
std::vector<std::pair<std::string, std::string>> read_targets(const Config& cfg, const char* key,
                                                              bool labels);

// What the parsers count of a parsed line's fields, under the same names in each. Counted per
// batch, then added to the metrics once.
class FieldCounts {
 public:
  explicit FieldCounts(const Context& ctx);
  uint64_t missing = 0;   // configured fields the line lacked
  uint64_t bad_time = 0;  // time fields not in the configured format
  void publish();

 private:
  Metric missing_, bad_time_;
};

}  // namespace sluice::plugins
