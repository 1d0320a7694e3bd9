// The running graph: one plugin instance per node, a bounded inbox in front of every
// processor and sink, fan-out on every edge (fan_out.hpp), and a core worker per processor
// (processor_worker.hpp). A reload turns it into the graph of a new config in place,
// restarting only the nodes that changed (reload/reload_plan.hpp decides which,
// reload/graph_reload.cpp applies it).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/pipeline_config.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_catalog.hpp"
#include "reload/reload_plan.hpp"
#include "runtime/graph_node.hpp"
#include "runtime/plugin_instance.hpp"

namespace sluice::core {

// What a reload did to each node, by id.
struct ReloadReport {
  std::vector<std::string> added, removed, changed, kept;
  std::vector<std::string> failed_to_start;
};

// A node as /debug/graph shows it.
struct NodeInfo {
  std::string id;
  NodeKind kind = NodeKind::source;
  std::string type;
  std::string library;  // the plugin file
  std::vector<std::string> inputs;
  InstanceState state = InstanceState::loaded;
};

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
  // Becomes the graph of next, while running. Every node of next is configured first, beside
  // the running ones; on any error (into diags) nothing running is touched and false is
  // returned. Then nodes that are the same (type, plugin file, settings, inputs) keep running
  // untouched; nodes that went drain and stop; changed nodes finish what they hold, stop, and
  // their successor takes over their inbox; new nodes start. Draining is bounded by next's
  // drain deadline.
  bool reload(PipelineConfig next, const PluginCatalog& catalog, Diagnostics& diags,
              ReloadReport& report);
  // Stops sources, lets what is queued drain into the sinks within the drain deadline, stops
  // processors and sinks, and destroys every instance. Safe to call twice.
  void stop();

  void set_violation_handler(const std::function<void()>& handler);
  void set_end_run_handler(const std::function<void(const std::string&)>& handler);
  const PipelineConfig& config() const { return config_; }
  // The instance of a node, for tests and the API; null if unknown.
  PluginInstance* instance(const std::string& id) const;
  const BatchQueue* inbox(const std::string& id) const;
  std::vector<NodeInfo> describe() const;

 private:
  using Node = GraphNode;
  using NodePtr = std::shared_ptr<GraphNode>;
  // One node of the next config during a reload: the running node it keeps or changes, or a
  // new one, and for a changed node the configured instance that takes over.
  struct Staged {
    const PlannedNode* plan = nullptr;
    NodePtr node;
    std::unique_ptr<PluginInstance> successor;
    NodeConfig config;
    std::shared_ptr<const PluginLibrary> library;
  };
  struct Reload {
    ReloadPlan plan;
    std::vector<Staged> next;  // in the next config's order
    std::vector<NodePtr> gone;
    std::chrono::steady_clock::time_point drain_until;
    Fate fate_of(const NodePtr& node) const { return plan.fate_of_running(node->config.id); }
  };

  std::shared_ptr<const PluginLibrary> library_for(const NodeConfig& nc,
                                                   const PluginCatalog& catalog,
                                                   Diagnostics& diags) const;
  std::unique_ptr<PluginInstance> make_instance(const NodeConfig& nc,
                                                std::shared_ptr<const PluginLibrary> library,
                                                Diagnostics& diags,
                                                const std::string& data_dir) const;
  NodePtr make_node(const NodeConfig& nc, std::unique_ptr<PluginInstance> instance,
                    std::shared_ptr<const PluginLibrary> library) const;
  static void wire(const std::vector<NodePtr>& nodes);
  bool start_node(Node& node);
  void drain_and_stop(Node& node, std::chrono::steady_clock::time_point drain_until);
  void hand_over(Node& node, std::chrono::steady_clock::time_point drain_until);
  void stop_worker(Node& node, std::chrono::steady_clock::time_point drain_until);

  // The phases of a reload (reload/graph_reload.cpp), in the order they run.
  bool stage(const PipelineConfig& next, const PluginCatalog& catalog, Diagnostics& diags,
             Reload& r);
  void stop_reading(const Reload& r);
  void rewire(const Reload& r);
  void drain_upstream_first(const Reload& r);
  void await_acknowledgements(const Reload& r);
  void hand_over_to_successors(Reload& r);
  void start_staged(Reload& r, ReloadReport& report);

  PipelineConfig config_;
  Metrics& metrics_;
  std::vector<NodePtr> nodes_;  // in the config's order: inputs first
  std::function<void()> on_violation_;
  std::function<void(const std::string&)> on_end_run_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace sluice::core
