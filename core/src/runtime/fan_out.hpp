// Hands each downstream node its copy of a batch. A reload may change where it leads while a
// delivery is on its way: a copy that reaches a node the reload removed goes instead to the
// nodes the graph leads to now and had not had it.
#pragma once

#include <memory>
#include <mutex>
#include <stop_token>
#include <vector>

#include "runtime/plugin_instance.hpp"

namespace sluice::core {

struct GraphNode;

class FanOut final : public Output {
 public:
  using Targets = std::vector<std::shared_ptr<GraphNode>>;
  void set(Targets targets);
  bool deliver(std::unique_ptr<Batch> batch, std::stop_token stop) override;

 private:
  enum class Offered { taken, removed, stopped };
  std::shared_ptr<const Targets> targets();
  // Leaves the copy with the caller unless it was taken.
  static Offered offer(GraphNode& to, std::unique_ptr<Batch>& copy, const std::stop_token& stop);
  std::mutex mutex_;
  std::shared_ptr<const Targets> targets_ = std::make_shared<const Targets>();
};

}  // namespace sluice::core
