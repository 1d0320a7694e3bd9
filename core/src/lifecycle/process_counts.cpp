#include "lifecycle/process_counts.hpp"

#include <dirent.h>

namespace sluice::core {

namespace {
// Counts a directory's entries, less "." and "..", and less the descriptor opendir holds when
// the directory is our own fd table.
size_t count_entries(const char* path, bool is_fd_dir) {
  DIR* dir = ::opendir(path);
  if (dir == nullptr) return 0;
  size_t n = 0;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return is_fd_dir && n > 0 ? n - 1 : n;
}
}  // namespace

size_t count_threads() {
  return count_entries("/proc/self/task", false);
}
size_t count_open_fds() {
  return count_entries("/proc/self/fd", true);
}

}  // namespace sluice::core
