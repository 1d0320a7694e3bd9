// A bounded queue of batches between two nodes, bounded in records and in bytes rather than
// in batches: a bound in records alone lets a queue of long lines grow to gigabytes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stop_token>

#include "runtime/batch.hpp"

namespace sluice::core {

class BatchQueue {
 public:
  // linger: how long a consumer that has just taken a batch waits for more to gather before
  // it is woken (see pop).
  explicit BatchQueue(size_t max_events, size_t max_bytes = default_max_bytes,
                      std::chrono::milliseconds linger = std::chrono::milliseconds(1))
      : max_events_(max_events), max_bytes_(max_bytes), linger_(linger) {}

  static constexpr size_t default_max_bytes = size_t{64} << 20;
  // What a batch weighs against max_bytes: its lines and a fixed cost per record.
  static size_t weight(const Batch& batch);

  // Waits while the queue is full (in records or in bytes). A batch larger than the whole bound is
  // let in alone, into an empty queue, so that it cannot wait forever. Returns false, leaving the
  // batch with the caller, when stop is requested or the queue is closed.
  bool push(std::unique_ptr<Batch>& batch, const std::stop_token& stop);
  // As push, but returns false at once when the batch does not fit.
  bool try_push(std::unique_ptr<Batch>& batch);

  enum class Pop { item, timeout, closed };
  // closed once the queue is closed and empty, or stop is requested. A consumer that finds
  // the queue empty right after taking a batch lingers: pushes do not wake it until half the
  // room is taken, or it wakes by itself after linger. Batches that stream in are then taken
  // several per wake-up instead of one; a batch after a pause still wakes it at once.
  Pop pop(std::unique_ptr<Batch>& out, std::chrono::milliseconds timeout,
          const std::stop_token& stop);

  // No more pushes; what is queued can still be taken.
  void close();
  // Drops what is queued (each batch fails back to its source).
  void clear();
  // A reload may change the bound of a queue that lives on; waiting producers re-check.
  void set_max_events(size_t max_events);
  void set_max_bytes(size_t max_bytes);

  size_t events() const;
  size_t bytes() const;
  // The most it held at once, in records and in bytes: what a test checks a bound against.
  size_t peak_events() const;
  size_t peak_bytes() const;
  int producers_waiting() const;
  int consumers_lingering() const;

 private:
  bool fits(size_t n, size_t bytes) const {
    return events_ == 0 || (events_ + n <= max_events_ && bytes_ + bytes <= max_bytes_);
  }
  // A lingering consumer is woken by a push only once half the room is taken (as a waiting
  // producer is woken once half is free); it wakes by itself when its linger ends. One that
  // waits idle is woken by every push.
  bool half_full() const {
    return events_ >= std::max<size_t>(1, max_events_ / 2) || bytes_ >= max_bytes_ / 2;
  }
  bool half_free() const { return events_ <= max_events_ / 2 && bytes_ <= max_bytes_ / 2; }
  bool consumer_should_wake() const {
    return consumers_waiting_ > 0 || (consumers_lingering_ > 0 && half_full());
  }
  void admit(std::unique_ptr<Batch>& batch, size_t bytes);

  struct Item {
    std::unique_ptr<Batch> batch;
    size_t bytes;
  };
  size_t max_events_;  // under mutex_
  size_t max_bytes_;   // under mutex_
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<Item> items_;
  // Changed under mutex_; atomic so that events() (a gauge, read after every push and take)
  // costs no second lock.
  std::atomic<size_t> events_{0};
  std::atomic<size_t> bytes_{0};
  size_t peak_ = 0;
  size_t peak_bytes_ = 0;
  bool closed_ = false;
  int producers_waiting_ = 0;
  int consumers_waiting_ = 0;
  int consumers_lingering_ = 0;
  // Whether the last pop took a batch: more may follow closely, so the next wait lingers.
  // A linger that ends with nothing taken means the stream paused: the consumer then waits
  // idle, and the next push wakes it at once, so a lone batch is never held back.
  bool streaming_ = false;
  std::chrono::milliseconds linger_;
};

}  // namespace sluice::core
