#include "runtime/batch_queue.hpp"

#include <algorithm>
#include <optional>

namespace sluice::core {

namespace {
// Wakes the waiters on cv when stop is requested. Made while the lock is not held: if stop
// was already requested, the callback runs at once, in the constructor, and takes the lock.
// Declared before the lock, so that it is destroyed after the lock is released: its
// destructor waits for a callback in flight, which may be waiting for that lock.
struct NotifyOnStop {
  std::mutex* mutex;
  std::condition_variable* cv;
  void operator()() const {
    std::lock_guard lock(*mutex);
    cv->notify_all();
  }
};
using WakeOnStop = std::optional<std::stop_callback<NotifyOnStop>>;
}  // namespace

size_t BatchQueue::weight(const Batch& batch) {
  return batch.line_bytes() + batch.size() * sizeof(sluice_record_t);
}

void BatchQueue::admit(std::unique_ptr<Batch>& batch, size_t bytes) {
  events_ += batch->size();
  bytes_ += bytes;
  peak_ = std::max(peak_, events_.load());
  peak_bytes_ = std::max(peak_bytes_, bytes_.load());
  items_.push_back({std::move(batch), bytes});
}

bool BatchQueue::push(std::unique_ptr<Batch>& batch, const std::stop_token& stop) {
  const size_t n = batch->size();
  const size_t bytes = weight(*batch);
  bool wake;
  {
    WakeOnStop wake_on_stop;
    std::unique_lock lock(mutex_);
    if (!closed_ && !fits(n, bytes)) {
      lock.unlock();
      wake_on_stop.emplace(stop, NotifyOnStop{&mutex_, &not_full_});
      lock.lock();
      ++producers_waiting_;
      not_full_.wait(lock, [&] { return closed_ || fits(n, bytes) || stop.stop_requested(); });
      --producers_waiting_;
    }
    if (closed_ || !fits(n, bytes)) return false;
    admit(batch, bytes);
    wake = consumer_should_wake();
  }
  if (wake) not_empty_.notify_one();
  return true;
}

bool BatchQueue::try_push(std::unique_ptr<Batch>& batch) {
  const size_t bytes = weight(*batch);
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || !fits(batch->size(), bytes)) return false;
    admit(batch, bytes);
    wake = consumer_should_wake();
  }
  if (wake) not_empty_.notify_one();
  return true;
}

BatchQueue::Pop BatchQueue::pop(std::unique_ptr<Batch>& out, std::chrono::milliseconds timeout,
                                const std::stop_token& stop) {
  bool wake;
  {
    WakeOnStop wake_on_stop;
    std::unique_lock lock(mutex_);
    if (!closed_ && items_.empty() && !stop.stop_requested() && timeout.count() > 0) {
      lock.unlock();
      wake_on_stop.emplace(stop, NotifyOnStop{&mutex_, &not_empty_});
      lock.lock();
      auto deadline = std::chrono::steady_clock::now() + timeout;
      if (streaming_) {
        // Batches came one after another: rather than sleep and be woken for each, let a
        // few gather for up to linger_, unless half the room fills first.
        ++consumers_lingering_;
        not_empty_.wait_for(lock, std::min(timeout, linger_),
                            [&] { return closed_ || half_full() || stop.stop_requested(); });
        --consumers_lingering_;
        streaming_ = !items_.empty();
      }
      if (items_.empty() && !closed_ && !stop.stop_requested()) {
        ++consumers_waiting_;
        not_empty_.wait_until(lock, deadline,
                              [&] { return closed_ || !items_.empty() || stop.stop_requested(); });
        --consumers_waiting_;
      }
    }
    if (stop.stop_requested()) return Pop::closed;
    if (items_.empty()) return closed_ ? Pop::closed : Pop::timeout;
    streaming_ = true;
    out = std::move(items_.front().batch);
    bytes_ -= items_.front().bytes;
    items_.pop_front();
    events_ -= out->size();
    // Producers wake once half the room is free, not for every batch taken: they then push
    // several batches in a row instead of trading one wake-up per batch with the consumer.
    wake = producers_waiting_ > 0 && (half_free() || items_.empty());
  }
  if (wake) not_full_.notify_all();
  return Pop::item;
}

void BatchQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  not_full_.notify_all();
  not_empty_.notify_all();
}

void BatchQueue::clear() {
  std::deque<Item> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(items_);
    events_ = 0;
    bytes_ = 0;
  }
  not_full_.notify_all();
}

void BatchQueue::set_max_events(size_t max_events) {
  {
    std::lock_guard lock(mutex_);
    max_events_ = max_events;
  }
  not_full_.notify_all();
}

void BatchQueue::set_max_bytes(size_t max_bytes) {
  {
    std::lock_guard lock(mutex_);
    max_bytes_ = max_bytes;
  }
  not_full_.notify_all();
}

size_t BatchQueue::bytes() const {
  return bytes_.load(std::memory_order_relaxed);
}

size_t BatchQueue::events() const {
  return events_.load(std::memory_order_relaxed);
}

int BatchQueue::producers_waiting() const {
  std::lock_guard lock(mutex_);
  return producers_waiting_;
}

int BatchQueue::consumers_lingering() const {
  std::lock_guard lock(mutex_);
  return consumers_lingering_;
}

size_t BatchQueue::peak_events() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

size_t BatchQueue::peak_bytes() const {
  std::lock_guard lock(mutex_);
  return peak_bytes_;
}

}  // namespace sluice::core
