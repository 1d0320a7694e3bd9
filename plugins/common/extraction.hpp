// What the parsers share: which extracted values become labels or metadata, and which one
// sets the record's time. Each parser reads these keys the same way.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/config.hpp"
#include "sluice/context.hpp"
#include "sluice/label_names.hpp"
#include "sluice/settings.hpp"
#include "time_format.hpp"

namespace sluice::plugins {

struct TimestampSetting {
  std::string source;  // the field or group that holds the time
  TimeFormat format;
};

// `timestamp: {source: ..., format: ...}` as written; resolve_timestamp() checks the format.
struct TimestampConfig {
  std::optional<std::string> source;
  std::string format;
};
const SettingsTable<TimestampConfig>& timestamp_table();
std::optional<TimestampSetting> resolve_timestamp(const TimestampConfig& t);

// The message for the first name in targets that is not a valid label name, or "".
std::string invalid_label_names(const std::vector<std::pair<std::string, std::string>>& targets);
// An empty source means the name itself.
std::vector<std::pair<std::string, std::string>> with_sources(
    std::vector<std::pair<std::string, std::string>> targets);

// The settings every parser declares the same way; what (field, group) names the source.
template <class S>
Setting<S> label_targets(std::vector<std::pair<std::string, std::string>> S::*field,
                         const char* what) {
  return sluice::map("labels", field,
                     (std::string(what) + "s that become labels: `label: " + what + "` (an empty " +
                      what + ": the label's own name)")
                         .c_str())
      .check([field](const S& s) { return invalid_label_names(s.*field); },
             "label names `[a-zA-Z_][a-zA-Z0-9_]*`")
      .hint({"labels_from", "add_labels"});
}
template <class S>
Setting<S> metadata_targets(std::vector<std::pair<std::string, std::string>> S::*field,
                            const char* what) {
  return sluice::map("metadata", field,
                     (std::string(what) +
                      "s that become metadata (structured metadata in "
                      "Loki): `name: " +
                      what + "`")
                         .c_str())
      .hint({"structured_metadata"});
}
template <class S>
Setting<S> timestamp_section(TimestampConfig S::*field) {
  return sluice::section("timestamp", field, timestamp_table(),
                         "which extracted value sets the record's time");
}
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
