// Reload requests (SIGHUP, POST /-/reload, a changed config file) turned into reloads of the
// engine from its config file, one at a time. Requests that arrive while a reload runs are
// coalesced into one more reload after it: never dropped, never run at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "engine.hpp"
#include "lifecycle/thread_ledger.hpp"

namespace sluice::core {

struct ReloadResult {
  bool success = false;
  std::string message;  // what changed, or every error with its file:line:column
};

struct ReloaderOptions {
  std::vector<std::string> paths;  // the pipeline's files and folders, read anew each reload
  // A burst of requests (an editor saving twice, a script sending several signals) becomes
  // one reload: it starts once no request came for settle, or max_delay after the first.
  std::chrono::milliseconds settle{100};
  std::chrono::milliseconds max_delay{1'000};
  // When positive, the file is checked this often and a change asks for a reload.
  std::chrono::milliseconds watch_interval{0};
  // The files as they were when the running pipeline was read from them (config_identity):
  // a change made while the pipeline started is a change too. Empty: the file at start().
  std::string loaded_identity;
};

// What tells a rewritten file apart: device, inode, size and modification time; of a
// folder's files too, and of the folder itself, so that a file added or removed counts.
std::string config_identity(const std::vector<std::string>& paths);
// The files and folders as one line, for messages.
std::string config_label(const std::vector<std::string>& paths);

class Reloader {
 public:
  Reloader(Engine& engine, ReloaderOptions options);
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  void start();
  // Waits for a reload in progress to end; requests after this are answered as failed.
  void stop();

  // Asks for a reload and returns at once.
  void request();
  // Asks for a reload and waits (at most timeout) for the outcome of one begun after the ask.
  ReloadResult request_and_wait(std::chrono::milliseconds timeout);

  uint64_t reloads_done() const;

 private:
  // Records a request (mutex_ held) and returns its number.
  uint64_t ask_locked();
  void run(StopSignal& stop);
  ReloadResult reload_once();
  bool file_changed();

  Engine& engine_;
  ReloaderOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  uint64_t requested_ = 0;  // requests so far
  uint64_t covered_ = 0;    // requests answered by a finished reload
  uint64_t done_ = 0;
  bool pending_ = false;
  std::chrono::steady_clock::time_point pending_since_, last_request_;
  ReloadResult last_;
  bool stopped_ = false;
  std::string file_identity_;
  ThreadLedger ledger_{"sluice", "reloader"};
};

}  // namespace sluice::core
