#include "settings.hpp"

namespace file_source {
namespace {

std::string absolute_paths(const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    if (p.empty() || p[0] != '/') return "\"" + p + "\" is not an absolute path";
  }
  return {};
}

}  // namespace

const sluice::SettingsTable<Settings>& Settings::table() {
  using S = Settings;
  using std::chrono::milliseconds;
  using namespace std::chrono_literals;
  static const sluice::SettingsTable<Settings> table{
      sluice::strings("include", &S::include,
                      "absolute paths; `*`, `?` and `[...]` within a segment, `**` for any "
                      "number of directories")
          .required()
          .check([](const S& s) { return absolute_paths(s.include); }, "absolute paths")
          .hint({"path", "paths", "__path__"}),
      sluice::strings("exclude", &S::exclude, "files matching one are not read")
          .check([](const S& s) { return absolute_paths(s.exclude); }, "absolute paths")
          .hint({"exclude_path", "__path_exclude__"}),
      sluice::choice("start_at", &S::start_at_end, {{"beginning", false}, {"end", true}},
                     "beginning",
                     "for files found at the first start and never seen before: all of them, "
                     "or only what is written from now on. A file that appears later is always "
                     "read from its start")
          .hint({"read_from_head", "read_from"}),
      sluice::duration("scan_interval", &S::scan_interval, 10s,
                       "the globs are expanded again this often (and at once when inotify "
                       "reports a change)")
          .at_least(10ms)
          .hint({"refresh_interval", "glob_minimum_cooldown_ms"}),
      sluice::duration("poll_interval", &S::poll_interval, 250ms,
                       "how often open files are checked for rotation, deletion and growth when "
                       "nothing else wakes the reader")
          .at_least(10ms),
      sluice::duration("rotate_wait", &S::rotate_wait, 5s,
                       "a renamed or deleted file is kept open, and read, this long after it "
                       "left its path; then it is closed once read to its end")
          .at_least(0ms),
      sluice::duration("partial_flush_after", &S::partial_flush_after, 5s,
                       "a last line without a newline is passed on as it is after this long")
          .at_least(1ms),
      sluice::integer("max_line_bytes", &S::max_line_bytes, size_t{256 * 1024},
                      "the longest line passed whole")
          .between(16, 64 * 1024 * 1024)
          .hint({"buffer_max_size"}),
      sluice::choice("long_lines", &S::long_lines,
                     {{"split", LongLines::split}, {"truncate", LongLines::truncate}}, "split",
                     "a longer line is passed in pieces of `max_line_bytes`, or cut to that "
                     "length and the rest dropped; either way counted")
          .hint({"skip_long_lines"}),
      sluice::choice("format", &S::format,
                     {{"raw", Format::raw},
                      {"cri", Format::cri},
                      {"docker_json", Format::docker_json},
                      {"auto", Format::automatic}},
                     "raw",
                     "how lines are written: `raw` text; `cri` (containerd, CRI-O) or "
                     "`docker_json` (dockerd's json-file), whose time, stream and text become "
                     "the record's and whose split lines are joined; `auto` decides per file "
                     "from its first line. See Container logs")
          .hint({"parser", "cri", "docker"}),
      sluice::integer("fingerprint_bytes", &S::fingerprint_bytes, size_t{256},
                      "how many first bytes of a file make its fingerprint")
          .between(16, 65536),
      sluice::duration("sync_interval", &S::sync_interval, 1s,
                       "positions are written at most this often, and at stop")
          .at_least(10ms)
          .hint({"sync_period"}),
      sluice::duration("forget_after", &S::forget_after, 24h,
                       "the position of a file not seen for this long is dropped")
          .at_least(1s),
      sluice::integer("batch_max_records", &S::batch_max_records, size_t{4096},
                      "records per batch at most")
          .between(1, 65536),
      sluice::integer("max_open_files", &S::max_open_files, size_t{1024},
                      "files held open at once; past it the least recently active are closed "
                      "and followed by path and position. Never more than the process's "
                      "descriptor limit less a reserve (a quarter of it, at most 256)")
          .between(1, 1'000'000),
      sluice::boolean("inotify", &S::use_inotify, true,
                      "use inotify for prompt pickup; polling alone when false")
          .hint({"inotify_watcher"}),
      sluice::map("labels", &S::labels, "static labels every record carries").hint({"add_fields"}),
  };
  return table;
}

}  // namespace file_source
