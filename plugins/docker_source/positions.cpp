#include "positions.hpp"

#include <charconv>

namespace docker_source {

std::string format_position(const Position& p) {
  std::string out;
  for (int s = 0; s < 2; ++s) {
    if (s > 0) out += ' ';
    out += std::to_string(p.stream[s].ts);
    out += ' ';
    out += std::to_string(p.stream[s].at_ts);
  }
  return out;
}

bool parse_position(std::string_view text, Position& out) {
  const char* at = text.data();
  const char* end = text.data() + text.size();
  auto number = [&](auto& value) {
    while (at < end && *at == ' ') ++at;
    auto r = std::from_chars(at, end, value);
    if (r.ec != std::errc()) return false;
    at = r.ptr;
    return true;
  };
  Position p;
  for (auto& s : p.stream) {
    if (!number(s.ts) || !number(s.at_ts) || s.ts < 0) return false;
  }
  while (at < end && *at == ' ') ++at;
  if (at != end) return false;
  out = p;
  return true;
}

}  // namespace docker_source
