// Path globs with `**`: expanding them to the files that exist, and matching a path against
// one (for exclude). `*`, `?` and `[...]` stay within one path segment, as in a shell; `**`
// as a whole segment spans any number of directories, none included.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace file_source {

struct Expansion {
  std::vector<std::string> files;  // regular files (symlinks followed), sorted, no repeats
  std::set<std::string> dirs;      // where a new match could appear: the ones to watch
};

// Appends to `out` what `pattern` (an absolute path) matches now.
void expand_glob(const std::string& pattern, Expansion& out);
bool glob_matches(std::string_view pattern, std::string_view path);
bool has_glob_chars(std::string_view s);

}  // namespace file_source
