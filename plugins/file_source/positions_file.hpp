// The state directory's `positions` file: for each file, its identity (device, inode and
// head), the committed offset, its path, and when it was last seen (for pruning).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tailed_file.hpp"

namespace file_source {

struct SavedPosition {
  FilePosition position;
  int64_t seen_unix = 0;
};

// Malformed lines are skipped and named in *problems.
std::map<FileKey, SavedPosition> load_positions(const std::string& dir,
                                                std::vector<std::string>* problems);
bool save_positions(const std::string& dir, const std::map<FileKey, SavedPosition>& positions,
                    std::string* error);

}  // namespace file_source
