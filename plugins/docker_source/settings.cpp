#include "settings.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace docker_source {
namespace {

bool any_name(const std::vector<std::string>& globs, const std::string& name) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
    return ::fnmatch(g.c_str(), name.c_str(), 0) == 0;
  });
}

bool any_label(const std::vector<std::string>& wanted,
               const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& w : wanted) {
    size_t eq = w.find('=');
    std::string key = w.substr(0, eq);
    for (const auto& [k, v] : labels) {
      if (k == key && (eq == std::string::npos || v == w.substr(eq + 1))) return true;
    }
  }
  return false;
}

}  // namespace

bool ContainerFilter::matches(const ContainerInfo& c) const {
  if (!include_names.empty() && !any_name(include_names, c.name)) return false;
  if (!include_labels.empty() && !any_label(include_labels, c.labels)) return false;
  if (any_name(exclude_names, c.name)) return false;
  if (any_label(exclude_labels, c.labels)) return false;
  return true;
}

std::string label_name(std::string_view key) {
  std::string out(key);
  for (char& ch : out) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (!ok) ch = '_';
  }
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), '_');
  return out;
}

Settings Settings::read(const sluice::Config& cfg) {
  Settings s;
  std::string error;
  auto address = parse_daemon_address(cfg.string("host", "unix:///var/run/docker.sock"), &error);
  if (address) {
    s.address = *address;
  } else {
    cfg.error("host", error);
  }
  s.rotation_interval = cfg.duration("rotation_interval", s.rotation_interval);
  if (s.rotation_interval < std::chrono::milliseconds(100)) {
    cfg.error("rotation_interval", "must be at least 100ms");
  }
  s.request_timeout = cfg.duration("request_timeout", s.request_timeout);
  if (s.request_timeout < std::chrono::milliseconds(100)) {
    cfg.error("request_timeout", "must be at least 100ms");
  }
  s.sync_interval = cfg.duration("sync_interval", s.sync_interval);
  if (s.sync_interval < std::chrono::milliseconds(10)) {
    cfg.error("sync_interval", "must be at least 10ms");
  }
  s.reconnect_max = cfg.duration("reconnect_max_backoff", s.reconnect_max);
  if (s.reconnect_max < std::chrono::milliseconds(100)) {
    cfg.error("reconnect_max_backoff", "must be at least 100ms");
  }
  s.batch_wait = cfg.duration("batch_wait", s.batch_wait);
  if (s.batch_wait > std::chrono::seconds(10)) cfg.error("batch_wait", "must be at most 10s");
  s.read_interval = cfg.duration("read_interval", s.read_interval);
  if (s.read_interval > std::chrono::seconds(1)) {
    cfg.error("read_interval", "must be at most 1s");
  }
  const double max_streams = cfg.number("max_streams", 1000);
  if (max_streams < 1 || max_streams > 100000) {
    cfg.error("max_streams", "must be from 1 to 100000");
  }
  s.max_streams = static_cast<size_t>(std::clamp(max_streams, 1.0, 100000.0));
  s.stream_turn = cfg.duration("stream_turn", s.stream_turn);
  if (s.stream_turn < std::chrono::milliseconds(500)) {
    cfg.error("stream_turn", "must be at least 500ms");
  }
  const double max_line = cfg.number("max_line_bytes", 256 * 1024);
  if (max_line < 1024 || max_line > 64.0 * 1024 * 1024) {
    cfg.error("max_line_bytes", "must be from 1024 to 67108864");
  }
  s.max_line_bytes = static_cast<size_t>(std::clamp(max_line, 1024.0, 64.0 * 1024 * 1024));
  const std::string start_at = cfg.string("start_at", "beginning");
  if (start_at != "beginning" && start_at != "end") {
    cfg.error("start_at", "must be beginning or end");
  }
  s.start_at_end = start_at == "end";
  s.filter.include_names = cfg.strings("include_containers");
  s.filter.exclude_names = cfg.strings("exclude_containers");
  s.filter.include_labels = cfg.strings("include_labels");
  s.filter.exclude_labels = cfg.strings("exclude_labels");
  s.label_allow = cfg.strings("container_labels");
  s.static_labels = cfg.map("labels");
  return s;
}

}  // namespace docker_source
