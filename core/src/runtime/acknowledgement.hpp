// End-to-end acknowledgements: the one place where a batch's fate is decided and handed back
// to the source that emitted it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "sluice/abi.h"

namespace sluice::core {

// The source end: calls the plugin's on_ack until detached, and counts what is in flight.
class AckTarget {
 public:
  AckTarget(const sluice_plugin_descriptor_t* descriptor, sluice_instance_plugin_ptr self)
      : descriptor_(descriptor), self_(self) {}

  void deliver(uint64_t cookie, sluice_outcome_t outcome);
  // After this returns no on_ack call is running or will start: the instance may be destroyed.
  void detach();

  void batch_emitted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  int64_t in_flight() const { return in_flight_.load(); }
  // Waits until every emitted batch is finished, or the deadline passes.
  bool wait_idle(std::chrono::steady_clock::time_point deadline);

 private:
  const sluice_plugin_descriptor_t* descriptor_;
  sluice_instance_plugin_ptr self_;
  std::shared_mutex detach_mutex_;
  bool detached_ = false;
  std::atomic<int64_t> in_flight_{0};
  std::mutex idle_mutex_;
  std::condition_variable idle_cv_;
};

// Shared by every copy of one emitted batch. Completes when each copy is finished; the
// worst outcome wins (failed over rejected over delivered).
class AckState {
 public:
  AckState(std::shared_ptr<AckTarget> target, uint64_t cookie)
      : target_(std::move(target)), cookie_(cookie) {
    if (target_) target_->batch_emitted();
  }
  void add_copies(int n) { pending_.fetch_add(n, std::memory_order_relaxed); }
  void complete(sluice_outcome_t outcome);

 private:
  std::shared_ptr<AckTarget> target_;
  uint64_t cookie_;
  std::atomic<int> pending_{1};
  std::atomic<int> worst_{SLUICE_OUTCOME_DELIVERED};
};

}  // namespace sluice::core
