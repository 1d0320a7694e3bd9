#include "capture_only.hpp"

namespace regex_parser {

std::string capture_only(const std::string& pattern, const std::set<std::string>& keep) {
  std::string out;
  out.reserve(pattern.size());
  const size_t n = pattern.size();
  size_t i = 0;
  while (i < n) {
    char c = pattern[i];
    if (c == '\\') {
      // \Q...\E quotes everything up to \E; any other escape is two characters.
      if (i + 1 < n && pattern[i + 1] == 'Q') {
        size_t end = pattern.find("\\E", i + 2);
        end = end == std::string::npos ? n : end + 2;
        out.append(pattern, i, end - i);
        i = end;
      } else {
        out.append(pattern, i, std::min<size_t>(2, n - i));
        i += 2;
      }
      continue;
    }
    if (c == '[') {
      // A class: a ']' first (after an optional '^') is literal, escapes and [:name:] inside.
      size_t j = i + 1;
      if (j < n && pattern[j] == '^') ++j;
      if (j < n && pattern[j] == ']') ++j;
      while (j < n && pattern[j] != ']') {
        if (pattern[j] == '\\') {
          j += 2;
        } else if (pattern[j] == '[' && j + 1 < n && pattern[j + 1] == ':') {
          size_t end = pattern.find(":]", j + 2);
          j = end == std::string::npos ? j + 1 : end + 2;
        } else {
          ++j;
        }
      }
      j = std::min(j + 1, n);
      out.append(pattern, i, j - i);
      i = j;
      continue;
    }
    if (c == '(') {
      bool named = false;
      size_t name_at = 0;
      if (pattern.compare(i, 4, "(?P<") == 0) {
        named = true;
        name_at = i + 4;
      } else if (pattern.compare(i, 3, "(?<") == 0 && i + 3 < n && pattern[i + 3] != '=' &&
                 pattern[i + 3] != '!') {
        named = true;
        name_at = i + 3;
      }
      if (named) {
        size_t close = pattern.find('>', name_at);
        if (close != std::string::npos) {
          std::string name = pattern.substr(name_at, close - name_at);
          if (keep.count(name) > 0) {
            out.append(pattern, i, close + 1 - i);
          } else {
            out += "(?:";
          }
          i = close + 1;
          continue;
        }
      } else if (i + 1 < n && pattern[i + 1] != '?') {
        out += "(?:";
        ++i;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace regex_parser
