#include "runtime/batch_queue.hpp"

#include <algorithm>

namespace sluice::core {

void BatchQueue::admit(std::unique_ptr<Batch>& batch) {
  events_ += batch->size();
  peak_ = std::max(peak_, events_);
  items_.push_back(std::move(batch));
  if (consumers_waiting_ > 0) not_empty_.notify_one();
}

bool BatchQueue::push(std::unique_ptr<Batch>& batch, const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  size_t n = batch->size();
  if (!closed_ && !fits(n)) {
    ++producers_waiting_;
    bool woke = not_full_.wait(lock, stop, [&] { return closed_ || fits(n); });
    --producers_waiting_;
    if (!woke) return false;
  }
  if (closed_) return false;
  admit(batch);
  return true;
}

bool BatchQueue::try_push(std::unique_ptr<Batch>& batch) {
  std::lock_guard lock(mutex_);
  if (closed_ || !fits(batch->size())) return false;
  admit(batch);
  return true;
}

BatchQueue::Pop BatchQueue::pop(std::unique_ptr<Batch>& out, std::chrono::milliseconds timeout,
                                const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  bool ready = closed_ || !items_.empty();
  if (!ready) {
    ++consumers_waiting_;
    ready = not_empty_.wait_for(lock, stop, timeout, [&] { return closed_ || !items_.empty(); });
    --consumers_waiting_;
  }
  if (stop.stop_requested()) return Pop::closed;
  if (!ready) return Pop::timeout;
  if (items_.empty()) return Pop::closed;
  out = std::move(items_.front());
  items_.pop_front();
  events_ -= out->size();
  // Producers wake once half the room is free, not for every batch taken: they then push
  // several batches in a row instead of trading one wake-up per batch with the consumer.
  if (producers_waiting_ > 0 && (events_ <= max_events_ / 2 || items_.empty())) {
    not_full_.notify_all();
  }
  return Pop::item;
}

void BatchQueue::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  not_full_.notify_all();
  not_empty_.notify_all();
}

void BatchQueue::clear() {
  std::deque<std::unique_ptr<Batch>> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(items_);
    events_ = 0;
    not_full_.notify_all();
  }
}

size_t BatchQueue::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

size_t BatchQueue::peak_events() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

}  // namespace sluice::core
