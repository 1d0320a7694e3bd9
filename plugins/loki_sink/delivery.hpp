// Which inbox batches a push request carries, so that each is finished once every request
// holding some of its records has been answered, with the worst outcome among them. The
// builder adds, senders answer, possibly at once: a mutex keeps the counts.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "sluice/context.hpp"

namespace loki_sink {

struct HeldBatch {
  sluice::Batch batch;
  unsigned requests = 0;  // requests not yet answered that hold some of its records
  bool filling = true;    // its records are still being added to requests
  sluice_outcome_t outcome = SLUICE_OUTCOME_DELIVERED;
  std::string reason;

  void worsen(sluice_outcome_t o, const std::string& why) {
    if (o > outcome) {
      outcome = o;
      reason = why;
    }
  }
};

using HeldList = std::vector<std::shared_ptr<HeldBatch>>;

class Delivery {
 public:
  explicit Delivery(const sluice::Context& ctx) : ctx_(ctx) {}

  // The request being built holds records of held.
  void holds(const std::shared_ptr<HeldBatch>& held) {
    if (!current_.empty() && current_.back() == held) return;
    std::lock_guard lock(mutex_);
    ++held->requests;
    current_.push_back(held);
  }
  // Before the records are added: a record dropped on the way makes the batch's outcome worse.
  void worsen(HeldBatch& held, sluice_outcome_t o, const std::string& why) {
    std::lock_guard lock(mutex_);
    held.worsen(o, why);
  }
  // All of held's records have been added (or dropped): it may be finished.
  void filled(const std::shared_ptr<HeldBatch>& held) {
    std::lock_guard lock(mutex_);
    held->filling = false;
    finish_if_done(*held);
  }
  // The batches the request being built holds; the next request starts empty.
  HeldList take_current() { return std::exchange(current_, {}); }
  // A request was answered (or given up on) with outcome.
  void answered(HeldList& held_list, sluice_outcome_t outcome, const std::string& reason) {
    std::lock_guard lock(mutex_);
    for (auto& held : held_list) {
      held->worsen(outcome, reason);
      --held->requests;
      finish_if_done(*held);
    }
    held_list.clear();
  }

 private:
  void finish_if_done(HeldBatch& held) {
    if (held.filling || held.requests > 0 || !held.batch) return;
    ctx_.finish(held.batch, held.outcome, held.reason);
  }

  const sluice::Context& ctx_;
  std::mutex mutex_;
  HeldList current_;  // the builder's alone
};

}  // namespace loki_sink
