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

const sluice::SettingsTable<Settings>& Settings::table() {
  using S = Settings;
  using namespace std::chrono_literals;
  static const sluice::SettingsTable<Settings> table{
      sluice::string("host", &S::host, "unix:///var/run/docker.sock",
                     "the daemon: `unix:///path` or `tcp://HOST:PORT` (plain HTTP)")
          .check(
              [](const S& s) {
                std::string error;
                return parse_daemon_address(s.host, &error) ? std::string() : error;
              },
              "unix:// or tcp://")
          .hint({"docker_host", "endpoint"}),
      sluice::duration("rotation_interval", &S::rotation_interval, 5min,
                       "each log stream is closed and reopened this often (see Rotation)")
          .at_least(100ms),
      sluice::integer("max_streams", &S::max_streams, size_t{1000},
                      "a ceiling on log streams open at once, each a socket; lowered to what "
                      "the process's descriptor limit allows. Containers past it wait their "
                      "turn (see Turns)")
          .between(1, 100000),
      sluice::duration("stream_turn", &S::stream_turn, 10s,
                       "while a container waits for a slot, each open stream gives its slot up "
                       "after this long; see Turns")
          .at_least(500ms),
      sluice::choice("start_at", &S::start_at_end, {{"beginning", false}, {"end", true}},
                     "beginning",
                     "for containers already running at the first start, without a "
                     "checkpoint: their whole log, or only what they write from now on. "
                     "Containers started later are always read from their first line")
          .hint({"read_from_head", "since"}),
      sluice::strings("include_containers", &S::include_containers,
                      "follow only containers whose name matches one of these globs (none: "
                      "every container)")
          .hint({"include_containers_names", "container_name"}),
      sluice::strings("exclude_containers", &S::exclude_containers,
                      "never follow containers whose name matches one of these globs")
          .hint({"exclude_containers_names"}),
      sluice::strings("include_labels", &S::include_labels,
                      "follow only containers with one of these labels: `key` or `key=value` "
                      "(none: every container)")
          .hint({"include_labels_filter"}),
      sluice::strings("exclude_labels", &S::exclude_labels,
                      "never follow containers with one of these labels"),
      sluice::strings("container_labels", &S::label_allow,
                      "container labels copied into each record's labels (dots and dashes "
                      "become `_`)"),
      sluice::map("labels", &S::static_labels, "static labels every record carries"),
      sluice::integer("max_line_bytes", &S::max_line_bytes, size_t{256 * 1024},
                      "a longer line is cut to this length and counted")
          .between(1024, 64 * 1024 * 1024),
      sluice::duration("batch_wait", &S::batch_wait, 200ms,
                       "how long lines may wait to fill a batch before they leave (`0`: at "
                       "once); a full batch (2,000 lines) leaves at once")
          .at_most(10s)
          .hint({"flush_interval"}),
      sluice::duration("read_interval", &S::read_interval, 50ms,
                       "a stream that brings little is read at ticks this far apart rather "
                       "than at each line (`0`: at each line); see Pacing")
          .at_most(1s),
      sluice::duration("sync_interval", &S::sync_interval, 1s,
                       "checkpoints are written at most this often, and at stop")
          .at_least(10ms),
      sluice::duration("request_timeout", &S::request_timeout, 10s,
                       "for connecting and for each request other than a stream")
          .at_least(100ms),
      sluice::duration("reconnect_max_backoff", &S::reconnect_max, 30s,
                       "the longest wait between attempts to reach a lost daemon")
          .at_least(100ms)
          .hint({"max_backoff"}),
  };
  return table;
}

Settings Settings::read(const sluice::Config& cfg) {
  Settings s = table().read(cfg);
  if (auto address = parse_daemon_address(s.host, nullptr)) s.address = *address;
  s.filter = ContainerFilter{s.include_containers, s.exclude_containers, s.include_labels,
                             s.exclude_labels};
  return s;
}

}  // namespace docker_source
