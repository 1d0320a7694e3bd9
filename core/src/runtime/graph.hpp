// The running graph: one plugin instance per node, a bounded inbox in front of every
// processor and sink, fan-out on every edge, and a core worker per processor.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/pipeline_config.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_catalog.hpp"
#include "runtime/plugin_instance.hpp"

namespace sluice::core {

class Graph {
 public:
  Graph(PipelineConfig config, Metrics& metrics);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Creates and configures every node's instance; every error goes to diags.
  bool build(const PluginCatalog& catalog, Diagnostics& diags);
  // Starts sinks, then processors, then sources, so nothing is emitted into a void.
  bool start();
  // Stops sources, lets what is queued drain into the sinks within the drain deadline, stops
  // processors and sinks, and destroys every instance. Safe to call twice.
  void stop();

  void set_violation_handler(const std::function<void()>& handler);
  const PipelineConfig& config() const { return config_; }
  // The instance of a node, for tests and the API; null if unknown.
  PluginInstance* instance(const std::string& id) const;
  const BatchQueue* inbox(const std::string& id) const;

 private:
  struct Node;
  class FanOut;
  void run_worker(Node& node, StopSignal& stop);

  PipelineConfig config_;
  Metrics& metrics_;
  std::vector<std::unique_ptr<Node>> nodes_;  // in the config's order: inputs first
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace sluice::core
