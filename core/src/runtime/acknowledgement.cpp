#include "runtime/acknowledgement.hpp"

namespace sluice::core {

void AckTarget::deliver(uint64_t cookie, sluice_outcome_t outcome) {
  {
    std::shared_lock lock(detach_mutex_);
    if (!detached_ && descriptor_->on_ack != nullptr) descriptor_->on_ack(self_, cookie, outcome);
  }
  if (in_flight_.fetch_sub(1) == 1) {
    std::lock_guard lock(idle_mutex_);
    idle_cv_.notify_all();
  }
}

void AckTarget::detach() {
  std::unique_lock lock(detach_mutex_);
  detached_ = true;
}

bool AckTarget::wait_idle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(idle_mutex_);
  return idle_cv_.wait_until(lock, deadline, [&] { return in_flight_.load() == 0; });
}

void AckState::complete(sluice_outcome_t outcome) {
  int current = worst_.load();
  while (outcome > current && !worst_.compare_exchange_weak(current, outcome)) {
  }
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1 && target_) {
    target_->deliver(cookie_, static_cast<sluice_outcome_t>(worst_.load()));
  }
}

}  // namespace sluice::core
