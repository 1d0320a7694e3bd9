// The tailer's life: its metrics, the run loop, and the positions it loads and saves. Finding
// and opening files is in tailer_files.cpp, reading them in tailer_reading.cpp, and waiting
// for changes in tailer_watch.cpp.
#include "tailer.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "descriptors.hpp"

namespace file_source {
namespace {

constexpr size_t read_buffer_bytes = 256 * 1024;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sluice::LabelSet error_type(const char* type) {
  return sluice::LabelSet{{"type", type}};
}

}  // namespace

Metrics::Metrics(const sluice::Context& ctx)
    : files_open(ctx.gauge("sluice_file_files_open", "Files open for reading.")),
      bytes(ctx.counter("sluice_file_bytes_read_total", "Bytes read from files.")),
      lines(ctx.counter("sluice_file_lines_read_total", "Lines read from files.")),
      rotations(ctx.counter("sluice_file_rotations_total",
                            "Files renamed or deleted under a watched path.")),
      truncations(ctx.counter("sluice_file_truncations_total",
                              "Files found truncated (copytruncate): read again from 0.")),
      split(ctx.counter("sluice_file_lines_split_total",
                        "Lines longer than max_line_bytes, passed in pieces of that length.")),
      truncated(ctx.counter("sluice_file_lines_truncated_total",
                            "Lines longer than max_line_bytes, cut to that length.")),
      flushed(ctx.counter("sluice_file_partial_lines_flushed_total",
                          "Last lines without a newline, passed after partial_flush_after.")),
      position_lag(ctx.gauge("sluice_file_position_lag_bytes",
                             "Bytes read but not yet acknowledged, over every open file.")),
      open_errors(ctx.counter("sluice_file_errors_total", "Errors, by type.", error_type("open"))),
      read_errors(ctx.counter("sluice_file_errors_total", "Errors, by type.", error_type("read"))),
      state_errors(
          ctx.counter("sluice_file_errors_total", "Errors, by type.", error_type("positions"))),
      not_regular(
          ctx.counter("sluice_file_errors_total", "Errors, by type.", error_type("not_regular"))),
      dirs_polled(ctx.gauge("sluice_file_dirs_polled",
                            "Folders without an inotify watch (inotify off, or its watch limit "
                            "reached), whose changes are found by polling.")),
      files_parked(ctx.gauge("sluice_file_files_parked",
                             "Files followed without a descriptor, past max_open_files: "
                             "checked every poll_interval, reopened when they grow.")),
      pieces_joined(ctx.counter("sluice_file_pieces_joined_total",
                                "Pieces of split container log lines joined to the line "
                                "before them (format cri or docker_json).")),
      malformed(ctx.counter("sluice_file_malformed_lines_total",
                            "Lines not of the file's container log format, passed on as they "
                            "are.")),
      unfinished(ctx.counter("sluice_file_unfinished_lines_total",
                             "Container log lines whose last piece never came (the file closed "
                             "or too much was held), passed on as they were.")) {}

Tailer::Tailer(const sluice::Context& ctx, const Settings& settings, const Metrics& metrics,
               Positions& positions, std::atomic<uint64_t>& next_cookie)
    : ctx_(ctx),
      settings_(settings),
      metrics_(metrics),
      positions_(positions),
      next_cookie_(next_cookie),
      batch_(ctx.batch_builder()) {}

Tailer::~Tailer() {
  files_.clear();
  if (inotify_ >= 0) ::close(inotify_);
}

void Tailer::run(const sluice::StopToken& stop) {
  stop_ = &stop;
  buffer_.resize(read_buffer_bytes);
  open_limit_ = settings_.max_open_files;
  if (auto budget = sluice::plugins::descriptor_budget();
      budget && budget->available < open_limit_) {
    ctx_.info("max_open_files " + std::to_string(open_limit_) +
              " is more than this process may open (" + std::to_string(budget->limit) +
              " descriptors, less a reserve): at most " + std::to_string(budget->available) +
              " files are held open, the others followed by their paths");
    open_limit_ = budget->available;
  }
  if (settings_.use_inotify) {
    inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_ < 0 && errno == EMFILE) {
      // At start the process holds few descriptors: this is the user's inotify instances,
      // which are few (fs.inotify.max_user_instances, often 128) and shared by every program
      // of that user; dockerd takes one per log stream it follows.
      ctx_.warn(
          "inotify is not available: this user's inotify instances are used up "
          "(fs.inotify.max_user_instances); polling every poll_interval instead");
    } else if (inotify_ < 0) {
      ctx_.warn(std::string("inotify is not available (") + std::strerror(errno) +
                "): polling every poll_interval instead");
    }
  }
  auto next_scan = clock::now();
  auto next_check = next_scan + settings_.poll_interval;
  auto next_lag = next_scan;
  while (!stop.requested()) {
    auto now = clock::now();
    if (scan_due_ || now >= next_scan) {
      scan();
      scan_due_ = false;
      next_scan = now + settings_.scan_interval;
      next_check = now + settings_.poll_interval;
    } else if (now >= next_check) {
      check_files();
      next_check = now + settings_.poll_interval;
    }
    const bool progress = read_round(stop);
    flush_partials();
    if (!emit(stop)) break;
    release(now);
    if (!emit(stop)) break;
    if (now >= next_lag) {
      update_lag();
      next_lag = now + settings_.sync_interval;
    }
    if (!progress) {
      auto timeout = std::min(settings_.poll_interval, next_partial_due(clock::now()));
      wait(stop, timeout);
    }
  }
  // What was read and not emitted is read again next time: its position was not committed.
  batch_.clear();
  files_.clear();
  parked_.clear();
  metrics_.files_parked.set(0);
  {
    std::lock_guard lock(save_mutex_);
    open_keys_.clear();
  }
  save();
  metrics_.files_open.set(0);
  if (inotify_ >= 0) ::close(inotify_);
  inotify_ = -1;
  watches_.clear();
  stop_ = nullptr;
}

