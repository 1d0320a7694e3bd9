// The core thread that runs a processor: takes batches from the node's inbox, has the plugin
// process them, and sends them on through the node's output.
#pragma once

#include <stop_token>

#include "lifecycle/thread_ledger.hpp"

namespace sluice::core {

struct GraphNode;
class PluginInstance;

// Starts the worker of a processor node on the node's worker ledger (made anew).
void start_processor_worker(GraphNode& node);

// Leaves after the batch at hand once leave is requested, at once on stop, and when the
// inbox is closed and empty.
void run_processor_worker(GraphNode& node, PluginInstance& instance, const std::stop_source& leave,
                          StopSignal& stop);

}  // namespace sluice::core
