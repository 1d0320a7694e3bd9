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
  // Matches that are neither regular files nor directories (a FIFO, a device, a socket):
  // never read, but said, since a pattern meant them.
  std::set<std::string> not_regular;
};

// Appends to `out` what `pattern` (an absolute path) matches now.
void expand_glob(const std::string& pattern, Expansion& out);
bool glob_matches(std::string_view pattern, std::string_view path);
bool has_glob_chars(std::string_view s);
// What kind of file a path names, for a message ("a FIFO"); empty for a regular file or a
// directory, and for a path that does not exist.
std::string special_file_kind(const std::string& path);

}  // namespace file_source
