// Every thread a plugin instance runs: started here, stopped through one token, joined by a
// deadline, and listed for /debug/threads. What cannot be joined in time is reported, never
// waited on forever.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace sluice::core {

enum class ThreadState { running, stopping, past_deadline };
const char* to_string(ThreadState s);

struct ThreadInfo {
  std::string component_id;
  std::string component_type;
  std::string name;
  double age_seconds = 0;
  ThreadState state = ThreadState::running;
  std::thread::id id;  // tells a thread that lived on from a new one of the same name
};

// The stop signal of one instance, shared by its threads, in the three forms a thread may
// need: a std::stop_token, an interruptible sleep, and a descriptor for poll().
class StopSignal {
 public:
  ~StopSignal();
  void request();
  bool requested() const { return source_.stop_requested(); }
  std::stop_token token() const { return source_.get_token(); }
  // Returns true when stop was requested before the time-out.
  bool wait_for(std::chrono::milliseconds timeout);
  // An eventfd made on first use, readable once stop is requested.
  int fd();

 private:
  std::stop_source source_;
  std::mutex mutex_;
  std::condition_variable_any cv_;
  int fd_ = -1;
};

class ThreadLedger {
 public:
  ThreadLedger(std::string component_id, std::string component_type);
  ~ThreadLedger();
  ThreadLedger(const ThreadLedger&) = delete;
  ThreadLedger& operator=(const ThreadLedger&) = delete;

  // Starts a thread; refused once stop has been requested.
  bool spawn(const std::string& name, std::function<void(StopSignal&)> fn);
  void request_stop();
  // Waits until every thread has returned or the deadline passes, and joins those that have.
  // Returns the names of the threads still running. With abandon_late they are detached and
  // marked past their deadline (they keep what they use alive); without, they stay joinable.
  std::vector<std::string> join_until(std::chrono::steady_clock::time_point deadline,
                                      bool abandon_late = true);

  uint64_t spawned() const;
  uint64_t joined() const;
  StopSignal& stop_signal();

  // Every thread of every live ledger, for /debug/threads.
  static std::vector<ThreadInfo> all_threads();

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace sluice::core
