// How files are read, declared once for every source that tails files: file_source, and the
// sources built on it (kubernetes_logs), whose settings derive from Settings.
#pragma once

#include <chrono>
#include <vector>

#include "settings.hpp"

namespace file_source {

// A member of Settings as a member of S, which derives from it: the tables of S name it.
template <class S, class T>
T S::*inherited(T Settings::*field) {
  return field;
}

template <class S>
std::vector<sluice::Setting<S>> reading_settings() {
  using namespace std::chrono_literals;
  return {
      sluice::choice("start_at", inherited<S>(&Settings::start_at_end),
                     {{"beginning", false}, {"end", true}}, "beginning",
                     "for files found at the first start and never seen before: all of them, "
                     "or only what is written from now on. A file that appears later is always "
                     "read from its start")
          .hint({"read_from_head", "read_from"}),
      sluice::duration("scan_interval", inherited<S>(&Settings::scan_interval), 10s,
                       "the globs are expanded again this often (and at once when inotify "
                       "reports a change)")
          .at_least(10ms)
          .hint({"refresh_interval", "glob_minimum_cooldown_ms"}),
      sluice::duration("poll_interval", inherited<S>(&Settings::poll_interval), 250ms,
                       "how often open files are checked for rotation, deletion and growth when "
                       "nothing else wakes the reader")
          .at_least(10ms),
      sluice::duration("rotate_wait", inherited<S>(&Settings::rotate_wait), 5s,
                       "a renamed or deleted file is kept open, and read, this long after it "
                       "left its path; then it is closed once read to its end")
          .at_least(0ms),
      sluice::duration("partial_flush_after", inherited<S>(&Settings::partial_flush_after), 5s,
                       "a last line without a newline is passed on as it is after this long")
          .at_least(1ms),
      sluice::integer("max_line_bytes", inherited<S>(&Settings::max_line_bytes), size_t{256 * 1024},
                      "the longest line passed whole")
          .between(16, 64 * 1024 * 1024)
          .hint({"buffer_max_size"}),
      sluice::choice("long_lines", inherited<S>(&Settings::long_lines),
                     {{"split", LongLines::split}, {"truncate", LongLines::truncate}}, "split",
                     "a longer line is passed in pieces of `max_line_bytes`, or cut to that "
                     "length and the rest dropped; either way counted")
          .hint({"skip_long_lines"}),
      sluice::integer("fingerprint_bytes", inherited<S>(&Settings::fingerprint_bytes), size_t{256},
                      "how many first bytes of a file make its fingerprint")
          .between(16, 65536),
      sluice::duration("sync_interval", inherited<S>(&Settings::sync_interval), 1s,
                       "positions are written at most this often, and at stop")
          .at_least(10ms)
          .hint({"sync_period"}),
      sluice::duration("forget_after", inherited<S>(&Settings::forget_after), 24h,
                       "the position of a file not seen for this long is dropped")
          .at_least(1s),
      sluice::integer("batch_max_records", inherited<S>(&Settings::batch_max_records), size_t{4096},
                      "records per batch at most")
          .between(1, 65536),
      sluice::integer("max_open_files", inherited<S>(&Settings::max_open_files), size_t{1024},
                      "files held open at once; past it the least recently active are closed "
                      "and followed by path and position. Never more than the process's "
                      "descriptor limit less a reserve (a quarter of it, at most 256)")
          .between(1, 1'000'000),
      sluice::boolean("inotify", inherited<S>(&Settings::use_inotify), true,
                      "use inotify for prompt pickup; polling alone when false")
          .hint({"inotify_watcher"}),
      sluice::map("labels", inherited<S>(&Settings::labels), "static labels every record carries")
          .hint({"add_fields"}),
  };
}

// Paths in settings are absolute: a relative one would depend on the engine's directory.
std::string absolute_paths(const std::vector<std::string>& paths);

}  // namespace file_source
