// Which inbox batches a push request carries, so that each is finished once every request
// holding some of its records has been answered, with the worst outcome among them.
#pragma once

#include <memory>
#include <string>
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

class Delivery {
 public:
  explicit Delivery(sluice::Context& ctx) : ctx_(ctx) {}

  // The request being built holds records of held.
  void holds(const std::shared_ptr<HeldBatch>& held) {
    if (!current_.empty() && current_.back() == held) return;
    ++held->requests;
    current_.push_back(held);
  }
  // All of held's records have been added (or dropped): it may be finished.
  void filled(const std::shared_ptr<HeldBatch>& held) {
    held->filling = false;
    finish_if_done(*held);
  }
  // The request was answered (or given up on) with outcome.
  void answered(sluice_outcome_t outcome, const std::string& reason) {
    for (auto& held : current_) {
      held->worsen(outcome, reason);
      --held->requests;
      finish_if_done(*held);
    }
    current_.clear();
  }

 private:
  void finish_if_done(HeldBatch& held) {
    if (held.filling || held.requests > 0 || !held.batch) return;
    ctx_.finish(held.batch, held.outcome, held.reason);
  }

  sluice::Context& ctx_;
  std::vector<std::shared_ptr<HeldBatch>> current_;
};

}  // namespace loki_sink
