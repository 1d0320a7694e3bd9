// The engine: finds the plugins, builds the graph from a pipeline config, serves the API,
// and runs until stopped.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/pipeline_config.hpp"
#include "observability/api_server.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_catalog.hpp"
#include "runtime/graph.hpp"

namespace sluice::core {

struct EngineOptions {
  std::vector<std::string> plugin_dirs;  // from --plugin-dir, searched first
  bool serve_api = true;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();

  // Finds the plugins and configures every node; every error goes to diags.
  bool load(PipelineConfig config, Diagnostics& diags);
  // Starts the graph and the API server; false with error set on failure.
  bool start(std::string& error);
  void stop();

  // Called (from any thread) when a lifecycle violation is recorded.
  void set_violation_handler(std::function<void()> handler) { on_violation_ = std::move(handler); }
  bool violated() const { return violations_.load() > 0; }

  Metrics& metrics() { return metrics_; }
  const PluginCatalog& catalog() const { return catalog_; }
  Graph* graph() { return graph_.get(); }
  unsigned short api_port() const { return api_ ? api_->port() : 0; }
  ApiResponse handle_api(const std::string& method, const std::string& target);

 private:
  EngineOptions options_;
  Metrics metrics_;
  PluginCatalog catalog_;
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<ApiServer> api_;
  std::atomic<bool> running_{false};
  std::atomic<int> violations_{0};
  std::function<void()> on_violation_;
};

// /debug/threads: every spawned thread with its component, name, age and state.
std::string threads_json();

}  // namespace sluice::core
