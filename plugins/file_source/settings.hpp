// file_source's configuration, read and checked once.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "sluice/config.hpp"

namespace file_source {

enum class LongLines { split, truncate };

struct Settings {
  std::vector<std::string> include, exclude;
  std::chrono::milliseconds scan_interval{std::chrono::seconds(10)};
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(250)};
  std::chrono::milliseconds rotate_wait{std::chrono::seconds(5)};
  std::chrono::milliseconds partial_flush_after{std::chrono::seconds(5)};
  std::chrono::milliseconds sync_interval{std::chrono::seconds(1)};
  std::chrono::milliseconds forget_after{std::chrono::hours(24)};
  bool start_at_end = false;
  size_t max_line_bytes = 256 * 1024;
  LongLines long_lines = LongLines::split;
  size_t fingerprint_bytes = 256;
  size_t batch_max_records = 4096;
  size_t batch_max_bytes = 4 * 1024 * 1024;
  size_t max_open_files = 1024;
  bool use_inotify = true;
  std::vector<std::pair<std::string, std::string>> labels;

  static Settings read(const sluice::Config& cfg);
};

}  // namespace file_source
