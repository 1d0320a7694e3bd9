#include "rejection.hpp"

#include <algorithm>
#include <cctype>

namespace loki_sink {
namespace {

bool contains(std::string_view text, std::string_view what) {
  return std::search(text.begin(), text.end(), what.begin(), what.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         }) != text.end();
}

}  // namespace

const std::vector<std::string>& rejection_reasons() {
  static const std::vector<std::string> keys = {
      "too_old",      "too_far_in_future", "line_too_long", "invalid_labels", "stream_limit",
      "rate_limited", "out_of_order",      "status_400",    "status_401",     "status_403",
      "status_404",   "status_413",        "other"};
  return keys;
}

std::string rejection_reason(unsigned status, std::string_view body) {
  if (contains(body, "too far behind") || contains(body, "too old")) return "too_old";
  if (contains(body, "too far in the future") || contains(body, "too new")) {
    return "too_far_in_future";
  }
  if (contains(body, "line too long") || contains(body, "max line size")) return "line_too_long";
  if (contains(body, "out of order")) return "out_of_order";
  if (contains(body, "stream limit") || contains(body, "maximum active stream")) {
    return "stream_limit";
  }
  if (contains(body, "rate limit")) return "rate_limited";
  if (contains(body, "label") || contains(body, "error parsing labels")) return "invalid_labels";
  switch (status) {
    case 400: return "status_400";
    case 401: return "status_401";
    case 403: return "status_403";
    case 404: return "status_404";
    case 413: return "status_413";
    default: return "other";
  }
}

bool LogLimiter::allow(const std::string& reason, std::chrono::steady_clock::time_point now) {
  auto [it, fresh] = last_.try_emplace(reason, now);
  if (fresh) return true;
  if (now - it->second < every_) return false;
  it->second = now;
  return true;
}

}  // namespace loki_sink
