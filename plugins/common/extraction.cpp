#include "extraction.hpp"

namespace sluice::plugins {

const SettingsTable<TimestampConfig>& timestamp_table() {
  static const SettingsTable<TimestampConfig> table{
      sluice::string("source", &TimestampConfig::source, "the field or group that holds the time")
          .required()
          .hint({"time_key"}),
      sluice::string("format", &TimestampConfig::format, "rfc3339",
                     "`rfc3339`, `unix`, `unix_ms`, `unix_us`, `unix_ns`, or a layout such as "
                     "`%d/%b/%Y:%H:%M:%S %z`")
          .check(
              [](const TimestampConfig& t) {
                std::string error;
                return TimeFormat::parse(t.format, &error) ? std::string() : error;
              },
              "a name or a layout")
          .hint({"time_format"}),
  };
  return table;
}

std::optional<TimestampSetting> resolve_timestamp(const TimestampConfig& t) {
  if (!t.source || t.source->empty()) return std::nullopt;
  std::string reported;  // by the table's check already
  auto format = TimeFormat::parse(t.format, &reported);
  if (!format) return std::nullopt;  // the table said why
  return TimestampSetting{*t.source, *format};
}

std::string invalid_label_names(const std::vector<std::pair<std::string, std::string>>& targets) {
  for (const auto& target : targets) {
    if (!sluice::is_valid_label_name(target.first)) {
      return "'" + target.first + "' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)";
    }
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> with_sources(
    std::vector<std::pair<std::string, std::string>> targets) {
  for (auto& [name, source] : targets) {
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
