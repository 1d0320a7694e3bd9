#include "timestamp.hpp"

#include <cstdio>

#include "time_format.hpp"

namespace docker_source {
namespace {

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::optional<int64_t> parse_rfc3339_ns(std::string_view s, bool* out_of_range) {
  if (out_of_range != nullptr) *out_of_range = false;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t at = 19;
  int64_t fraction = 0;
  if (at < s.size() && s[at] == '.') {
    ++at;
    int count = 0;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      if (count < 9) {
        fraction = fraction * 10 + (s[at] - '0');
        ++count;
      }
      ++at;
    }
    if (count == 0) return std::nullopt;
    for (; count < 9; ++count) fraction *= 10;
  }
  int64_t offset_s = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' ||
        !digits(s, at + 4, 2, om)) {
      return std::nullopt;
    }
    offset_s = (oh * 3600 + om * 60) * (s[at] == '+' ? 1 : -1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size()) return std::nullopt;
  // Go's zero time (year 1) and year 9999 are valid RFC 3339 but not int64 nanoseconds.
  auto ns = sluice::plugins::epoch_ns(sluice::plugins::days_from_civil(year, month, day),
                                      hour * 3600 + minute * 60 + second - offset_s, fraction);
  if (!ns && out_of_range != nullptr) *out_of_range = true;
  return ns;
}

std::string since_parameter(int64_t ns) {
  if (ns < 0) ns = 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                static_cast<long long>(ns % 1000000000));
  return buf;
}

}  // namespace docker_source
