#include "runtime/fan_out.hpp"

#include <algorithm>
#include <utility>

#include "runtime/graph_node.hpp"

namespace sluice::core {

void FanOut::set(Targets targets) {
  auto next = std::make_shared<const Targets>(std::move(targets));
  std::lock_guard lock(mutex_);
  targets_ = std::move(next);
}

std::shared_ptr<const FanOut::Targets> FanOut::targets() {
  std::lock_guard lock(mutex_);
  return targets_;
}

bool FanOut::deliver(std::unique_ptr<Batch> batch, std::stop_token stop) {
  auto now = targets();
  if (batch->size() == 0 || now->empty()) {
    batch->finish(SLUICE_OUTCOME_DELIVERED);
    return true;
  }
  std::vector<const GraphNode*> served;  // took their copy, or were removed
  auto was_served = [&](const GraphNode* n) {
    return std::find(served.begin(), served.end(), n) != served.end();
  };
  while (true) {
    std::vector<GraphNode*> todo;
    for (const auto& t : *now) {
      if (!was_served(t.get())) todo.push_back(t.get());
    }
    if (todo.empty()) {
      batch->finish(SLUICE_OUTCOME_DELIVERED);
      return true;
    }
    // Copies for all but the last target; the last takes the batch itself unless a copy was
    // turned away by a removed node, which then needs the batch for another round. A copy not
    // taken fails back to the source, and so does the batch if we return early.
    bool turned_away = false;
    for (size_t i = 0; i < todo.size(); ++i) {
      bool last = i + 1 == todo.size();
      auto copy = last && !turned_away ? std::exchange(batch, nullptr) : batch->share();
      auto r = offer(*todo[i], copy, stop);
      if (r == Offered::stopped) return false;
      served.push_back(todo[i]);
      if (r == Offered::removed) {
        turned_away = true;
        if (!batch) batch = std::move(copy);
      }
    }
    if (!turned_away) return true;
    now = targets();
  }
}

FanOut::Offered FanOut::offer(GraphNode& to, std::unique_ptr<Batch>& copy,
                              const std::stop_token& stop) {
  const auto& counters = to.counters;
  size_t n = copy->size();
  bool taken = false;
  if (to.when_full.load() == WhenFull::drop_newest) {
    taken = to.inbox->try_push(copy);
    if (!taken && !to.removed.load()) {
      // Dropped on purpose, and counted: it is finished, not failed.
      counters.discarded->Increment(static_cast<double>(n));
      copy->finish(SLUICE_OUTCOME_DELIVERED);
      copy.reset();
      return Offered::taken;
    }
  } else {
    taken = to.inbox->push(copy, stop);
  }
  if (counters.queue_events != nullptr) {
    counters.queue_events->Set(static_cast<double>(to.inbox->events()));
    counters.queue_bytes->Set(static_cast<double>(to.inbox->bytes()));
  }
  if (taken) return Offered::taken;
  return to.removed.load() && !stop.stop_requested() ? Offered::removed : Offered::stopped;
}

}  // namespace sluice::core
