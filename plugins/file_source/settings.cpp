#include "settings.hpp"

#include <algorithm>

namespace file_source {
namespace {

std::chrono::milliseconds at_least(const sluice::Config& cfg, const char* key,
                                   std::chrono::milliseconds fallback,
                                   std::chrono::milliseconds minimum, const char* text) {
  auto d = cfg.duration(key, fallback);
  if (d < minimum) cfg.error(key, std::string("must be at least ") + text);
  return std::max(d, minimum);
}

size_t bounded(const sluice::Config& cfg, const char* key, double fallback, double low,
               double high) {
  const double v = cfg.number(key, fallback);
  if (v < low || v > high) {
    cfg.error(key, "must be from " + std::to_string(static_cast<long long>(low)) + " to " +
                       std::to_string(static_cast<long long>(high)));
  }
  return static_cast<size_t>(std::clamp(v, low, high));
}

}  // namespace

Settings Settings::read(const sluice::Config& cfg) {
  using std::chrono::milliseconds;
  Settings s;
  s.include = cfg.strings("include");
  s.exclude = cfg.strings("exclude");
  if (s.include.empty()) cfg.error("include", "needs at least one path or glob");
  for (const char* key : {"include", "exclude"}) {
    for (const auto& p : cfg.strings(key)) {
      if (p.empty() || p[0] != '/') cfg.error(key, "\"" + p + "\" is not an absolute path");
    }
  }
  s.scan_interval = at_least(cfg, "scan_interval", s.scan_interval, milliseconds(10), "10ms");
  s.poll_interval = at_least(cfg, "poll_interval", s.poll_interval, milliseconds(10), "10ms");
  s.rotate_wait = at_least(cfg, "rotate_wait", s.rotate_wait, milliseconds(0), "0s");
  s.partial_flush_after =
      at_least(cfg, "partial_flush_after", s.partial_flush_after, milliseconds(1), "1ms");
  s.sync_interval = at_least(cfg, "sync_interval", s.sync_interval, milliseconds(10), "10ms");
  s.forget_after = at_least(cfg, "forget_after", s.forget_after, milliseconds(1000), "1s");
  const std::string start_at = cfg.string("start_at", "beginning");
  if (start_at != "beginning" && start_at != "end") {
    cfg.error("start_at", "must be beginning or end");
  }
  s.start_at_end = start_at == "end";
  s.max_line_bytes = bounded(cfg, "max_line_bytes", 256 * 1024, 16, 64.0 * 1024 * 1024);
  const std::string long_lines = cfg.string("long_lines", "split");
  if (long_lines != "split" && long_lines != "truncate") {
    cfg.error("long_lines", "must be split or truncate");
  }
  s.long_lines = long_lines == "truncate" ? LongLines::truncate : LongLines::split;
  s.fingerprint_bytes = bounded(cfg, "fingerprint_bytes", 256, 16, 65536);
  s.batch_max_records = bounded(cfg, "batch_max_records", 4096, 1, 65536);
  s.max_open_files = bounded(cfg, "max_open_files", 1024, 1, 1'000'000);
  s.use_inotify = cfg.boolean("inotify", true);
  s.labels = cfg.map("labels");
  return s;
}

}  // namespace file_source
