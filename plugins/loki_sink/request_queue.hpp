// Requests handed from the builder to max_concurrency senders. At most `slots` requests are
// queued or being sent at once, so memory stays bounded while Loki is slow: the builder
// waits for a slot, and so stops taking from its inbox.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "sender.hpp"

namespace loki_sink {

class RequestQueue {
 public:
  explicit RequestQueue(size_t slots) : slots_(slots) {}

  // Waits for a free slot. A sender frees one in done(); stop makes the senders give up
  // their requests quickly, so this wait ends under stop too. False once closed: the
  // request was not taken.
  bool push(Request& request) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return closed_ || outstanding_ < slots_; });
    if (closed_) return false;
    ++outstanding_;
    queue_.push_back(std::move(request));
    work_.notify_one();
    return true;
  }
  // The next request, or nothing once closed and empty.
  std::optional<Request> pop() {
    std::unique_lock lock(mutex_);
    work_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    Request r = std::move(queue_.front());
    queue_.pop_front();
    return r;
  }
  void done() {
    std::lock_guard lock(mutex_);
    --outstanding_;
    room_.notify_one();
  }
  // No more requests: the senders end once the queue is empty.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    work_.notify_all();
    room_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable room_;
  std::condition_variable work_;
  std::deque<Request> queue_;
  size_t slots_;
  size_t outstanding_ = 0;
  bool closed_ = false;
};

}  // namespace loki_sink
