#include "extraction.hpp"

namespace sluice::plugins {

bool valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::optional<TimestampSetting> read_timestamp_setting(const Config& cfg) {
  auto child = cfg.child("timestamp");
  if (!child) return std::nullopt;
  auto source = child->string("source");
  std::string spec = child->string("format", "rfc3339");
  if (!source || source->empty()) {
    child->error(nullptr, "missing 'source': the field that holds the time");
    return std::nullopt;
  }
  std::string error;
  auto format = TimeFormat::parse(spec, &error);
  if (!format) {
    child->error("format", error);
    return std::nullopt;
  }
  return TimestampSetting{*source, *format};
}

std::vector<std::pair<std::string, std::string>> read_targets(const Config& cfg, const char* key,
                                                              bool labels) {
  auto targets = cfg.map(key);
  for (auto& [name, source] : targets) {
    if (labels && !valid_label_name(name)) {
      cfg.error(key, "'" + name + "' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    }
    if (source.empty()) source = name;
  }
  return targets;
}

FieldCounts::FieldCounts(const Context& ctx)
    : missing_(ctx.counter("sluice_parser_missing_fields_total",
                           "Configured fields a parsed line did not have.")),
      bad_time_(ctx.counter("sluice_parser_timestamp_errors_total",
                            "Time fields that did not read in the configured format.")) {}

void FieldCounts::publish() {
  if (missing) missing_.add(static_cast<double>(missing));
  if (bad_time) bad_time_.add(static_cast<double>(bad_time));
  missing = 0;
  bad_time = 0;
}

}  // namespace sluice::plugins
