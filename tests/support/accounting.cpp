#include "accounting.hpp"

#include <catch2/catch.hpp>

namespace sluice::test {

std::map<int, int> count_numbers(const std::vector<std::string>& lines, const std::string& prefix) {
  std::map<int, int> seen;
  for (const auto& line : lines) {
    if (line.rfind(prefix + " ", 0) == 0) ++seen[std::stoi(line.substr(prefix.size() + 1))];
  }
  return seen;
}

void require_each(const std::map<int, int>& seen, int count, bool exactly_once) {
  int missing = 0, doubled = 0;
  for (int i = 1; i <= count; ++i) {
    auto it = seen.find(i);
    if (it == seen.end()) {
      if (missing++ < 5) UNSCOPED_INFO("missing " << i);
    } else if (exactly_once && it->second > 1) {
      if (doubled++ < 5) UNSCOPED_INFO(i << " arrived " << it->second << " times");
    }
  }
  CHECK(missing == 0);
  CHECK(doubled == 0);
  CHECK(seen.size() == static_cast<size_t>(count));
}

}  // namespace sluice::test
