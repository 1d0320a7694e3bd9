#include "lifecycle/thread_ledger.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

namespace sluice::core {

const char* to_string(ThreadState s) {
  switch (s) {
    case ThreadState::running: return "running";
    case ThreadState::stopping: return "stopping";
    case ThreadState::past_deadline: return "past_deadline";
  }
  return "?";
}

StopSignal::~StopSignal() {
  if (fd_ >= 0) ::close(fd_);
}

void StopSignal::request() {
  std::lock_guard lock(mutex_);
  source_.request_stop();
  if (fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
  }
  cv_.notify_all();
}

bool StopSignal::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  auto token = source_.get_token();
  cv_.wait_for(lock, token, timeout, [] { return false; });
  return token.stop_requested();
}

int StopSignal::fd() {
  std::lock_guard lock(mutex_);
  if (fd_ < 0) {
    fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd_ >= 0 && source_.stop_requested()) {
      uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
    }
  }
  return fd_;
}

struct ThreadLedger::Shared {
  struct Entry {
    std::string name;
    std::chrono::steady_clock::time_point started;
    std::thread thread;
    bool returned = false;
    ThreadState state = ThreadState::running;
  };
  std::string component_id;
  std::string component_type;
  StopSignal stop;
  mutable std::mutex mutex;
  std::condition_variable returned_cv;
  std::list<Entry> entries;  // list: entries keep their address while threads refer to them
  uint64_t spawned = 0;
  uint64_t joined = 0;
};

namespace {
std::mutex registry_mutex;
std::list<std::weak_ptr<void>>& registry() {
  static auto* r = new std::list<std::weak_ptr<void>>();
  return *r;
}
}  // namespace

ThreadLedger::ThreadLedger(std::string component_id, std::string component_type)
    : shared_(std::make_shared<Shared>()) {
  shared_->component_id = std::move(component_id);
  shared_->component_type = std::move(component_type);
  std::lock_guard lock(registry_mutex);
  registry().push_back(shared_);
}

ThreadLedger::~ThreadLedger() {
  request_stop();
  join_until(std::chrono::steady_clock::now());
}

bool ThreadLedger::spawn(const std::string& name, std::function<void(StopSignal&)> fn) {
  std::lock_guard lock(shared_->mutex);
  if (shared_->stop.requested()) return false;
  auto& entry = shared_->entries.emplace_back();
  entry.name = name;
  entry.started = std::chrono::steady_clock::now();
  // The thread holds the shared state, so a thread that outlives its ledger (a violation)
  // still has its stop signal and entry to write to.
  entry.thread = std::thread([shared = shared_, e = &entry, fn = std::move(fn)]() mutable {
    ::pthread_setname_np(::pthread_self(), e->name.substr(0, 15).c_str());
    fn(shared->stop);
    fn = nullptr;  // release what the function holds before announcing the return
    std::lock_guard lock(shared->mutex);
    e->returned = true;
    shared->returned_cv.notify_all();
  });
  ++shared_->spawned;
  return true;
}

void ThreadLedger::request_stop() {
  shared_->stop.request();
  std::lock_guard lock(shared_->mutex);
  for (auto& e : shared_->entries) {
    if (e.state == ThreadState::running) e.state = ThreadState::stopping;
  }
}

std::vector<std::string> ThreadLedger::join_until(std::chrono::steady_clock::time_point deadline,
                                                  bool abandon_late) {
  std::unique_lock lock(shared_->mutex);
  auto all_returned = [&] {
    return std::all_of(shared_->entries.begin(), shared_->entries.end(),
                       [](const Shared::Entry& e) { return e.returned || !e.thread.joinable(); });
  };
  shared_->returned_cv.wait_until(lock, deadline, all_returned);
  std::vector<std::string> late;
  for (auto it = shared_->entries.begin(); it != shared_->entries.end();) {
    if (it->returned) {
      if (it->thread.joinable()) it->thread.join();
      ++shared_->joined;
      it = shared_->entries.erase(it);
    } else {
      if (abandon_late) {
        if (it->thread.joinable()) it->thread.detach();
        it->state = ThreadState::past_deadline;
      }
      late.push_back(it->name);
      ++it;
    }
  }
  return late;
}

uint64_t ThreadLedger::spawned() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->spawned;
}

uint64_t ThreadLedger::joined() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->joined;
}

StopSignal& ThreadLedger::stop_signal() {
  return shared_->stop;
}

std::vector<ThreadInfo> ThreadLedger::all_threads() {
  std::vector<std::shared_ptr<Shared>> live;
  {
    std::lock_guard lock(registry_mutex);
    auto& r = registry();
    for (auto it = r.begin(); it != r.end();) {
      if (auto p = it->lock()) {
        live.push_back(std::static_pointer_cast<Shared>(p));
        ++it;
      } else {
        it = r.erase(it);
      }
    }
  }
  std::vector<ThreadInfo> out;
  auto now = std::chrono::steady_clock::now();
  for (const auto& s : live) {
    std::lock_guard lock(s->mutex);
    for (const auto& e : s->entries) {
      if (e.returned) continue;
      out.push_back({s->component_id, s->component_type, e.name,
                     std::chrono::duration<double>(now - e.started).count(), e.state,
                     e.thread.get_id()});
    }
  }
  return out;
}

}  // namespace sluice::core
