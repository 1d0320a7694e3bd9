// docker_source's configuration, read and checked once, and the container filter it holds.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "daemon_client.hpp"
#include "daemon_messages.hpp"
#include "sluice/config.hpp"
#include "sluice/settings.hpp"

namespace docker_source {

// include_containers / exclude_containers are globs on the name; include_labels /
// exclude_labels are "key" (present) or "key=value". A container is followed when it
// matches every include list that is set and no exclude list.
struct ContainerFilter {
  std::vector<std::string> include_names, exclude_names, include_labels, exclude_labels;
  bool matches(const ContainerInfo& c) const;
};

// The defaults, ranges and descriptions are in table() alone.
struct Settings {
  Settings() { table().defaults_into(*this); }
  std::string host;
  DaemonAddress address;  // host, parsed
  std::chrono::milliseconds rotation_interval, request_timeout, sync_interval, reconnect_max,
      batch_wait, read_interval;
  // At most this many log streams open at once (a descriptor each), and then each stream
  // with a waiting peer gives its slot up after a turn of stream_turn.
  size_t max_streams = 0;
  std::chrono::milliseconds stream_turn;
  size_t max_line_bytes = 0;
  // Not a setting: a batch leaves when it holds this many lines.
  size_t batch_max_records = 2000;
  bool start_at_end = false;  // containers found running at the first listing, never seen
  std::vector<std::string> include_containers, exclude_containers, include_labels, exclude_labels;
  ContainerFilter filter;                // the four lists above
  std::vector<std::string> label_allow;  // container labels copied into record labels
  std::vector<std::pair<std::string, std::string>> static_labels;

  static const sluice::SettingsTable<Settings>& table();
  // Reports each problem through cfg.error().
  static Settings read(const sluice::Config& cfg);
};

}  // namespace docker_source