bool Tailer::load() {
  std::vector<std::string> problems;
  std::string refused;
  std::lock_guard lock(save_mutex_);
  auto loaded = load_positions(ctx_.state_dir(), &problems, &refused);
  for (const auto& p : problems) {
    ctx_.warn(p);
    metrics_.state_errors.add();
  }
  if (!loaded) {
    ctx_.error(refused);
    metrics_.state_errors.add();
    return false;
  }
  saved_ = std::move(*loaded);
  for (const auto& [key, p] : saved_) positions_.restore(key, p.position);
  return true;
}

void Tailer::update_lag() {
  double lag = 0;
  for (const auto& [key, f] : files_) {
    FilePosition committed;
    const uint64_t at = positions_.committed(key, committed) ? committed.offset : 0;
    lag += static_cast<double>(f->read_offset() - std::min(f->read_offset(), at));
  }
  metrics_.position_lag.set(lag);
}

void Tailer::save() {
  std::lock_guard lock(save_mutex_);
  const int64_t now = unix_now();
  const uint64_t version = positions_.version();
  const int64_t forget_s =
      std::chrono::duration_cast<std::chrono::seconds>(settings_.forget_after).count();
  std::map<FileKey, SavedPosition> out;
  bool forgot = false;
  for (const auto& [key, position] : positions_.snapshot()) {
    SavedPosition p{position, now};
    if (open_keys_.count(key) == 0) {
      auto old = saved_.find(key);
      if (old != saved_.end()) p.seen_unix = old->second.seen_unix;
      if (now - p.seen_unix >= forget_s) {
        positions_.forget(key);  // gone for forget_after
        forgot = true;
        continue;
      }
    }
    out[key] = p;
  }
  // Unchanged positions are written again only now and then, to refresh when files were seen.
  if (!forgot && version == saved_version_ && now - last_save_unix_ < 60) return;
  std::string error;
  if (!save_positions(ctx_.state_dir(), out, &error)) {
    metrics_.state_errors.add();
    ctx_.error("cannot save positions: " + error);
    return;
  }
  saved_ = std::move(out);
  saved_version_ = version;
  last_save_unix_ = now;
}

}  // namespace file_source
