// file_source's configuration, read and checked once.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "container_log.hpp"
#include "sluice/config.hpp"
#include "sluice/settings.hpp"

namespace file_source {

enum class LongLines { split, truncate };

// The defaults, ranges and descriptions are in table() alone.
struct Settings {
  Settings() { table().defaults_into(*this); }
  std::vector<std::string> include, exclude;
  std::chrono::milliseconds scan_interval, poll_interval, rotate_wait, partial_flush_after,
      sync_interval, forget_after;
  bool start_at_end = false;
  size_t max_line_bytes = 0;
  LongLines long_lines = LongLines::split;
  Format format = Format::raw;
  size_t fingerprint_bytes = 0;
  size_t batch_max_records = 0;
  // Not a setting: what a batch may hold at most.
  size_t batch_max_bytes = 4 * 1024 * 1024;
  size_t max_open_files = 0;
  bool use_inotify = true;
  std::vector<std::pair<std::string, std::string>> labels;

  // Not a setting: what a source built on this one says of a file from its path. It is given
  // the file's labels (the static ones and `filename`) and may change them and add metadata.
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  std::function<void(const std::string& path, Pairs& labels, Pairs& metadata)> describe_file;

  // The longest line read whole from the file. With a container format the limit is on the
  // joined record, and a runtime's lines (16 KiB pieces, escaped in json-file) are read whole.
  size_t read_line_bytes() const {
    return format == Format::raw ? max_line_bytes : std::max(max_line_bytes, size_t{1} << 20);
  }

  static const sluice::SettingsTable<Settings>& table();
  // Reports each problem through cfg.error().
  static Settings read(const sluice::Config& cfg) { return table().read(cfg); }
};

}  // namespace file_source
