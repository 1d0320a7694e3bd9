#include "reload/reloader.hpp"

#include <sys/stat.h>

#include "lifecycle/service_notify.hpp"
#include "observability/listing.hpp"
#include "observability/logging.hpp"

namespace sluice::core {

namespace {
using clock = std::chrono::steady_clock;

std::string ids(const std::vector<std::string>& v) {
  return "[" + comma_list(v) + "]";
}

}  // namespace

namespace {

// Editors save by renaming a new file over the old one: the inode tells that apart.
std::string file_identity(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
         std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

std::string config_identity(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& path : paths) out += path + "=" + file_identity(path) + "\n";
  Diagnostics ignored;  // a folder that cannot be listed is reported by the reload itself
  for (const auto& file : config_files(paths, ignored)) {
    out += file + "=" + file_identity(file) + "\n";
  }
  return out;
}

std::string config_label(const std::vector<std::string>& paths) {
  return comma_list(paths);
}

Reloader::Reloader(Engine& engine, ReloaderOptions options)
    : engine_(engine), options_(std::move(options)) {}

Reloader::~Reloader() {
  stop();
}

void Reloader::start() {
  file_identity_ =
      options_.loaded_identity.empty() ? config_identity(options_.paths) : options_.loaded_identity;
  ledger_.spawn("reloader", [this](StopSignal& stop) { run(stop); });
}

void Reloader::stop() {
  ledger_.request_stop();
  // A reload in progress is let finish: it is bounded by the drain and stop deadlines.
  ledger_.join_until(clock::now() + std::chrono::hours(1), false);
  std::lock_guard lock(mutex_);
  stopped_ = true;
  cv_.notify_all();
}

uint64_t Reloader::ask_locked() {
  last_request_ = clock::now();
  if (!pending_) pending_since_ = last_request_;
  pending_ = true;
  cv_.notify_all();
  return ++requested_;
}

void Reloader::request() {
  std::lock_guard lock(mutex_);
  ask_locked();
}

ReloadResult Reloader::request_and_wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (stopped_) return {false, "sluice is shutting down\n"};
  uint64_t ticket = ask_locked();
  if (!cv_.wait_for(lock, timeout, [&] { return covered_ >= ticket || stopped_; })) {
    return {false, "the reload did not finish in time; see the log\n"};
  }
  if (covered_ < ticket) return {false, "sluice is shutting down\n"};
  return last_;
}

uint64_t Reloader::reloads_done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

bool Reloader::file_changed() {
  auto now = config_identity(options_.paths);
  if (now == file_identity_) return false;
  file_identity_ = now;
  return true;
}

void Reloader::run(StopSignal& stop) {
  auto token = stop.token();
  auto log = engine_logger();
  while (!token.stop_requested()) {
    std::unique_lock lock(mutex_);
    if (!pending_) {
      auto wait = options_.watch_interval.count() > 0 ? options_.watch_interval
                                                      : std::chrono::milliseconds(60'000);
      cv_.wait_for(lock, token, wait, [&] { return pending_; });
      if (!pending_ && options_.watch_interval.count() > 0 && !token.stop_requested()) {
        lock.unlock();
        if (file_changed()) {
          log->info("{} changed: reloading", config_label(options_.paths));
          request();
        }
      }
      continue;
    }
    // Let a burst of requests settle into one reload.
    while (!token.stop_requested()) {
      auto when = std::min(last_request_ + options_.settle, pending_since_ + options_.max_delay);
      if (clock::now() >= when) break;
      cv_.wait_until(lock, token, when, [] { return false; });
    }
    if (token.stop_requested()) break;
    uint64_t covering = requested_;
    pending_ = false;
    lock.unlock();
    auto result = reload_once();
    lock.lock();
    covered_ = covering;
    last_ = result;
    ++done_;
    cv_.notify_all();
  }
}

ReloadResult Reloader::reload_once() {
  auto log = engine_logger();
  // The file read now is the one the reload applies, whatever the request saw.
  file_identity_ = config_identity(options_.paths);
  Diagnostics diags;
  ReloadReport report;
  service::reloading();
  bool ok = engine_.reload_files(options_.paths, diags, report);
  // Ready again either way: a failed reload leaves the running pipeline as it was (or with
  // the nodes that did start), and systemd is told so in the status line.
  service::ready(ok ? "running " + config_label(options_.paths)
                    : "running; the last reload failed, see the log");
  if (!ok) {
    std::string errors = diags.to_string();
    log->error("reload of {} failed; {}:\n{}", config_label(options_.paths),
               report.failed_to_start.empty() ? "the running pipeline is unchanged"
                                              : "some new nodes did not start",
               errors);
    return {false, errors};
  }
  return {true, "reloaded " + config_label(options_.paths) + ": added " + ids(report.added) +
                    ", removed " + ids(report.removed) + ", changed " + ids(report.changed) +
                    ", kept " + ids(report.kept) + "\n"};
}

}  // namespace sluice::core
