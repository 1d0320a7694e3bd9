// How a config's scalars are read: integers, numbers, booleans, durations and sizes. Written
// once, for the engine's config reader and the SDK's fake host alike, so that a plugin's unit
// test sees exactly what the engine would make of a value. Header-only.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::scalars {

// What each reader expects, for its error message: "expected <what>, got '<text>'".
inline constexpr const char* expected_integer = "an integer";
inline constexpr const char* expected_number = "a number";
inline constexpr const char* expected_boolean = "true or false";
inline constexpr const char* expected_duration = "a duration such as 500ms, 5s or 2m";
inline constexpr const char* expected_bytes =
    "a size in bytes (such as 1048576, 512KiB, 64MiB or 1GiB)";

// A base-10 integer that int64 holds, and nothing after it.
inline std::optional<int64_t> integer(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end == text.c_str() || *end != '\0' || errno != 0) return std::nullopt;
  return static_cast<int64_t>(v);
}

// A finite decimal number, and nothing after it.
inline std::optional<double> number(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == text.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

// YAML 1.1's words for a boolean, as configs write them.
inline std::optional<bool> boolean(std::string_view text) {
  if (text == "true" || text == "True" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "False" || text == "no" || text == "off") return false;
  return std::nullopt;
}

// "250ms", "5s", "2m", "1h", or a bare number of seconds; never negative, at most about
// 30,000 years. In milliseconds, rounded.
inline std::optional<int64_t> duration_ms(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const char* begin = text.c_str();
  char* end = nullptr;
  double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value) || value < 0) return std::nullopt;
  std::string_view unit(end);
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m") {
    ms = value * 60'000;
  } else if (unit == "h") {
    ms = value * 3'600'000;
  } else {
    return std::nullopt;
  }
  if (ms > 1e15) return std::nullopt;
  return static_cast<int64_t>(std::llround(ms));
}

// A whole number of bytes, or of KiB, MiB or GiB ("64MiB", "64 MiB").
inline std::optional<int64_t> bytes(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || errno != 0 || v < 0) return std::nullopt;
  std::string_view unit(end);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  int shift = -1;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "KiB") {
    shift = 10;
  } else if (unit == "MiB") {
    shift = 20;
  } else if (unit == "GiB") {
    shift = 30;
  }
  if (shift < 0 || v > (INT64_MAX >> shift)) return std::nullopt;
  return static_cast<int64_t>(v) << shift;
}

}  // namespace sluice::scalars
