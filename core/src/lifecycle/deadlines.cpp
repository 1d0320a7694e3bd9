#include "lifecycle/deadlines.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace sluice::core {

std::optional<int> call_within(std::chrono::milliseconds deadline, std::function<int()> call) {
  struct Call {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    int result = 0;
  };
  // Shared with the helper, which may outlive this function if the call never returns.
  auto state = std::make_shared<Call>();
  std::thread helper([state, call = std::move(call)] {
    int r = call();
    std::lock_guard lock(state->mutex);
    state->result = r;
    state->done = true;
    state->cv.notify_all();
  });
  std::unique_lock lock(state->mutex);
  bool done = state->cv.wait_for(lock, deadline, [&] { return state->done; });
  lock.unlock();
  if (!done) {
    helper.detach();
    return std::nullopt;
  }
  helper.join();
  return state->result;
}

bool join_by_deadlines(ThreadLedger& worker, std::chrono::steady_clock::time_point drain_until,
                       std::chrono::milliseconds stop_deadline) {
  if (worker.join_until(drain_until, false).empty()) return true;
  worker.request_stop();
  return worker.join_until(std::chrono::steady_clock::now() + stop_deadline, true).empty();
}

}  // namespace sluice::core
