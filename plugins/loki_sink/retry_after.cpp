#include "retry_after.hpp"

#include <algorithm>
#include <ctime>
#include <string>

namespace loki_sink {

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::nullopt;
    return milliseconds(std::stoll(std::string(value)) * 1000);
  }
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  std::tm tm{};
  std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto wait = std::chrono::duration_cast<milliseconds>(at - now);
  return std::max(wait, milliseconds(0));
}

}  // namespace loki_sink
