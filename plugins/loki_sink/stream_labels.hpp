// A record's labels made into a Loki stream: names made valid, Loki's per-stream limits
// applied before sending (Loki refuses the whole stream otherwise), and the selector text
// ({name="value", ...}) that the push API carries.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "settings.hpp"
#include "sluice/abi.h"

namespace loki_sink {

// What had to change for a record's labels to be accepted; each is counted.
struct LabelFixes {
  size_t invalid_names = 0;  // characters outside [a-zA-Z0-9_] replaced, or a leading digit
  size_t long_names = 0;     // truncated to max_label_name_length
  size_t long_values = 0;    // truncated to max_label_value_length
  size_t too_many = 0;       // labels past max_label_names left out
  size_t duplicates = 0;     // two names that became the same once made valid
};

// A selector value in the quoting Loki parses (Go's string literal rules).
void append_quoted(std::string_view value, std::string& out);

class StreamLabels {
 public:
  explicit StreamLabels(const Settings& settings) : settings_(settings) {}

  // The selector for a record's labels merged with the static ones (the record's win),
  // sorted by name, empty values left out. Empty when no label remains: Loki refuses a
  // stream without labels.
  const std::string& selector(const sluice_record_t& r, LabelFixes& fixes);
  // The pairs of the last selector, in its order (JSON's "stream" object needs them).
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return kept_; }

 private:
  const Settings& settings_;
  std::vector<std::pair<std::string, std::string>> pairs_;
  std::string selector_;
  std::vector<std::pair<std::string, std::string>> kept_;
};

}  // namespace loki_sink
