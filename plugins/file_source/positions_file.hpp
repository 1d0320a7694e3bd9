// The state directory's `positions` file: for each file, its identity (device, inode and
// head), the committed offset, its path, and when it was last seen (for pruning).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tailed_file.hpp"

namespace file_source {

struct SavedPosition {
  FilePosition position;
  int64_t seen_unix = 0;
};

// The file's text, and back. A malformed line is skipped and named (where:line) in *problems;
// a file of another version is refused whole: nullopt, and *error says why.
std::optional<std::map<FileKey, SavedPosition>> parse_positions(std::string_view text,
                                                                const std::string& where,
                                                                std::vector<std::string>* problems,
                                                                std::string* error);
std::string format_positions(const std::map<FileKey, SavedPosition>& positions);

// No file is no positions. Malformed lines are skipped and named in *problems; a file of
// another version is refused whole (nullopt, *error).
std::optional<std::map<FileKey, SavedPosition>> load_positions(const std::string& dir,
                                                               std::vector<std::string>* problems,
                                                               std::string* error);
bool save_positions(const std::string& dir, const std::map<FileKey, SavedPosition>& positions,
                    std::string* error);

}  // namespace file_source
