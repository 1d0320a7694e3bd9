// One node's place in the running graph. Its inbox and output outlive the instance: a changed
// node's successor takes them over at a reload, so nothing queued for it is lost and its edges
// stay.
#pragma once

#include <atomic>
#include <memory>
#include <stop_token>
#include <string>

#include "config/pipeline_config.hpp"
#include "lifecycle/thread_ledger.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_library.hpp"
#include "runtime/batch_queue.hpp"
#include "runtime/fan_out.hpp"
#include "runtime/plugin_instance.hpp"

namespace sluice::core {

struct GraphNode {
  NodeConfig config;
  std::shared_ptr<const PluginLibrary> library;
  ComponentMetrics counters;  // the same series for every instance of this id and type
  std::unique_ptr<PluginInstance> instance;
  std::unique_ptr<BatchQueue> inbox;
  std::unique_ptr<FanOut> output;
  std::unique_ptr<ThreadLedger> worker;  // processors: the core thread that runs on_process
  std::stop_source leave_after_batch;    // processors: the worker leaves after its batch
  std::atomic<WhenFull> when_full{WhenFull::block};
  std::atomic<bool> removed{false};  // by a reload: copies on their way are dropped by intent

  // The inbox's bounds, set at start and at a reload, and shown beside its fill.
  void bound_inbox(size_t max_events, size_t max_bytes) {
    if (!inbox) return;
    inbox->set_max_events(max_events);
    inbox->set_max_bytes(max_bytes);
    if (counters.queue_max_events != nullptr) {
      counters.queue_max_events->Set(static_cast<double>(max_events));
      counters.queue_max_bytes->Set(static_cast<double>(max_bytes));
    }
  }

  // Whether a thread of this node outlived its deadline: its memory must then never be freed.
  bool has_stray_threads() const {
    return instance->state() == InstanceState::violated ||
           (worker && worker->spawned() != worker->joined());
  }
};

}  // namespace sluice::core
