// Label names as Loki and Prometheus accept them: a letter or '_', then letters, digits and
// '_'. Header-only.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

inline bool is_label_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (!first && c >= '0' && c <= '9');
}

inline bool is_valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!is_label_name_char(name[i], i == 0)) return false;
  }
  return true;
}

// Makes name valid in place: every character that may not stand becomes '_', a leading digit
// gets a '_' before it, and an empty name becomes "_". Returns whether it changed.
inline bool make_valid_label_name(std::string& name) {
  if (name.empty()) {
    name.push_back('_');
    return true;
  }
  bool changed = false;
  if (name[0] >= '0' && name[0] <= '9') {
    name.insert(name.begin(), '_');
    changed = true;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!is_label_name_char(name[i], i == 0)) {
      name[i] = '_';
      changed = true;
    }
  }
  return changed;
}

// The valid label name for any text (a container label key such as "com.example.app").
inline std::string to_label_name(std::string_view text) {
  std::string name(text);
  make_valid_label_name(name);
  return name;
}

}  // namespace sluice
