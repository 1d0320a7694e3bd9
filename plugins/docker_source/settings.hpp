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

namespace docker_source {

// include_containers / exclude_containers are globs on the name; include_labels /
// exclude_labels are "key" (present) or "key=value". A container is followed when it
// matches every include list that is set and no exclude list.
struct ContainerFilter {
  std::vector<std::string> include_names, exclude_names, include_labels, exclude_labels;
  bool matches(const ContainerInfo& c) const;
};

struct Settings {
  DaemonAddress address;
  std::chrono::milliseconds rotation_interval{std::chrono::minutes(5)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds sync_interval{std::chrono::seconds(1)};
  std::chrono::milliseconds reconnect_max{std::chrono::seconds(30)};
  std::chrono::milliseconds batch_wait{std::chrono::milliseconds(200)};
  std::chrono::milliseconds read_interval{std::chrono::milliseconds(50)};
  // At most this many log streams open at once (a descriptor each), and then each stream
  // with a waiting peer gives its slot up after a turn of stream_turn.
  size_t max_streams = 1000;
  std::chrono::milliseconds stream_turn{std::chrono::seconds(10)};
  size_t max_line_bytes = 256 * 1024;
  size_t batch_max_records = 2000;
  bool start_at_end = false;  // containers found running at the first listing, never seen
  ContainerFilter filter;
  std::vector<std::string> label_allow;  // container labels copied into record labels
  std::vector<std::pair<std::string, std::string>> static_labels;

  // Reports each problem through cfg.error().
  static Settings read(const sluice::Config& cfg);
};

// A container label's name as a record label: characters outside [a-zA-Z0-9_] become '_'.
std::string label_name(std::string_view key);

}  // namespace docker_source
