// Ids and names listed in a log line or an error message: "a, b, c".
#pragma once

#include <string>
#include <vector>

namespace sluice::core {

inline std::string comma_list(const std::vector<std::string>& items, const char* if_empty = "") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? if_empty : out;
}

}  // namespace sluice::core
