// Batches pass from the reading thread to the emitting thread here. The reading thread
// never blocks: while the queue is full its streams stop reading, and the daemon keeps the
// logs (the engine's backpressure reaches Docker's log files, not our memory).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "positions.hpp"
#include "sluice/batch_builder.hpp"
#include "sluice/context.hpp"
#include "sluice/records.hpp"

namespace docker_source {

struct OutBatch {
  OutBatch(const sluice::Context& ctx, uint64_t cookie)
      : builder(ctx.batch_builder()), cookie(cookie) {}
  sluice::BatchBuilder builder;
  uint64_t cookie;
  // The label sets the records point at, alive until the emit has copied them.
  std::vector<std::shared_ptr<const sluice::LabelSet>> labels;
  // Each container's position after its last record in this batch.
  std::vector<std::pair<std::string, Position>> read_to;
};

class Handoff {
 public:
  explicit Handoff(size_t limit) : limit_(limit) {}
  bool full() const {
    std::lock_guard lock(mutex_);
    return queue_.size() >= limit_;
  }
  bool empty() const {
    std::lock_guard lock(mutex_);
    return queue_.empty();
  }
  void push(std::unique_ptr<OutBatch> b) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(b));
    }
    ready_.notify_one();
  }
  // The next batch, or null after the time-out or once closed.
  std::unique_ptr<OutBatch> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return closed_ || !queue_.empty(); });
    if (closed_ || queue_.empty()) return nullptr;
    auto b = std::move(queue_.front());
    queue_.pop_front();
    return b;
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }
  void reopen() {
    std::lock_guard lock(mutex_);
    closed_ = false;
    queue_.clear();
  }

 private:
  size_t limit_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::unique_ptr<OutBatch>> queue_;
  bool closed_ = false;
};

}  // namespace docker_source
