// Reading a record's time from text in a configured format: shared by the parsers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::plugins {

// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
int64_t days_from_civil(int64_t year, int month, int day);

// days * 86400 + seconds, in nanoseconds plus nanos, or nullopt when that is outside what
// int64 nanoseconds hold (about 1677-09-21 to 2262-04-11): such a time cannot be represented,
// and is a bad time, never a wrapped-around one.
std::optional<int64_t> epoch_ns(int64_t days, int64_t seconds, int64_t nanos);

// RFC 3339 as logs write it ("2026-11-23T23:01:32.278091305Z"): 'T', 't' or a space between
// date and time, any number of fraction digits ('.' or ','), and Z or an offset (+hh:mm,
// +hhmm, +hh), as nanoseconds since the Unix epoch; nullopt when it is not such a time. A
// time well formed but outside what int64 nanoseconds hold (Go's zero time, year 9999) is
// nullopt too, with *out_of_range set.
std::optional<int64_t> parse_rfc3339_ns(std::string_view text, bool* out_of_range = nullptr);

class TimeFormat {
 public:
  // rfc3339, unix, unix_ms, unix_us, unix_ns, or a strftime-like layout such as
  // "%d/%b/%Y:%H:%M:%S %z". Returns nullopt and sets error for an unknown name or directive.
  static std::optional<TimeFormat> parse(std::string_view spec, std::string* error);

  // Nanoseconds since the Unix epoch, or nullopt when text is not in the format.
  std::optional<int64_t> read(std::string_view text) const;

 private:
  enum class Kind { layout, unix_s, unix_ms, unix_us, unix_ns };
  TimeFormat(Kind kind, std::string layout) : kind_(kind), layout_(std::move(layout)) {}
  Kind kind_;
  std::string layout_;
};

}  // namespace sluice::plugins
