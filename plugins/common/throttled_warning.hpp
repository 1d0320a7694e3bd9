// A warning about bad input that may repeat on every line: the first is logged at once, then
// at most one per interval, saying how many were left unsaid. Metrics carry the exact count.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "sluice/context.hpp"

namespace sluice::plugins {

class ThrottledWarning {
 public:
  explicit ThrottledWarning(std::chrono::seconds interval = std::chrono::seconds(10))
      : interval_(interval) {}

  void warn(const Context& ctx, const std::string& message) {
    auto now = std::chrono::steady_clock::now();
    if (logged_ && now - last_ < interval_) {
      ++suppressed_;
      return;
    }
    std::string text = message;
    if (suppressed_ > 0) {
      text += " (and " + std::to_string(suppressed_) + " more like it since the last warning)";
    }
    ctx.warn(text);
    logged_ = true;
    last_ = now;
    suppressed_ = 0;
  }

 private:
  std::chrono::seconds interval_;
  bool logged_ = false;
  std::chrono::steady_clock::time_point last_;
  uint64_t suppressed_ = 0;
};

// A short, printable excerpt of a line for a log message.
inline std::string excerpt(std::string_view line, size_t max = 80) {
  std::string out;
  for (size_t i = 0; i < line.size() && out.size() < max; ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (line.size() > max) out += "...";
  return out;
}

}  // namespace sluice::plugins
